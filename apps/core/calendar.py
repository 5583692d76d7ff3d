"""Working-day calendar of mainland China in layers: national, region, city (rules T1–T3).

Layers are named by GB/T 2260 codes: ``000000`` is the national layer, ``450000`` Guangxi, ``450200`` Liuzhou. A
clock uses the layers of its responsible party's jurisdiction (``jurisdiction``; the platform's city,
``PLATFORM_REGION_CODE``, for every party today): national, then the region, then the city, a later layer
overriding an earlier one for the days it names. Working days in Liuzhou are national working days minus Guangxi's
holidays (rule T2), plus any 调休 working weekend day a layer publishes.

Each layer's year is a published arrangement (``WorkCalendarYear`` with its ``WorkCalendarDay`` rows), entered by
an administrator in one form per layer and year, or seeded for the national layer from the ``chinesecalendar``
package (``calendar_sync_from_package``). For a year without a published arrangement the statutory holidays are
*computed* (``statutory_days``): the national ones of 全国年节及纪念日放假办法 (as revised, effective 2025: rule T3)
and Guangxi's 壮族三月三 (rule T2), with the lunar dates from the ``lunar_python`` package and a weekday 补假 for a
holiday falling on a weekend (办法 art. 6). What cannot be computed is the 调休 arrangement, so every computation
that used such a year is *provisional* (``fallback``): the national layer makes the whole year provisional, a
region's computed holiday only the days around it (± ``REGION_PROVISIONAL_MARGIN``). Entering the arrangement
recomputes every open clock (``deadlines_recompute``).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import WorkCalendarDay, WorkCalendarYear
from .models.calendar import NATIONAL

GUANGXI = "450000"
LIUZHOU = "450200"
LAYER_NAMES = {
    NATIONAL: gettext_lazy("全国"), GUANGXI: gettext_lazy("广西壮族自治区"), LIUZHOU: gettext_lazy("柳州市"),
}
REGION_PROVISIONAL_MARGIN = dt.timedelta(days=7)
"""A region's computed holiday makes the days this close to it provisional (its 补休 / 调休 are not known yet)."""

Day = dt.date


# --- the layers -----------------------------------------------------------------------------------------------


def platform_region() -> str:
    return settings.PLATFORM_REGION_CODE


def jurisdiction(organization) -> str:
    """The GB/T 2260 code whose calendar a clock of ``organization`` uses. Parties carry no region of their own
    yet: every party is in the platform's city (``PLATFORM_REGION_CODE``)."""
    return getattr(organization, "region_code", "") or platform_region()


def layers(region: str | None) -> tuple[str, ...]:
    """National, then the province-level region, then the city: ``450200`` → (000000, 450000, 450200)."""
    region = region or platform_region()
    if len(region) != 6 or not region.isdigit():
        raise ValueError(f"region must be a 6-digit GB/T 2260 code, not {region!r}")
    chain = [NATIONAL]
    for code in (region[:2] + "0000", region[:4] + "00", region):
        if code != NATIONAL and code not in chain:
            chain.append(code)
    return tuple(chain)


def layer_name(code: str) -> str:
    return str(LAYER_NAMES.get(code, code))


# --- statutory holidays, computed (for years without a published arrangement) ------------------------------


def _lunar(year: int, month: int, day: int) -> Day:
    from lunar_python import Lunar

    solar = Lunar.fromYmd(year, month, day).getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def _qingming(year: int) -> Day:
    from lunar_python import Lunar

    solar = Lunar.fromYmd(year, 3, 1).getJieQiTable()["清明"]
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def _span(first: Day, days: int) -> list[Day]:
    return [first + dt.timedelta(days=i) for i in range(days)]


def _national_holidays(year: int) -> list[tuple[str, list[Day]]]:
    """全国年节及纪念日放假办法 art. 2 (as revised, effective 2025-01-01): the days of each holiday (rule T3)."""
    spring = _lunar(year, 1, 1)
    return [
        (_("元旦"), [dt.date(year, 1, 1)]),
        (_("春节"), _span(spring - dt.timedelta(days=1), 4)),  # 除夕 to 初三
        (_("清明节"), [_qingming(year)]),
        (_("劳动节"), _span(dt.date(year, 5, 1), 2)),
        (_("端午节"), [_lunar(year, 5, 5)]),
        (_("中秋节"), [_lunar(year, 8, 15)]),
        (_("国庆节"), _span(dt.date(year, 10, 1), 3)),
    ]


