from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "apps.complaints"
    label = "complaints"
    verbose_name = _("投诉举报")

    def ready(self) -> None:
        # in the body: AppConfig.ready() runs once every app's models are loaded
        from apps.core import home, navigation
        from apps.core.models import Deadline
        from apps.core.rules import register_rule
        from apps.parties.models import Role

        from . import conf, handlers, services, views  # noqa: F401 - handlers register with the deadline scan

        # Rule M16: the feedback to a 12328 reporter (and to a 12378 reporter routed before handling periods
        # existed); a 12378 complaint's handling periods are the rule below (T4).
        register_rule(services.FEEDBACK_RULE, _("举报反馈时限（规则 M16）"), rule_ids="M16",
                      legal_basis=_("网约车保险工作通知：监管部门核实举报并向举报人反馈（COMPLAINT_FEEDBACK_DAYS，默认 15 日）"),
                      unit=Deadline.Unit.NATURAL_DAYS, amount=conf.feedback_days)
        register_rule(services.HANDLING_RULE, _("12378 投诉处理期限（规则 T4）"), rule_ids="T4, M16",
                      legal_basis=_("银行业保险业消费投诉处理管理办法（2020）：自收到投诉之日起 15 日内作出处理决定，"
                                    "情况复杂的可延长至 30 日，经批准可再延长 30 日；投诉人申请重办的，重新起算"
                                    "（COMPLAINT_HANDLING_DAYS）"),
                      unit=Deadline.Unit.NATURAL_DAYS, amount=conf.handling_days)
        roles = [Role.TRANSPORT_OFFICER, Role.REGULATOR_STAFF, Role.INSURER_STAFF]
        navigation.register(_("投诉举报"), "complaints:staff_list", roles=roles, order=70, group="oversight")
        home.register("complaints", "complaints/panel.html", views.panel_context,
                      roles=[Role.TRANSPORT_OFFICER, Role.REGULATOR_STAFF], order=40)
