from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

INSURER = "insurer_staff"
WATCHERS = ("regulator_staff", "insurance_association_staff")


class RescissionsConfig(AppConfig):
    name = "apps.rescissions"
    label = "rescissions"
    verbose_name = _("合同解除")

    def ready(self) -> None:
        from decimal import Decimal

        from django.conf import settings

        from apps.core import home, navigation
        from apps.core.models import Deadline
        from apps.core.rules import register_rule
        from apps.core.schedule import register_periodic
        from apps.parties.management.commands.seed_demo import DEMO_SEEDERS

        from . import conf, handlers  # noqa: F401  (registers the Deadline scan handlers)
        from .demo import seed_demo
        from .panels import insurer_panel, watcher_panel
        from .services import RULE_DECIDE, RULE_DISCLOSURE

        register_rule(RULE_DECIDE, _("合同解除权 30 日（规则 M12、J5）"), rule_ids="M12, J5",
                      unit=Deadline.Unit.NATURAL_DAYS, amount=conf.rescission_days)
        register_rule(RULE_DISCLOSURE, _("投保人如实告知期 5 日（规则 J5）"), rule_ids="J5",
                      unit=Deadline.Unit.NATURAL_DAYS, amount=conf.disclosure_days)
        # Rule M12: the kernel's generic warning for this clock starts on day RESCISSION_WARN_DAY of 30, unless the
        # project's settings already say otherwise for the rule.
        settings.DEADLINE_RULES.setdefault(
            RULE_DECIDE, {"warn_fraction": Decimal(conf.warn_day()) / Decimal(conf.rescission_days())}
        )
        navigation.register(_("合同解除"), "rescissions:list", roles=[INSURER, *WATCHERS], order=40, group="cases")
        navigation.register(_("解除时限合规"), "rescissions:compliance", roles=list(WATCHERS), order=41, group="cases")
        home.register("rescissions.insurer", "rescissions/panel_insurer.html", insurer_panel, roles=[INSURER], order=20)
        home.register("rescissions.watcher", "rescissions/panel_watcher.html", watcher_panel, roles=list(WATCHERS),
                      order=30)
        register_periodic("rescission-reminders", "apps.rescissions.tasks.rescission_reminders",
                          conf.reminder_scan_seconds())
        if seed_demo not in DEMO_SEEDERS:
            DEMO_SEEDERS.append(seed_demo)
