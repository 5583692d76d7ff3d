"""Clock arithmetic at the edges (rules M12, J5, T1): natural days, end of day in Asia/Shanghai, roll-over of a
rest day, the last notice day."""

import datetime as dt

import pytest

from apps.core.calendar import calendar_sync_from_package
from apps.core.deadlines import end_of_day
from apps.core.models import Deadline, WorkCalendarYear
from apps.rescissions import clock, services
from apps.rescissions.selectors import case_clock
from apps.rescissions.services import RULE_DECIDE, decide_deadline

from .factories import days_ago, notice_through, open_case, shanghai

UTC = dt.UTC


def test_m12_known_at_2359_shanghai_lapses_at_end_of_day_30(parties):
    known = shanghai(2026, 3, 10, 23, 59)
    case = open_case(parties.insurer_a, known_at=known)
    assert case.deadline_at == end_of_day(dt.date(2026, 4, 9))
    assert case.deadline_at.astimezone(UTC) == dt.datetime(2026, 4, 9, 15, 59, 59, 999999, tzinfo=UTC)
    deadline = decide_deadline(case)
    assert (deadline.rule, deadline.due_at, deadline.responsible) == (RULE_DECIDE, case.deadline_at, parties.insurer_a)
    assert deadline.unit == Deadline.Unit.NATURAL_DAYS and deadline.amount == 30


def test_m12_known_at_0001_shanghai_counts_the_local_date_not_the_utc_date(parties):
    known = shanghai(2026, 3, 11, 0, 1)
    assert known.astimezone(UTC).date() == dt.date(2026, 3, 10)  # still the previous day in UTC
    case = open_case(parties.insurer_a, known_at=known)
    assert case.deadline_at == end_of_day(dt.date(2026, 4, 10))
    c = clock.Clock(known)
    assert c.known_date == dt.date(2026, 3, 11)
    assert c.day_of(shanghai(2026, 3, 11, 23, 59)) == 0
    assert c.day_of(shanghai(2026, 4, 10, 23, 59)) == 30
    assert c.days_left(shanghai(2026, 4, 10, 0, 0)) == 0
    assert c.days_left(shanghai(2026, 4, 11, 0, 0)) == -1


def test_t1_day_30_on_a_statutory_holiday_rolls_over_to_the_next_working_day(parties, client):
    if not WorkCalendarYear.objects.filter(year=2026).exists():
        calendar_sync_from_package(years=[2026])
    case = open_case(parties.insurer_a, known_at=shanghai(2026, 9, 2, 10, 0))
    assert case.deadline_at == end_of_day(dt.date(2026, 10, 8))  # day 30 (Oct 2) is National Day: Oct 8 (art. 203)
    assert decide_deadline(case).due_at == case.deadline_at
    view = case_clock(case, now=shanghai(2026, 9, 20, 12))
    assert "国庆节" in view.deadline_note and "顺延至其后第一个工作日 2026-10-08" in view.deadline_note
    assert "民法典第二百零三条" in view.deadline_note
    client.force_login(parties.insurer_a_user)
    page = client.get(f"/rescissions/{case.pk}/").content.decode()
    assert "按自然日计算" in page
    assert "国庆节" in page


def test_j5_last_notice_day_leaves_an_instant_to_decide_after_the_five_days(parties):
    c = clock.Clock(shanghai(2026, 3, 11, 9, 30))
    assert c.deadline_date == dt.date(2026, 4, 10)
    assert c.last_notice_date == dt.date(2026, 4, 4) and c.last_notice_day == 24
    assert c.notice_fits(shanghai(2026, 4, 4, 18, 0))  # received day 24 → 5 days end with day 29
    # received day 25: the 5 days end with day 30 itself, so no instant is left for the decision
    assert clock.disclosure_deadline(shanghai(2026, 4, 5, 18, 0)) == c.deadline_at
    assert not c.notice_fits(shanghai(2026, 4, 5, 18, 0))
    assert not c.notice_fits(shanghai(2026, 4, 6, 8, 0))


def test_j5_notice_recorded_on_day_26_warns_that_five_days_no_longer_fit(parties):
    case = open_case(parties.insurer_a, known_at=days_ago(26))
    before = case_clock(case)
    assert before.day == 26 and before.css == "bad"
    assert any("已过最后通知日" in w for w in before.warnings)
    case = notice_through(case, parties.insurer_a_user, sent_at=None)
    case = services.rescission_notice_receive(case=case, actor=parties.insurer_a_user)
    view = case_clock(case)
    assert case.disclosure_due_at >= case.deadline_at
    assert any("5 日已无法在 30 日内届满" in w for w in view.warnings)
    receipt = case.events.get(kind="notice_received")
    assert receipt.data["fits"] is False and receipt.data["day"] == 26


@pytest.mark.parametrize(("day", "css"), [(5, ""), (19, ""), (20, "warn"), (24, "warn"), (28, "bad")])
def test_m12_warning_colour_from_day_20(parties, day, css):
    case = open_case(parties.insurer_a, known_at=days_ago(day))
    assert case_clock(case).css == css