def _guangxi_holidays(year: int) -> list[tuple[str, list[Day]]]:
    """壮族三月三 (rule T2): 2 days, 农历三月初三 and 初四 as the region has fixed them (e.g. 2014, 2016)."""
    return [(_("壮族三月三"), _span(_lunar(year, 3, 3), 2))]


STATUTORY_HOLIDAYS = {NATIONAL: _national_holidays, GUANGXI: _guangxi_holidays}
"""The layers whose holidays a statute fixes, so that a year without their arrangement is computed (and provisional)."""


def statutory_days(layer: str, year: int) -> dict[Day, tuple[bool, str]]:
    """The computed days of ``layer`` in ``year``: {day: (is working day, name)}; {} for a layer without statutory
    holidays. A holiday day on a weekend, or on a day another holiday already takes, is made up on the next
    weekday after that holiday (办法 art. 6: 适逢周六、周日，应当在工作日补假)."""
    compute = STATUTORY_HOLIDAYS.get(layer)
    if compute is None:
        return {}
    days: dict[Day, tuple[bool, str]] = {}
    for name, block in compute(year):
        lost = 0
        for day in block:
            if day.weekday() >= 5 or day in days:
                lost += 1
            days.setdefault(day, (False, name))
        day = block[-1]
        while lost:
            day += dt.timedelta(days=1)
            if day.weekday() < 5 and day not in days:
                days[day] = (False, _("%(name)s补休") % {"name": name})
                lost -= 1
    return {day: value for day, value in days.items() if day.year == year}


# --- one layer-chain's year, and a window of days -----------------------------------------------------------


@dataclass(frozen=True)
class YearCalendar:
    """The effective calendar of one year for one chain of layers."""

    region: str
    year: int
    days: dict[Day, tuple[bool, str]]  # the days that are not plain Monday–Friday working / weekend rest days
    provisional_year: bool  # the national arrangement is missing
    provisional_days: frozenset[Day]  # days near a region's computed holiday
    missing_layers: tuple[str, ...]  # statutory layers computed for this year

    def is_workday(self, day: Day) -> bool:
        if day in self.days:
            return self.days[day][0]
        return day.weekday() < 5

    def is_provisional(self, day: Day) -> bool:
        return self.provisional_year or day in self.provisional_days

    def name(self, day: Day) -> str:
        return self.days.get(day, (True, ""))[1]


_MEMO: contextvars.ContextVar[dict | None] = contextvars.ContextVar("calendar_memo", default=None)


@contextlib.contextmanager
def memoized() -> Iterator[None]:
    """Within the block each (region, year) is read from the database once (a request, a recompute of every
    clock). Writes through this module clear it; outside such a block every computation reads afresh."""
    if _MEMO.get() is not None:
        yield
        return
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def invalidate() -> None:
    memo = _MEMO.get()
    if memo is not None:
        memo.clear()


def year_calendar(region: str | None, year: int) -> YearCalendar:
    region = region or platform_region()
    memo = _MEMO.get()
    if memo is not None and (region, year) in memo:
        return memo[(region, year)]
    chain = layers(region)
    published = set(WorkCalendarYear.objects.filter(region__in=chain, year=year).values_list("region", flat=True))
    rows: dict[str, dict[Day, tuple[bool, str]]] = {}
    for layer, date, workday, name in WorkCalendarDay.objects.filter(
        region__in=[layer for layer in chain if layer in published], date__year=year
    ).values_list("region", "date", "is_workday", "name"):
        rows.setdefault(layer, {})[date] = (workday, name)
    days: dict[Day, tuple[bool, str]] = {}
    provisional_days: set[Day] = set()
    missing = []
    for layer in chain:
        if layer in published:
            days.update(rows.get(layer, {}))
        elif layer in STATUTORY_HOLIDAYS:
            computed = statutory_days(layer, year)
            days.update(computed)
            missing.append(layer)
            if layer != NATIONAL:
                for day in computed:
                    provisional_days.update(
                        day + dt.timedelta(days=offset)
                        for offset in range(-REGION_PROVISIONAL_MARGIN.days, REGION_PROVISIONAL_MARGIN.days + 1)
                    )
    result = YearCalendar(region, year, days, NATIONAL in missing, frozenset(provisional_days), tuple(missing))
    if memo is not None:
        memo[(region, year)] = result
    return result


