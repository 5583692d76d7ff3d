"""gunicorn settings: ``gunicorn --config python:liuzhou_regulation.gunicorn_conf liuzhou_regulation.wsgi``.

The access log prints each request line, query string included; the logger class puts the personal-data filter
(apps.core.logging) on gunicorn's error and access handlers, so an ID number or phone in a URL is masked there
too (rule M3).
"""

from gunicorn.glogging import Logger

from apps.core.logging import attach


class PersonalDataLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                attach(handler)


logger_class = PersonalDataLogger
accesslog = "-"
