from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    name = "apps.claims"
    label = "claims"
    verbose_name = _("理赔")

    def ready(self) -> None:
        # in the body: AppConfig.ready() runs once every app's models are loaded
        from apps.core import home, navigation
        from apps.core.deadlines import on_breach, on_warning
        from apps.core.models import Deadline
        from apps.core.rules import register_rule
        from apps.exchange.registry import register_kind

        from . import analytics, clocks, conf, handlers, panels, risk_features

        clocks.register_rules()

        # Rule M14: the platform company's results of a focused-check list, from its receipt (CLAIM_FOCUSED_CHECK_DAYS)
        register_rule(analytics.FOCUSED_CHECK_RULE, _("重点核查结果的录入期限（出租汽车企业/平台，规则 M14）"),
                      rule_ids="M14",
                      legal_basis=_("网约车保险工作通知：对出险频次高的车辆和驾驶员，与其所属平台公司开展重点核查"
                                    "（种子文件未规定期限：CLAIM_FOCUSED_CHECK_DAYS，默认 30 日）"),
                      unit=Deadline.Unit.NATURAL_DAYS, amount=conf.focused_check_days, roll_over=True)
        for rule in clocks.RULES:
            on_warning(rule)(handlers.notify_warning)
            on_breach(rule)(handlers.notify_breach)

        insurer, readers = ["insurer_staff"], ["regulator_staff", "insurance_association_staff"]
        navigation.register(_("理赔案件"), "claims-list", roles=insurer + readers, order=50, group="cases")
        navigation.register(_("理赔时效"), "claims-sla", roles=insurer + readers + ["taxi_association_staff"], order=51, group="cases")
        navigation.register(_("理赔分析"), "claims-analytics",
                            roles=readers + ["taxi_association_staff", "transport_officer"], order=52, group="cases")
        navigation.register(_("重点核查"), "claims-checks", roles=["taxi_company_staff"], order=52, group="cases")
        home.register("claims-due", "claims/panel_due.html", panels.due_soonest, roles=insurer, order=20)
        home.register("claims-breaches", "claims/panel_breaches.html", panels.breaches_this_month,
                      roles=readers, order=30)

        register_kind(analytics.BATCH_KIND, analytics.ingest_focused_checks, label=_("理赔分析重点核查清单"))
        risk_features.register()
