from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    name = "apps.claims"
    label = "claims"
    verbose_name = _("理赔")

    def ready(self) -> None:
        from . import clocks

        clocks.register_rules()
