"""Working-day calendar: statutory holidays and 调休 from chinesecalendar (the national layer), the computed,
provisional statutory holidays for years without a published arrangement, and administrators' arrangements
recomputing open clocks (rules T1–T3)."""

import datetime as dt

import chinese_calendar
import pytest
from django.utils import timezone

from apps.core import calendar, deadlines
from apps.core.deadlines import SHANGHAI, end_of_day
from apps.core.models import Deadline, WorkCalendarDay, WorkCalendarYear
from apps.core.models.calendar import NATIONAL
from apps.parties.rights import SystemActor
from tests.factories import user_of

SYSTEM = SystemActor("test.clock")  # the platform acting: the clocks are started by services

D = dt.date


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def test_2026_is_seeded_from_chinesecalendar(db):
    assert WorkCalendarYear.objects.get(region=NATIONAL, year=2026).source == WorkCalendarYear.Source.CHINESECALENDAR
    assert 2026 in calendar.known_years()
    assert 2027 not in calendar.known_years()  # chinesecalendar 1.11 has no 2027 data


def test_2026_national_day_holiday_and_adjusted_working_days(db):
    # National Day 2026: Thu Oct 1 – Wed Oct 7 are holidays (weekend included) …
    for day in range(1, 8):
        assert calendar.is_workday(D(2026, 10, day)) == (False, False), day
    # … made up by working on Sunday Sept 20 and Saturday Oct 10 (the package's 2026 data)
    assert D(2026, 9, 20).weekday() == 6 and calendar.is_workday(D(2026, 9, 20)) == (True, False)
    assert D(2026, 10, 10).weekday() == 5 and calendar.is_workday(D(2026, 10, 10)) == (True, False)
    assert calendar.is_workday(D(2026, 10, 11)) == (False, False)  # the Sunday after is an ordinary Sunday
    assert calendar.is_workday(D(2026, 10, 8)) == (True, False)
    assert WorkCalendarDay.objects.get(region=NATIONAL, date=D(2026, 10, 10)).name == "国庆节调休上班"
    assert WorkCalendarDay.objects.get(region=NATIONAL, date=D(2026, 10, 1)).name == "国庆节"
    assert WorkCalendarDay.objects.get(region=NATIONAL, date=D(2026, 9, 25)).name == "中秋节"  # Mid-autumn: Fri Sept 25


def test_seeded_2026_agrees_with_the_package_for_every_day(db):
    # The national layer is the package's; Liuzhou adds Guangxi's 壮族三月三 (17–20 April 2026, rule T2).
    day = D(2026, 1, 1)
    while day.year == 2026:
        assert calendar.is_workday(day, NATIONAL)[0] == chinese_calendar.is_workday(day), day
        liuzhou = chinese_calendar.is_workday(day) and not D(2026, 4, 17) <= day <= D(2026, 4, 20)
        assert calendar.is_workday(day, "450200")[0] == liuzhou, day
        day += dt.timedelta(days=1)


@pytest.mark.parametrize(("start", "days", "expected"), [
    (D(2026, 9, 30), 1, D(2026, 10, 8)),  # across the whole National Day holiday
    (D(2026, 9, 30), 2, D(2026, 10, 9)),
    (D(2026, 9, 30), 3, D(2026, 10, 10)),  # Saturday Oct 10 is a working day
    (D(2026, 9, 30), 4, D(2026, 10, 12)),
    (D(2026, 10, 9), 1, D(2026, 10, 10)),
    (D(2026, 9, 18), 1, D(2026, 9, 20)),  # Sunday Sept 20 is a working day; Saturday Sept 19 is not
    (D(2026, 9, 24), 1, D(2026, 9, 28)),  # Mid-autumn Fri Sept 25 – Sun Sept 27
    (D(2026, 10, 3), 0, D(2026, 10, 3)),
])
def test_add_working_days_across_the_2026_holidays(db, start, days, expected):
    assert calendar.add_working_days(start, days) == (expected, False)


def test_a_deadline_crossing_into_2027_uses_the_computed_statutory_holidays_and_says_so(db):
    # Wed Dec 30 2026 + 3 working days: Thu Dec 31, (Fri Jan 1 2027: 元旦, computed — no arrangement yet),
    # Mon Jan 4, Tue Jan 5 2027: provisional
    assert calendar.add_working_days(D(2026, 12, 30), 3) == (D(2027, 1, 5), True)
    assert calendar.is_workday(D(2027, 1, 1)) == (False, True)
    assert calendar.add_working_days(D(2026, 12, 30), 1) == (D(2026, 12, 31), False)
    due, fallback = deadlines.compute_due(starts_at=at(2026, 12, 30, 10), unit=Deadline.Unit.WORKING_DAYS, amount=3)
    assert (due, fallback) == (end_of_day(D(2027, 1, 5)), True)
    # long spans far beyond the data do not crash either
    assert calendar.add_working_days(D(2026, 12, 1), 400)[1] is True


def test_missing_years_warning(db):
    assert calendar.missing_years_warning(2026) == ""
    warning = calendar.missing_years_warning(2026, 2027)
    assert "2027" in warning and "2026" not in warning and "推算法定节假日" in warning
    assert "广西壮族自治区 2027 年" in warning  # its 壮族三月三 is computed as well


@pytest.fixture
def insurer_user(db):
    return user_of("insurer", username="calendar_insurer")


