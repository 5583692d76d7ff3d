"""Working-day calendar of mainland China: statutory holidays and adjusted working days (调休).

The ``WorkCalendarYear`` / ``WorkCalendarDay`` tables are the truth; ``calendar_sync`` seeds them from the
``chinesecalendar`` package for every year it knows, and administrators add later years in the admin (the
State Council publishes next year's schedule each autumn). A year without data falls back to Monday–Friday:
computations say so (``fallback``) and pages show ``missing_years_warning`` — nothing crashes at a year boundary.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import WorkCalendarDay, WorkCalendarYear


@dataclass(frozen=True)
class CalendarWindow:
    """The calendar facts for a date range, loaded with two queries and then used in memory."""

    known_years: frozenset[int]
    exceptions: dict[dt.date, bool]

    def is_workday(self, day: dt.date) -> bool:
        if day in self.exceptions:
            return self.exceptions[day]
        return day.weekday() < 5

    def is_fallback(self, day: dt.date) -> bool:
        return day.year not in self.known_years


def load_window(start: dt.date, end: dt.date) -> CalendarWindow:
    years = frozenset(WorkCalendarYear.objects.filter(year__gte=start.year, year__lte=end.year).values_list("year", flat=True))
    exceptions = dict(WorkCalendarDay.objects.filter(date__gte=start, date__lte=end).values_list("date", "is_workday"))
    return CalendarWindow(years, exceptions)


def is_workday(day: dt.date) -> tuple[bool, bool]:
    """(is it a working day, was the Monday–Friday fallback used)."""
    window = load_window(day, day)
    return window.is_workday(day), window.is_fallback(day)


def add_working_days(start: dt.date, days: int) -> tuple[dt.date, bool]:
    """The ``days``-th working day after ``start`` (``start`` itself never counts), and whether a year without
    calendar data was crossed. Examples (2026 data): Wednesday 2026-09-30 + 1 → Thursday 2026-10-08 (Oct 1–7
    are the National Day holiday); Friday 2026-10-09 + 1 → Saturday 2026-10-10 (an adjusted working day)."""
    if days < 0:
        raise ValueError("days must be >= 0")
    # Long holidays are at most ~9 days, so 3× the span plus 20 days is always enough; extend if not.
    horizon = start + dt.timedelta(days=days * 3 + 20)
    window = load_window(start, horizon)
    day, counted, fallback = start, 0, False
    while counted < days:
        day += dt.timedelta(days=1)
        if day > horizon:
            horizon = day + dt.timedelta(days=days * 3 + 20)
            window = load_window(day, horizon)
        fallback = fallback or window.is_fallback(day)
        if window.is_workday(day):
            counted += 1
    return day, fallback


def known_years() -> list[int]:
    return list(WorkCalendarYear.objects.values_list("year", flat=True))


def missing_years_warning(*years: int) -> str:
    missing = sorted(set(years) - set(WorkCalendarYear.objects.filter(year__in=years).values_list("year", flat=True)))
    if not missing:
        return ""
    return _(
        "%(years)s 年的法定节假日和调休安排尚未录入，工作日暂按周一至周五计算。请管理员在“工作日历”中录入国务院公布的安排。"
    ) % {"years": "、".join(str(y) for y in missing)}


def chinesecalendar_years() -> list[int]:
    """Years for which the installed chinesecalendar package has data (it raises NotImplementedError beyond)."""
    import chinese_calendar

    years = []
    for year in range(2004, timezone.localdate().year + 3):
        try:
            chinese_calendar.is_workday(dt.date(year, 6, 1))
        except NotImplementedError:
            continue
        years.append(year)
    return years


@transaction.atomic
def calendar_sync_from_package(*, years: list[int] | None = None, overwrite_manual: bool = False) -> list[int]:
    """Seed the tables from chinesecalendar. Years entered by hand are kept unless ``overwrite_manual``.
    Returns the years written. Open clocks are recomputed by the caller (``deadlines_recompute``)."""
    import chinese_calendar

    written = []
    manual = set(WorkCalendarYear.objects.filter(source=WorkCalendarYear.Source.MANUAL).values_list("year", flat=True))
    for year in years or chinesecalendar_years():
        if year in manual and not overwrite_manual:
            continue
        WorkCalendarDay.objects.filter(date__year=year).delete()
        day, rows = dt.date(year, 1, 1), []
        while day.year == year:
            try:
                workday = chinese_calendar.is_workday(day)
            except NotImplementedError:
                break
            if workday != (day.weekday() < 5):
                on_holiday, name = chinese_calendar.get_holiday_detail(day)
                label = _holiday_label(name) + ("" if not workday else _("调休上班"))
                rows.append(WorkCalendarDay(date=day, is_workday=workday, name=label))
            day += dt.timedelta(days=1)
        WorkCalendarDay.objects.bulk_create(rows)
        WorkCalendarYear.objects.update_or_create(
            year=year, defaults={"source": WorkCalendarYear.Source.CHINESECALENDAR, "note": "chinesecalendar"}
        )
        written.append(year)
    return written


_HOLIDAY_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def _holiday_label(name: str | None) -> str:
    return _HOLIDAY_NAMES.get(name or "", name or "")
