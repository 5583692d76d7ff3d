"""Keep personal data out of logs (rule M3): identity numbers and mobile numbers in a log line are masked.

``PersonalDataFilter`` masks the formatted message (the arguments are merged into it first, so a number passed
as an argument — the request line of an access log, a query string — is masked too) and any traceback text. It
sits on every handler: the console handler and ``django.server`` (runserver's access log) in ``LOGGING``, the
gunicorn error and access logs through ``liuzhou_regulation/gunicorn_conf.py``, and ``attach_everywhere`` (run at
start-up) adds it to any other handler already configured.
"""

import logging
import re

# 18-character resident ID (the last may be X), and the old 15-digit one
_ID = re.compile(r"(?<![0-9])([1-9][0-9]{3})[0-9]{10}([0-9]{3}[0-9Xx])(?![0-9])")
_ID15 = re.compile(r"(?<![0-9])([1-9][0-9]{3})[0-9]{8}([0-9]{3})(?![0-9])")
# mainland mobile, optionally +86 / 86 / 0086 in front, optionally written 138-1234-5678 or 138 1234 5678
_MOBILE = re.compile(r"(?<![0-9])((?:\+|%2B|00)?86[- ]?)?(1[3-9][0-9])[- ]?[0-9]{4}[- ]?([0-9]{4})(?![0-9])")
# bank card and other long account numbers (16 to 19 digits)
_CARD = re.compile(r"(?<![0-9])([0-9]{4})[0-9]{8,11}([0-9]{4})(?![0-9])")


def scrub(text: str) -> str:
    text = _ID.sub(lambda m: m.group(1) + "*" * 10 + m.group(2), text)
    text = _CARD.sub(lambda m: m.group(1) + "*" * 8 + m.group(2), text)
    text = _ID15.sub(lambda m: m.group(1) + "*" * 8 + m.group(2), text)
    return _MOBILE.sub(lambda m: (m.group(1) or "") + m.group(2) + "****" + m.group(3), text)


class PersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed format: mask the pieces instead
            message = f"{record.msg} {record.args!r}"
        cleaned = scrub(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True


def attach(handler: logging.Handler) -> None:
    if not any(isinstance(f, PersonalDataFilter) for f in handler.filters):
        handler.addFilter(PersonalDataFilter())


def attach_everywhere() -> None:
    """Put the filter on every handler of every logger configured so far (the root, Django's, gunicorn's...)."""
    loggers = [logging.getLogger()] + [
        logger for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger)]
    for logger in loggers:
        for handler in logger.handlers:
            attach(handler)
