"""Working-day calendar: statutory holidays and 调休 from chinesecalendar, the Monday–Friday fallback for years
without data, and administrators' corrections recomputing open clocks."""

import datetime as dt

import chinese_calendar
import pytest
from django.utils import timezone

from apps.core import calendar, deadlines
from apps.core.deadlines import SHANGHAI, end_of_day
from apps.core.models import Deadline, WorkCalendarDay, WorkCalendarYear
from apps.parties.rights import SystemActor
from tests.factories import user_of

SYSTEM = SystemActor("test.clock")  # the platform acting: the clocks are started by services

D = dt.date


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def test_2026_is_seeded_from_chinesecalendar(db):
    assert WorkCalendarYear.objects.get(year=2026).source == WorkCalendarYear.Source.CHINESECALENDAR
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
    assert WorkCalendarDay.objects.get(date=D(2026, 10, 10)).name == "国庆节调休上班"
    assert WorkCalendarDay.objects.get(date=D(2026, 10, 1)).name == "国庆节"
    assert WorkCalendarDay.objects.get(date=D(2026, 9, 25)).name == "中秋节"  # Mid-autumn: Fri Sept 25


def test_seeded_2026_agrees_with_the_package_for_every_day(db):
    day = D(2026, 1, 1)
    while day.year == 2026:
        assert calendar.is_workday(day)[0] == chinese_calendar.is_workday(day), day
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


def test_a_deadline_crossing_into_2027_falls_back_to_monday_to_friday_and_says_so(db):
    # Wed Dec 30 2026 + 3 working days: Thu Dec 31, Fri Jan 1 2027 (no data yet: counted), Mon Jan 4 2027
    assert calendar.add_working_days(D(2026, 12, 30), 3) == (D(2027, 1, 4), True)
    assert calendar.is_workday(D(2027, 1, 1)) == (True, True)
    assert calendar.add_working_days(D(2026, 12, 30), 1) == (D(2026, 12, 31), False)
    due, fallback = deadlines.compute_due(starts_at=at(2026, 12, 30, 10), unit=Deadline.Unit.WORKING_DAYS, amount=3)
    assert (due, fallback) == (end_of_day(D(2027, 1, 4)), True)
    # long spans far beyond the data do not crash either
    assert calendar.add_working_days(D(2026, 12, 1), 400)[1] is True


def test_missing_years_warning(db):
    assert calendar.missing_years_warning(2026) == ""
    warning = calendar.missing_years_warning(2026, 2027)
    assert "2027" in warning and "2026" not in warning and "周一至周五" in warning


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
    assert "默认日历" in html
    assert "2027-01-04 23:59" in html


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


def test_admin_calendar_correction_recomputes_open_clocks_and_keeps_breaches(admin_client_, insurer_user):
    org = insurer_user.organization
    open_clock = deadlines.deadline_start(
        rule="test.recompute", subject=insurer_user, responsible=org,
        starts_at=at(2026, 12, 30, 10), unit=Deadline.Unit.WORKING_DAYS, amount=3, actor=SYSTEM)
    breached_clock = deadlines.deadline_start(
        rule="test.recompute", subject=org, responsible=org,
        starts_at=at(2026, 12, 30, 10), unit=Deadline.Unit.WORKING_DAYS, amount=2, actor=SYSTEM)
    assert breached_clock.due_at == end_of_day(D(2027, 1, 1))
    deadlines.deadline_scan(now=at(2027, 1, 2, 9))
    breached_clock.refresh_from_db()
    assert breached_clock.status == Deadline.Status.BREACHED
    recorded = breached_clock.breached_at

    # The administrator enters 2027 (published by the State Council) and its New Year's Day holiday.
    response = admin_client_.post("/admin/core/workcalendaryear/add/", {"year": 2027, "source": "manual", "note": "国办发明电"})
    assert response.status_code == 302
    open_clock.refresh_from_db()
    assert not open_clock.used_fallback_calendar  # 2027 is known now
    assert open_clock.due_at == end_of_day(D(2027, 1, 4))
    response = admin_client_.post("/admin/core/workcalendarday/add/", {"date": "2027-01-01", "name": "元旦"}, follow=True)
    assert response.status_code == 200
    assert "重新计算 1 个进行中的时限" in response.content.decode()

    open_clock.refresh_from_db()
    assert open_clock.due_at == end_of_day(D(2027, 1, 5))  # Jan 1 is a holiday now: one day later
    breached_clock.refresh_from_db()
    assert breached_clock.status == Deadline.Status.BREACHED  # a recorded breach stays recorded …
    assert breached_clock.breached_at == recorded
    assert breached_clock.due_at == end_of_day(D(2027, 1, 1))  # … with the due time it was judged by

    # deleting the correction (changelist bulk action) recomputes again
    day = WorkCalendarDay.objects.get(date=D(2027, 1, 1))
    admin_client_.post("/admin/core/workcalendarday/", {"action": "delete_selected", "_selected_action": [day.pk], "post": "yes"})
    assert not WorkCalendarDay.objects.filter(date=D(2027, 1, 1)).exists()
    open_clock.refresh_from_db()
    assert open_clock.due_at == end_of_day(D(2027, 1, 4))
