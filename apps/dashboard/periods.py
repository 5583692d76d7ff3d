"""Months as the dashboards and the joint report count them: calendar months in Asia/Shanghai."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.deadlines import SHANGHAI
from apps.core.errors import ApplicationError
from apps.dashboard.errors import ErrorCode

from . import conf

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: str, *, field: str = "month") -> dt.date:
    """``"2026-05"`` → 2026-05-01; anything else is refused with a clear message."""
    match = _MONTH.match((value or "").strip())
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return dt.date(year, month, 1)
    raise ApplicationError(_("月份格式应为“年-月”，例如 2026-05。"), code=ErrorCode.INVALID_MONTH,
                           extra={"fields": {field: [_("月份格式应为“年-月”，例如 2026-05。")]}})


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def current_month() -> dt.date:
    return timezone.localdate().replace(day=1)


def month_label(month: dt.date) -> str:
    return f"{month:%Y-%m}"


@dataclass(frozen=True)
class Period:
    """Whole months ``first`` … ``last`` (both first days of their month)."""

    first: dt.date
    last: dt.date

    @property
    def months(self) -> list[dt.date]:
        out, month = [], self.first
        while month <= self.last:
            out.append(month)
            month = add_months(month, 1)
        return out

    @property
    def start_date(self) -> dt.date:
        return self.first

    @property
    def end_date(self) -> dt.date:
        """The last day of the period."""
        return add_months(self.last, 1) - dt.timedelta(days=1)

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time.min, tzinfo=SHANGHAI)

    @property
    def end(self) -> dt.datetime:
        """Exclusive: 00:00 of the first day after the period."""
        return dt.datetime.combine(add_months(self.last, 1), dt.time.min, tzinfo=SHANGHAI)

    def as_query(self) -> dict[str, str]:
        return {"from": month_label(self.first), "to": month_label(self.last)}

    @property
    def label(self) -> str:
        if self.first == self.last:
            return month_label(self.first)
        return f"{month_label(self.first)} — {month_label(self.last)}"


def month_period(month: dt.date) -> Period:
    return Period(month, month)


def default_period() -> Period:
    last = current_month()
    return Period(add_months(last, 1 - conf.default_months()), last)


def period_from(params) -> Period:
    """The period of a request's ``from`` / ``to`` (``YYYY-MM``); the default when both are missing."""
    raw_from, raw_to = (params.get("from") or "").strip(), (params.get("to") or "").strip()
    default = default_period()
    first = parse_month(raw_from, field="from") if raw_from else None
    last = parse_month(raw_to, field="to") if raw_to else None
    if first is None and last is None:
        return default
    if last is None:
        last = max(first, min(default.last, add_months(first, conf.max_months() - 1)))
    if first is None:
        first = add_months(last, 1 - conf.default_months())
    if first > last:
        raise ApplicationError(_("起始月份不能晚于结束月份。"), code=ErrorCode.INVALID_PERIOD,
                               extra={"fields": {"from": [_("起始月份不能晚于结束月份。")]}})
    if len(Period(first, last).months) > conf.max_months():
        message = _("统计期最长 %(n)d 个月。") % {"n": conf.max_months()}
        raise ApplicationError(message, code=ErrorCode.PERIOD_TOO_LONG, extra={"fields": {"from": [message]}})
    return Period(first, last)
