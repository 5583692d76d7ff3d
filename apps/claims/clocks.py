"""The claim clocks (rules M13 and J11): which kernel ``Deadline`` each obligation is, and how long it runs.

| rule                   | starts at                         | runs                               | met by                |
|------------------------|-----------------------------------|------------------------------------|-----------------------|
| ``claim.dispatch``     | the report                        | 1 hour, wall clock 24/7 (M13)      | survey dispatched     |
| ``claim.documents_list``| the report                       | 1 working day (J11)                | documents list given  |
| ``claim.decision``     | documents complete                | 5 natural days (J11)               | covered / refused     |
| ``claim.refusal_notice``| a refusal                        | 3 natural days (J11)               | refusal notice sent   |
| ``claim.payment``      | amount agreed                     | 10 natural days (J11)              | paid                  |
| ``claim.small_close``  | documents complete, amount ≤ max  | 3 working days (M13)               | closed                |
| ``claim.progress``     | documents complete / last notice  | N working days (M13, setting)      | next progress notice  |

Day-based clocks are due at the end of their last day (Asia/Shanghai); working days follow the kernel calendar
(statutory holidays, 调休, Monday–Friday fallback for years without data). "Special circumstances" pause the
dispatch clock with their reason (M13), which the regulator sees on the claim and in the SLA table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

from apps.core.deadlines import deadline_start
from apps.core.models import Deadline
from apps.core.rules import register_rule

from . import conf

DISPATCH = "claim.dispatch"
DOCUMENTS_LIST = "claim.documents_list"
DECISION = "claim.decision"
REFUSAL_NOTICE = "claim.refusal_notice"
PAYMENT = "claim.payment"
SMALL_CLOSE = "claim.small_close"
PROGRESS = "claim.progress"

DISPATCH_HOURS = 1  # rule M13
DOCUMENTS_LIST_WORKDAYS = 1  # rule J11
DECISION_DAYS = 5  # rule J11
REFUSAL_NOTICE_DAYS = 3  # rule J11
PAYMENT_DAYS = 10  # rule J11
SMALL_CLOSE_WORKDAYS = 3  # rule M13


@dataclass(frozen=True)
class ClockSpec:
    rule: str
    label: object
    unit: str
    basis: object  # what starts it, for pages and the SLA table
    fixed_amount: int | None = None

    @property
    def amount(self) -> int:
        return self.fixed_amount if self.fixed_amount is not None else conf.large_progress_workdays()

    @property
    def unit_label(self) -> str:
        return str(Deadline.Unit(self.unit).label)


CLOCKS: dict[str, ClockSpec] = {
    spec.rule: spec
    for spec in (
        ClockSpec(DISPATCH, _("查勘调度（报案后 1 小时）"), Deadline.Unit.HOURS, _("报案"), DISPATCH_HOURS),
        ClockSpec(DOCUMENTS_LIST, _("一次性告知所需材料（1 个工作日）"), Deadline.Unit.WORKING_DAYS, _("报案"),
                  DOCUMENTS_LIST_WORKDAYS),
        ClockSpec(DECISION, _("核定是否属于保险责任（材料齐全后 5 日）"), Deadline.Unit.NATURAL_DAYS, _("材料齐全"),
                  DECISION_DAYS),
        ClockSpec(REFUSAL_NOTICE, _("发出拒赔通知书（拒赔后 3 日）"), Deadline.Unit.NATURAL_DAYS, _("作出拒赔"),
                  REFUSAL_NOTICE_DAYS),
        ClockSpec(PAYMENT, _("支付赔款（达成协议后 10 日）"), Deadline.Unit.NATURAL_DAYS, _("达成赔偿协议"),
                  PAYMENT_DAYS),
        ClockSpec(SMALL_CLOSE, _("小额案件结案（材料齐全后 3 个工作日）"), Deadline.Unit.WORKING_DAYS, _("材料齐全"),
                  SMALL_CLOSE_WORKDAYS),
        ClockSpec(PROGRESS, _("大额案件进度通知"), Deadline.Unit.WORKING_DAYS, _("材料齐全或上次通知")),
    )
}
RULES = list(CLOCKS)


def register_rules() -> None:
    for spec in CLOCKS.values():
        register_rule(spec.rule, spec.label)


def clock_start(*, rule: str, subject, responsible, starts_at: dt.datetime, actor) -> Deadline:
    """Start the clock ``rule`` for ``subject`` (a claim, or a progress-notice period for ``claim.progress``)."""
    spec = CLOCKS[rule]
    return deadline_start(
        rule=rule, subject=subject, responsible=responsible, starts_at=starts_at, unit=spec.unit,
        amount=spec.amount, end_of_day_due=spec.unit != Deadline.Unit.HOURS, actor=actor,
    )


def claim_content_type() -> ContentType:
    return ContentType.objects.get(app_label="claims", model="claim")


def notice_content_type() -> ContentType:
    return ContentType.objects.get(app_label="claims", model="claimprogressnotice")