class CalendarWindow:
    """The calendar of one chain of layers, read a year at a time and then used in memory."""

    def __init__(self, region: str | None = None):
        self.region = region or platform_region()
        self._years: dict[int, YearCalendar] = {}

    def year(self, year: int) -> YearCalendar:
        if year not in self._years:
            self._years[year] = year_calendar(self.region, year)
        return self._years[year]

    def is_workday(self, day: Day) -> bool:
        return self.year(day.year).is_workday(day)

    def is_fallback(self, day: Day) -> bool:
        """Whether ``day`` depends on an arrangement not entered yet (computed statutory holidays: provisional)."""
        return self.year(day.year).is_provisional(day)

    def name(self, day: Day) -> str:
        return self.year(day.year).name(day)


def load_window(start: Day, end: Day, region: str | None = None) -> CalendarWindow:
    window = CalendarWindow(region)
    for year in range(start.year, end.year + 1):
        window.year(year)
    return window


def is_workday(day: Day, region: str | None = None) -> tuple[bool, bool]:
    """(is it a working day, is that provisional)."""
    window = CalendarWindow(region)
    return window.is_workday(day), window.is_fallback(day)


def day_name(day: Day, region: str | None = None) -> str:
    """The holiday or 调休 name of ``day`` in the region's calendar ("" for an ordinary day)."""
    return CalendarWindow(region).name(day)


def add_working_days(start: Day, days: int, region: str | None = None) -> tuple[Day, bool]:
    """The ``days``-th working day after ``start`` (``start`` itself never counts), and whether that is
    provisional. Examples (national 2026): Wednesday 2026-09-30 + 1 → Thursday 2026-10-08 (Oct 1–7 are the National
    Day holiday); Friday 2026-10-09 + 1 → Saturday 2026-10-10 (an adjusted working day). Liuzhou 2026: Thursday
    2026-04-16 + 3 → Thursday 2026-04-23 (17–20 April are Guangxi's 壮族三月三)."""
    if days < 0:
        raise ValueError("days must be >= 0")
    window = CalendarWindow(region)
    day, counted, fallback = start, 0, False
    while counted < days:
        day += dt.timedelta(days=1)
        fallback = fallback or window.is_fallback(day)
        if window.is_workday(day):
            counted += 1
    return day, fallback


def next_working_day_on_or_after(day: Day, region: str | None = None) -> tuple[Day, bool, bool]:
    """(the first working day on or after ``day``, whether it moved, whether that is provisional) — the
    roll-over of a period's last day (Civil Code art. 203, rule T1)."""
    window = CalendarWindow(region)
    fallback = window.is_fallback(day)
    moved = False
    while not window.is_workday(day):
        day += dt.timedelta(days=1)
        moved = True
        fallback = fallback or window.is_fallback(day)
    return day, moved, fallback


# --- what is known ------------------------------------------------------------------------------------------


def known_years(region: str = NATIONAL) -> list[int]:
    """Years with a published arrangement for the layer ``region`` (the national layer by default)."""
    return list(WorkCalendarYear.objects.filter(region=region).values_list("year", flat=True))


def missing_years_warning(*years: int, region: str | None = None) -> str:
    """A sentence for pages when a year of the clocks shown has no published arrangement ("" when all do)."""
    chain = [layer for layer in layers(region) if layer in STATUTORY_HOLIDAYS]
    published = set(WorkCalendarYear.objects.filter(region__in=chain, year__in=years).values_list("region", "year"))
    parts = []
    national = sorted({y for y in years if (NATIONAL, y) not in published})
    if national:
        parts.append(_(
            "%(years)s 年的法定节假日和调休安排尚未录入，暂按《全国年节及纪念日放假办法》推算法定节假日（不含调休），"
            "相关时限标为“暂定”。请管理员在“工作日历”中录入国务院公布的安排。"
        ) % {"years": "、".join(str(y) for y in national)})
    for layer in chain[1:]:
        missing = sorted({y for y in years if (layer, y) not in published})
        if missing:
            parts.append(_(
                "%(layer)s %(years)s 年的地方法定节假日安排尚未录入，暂按法定日期推算，相关时限标为“暂定”。"
            ) % {"layer": layer_name(layer), "years": "、".join(str(y) for y in missing)})
    return "".join(parts)


# --- entering an arrangement ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Arrangement:
    """A layer's year as an administrator enters it: holiday ranges and 调休 working weekend days."""

    holidays: tuple[tuple[Day, Day, str], ...]  # (first day, last day, name)
    working_days: tuple[tuple[Day, str], ...]


