"""Calendar layers (rules T2, T3): national, Guangxi (450000), Liuzhou (450200); the seeded 2026 壮族三月三;
computed statutory holidays for a year without an arrangement, provisional until it is entered."""

import datetime as dt

import pytest

from apps.claims import clocks
from apps.core import calendar, deadlines
from apps.core.deadlines import SHANGHAI, end_of_day
from apps.core.models import Deadline, WorkCalendarDay, WorkCalendarYear
from apps.core.models.calendar import NATIONAL
from apps.parties.rights import SystemActor
from tests.claims.factories import bare_claim

SYSTEM = SystemActor("test.calendar_layers")
D = dt.date


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def test_layers_of_a_city():
    assert calendar.layers("450200") == ("000000", "450000", "450200")
    assert calendar.layers("450000") == ("000000", "450000")
    assert calendar.layers("000000") == ("000000",)
    with pytest.raises(ValueError, match="6-digit"):
        calendar.layers("4502")


def test_2026_sanyuesan_is_seeded_with_its_source(db):
    entry = WorkCalendarYear.objects.get(region="450000", year=2026)
    assert "壮族三月三" in entry.note and "4 月 17 日至 20 日" in entry.note
    assert [d.date for d in WorkCalendarDay.objects.filter(region="450000", date__year=2026)] == [
        D(2026, 4, 17), D(2026, 4, 18), D(2026, 4, 19), D(2026, 4, 20)]
    for day in (17, 20):
        assert calendar.is_workday(D(2026, 4, day), "450200") == (False, False)
        assert calendar.is_workday(D(2026, 4, day), NATIONAL) == (True, False)
    assert calendar.day_name(D(2026, 4, 17), "450200") == "壮族三月三"


def test_small_claim_complete_thursday_0416_is_due_0421_nationally_and_0423_in_liuzhou(parties):
    # rule M13: a small claim closes within 3 working days of complete documents
    assert calendar.add_working_days(D(2026, 4, 16), 3, NATIONAL) == (D(2026, 4, 21), False)
    assert calendar.add_working_days(D(2026, 4, 16), 3, "450200") == (D(2026, 4, 23), False)
    claim = bare_claim(insurer=parties.insurer_a)
    deadline = clocks.clock_start(rule=clocks.SMALL_CLOSE, subject=claim, responsible=claim.insurer,
                                  starts_at=at(2026, 4, 16, 15, 0), actor=SystemActor("test.claims"))
    assert deadline.due_at == end_of_day(D(2026, 4, 23))  # the insurer is in Liuzhou
    assert deadline.calendar_region == "450200" and not deadline.used_fallback_calendar


def test_a_city_layer_overrides_the_region_and_the_nation(db):
    calendar.arrangement_save(region="450200", year=2026, note="假设的柳州市安排", arrangement=calendar.Arrangement(
        holidays=((D(2026, 11, 27), D(2026, 11, 27), "假设的市内假日"),), working_days=((D(2026, 4, 18), "假设的补班"),)))
    assert calendar.is_workday(D(2026, 11, 27), "450200") == (False, False)
    assert calendar.is_workday(D(2026, 11, 27), "450000") == (True, False)  # Guangxi elsewhere: unaffected
    assert calendar.is_workday(D(2026, 4, 18), "450200") == (True, False)  # a city 补班 Saturday in 三月三
    assert calendar.add_working_days(D(2026, 4, 16), 3, "450200") == (D(2026, 4, 22), False)


def test_2027_national_statutory_holidays_are_computed(db):
    days = calendar.statutory_days(NATIONAL, 2027)
    off = {day for day, (workday, _name) in days.items() if not workday}
    assert D(2027, 1, 1) in off  # 元旦 (Friday)
    assert {D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8)} <= off  # 除夕 Feb 5 to 初三 Feb 8
    assert D(2027, 4, 5) in off  # 清明 (Monday)
    assert {D(2027, 5, 1), D(2027, 5, 2)} <= off  # 劳动节 on a weekend …
    assert {D(2027, 5, 3), D(2027, 5, 4)} <= off  # … made up on the next weekdays (办法 art. 6)
    assert D(2027, 6, 9) in off and D(2027, 9, 15) in off  # 端午, 中秋
    assert {D(2027, 10, 1), D(2027, 10, 2), D(2027, 10, 3), D(2027, 10, 4), D(2027, 10, 5)} <= off
    assert days[D(2027, 2, 9)][1] == "春节补休" and days[D(2027, 2, 10)][1] == "春节补休"  # Feb 6–7 a weekend
    assert calendar.is_workday(D(2027, 2, 8)) == (False, True)  # provisional: no arrangement entered yet


def test_guangxi_sanyuesan_is_computed_for_a_year_without_its_arrangement(db):
    days = calendar.statutory_days("450000", 2027)
    # 初三 Friday Apr 9, 初四 Saturday Apr 10 (made up on Monday Apr 12)
    assert {d for d, (w, _n) in days.items() if not w} == {D(2027, 4, 9), D(2027, 4, 10), D(2027, 4, 12)}
    assert calendar.is_workday(D(2027, 4, 9), "450200") == (False, True)
    assert calendar.is_workday(D(2027, 4, 9), NATIONAL) == (True, True)
    # with the national arrangement entered, only the days around the computed 三月三 stay provisional
    calendar.arrangement_save(region=NATIONAL, year=2027, arrangement=calendar.Arrangement(
        holidays=((D(2027, 1, 1), D(2027, 1, 3), "元旦"),), working_days=()))
    assert calendar.is_workday(D(2027, 4, 9), "450200") == (False, True)
    assert calendar.is_workday(D(2027, 6, 9), "450200") == (True, False)
    assert "广西壮族自治区 2027 年" in calendar.missing_years_warning(2027)
    assert "国务院" not in calendar.missing_years_warning(2027)


def test_provisional_clock_is_recomputed_when_the_arrangement_is_entered(parties):
    org = parties.insurer_a
    # 2026-12-28 + 5 natural days = Saturday 2027-01-02 → Monday Jan 4 (computed 2027: provisional)
    clock = deadlines.deadline_start(rule="test.layers", subject=org, responsible=org, starts_at=at(2026, 12, 28, 10),
                                     unit=Deadline.Unit.NATURAL_DAYS, amount=5, actor=SYSTEM)
    assert clock.due_at == end_of_day(D(2027, 1, 4)) and clock.used_fallback_calendar
    # The State Council's (hypothetical) 2027 arrangement: Jan 1–4 off, no working weekend day
    calendar.arrangement_save(region=NATIONAL, year=2027, note="国务院办公厅通知", arrangement=calendar.Arrangement(
        holidays=((D(2027, 1, 1), D(2027, 1, 4), "元旦"),), working_days=()))
    assert deadlines.deadlines_recompute(actor=SYSTEM) == 1
    clock.refresh_from_db()
    assert clock.due_at == end_of_day(D(2027, 1, 5)) and not clock.used_fallback_calendar
