from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = _("共享内核")

    def ready(self) -> None:
        from . import navigation
        from .logging import attach_everywhere

        attach_everywhere()  # personal data masked on every log handler configured so far (rule M3)
        navigation.register(_("待办时限"), "deadlines-due", order=90)
        navigation.register(_("通知"), "notifications", order=95)
