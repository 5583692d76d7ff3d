""""When is it due?" — the one preview behind ``manage.py clock_due``, the admin calendar's preview and
``GET /api/v1/deadlines/due/``.

It answers with the same computation a running clock uses (``deadlines.compute_due_detail``): a clock rule of the
one table (``apps.core.rules``) gives unit, amount, end of day and roll-over; without a rule, a unit and an amount
are counted with the statutory defaults (natural days roll over a rest day, Civil Code art. 203, rule T1; day
clocks end at 24:00 of their last day). The calendar is that of ``region`` (a GB/T 2260 code; default: the
platform's city), with its national, regional and city layers (rule T2).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from . import calendar
from .deadlines import SHANGHAI, Due, compute_due_detail
from .models import Deadline
from .rules import ClockRule, rule_get


@dataclass(frozen=True)
class Preview:
    start: dt.datetime
    unit: str
    amount: int
    region: str
    roll_over: bool
    due: Due
    rule: ClockRule | None = None

    def as_dict(self) -> dict:
        return {
            "start": self.start.astimezone(SHANGHAI).isoformat(),
            "rule": self.rule.key if self.rule else None,
            "rule_ids": self.rule.rule_ids if self.rule else "",
            "unit": self.unit, "amount": self.amount, "region": self.region, "roll_over": self.roll_over,
            "due_at": self.due.due_at.astimezone(SHANGHAI).isoformat(),
            "provisional": self.due.provisional, "rolled_over": self.due.rolled_over,
            "nominal_last_day": self.due.nominal_last_day.isoformat() if self.due.nominal_last_day else None,
        }


def parse_instant(value: str, field: str = "start") -> dt.datetime:
    """An ISO 8601 instant; without an offset it is Liuzhou's local time."""
    try:
        parsed = dt.datetime.fromisoformat((value or "").strip())
    except ValueError:
        raise ValidationError({field: _("“%(value)s”不是 ISO 8601 格式的时间（例如 2026-04-16T10:00+08:00）。")
                               % {"value": value}}, code="invalid_start") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=SHANGHAI)


def due_preview(*, start: dt.datetime, rule: str | None = None, unit: str | None = None, amount: int | None = None,
                region: str | None = None, roll_over: bool = True) -> Preview:
    """The due instant of ``rule`` (or of ``unit`` and ``amount``) started at ``start``; errors name the field."""
    if start.tzinfo is None:
        start = start.replace(tzinfo=SHANGHAI)
    entry = None
    if rule:
        entry = rule_get(rule)
        if entry is None or not entry.unit:
            raise ValidationError({"rule": _("未知的时限规则“%(rule)s”。") % {"rule": rule}}, code="unknown_rule")
        if unit and unit != entry.unit:
            raise ValidationError({"unit": _("规则 %(rule)s 按“%(unit)s”计算。") % {
                "rule": entry.key, "unit": Deadline.Unit(entry.unit).label}}, code="unit_mismatch")
        unit = entry.unit
        amount = amount if amount is not None else entry.resolved_amount()
        if amount is None:
            raise ValidationError({"amount": _("规则 %(rule)s 没有固定期限，请填写期限长度。") % {"rule": entry.key}}, code="amount_required")
        roll_over = roll_over and entry.roll_over
    elif not unit or amount is None:
        raise ValidationError({"rule": _("请选择时限规则，或填写计算单位和期限长度。")}, code="rule_or_unit")
    if unit not in Deadline.Unit.values:
        raise ValidationError({"unit": _("未知的计算单位“%(unit)s”。") % {"unit": unit}}, code="unknown_unit")
    if amount < 0:
        raise ValidationError({"amount": _("期限长度不能为负数。")}, code="negative_amount")
    region = region or calendar.platform_region()
    try:
        calendar.layers(region)
    except ValueError:
        raise ValidationError({"region": _("行政区划代码应为 6 位数字（GB/T 2260），不是“%(region)s”。") % {"region": region}}, code="invalid_region") from None
    end_of_day = entry.end_of_day if entry is not None and hasattr(entry, "end_of_day") else unit != Deadline.Unit.HOURS
    with calendar.memoized():
        due = compute_due_detail(starts_at=start, unit=unit, amount=amount, end_of_day_due=end_of_day,
                                 roll_over=roll_over, region=region)
    return Preview(start, unit, amount, region, roll_over, due, entry)
