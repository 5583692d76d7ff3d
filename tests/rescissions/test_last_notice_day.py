"""The last day a 附件三 notice can be received (rules J5, T1) is derived from the bound ``_check_may_rescind``
enforces: a rescission only after the policyholder's 5 days and no later than the rescission deadline. A notice
received on "day 25" of a 30-day clock whose day 30 is a working day ends the 5 days with day 30 itself, so every
rescission is refused — the page must not say it still fits."""

import datetime as dt

import pytest
import time_machine

from apps.core.errors import ConflictError
from apps.rescissions import clock, services
from apps.rescissions.models import Decision, Status
from apps.rescissions.selectors import case_clock

from .factories import notice_through, open_case, refresh, shanghai

KNOWN = shanghai(2026, 3, 11, 9, 30)  # day 30 = Friday 2026-04-10, a working day
POLICY = {"starts_at": shanghai(2026, 1, 1), "ends_at": shanghai(2027, 1, 1)}


def _case(parties):
    with time_machine.travel(KNOWN + dt.timedelta(minutes=5), tick=False):
        return open_case(parties.insurer_a, known_at=KNOWN, **POLICY)


def test_notice_received_on_day_25_makes_every_decision_impossible_and_the_page_says_so(parties, client):
    case = _case(parties)
    user = parties.insurer_a_user
    with time_machine.travel(shanghai(2026, 4, 5, 9, 0), tick=False):  # day 25
        view = case_clock(refresh(case))
        assert view.last_notice_date == dt.date(2026, 4, 4) and view.last_notice_day == 24
        assert view.css == "bad" and any("已过最后通知日 2026-04-04（第 24 天）" in w for w in view.warnings)
        client.force_login(user)
        page = client.get(f"/rescissions/{case.pk}/").content.decode()
        assert "已过最后通知日 2026-04-04" in page
        case = notice_through(case, user, sent_at=shanghai(2026, 4, 5, 8, 0), received_at=shanghai(2026, 4, 5, 8, 30))
        assert case.disclosure_due_at == case.deadline_at  # both end with day 30
        receipt = case.events.get(kind="notice_received")
        assert receipt.data["fits"] is False
        assert any("已无法在 30 日内届满" in w for w in case_clock(case).warnings)
    # the last instant before the lapse is still inside the 5 days …
    with time_machine.travel(shanghai(2026, 4, 10, 23, 59), tick=False):
        with pytest.raises(ConflictError) as refused:
            services.rescission_decide(case=refresh(case), actor=user, decision=Decision.RESCINDED)
        assert refused.value.code == "disclosure_period_running"
    # … and the first instant after it is past the deadline
    with time_machine.travel(shanghai(2026, 4, 11, 0, 0, 1), tick=False):
        with pytest.raises(ConflictError) as refused:
            services.rescission_decide(case=refresh(case), actor=user, decision=Decision.RESCINDED)
        assert refused.value.code == "lapsed"


def test_notice_received_on_the_last_receipt_day_leaves_the_decision_possible(parties):
    case = _case(parties)
    user = parties.insurer_a_user
    c = clock.Clock.of(case)
    with time_machine.travel(shanghai(2026, 4, 4, 10, 0), tick=False):  # day 24, the page's last day
        assert case_clock(refresh(case)).last_notice_date == dt.date(2026, 4, 4)
        case = notice_through(case, user, sent_at=shanghai(2026, 4, 4, 9, 0), received_at=shanghai(2026, 4, 4, 9, 30))
        assert case.events.get(kind="notice_received").data["fits"] is True
        assert c.notice_fits(case.notice_received_at)
    with time_machine.travel(shanghai(2026, 4, 10, 9, 0), tick=False):
        case = services.rescission_decide(case=refresh(case), actor=user, decision=Decision.RESCINDED)
    assert case.status == Status.RESCINDED


@pytest.mark.parametrize("known", [
    KNOWN,
    shanghai(2026, 9, 2, 10, 0),  # day 30 is National Day (Oct 2): the deadline rolls to Oct 8 (rule T1)
    shanghai(2026, 10, 30, 10, 0),  # day 30 is a Sunday
    shanghai(2026, 3, 16, 10, 0),  # the 5 days of a day-25 notice would end in 三月三 (Liuzhou, 2026-04-17–20)
])
def test_the_last_receipt_day_is_exactly_where_a_rescission_stops_being_possible(db, known):
    c = clock.Clock(known)
    day = c.known_date
    while day <= c.deadline_date:
        received = dt.datetime.combine(day, dt.time(12, 0), tzinfo=known.tzinfo)
        due = clock.disclosure_deadline(received)
        possible = clock.may_rescind_at(clock.earliest_rescission(due), disclosure_due_at=due,
                                        deadline_at=c.deadline_at)
        assert c.notice_fits(received) is possible, day
        assert possible is (day <= c.last_receipt_date), day
        day += dt.timedelta(days=1)


def test_national_day_rolls_both_the_deadline_and_the_five_days(db):
    c = clock.Clock(shanghai(2026, 9, 2, 10, 0))
    assert c.deadline_date == dt.date(2026, 10, 8) and c.rolled_over
    # a notice received Sept 26–Oct 2 ends its 5 days in the holiday, rolled to Oct 8 as well: too late
    assert c.last_receipt_date == dt.date(2026, 9, 25)
