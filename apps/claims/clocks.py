"""The claim clocks (rules M13 and J11): which kernel ``Deadline`` each obligation is, and how long it runs.

| rule                   | starts at                         | runs                               | met by                |
|------------------------|-----------------------------------|------------------------------------|-----------------------|
| ``claim.dispatch``     | the accident report (报案)         | 1 hour, wall clock 24/7 (M13)      | survey dispatched     |
| ``claim.documents_list``| the claim request (索赔请求)      | 1 working day (J11)                | documents list given  |
| ``claim.decision``     | documents complete                | 5 natural days (J11)               | covered / refused     |
| ``claim.refusal_notice``| a refusal                        | 3 natural days (J11)               | refusal notice sent   |
| ``claim.payment``      | amount agreed                     | 10 natural days (J11)              | paid                  |
| ``claim.small_close``  | documents complete, amount ≤ max  | 3 working days (M13)               | closed                |
| ``claim.progress``     | documents complete / last notice  | N working days (M13, setting)      | next progress notice  |

M13 is the ride-hailing insurance notice (seed 000, 理赔服务 1: "接到出险报案后，1小时内完成现场勘查调度…小额理赔案件
3个工作日内办结"); J11 is the compulsory-insurance practice rules (seed 002, 交强险承保实务规程（2020版）附件一
《投保提示书》第 15 条: "保险人收到您的赔偿请求，应当在1个工作日内书面通知您所需提供的相关材料…"), so the
documents-list clock starts when the insurer receives the claim request, not at the accident report. A withdrawn
claim (撤案) closes its running clocks as withdrawn, with the reason (``services.claim_withdraw``).

Day-based clocks are due at the end of their last day (Asia/Shanghai); a natural-day clock whose last day is a
rest day rolls over to the next working day (Civil Code art. 203, rule T1); working days follow the kernel
calendar of Liuzhou (national holidays and 调休 plus Guangxi's 壮族三月三, rule T2; computed statutory holidays,
marked provisional, for years without a published arrangement). "Special circumstances" pause the
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
    rule_id: str = ""  # the RULES.md rule the clock enforces
    legal_basis: object = ""  # the source text it rests on, for pages and docs

    @property
    def amount(self) -> int:
        return self.fixed_amount if self.fixed_amount is not None else conf.large_progress_workdays()

    @property
    def unit_label(self) -> str:
        return str(Deadline.Unit(self.unit).label)


_M13 = _("网约车保险工作通知“理赔服务”第 1 项：接到出险报案后 1 小时内完成现场勘查调度（特殊情况除外）；资料齐全的，"
         "小额理赔案件 3 个工作日内办结，大额理赔案件及时告知进展")
_J11 = _("交强险承保实务规程（2020版）附件一《投保提示书》第 15 条：收到赔偿请求后 1 个工作日内书面告知所需材料；"
         "收到证明和资料之日起 5 日内核定；拒赔的自核定之日起 3 日内发出拒绝赔偿通知书；达成赔偿协议后 10 日内赔偿")

CLOCKS: dict[str, ClockSpec] = {
    spec.rule: spec
    for spec in (
        ClockSpec(DISPATCH, _("查勘调度（报案后 1 小时）"), Deadline.Unit.HOURS, _("报案"), DISPATCH_HOURS,
                  "M13", _M13),
        ClockSpec(DOCUMENTS_LIST, _("书面告知所需材料（收到索赔请求后 1 个工作日）"), Deadline.Unit.WORKING_DAYS,
                  _("收到索赔请求"), DOCUMENTS_LIST_WORKDAYS, "J11", _J11),
        ClockSpec(DECISION, _("核定是否属于保险责任（材料齐全后 5 日）"), Deadline.Unit.NATURAL_DAYS, _("材料齐全"),
                  DECISION_DAYS, "J11", _J11),
        ClockSpec(REFUSAL_NOTICE, _("发出拒赔通知书（拒赔后 3 日）"), Deadline.Unit.NATURAL_DAYS, _("作出拒赔"),
                  REFUSAL_NOTICE_DAYS, "J11", _J11),
        ClockSpec(PAYMENT, _("支付赔款（达成协议后 10 日）"), Deadline.Unit.NATURAL_DAYS, _("达成赔偿协议"),
                  PAYMENT_DAYS, "J11", _J11),
        ClockSpec(SMALL_CLOSE, _("小额案件结案（材料齐全后 3 个工作日）"), Deadline.Unit.WORKING_DAYS, _("材料齐全"),
                  SMALL_CLOSE_WORKDAYS, "M13", _M13),
        ClockSpec(PROGRESS, _("大额案件进度通知"), Deadline.Unit.WORKING_DAYS, _("材料齐全或上次通知"),
                  rule_id="M13", legal_basis=_M13),
    )
}
RULES = list(CLOCKS)


# Rule M13: the 1-hour dispatch clock warns 15 minutes before it is due (the project default, 24 hours, is longer
# than the clock and would be dropped); a deployment may still override it in settings.DEADLINE_RULES.
DISPATCH_WARN_BEFORE = dt.timedelta(minutes=15)


def register_rules() -> None:
    """Register every claim clock in the kernel's one clock table with all its fields. Natural-day clocks (J11's
    5/3/10 days) roll over a rest day (rule T1, the registry's default); day clocks end at the end of their last
    day, the hour clock on the wall clock."""
    for spec in CLOCKS.values():
        register_rule(spec.rule, spec.label, rule_ids=spec.rule_id, legal_basis=spec.legal_basis, unit=spec.unit,
                      amount=spec.fixed_amount if spec.fixed_amount is not None else conf.large_progress_workdays,
                      end_of_day=spec.unit != Deadline.Unit.HOURS,
                      warn_before=DISPATCH_WARN_BEFORE if spec.rule == DISPATCH else None)


def clock_start(*, rule: str, subject, responsible, starts_at: dt.datetime, actor) -> Deadline:
    """Start the clock ``rule`` for ``subject`` (a claim, or a progress-notice period for ``claim.progress``):
    unit, amount, end-of-day and roll-over come from its registration (``register_rules``)."""
    if rule not in CLOCKS:
        raise ValueError(f"not a claim clock: {rule!r}")
    return deadline_start(rule=rule, subject=subject, responsible=responsible, starts_at=starts_at, actor=actor)


def claim_content_type() -> ContentType:
    return ContentType.objects.get(app_label="claims", model="claim")


def notice_content_type() -> ContentType:
    return ContentType.objects.get(app_label="claims", model="claimprogressnotice")
