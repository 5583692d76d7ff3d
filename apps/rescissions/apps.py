from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

INSURER = "insurer_staff"
WATCHERS = ("regulator_staff", "insurance_association_staff")


class RescissionsConfig(AppConfig):
    name = "apps.rescissions"
    label = "rescissions"
    verbose_name = _("合同解除")

    def ready(self) -> None:
        # in the body: AppConfig.ready() runs once every app's models are loaded
        from decimal import Decimal

        from apps.core import home, navigation
        from apps.core.models import Deadline
        from apps.core.rules import register_rule
        from apps.exchange.registry import register_archive_documents

        from . import conf, handlers  # noqa: F401  (registers the Deadline scan handlers)
        from .panels import insurer_panel, lapsing_panel, watcher_panel
        from .services import RULE_DECIDE, RULE_DISCLOSURE

        # Rule M12 / J5: 30 natural days (RESCISSION_DAYS) from the day the insurer learned the cause; the warning
        # from day RESCISSION_WARN_DAY of them; reminders to the insurer's staff on RESCISSION_REMINDER_DAYS (20/25/28),
        # sent by the kernel's one scan (handlers.py, on_reminder).
        register_rule(RULE_DECIDE, _("合同解除权 30 日（规则 M12、J5）"), rule_ids="M12, J5",
                      legal_basis=_("保险法第十六条第三款：合同解除权自保险人知道有解除事由之日起，超过三十日不行使而消灭；"
                                    "网约车保险工作通知：行业协会督促保险公司在收到抄送信息后 30 日内依法行使合同解除权"),
                      unit=Deadline.Unit.NATURAL_DAYS, amount=conf.rescission_days,
                      warn_fraction=lambda: Decimal(conf.warn_day()) / Decimal(conf.rescission_days()),
                      reminders=conf.reminder_days)
        # Rule J5: the policyholder's 5 days (RESCISSION_DISCLOSURE_DAYS) from receipt of 附件三: a waiting period,
        # not a duty of the insurer (it elapses; the insurer may then rescind).
        register_rule(RULE_DISCLOSURE, _("投保人如实告知期 5 日（规则 J5）"), rule_ids="J5",
                      legal_basis=_("交强险承保实务规程附件三《解除保险合同通知书》：投保人自收到通知之日起 5 日内履行如实告知义务"),
                      unit=Deadline.Unit.NATURAL_DAYS, amount=conf.disclosure_days, obligation=False)
        navigation.register(_("合同解除"), "rescissions:list", roles=[INSURER, *WATCHERS], order=40, group="cases")
        navigation.register(_("解除时限合规"), "rescissions:compliance", roles=list(WATCHERS), order=41, group="cases")
        home.register("rescissions.insurer", "rescissions/panel_insurer.html", insurer_panel, roles=[INSURER], order=20)
        home.register("rescissions.lapsing", "rescissions/panel_lapsing.html", lapsing_panel,
                      roles=["regulator_staff"], order=25)
        # the insurance association's home is built around its own work (its 督促 items, apps.credit) instead
        home.register("rescissions.watcher", "rescissions/panel_watcher.html", watcher_panel,
                      roles=["regulator_staff"], order=30)
        # the evidence archive of a batch carries the endorsement forms (批改单) of the cases its references opened
        from .archive import endorsement_forms

        register_archive_documents(endorsement_forms)
