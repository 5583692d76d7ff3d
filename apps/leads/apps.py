from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "apps.leads"
    label = "leads"
    verbose_name = _("线索")

    def ready(self) -> None:
        # in the body: AppConfig.ready() runs once every app's models are loaded
        from apps.core import home, navigation
        from apps.core.models import Deadline
        from apps.core.rules import register_rule

        from . import conf, ingest, risk, services

        # Rules M2, M4: transport answers the regulator's request for an offline check (LEAD_OFFLINE_CHECK_DAYS)
        register_rule(services.OFFLINE_CHECK_RULE, _("线下核查请求的答复时限（交通运输部门，规则 M2/M4）"),
                      rule_ids="M2, M4",
                      legal_basis=_("网约车保险工作通知：线上识别、线下核查、闭环处置；非法营运客运车辆由交通运输部门界定"
                                    "（种子文件未规定答复期限：LEAD_OFFLINE_CHECK_DAYS，默认 15 日）"),
                      unit=Deadline.Unit.NATURAL_DAYS, amount=conf.offline_check_days)
        # Rule M8: the insurer's answer to an item of its worklist, from the item's receipt (LEAD_WORKLIST_ANSWER_DAYS)
        register_rule(services.WORKLIST_ANSWER_RULE, _("核查清单的答复期限（保险公司，规则 M8）"), rule_ids="M8",
                      legal_basis=_("网约车保险工作通知：保险行业组织保险公司对照交通运输部门推送的清单核查承保信息"
                                    "（种子文件未规定期限，LEAD_WORKLIST_ANSWER_DAYS，默认 15 日）"),
                      unit=Deadline.Unit.NATURAL_DAYS, amount=conf.worklist_answer_days, roll_over=True)
        ingest.register()
        risk.register_builtin_features()

        sides = ["transport_officer", "regulator_staff", "insurance_association_staff"]
        navigation.register(_("线索收件箱"), "leads:inbox", roles=sides, order=20, group="leads")
        navigation.register(_("线索发件箱"), "leads:outbox", roles=[*sides, "taxi_company_staff"], order=21, group="leads")
        navigation.register(_("核查清单"), "leads:worklist", roles=["insurer_staff", "regulator_staff",
                                                                "insurance_association_staff"], order=22, group="leads")
        navigation.register(_("处罚决定"), "leads:penalties", roles=[*sides, "taxi_association_staff"], order=23, group="leads")
        navigation.register(_("清单比对"), "leads:screening", roles=sides, order=24, group="leads")
        navigation.register(_("风险模型"), "leads:risk", roles=["insurance_association_staff", "regulator_staff"],
                            order=25, group="leads")
        home.register("leads-inbox", "leads/_home_panel.html", _home_panel, roles=sides, order=20)
        home.register("leads-risk-runs", "leads/_home_risk_runs.html", _home_risk_runs,
                      roles=["insurance_association_staff"], order=12)
        home.register("leads-worklist", "leads/_home_worklist.html", _home_worklist, roles=["insurer_staff"], order=20)


def _home_panel(request) -> dict:
    from .selectors import inbox_counts

    return {"lead_counts": inbox_counts(user=request.user)}


def _home_worklist(request) -> dict:
    from .selectors import worklist_open_count

    return {"worklist_open": worklist_open_count(user=request.user)}


def _home_risk_runs(request) -> dict:
    """The insurance association's risk-model runs (rule M8): the latest ones and the previews not yet confirmed."""
    # in the body: apps.py is imported before the models are loaded
    from apps.parties import access

    from .models import RiskModelRun

    qs = access.visible(request.user, RiskModelRun)
    return {"runs": list(qs.select_related("weights").order_by("-started_at", "-id")[:5]),
            "previews": qs.filter(state=RiskModelRun.State.PREVIEW, organization_id=request.user.organization_id).count()}
