from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "apps.complaints"
    label = "complaints"
    verbose_name = _("投诉举报")

    def ready(self) -> None:
        from apps.core import home, navigation
        from apps.core.rules import register_rule
        from apps.parties.models import Role

        from . import services, views

        register_rule(services.FEEDBACK_RULE, _("举报反馈时限（规则 M16）"))
        roles = [Role.TRANSPORT_OFFICER, Role.REGULATOR_STAFF, Role.INSURER_STAFF]
        navigation.register(_("投诉举报"), "complaints:staff_list", roles=roles, order=70)
        home.register("complaints", "complaints/panel.html", views.panel_context,
                      roles=[Role.TRANSPORT_OFFICER, Role.REGULATOR_STAFF], order=40)
