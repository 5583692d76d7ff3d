from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PartiesConfig(AppConfig):
    name = "apps.parties"
    label = "parties"
    verbose_name = _("参与方与用户")

    def ready(self) -> None:
        from . import access, rights, schema  # noqa: F401 - schema registers the OpenAPI description of API keys

        access.autodiscover()
        # The rights table is applied after every migrate, the way Django itself creates permissions then.
        post_migrate.connect(rights.apply_after_migrate, sender=self, dispatch_uid="parties.rights.apply")
