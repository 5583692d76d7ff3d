from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    name = "apps.credit"
    label = "credit"
    verbose_name = _("信用档案与监管措施")

    def ready(self) -> None:
        # in the body: AppConfig.ready() runs once every app's models are loaded
        from apps.core import home, navigation
        from apps.core.models import Deadline
        from apps.core.rules import register_rule
        from apps.parties.models import Role
        from apps.policies import services as policy_services

        from . import conf, handlers, services, views  # noqa: F401 - handlers register with the deadline scan

        # rule M15: no new ride-hailing policy from an insurer whose ride-hailing business is suspended
        policy_services.POLICY_CREATE_CHECKS.add(services.policy_create_check_suspension)

        # Rules M15, M17: the issuer follows up its measure. The length depends on the kind of action
        # (SUPERVISORY_ACTION_FOLLOWUP_DAYS); the rule's own amount is that of a rectification order, and the issue
        # passes the kind's length for its clock.
        register_rule(services.FOLLOWUP_RULE, _("监管措施跟踪（整改、暂停业务、惩戒）"), rule_ids="M15, M17",
                      legal_basis=_("网约车保险工作通知：保险公司无正当理由拒保或设置理赔条件的，金融监管部门责令整改，情节严重的"
                                    "暂停网约车保险业务；相关部门定期指导、联合检查、督促改正（种子文件未规定跟踪期限："
                                    "SUPERVISORY_ACTION_FOLLOWUP_DAYS）"),
                      unit=Deadline.Unit.NATURAL_DAYS, amount=conf.action_followup_default_days)
        # Rules M12, M17: the insurance association handles a 督促 item within URGING_ITEM_DAYS natural days.
        register_rule(services.URGING_RULE, _("行业协会督促事项（规则 M12、M17）"), rule_ids="M12, M17",
                      legal_basis=_("网约车保险工作通知：保险行业协会督促保险公司在收到抄送信息后依法行使合同解除权，"
                                    "并对检查发现的问题督促改正（种子文件未规定办理期限：URGING_ITEM_DAYS，默认 15 日）"),
                      unit=Deadline.Unit.NATURAL_DAYS, amount=conf.urging_item_days)

        file_roles = [Role.TRANSPORT_OFFICER, Role.REGULATOR_STAFF, Role.INSURANCE_ASSOCIATION_STAFF,
                      Role.TAXI_ASSOCIATION_STAFF, Role.TAXI_COMPANY_STAFF, Role.INSURER_STAFF]
        navigation.register(_("信用档案"), "credit:index", roles=file_roles, order=80, group="oversight")
        navigation.register(_("监管措施"), "credit:actions", roles=file_roles, order=81, group="oversight")
        navigation.register(_("信用记入提议"), "credit:proposals", roles=file_roles, order=82, group="oversight")
        navigation.register(_("督促事项"), "credit:urging", roles=[
            Role.REGULATOR_STAFF, Role.INSURANCE_ASSOCIATION_STAFF, Role.INSURER_STAFF], order=83, group="oversight")
        home.register("credit.actions", "credit/panel_actions.html", views.actions_panel_context,
                      roles=file_roles, order=80)
        from . import panels

        association, taxi_association = Role.INSURANCE_ASSOCIATION_STAFF, Role.TAXI_ASSOCIATION_STAFF
        home.register("credit.urging", "credit/panel_urging.html", panels.urging_panel, roles=[association], order=10)
        home.register("credit.proposals", "credit/panel_proposals.html", panels.proposals_panel,
                      roles=[association, taxi_association], order=11)
        home.register("credit.company_files", "credit/panel_company_files.html", panels.company_files_panel,
                      roles=[taxi_association], order=14)
        home.register("credit.own_file", "credit/panel_own_file.html", views.own_file_panel_context,
                      roles=[Role.TAXI_COMPANY_STAFF, Role.INSURER_STAFF], order=81)
