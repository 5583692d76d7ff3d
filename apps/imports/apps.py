from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    """The bulk importer: upload → preview → choice → Celery import. The apps that own registers register their
    import kinds (``apps.imports.registry.register_import_kind``) in their own ``ready()``.

    Its periodic task (``imports-purge-files``: uploaded files deleted after IMPORT_FILE_RETENTION_DAYS) is in
    settings.CELERY_BEAT_SCHEDULE under the name it was registered with in the kernel (``tasks.py``)."""

    name = "apps.imports"
    label = "imports"
    verbose_name = _("批量导入")

    def ready(self) -> None:
        from . import access, tasks  # noqa: F401 - the audience rules and the Celery tasks register on import
