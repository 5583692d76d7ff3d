from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartiesConfig(AppConfig):
    name = "apps.parties"
    label = "parties"
    verbose_name = _("参与方与用户")

    def ready(self) -> None:
        from . import access, schema  # noqa: F401 - schema registers the OpenAPI description of API keys

        access.autodiscover()