def arrangement_of(region: str, year: int) -> Arrangement:
    """The stored days of a layer's year as ranges (consecutive days off with one name, across the plain weekend
    days between them) and working days — the initial value of the admin form."""
    rows = list(WorkCalendarDay.objects.filter(region=region, date__year=year).order_by("date"))
    working = tuple((r.date, r.name) for r in rows if r.is_workday)
    working_dates = {d for d, _n in working}
    ranges: list[list] = []
    for row in (r for r in rows if not r.is_workday):
        if ranges and ranges[-1][2] == row.name:
            gap = [ranges[-1][1] + dt.timedelta(days=i) for i in range(1, (row.date - ranges[-1][1]).days)]
            if all(d.weekday() >= 5 and d not in working_dates for d in gap):
                ranges[-1][1] = row.date
                continue
        ranges.append([row.date, row.date, row.name])
    return Arrangement(tuple((a, b, n) for a, b, n in ranges), working)


@transaction.atomic
def arrangement_save(*, region: str, year: int, arrangement: Arrangement, note: str = "",
                     source: str = WorkCalendarYear.Source.MANUAL) -> WorkCalendarYear:
    """Replace a layer's year with ``arrangement``: every day of each holiday range is a day off (weekend days
    included, so a region's holiday also overrides a national 调休 Saturday); each working day is a working day.
    Open clocks are recomputed by the caller (``deadlines_recompute``)."""
    layers(region)  # validates the code
    rows: dict[Day, WorkCalendarDay] = {}
    for first, last, name in arrangement.holidays:
        day = first
        while day <= last:
            rows[day] = WorkCalendarDay(region=region, date=day, is_workday=False, name=name[:60])
            day += dt.timedelta(days=1)
    for day, name in arrangement.working_days:
        rows[day] = WorkCalendarDay(region=region, date=day, is_workday=True, name=name[:60])
    if any(day.year != year for day in rows):
        raise ValueError("every day of the arrangement must lie in its year")
    WorkCalendarDay.objects.filter(region=region, date__year=year).delete()
    WorkCalendarDay.objects.bulk_create(sorted(rows.values(), key=lambda r: r.date))
    entry, _created = WorkCalendarYear.objects.update_or_create(
        region=region, year=year, defaults={"source": source, "note": note[:200]}
    )
    invalidate()
    return entry


@transaction.atomic
def arrangement_delete(*, region: str, year: int) -> None:
    WorkCalendarDay.objects.filter(region=region, date__year=year).delete()
    WorkCalendarYear.objects.filter(region=region, year=year).delete()
    invalidate()


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
    """Seed the national layer from chinesecalendar. Years entered by hand are kept unless ``overwrite_manual``.
    Returns the years written. Open clocks are recomputed by the caller (``deadlines_recompute``)."""
    import chinese_calendar

    written = []
    manual = set(WorkCalendarYear.objects.filter(region=NATIONAL, source=WorkCalendarYear.Source.MANUAL)
                 .values_list("year", flat=True))
    for year in years or chinesecalendar_years():
        if year in manual and not overwrite_manual:
            continue
        WorkCalendarDay.objects.filter(region=NATIONAL, date__year=year).delete()
        day, rows = dt.date(year, 1, 1), []
        while day.year == year:
            try:
                workday = chinese_calendar.is_workday(day)
            except NotImplementedError:
                break
            if workday != (day.weekday() < 5):
                on_holiday, name = chinese_calendar.get_holiday_detail(day)
                label = _holiday_label(name) + ("" if not workday else _("调休上班"))
                rows.append(WorkCalendarDay(region=NATIONAL, date=day, is_workday=workday, name=label))
            day += dt.timedelta(days=1)
        WorkCalendarDay.objects.bulk_create(rows)
        WorkCalendarYear.objects.update_or_create(
            region=NATIONAL, year=year,
            defaults={"source": WorkCalendarYear.Source.CHINESECALENDAR, "note": "chinesecalendar"},
        )
        written.append(year)
    invalidate()
    return written


_HOLIDAY_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def _holiday_label(name: str | None) -> str:
    return _HOLIDAY_NAMES.get(name or "", name or "")


def _invalidate_on_write(sender, **kwargs) -> None:
    invalidate()


for _model in (WorkCalendarYear, WorkCalendarDay):
    from django.db.models.signals import post_delete, post_save

    post_save.connect(_invalidate_on_write, sender=_model, dispatch_uid=f"calendar-memo-save-{_model.__name__}")
    post_delete.connect(_invalidate_on_write, sender=_model, dispatch_uid=f"calendar-memo-delete-{_model.__name__}")