def test_due_page_shows_the_fallback_warning_for_a_clock_in_2027(client, insurer_user):
    deadline = deadlines.deadline_start(
        rule="test.calendar", subject=insurer_user, responsible=insurer_user.organization,
        starts_at=at(2026, 12, 30, 10), unit=Deadline.Unit.WORKING_DAYS, amount=3, actor=SYSTEM)
    assert deadline.used_fallback_calendar
    client.force_login(insurer_user)
    html = client.get("/due/").content.decode()
    assert 'data-testid="calendar-warning"' in html
    assert "2027 年的法定节假日和调休安排尚未录入" in html
    assert "暂定" in html
    assert "2027-01-05 23:59" in html


def test_due_page_without_fallback_clocks_warns_only_for_a_missing_current_year(client, insurer_user):
    deadlines.deadline_start(
        rule="test.calendar", subject=insurer_user, responsible=insurer_user.organization,
        starts_at=at(2026, 9, 30, 10), unit=Deadline.Unit.WORKING_DAYS, amount=1, actor=SYSTEM)
    client.force_login(insurer_user)
    html = client.get("/due/").content.decode()
    current_year_known = WorkCalendarYear.objects.filter(year=timezone.localdate().year).exists()
    assert ('data-testid="calendar-warning"' in html) == (not current_year_known)
    assert "2026-10-08 23:59" in html


@pytest.fixture
def admin_client_(client, db):
    admin = user_of("platform", username="calendar_admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


def test_admin_enters_a_year_in_one_form_and_open_clocks_are_recomputed_breaches_kept(admin_client_, insurer_user):
    org = insurer_user.organization
    open_clock = deadlines.deadline_start(
        rule="test.recompute", subject=insurer_user, responsible=org,
        starts_at=at(2026, 12, 30, 10), unit=Deadline.Unit.WORKING_DAYS, amount=3, actor=SYSTEM)
    breached_clock = deadlines.deadline_start(
        rule="test.recompute", subject=org, responsible=org,
        starts_at=at(2026, 12, 30, 10), unit=Deadline.Unit.WORKING_DAYS, amount=1, actor=SYSTEM)
    assert breached_clock.due_at == end_of_day(D(2026, 12, 31))
    assert open_clock.due_at == end_of_day(D(2027, 1, 5)) and open_clock.used_fallback_calendar
    deadlines.deadline_scan(now=at(2027, 1, 2, 9))
    breached_clock.refresh_from_db()
    assert breached_clock.status == Deadline.Status.BREACHED
    recorded = breached_clock.breached_at

    # The administrator enters 2027 as published (a hypothetical arrangement: 元旦 Jan 1–3, no working weekend).
    response = admin_client_.post("/admin/core/workcalendaryear/add/", {
        "region": NATIONAL, "year": 2027, "note": "国务院办公厅通知",
        "holidays": "2027-01-01 至 2027-01-03 元旦\n2027-02-05 至 2027-02-11 春节", "working_days": "2027-02-14 春节调休上班",
    }, follow=True)
    assert response.status_code == 200
    assert "重新计算 1 个进行中的时限" in response.content.decode()
    entry = WorkCalendarYear.objects.get(region=NATIONAL, year=2027)
    assert entry.source == WorkCalendarYear.Source.MANUAL
    assert WorkCalendarDay.objects.filter(region=NATIONAL, date__year=2027).count() == 3 + 7 + 1
    open_clock.refresh_from_db()
    assert not open_clock.used_fallback_calendar  # 2027 is published now: no longer provisional …
    assert open_clock.due_at == end_of_day(D(2027, 1, 5))  # … and the same day (Jan 1 off, 2–3 a weekend)
    breached_clock.refresh_from_db()
    assert breached_clock.status == Deadline.Status.BREACHED and breached_clock.breached_at == recorded

    # The form shows the year back as ranges, and a correction (Jan 4 off too) recomputes again.
    page = admin_client_.get(f"/admin/core/workcalendaryear/{entry.pk}/change/").content.decode()
    assert "2027-01-01 至 2027-01-03 元旦" in page and "2027-02-14 春节调休上班" in page
    response = admin_client_.post(f"/admin/core/workcalendaryear/{entry.pk}/change/", {
        "note": "更正", "holidays": "2027-01-01 至 2027-01-04 元旦", "working_days": "",
    }, follow=True)
    assert "重新计算 1 个进行中的时限" in response.content.decode()
    open_clock.refresh_from_db()
    assert open_clock.due_at == end_of_day(D(2027, 1, 6))
    assert breached_clock.due_at == end_of_day(D(2026, 12, 31))  # … a recorded breach keeps its due time

    # deleting the arrangement (changelist bulk action): computed and provisional again
    admin_client_.post("/admin/core/workcalendaryear/", {"action": "delete_selected", "_selected_action": [entry.pk],
                                                         "post": "yes"})
    assert not WorkCalendarDay.objects.filter(region=NATIONAL, date__year=2027).exists()
    open_clock.refresh_from_db()
    assert open_clock.due_at == end_of_day(D(2027, 1, 5)) and open_clock.used_fallback_calendar


def test_admin_form_names_the_line_at_fault(admin_client_):
    response = admin_client_.post("/admin/core/workcalendaryear/add/", {
        "region": "450000", "year": 2027, "note": "",
        "holidays": "2027-04-09 至 2027-04-10 壮族三月三\n四月十日", "working_days": "2027-04-07 调休",
    })
    assert response.status_code == 200
    html = response.content.decode()
    assert "放假日期第 2 行“四月十日”无法识别" in html
    assert "调休上班日 2027-04-07 不是周六或周日" in html
    assert not WorkCalendarYear.objects.filter(region="450000", year=2027).exists()


def test_the_days_are_not_entered_one_by_one(admin_client_):
    assert admin_client_.get("/admin/core/workcalendarday/add/").status_code == 403
