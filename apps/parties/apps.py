from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PartiesConfig(AppConfig):
    name = "apps.parties"
    label = "parties"
    verbose_name = _("参与方与用户")

    def ready(self) -> None:
        # in the body: AppConfig.ready() runs once every app's models are loaded
        from apps.core import home

        from . import access, rights, schema  # noqa: F401 - schema registers the OpenAPI description of API keys
        from .models import Role

        home.register("parties.operator", "parties/panel_operator.html", _operator_panel,
                      roles=[Role.PLATFORM_ADMIN], order=5)
        access.autodiscover()
        # The rights table is applied after every migrate, the way Django itself creates permissions then.
        post_migrate.connect(rights.apply_after_migrate, sender=self, dispatch_uid="parties.rights.apply")


def _operator_panel(request) -> dict:
    """The platform operator's home: the administration site, where organisations, users, API keys, the work
    calendar, the clocks and the exchange are kept (only for staff, who may open it)."""
    return {"may_admin": request.user.is_active and request.user.is_staff}
