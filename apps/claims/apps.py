from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    name = "apps.claims"
    label = "claims"
    verbose_name = _("理赔")

    def ready(self) -> None:
        from apps.core import home, navigation
        from apps.core.deadlines import on_breach, on_warning
        from apps.core.schedule import register_periodic
        from apps.exchange.registry import register_kind
        from apps.parties.management.commands.seed_demo import DEMO_SEEDERS

        from . import analytics, clocks, conf, handlers, panels, risk_features
        from .demo import seed_demo

        clocks.register_rules()
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

        register_periodic("claims-analytics", "apps.claims.tasks.claims_analytics_run", conf.analytics_seconds())
        register_kind(analytics.BATCH_KIND, analytics.ingest_focused_checks, label=_("理赔分析重点核查清单"))
        risk_features.register()
        if seed_demo not in DEMO_SEEDERS:
            DEMO_SEEDERS.append(seed_demo)
