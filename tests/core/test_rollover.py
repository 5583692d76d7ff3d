"""Civil Code roll-over (rule T1, arts. 201–204): a period in days whose last day is a statutory rest day ends at
24:00 of the next working day — weekends, National Day, Guangxi's 壮族三月三; a 调休 working Saturday is no rest
day; working-day and hour clocks never roll; the rule's property is stored on the clock."""

import datetime as dt

import pytest

from apps.core import deadlines
from apps.core.deadlines import SHANGHAI, compute_due_detail, end_of_day
from apps.core.models import Deadline
from apps.core.rules import register_rule, rule_roll_over
from apps.parties.rights import SystemActor
from tests.factories import user_of

SYSTEM = SystemActor("test.rollover")
D = dt.date
NATURAL = Deadline.Unit.NATURAL_DAYS


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def due(start, amount, unit=NATURAL, **kwargs):
    return compute_due_detail(starts_at=start, unit=unit, amount=amount, **kwargs)


@pytest.mark.parametrize(("start", "amount", "nominal", "expected"), [
    (at(2026, 11, 4, 15), 10, D(2026, 11, 14), D(2026, 11, 16)),  # Saturday → Monday
    (at(2026, 11, 5, 9), 10, D(2026, 11, 15), D(2026, 11, 16)),  # Sunday → Monday
    (at(2026, 9, 2, 10), 30, D(2026, 10, 2), D(2026, 10, 8)),  # National Day (Oct 1–7) → Thursday Oct 8
    (at(2026, 9, 27, 10), 3, D(2026, 9, 30), D(2026, 9, 30)),  # the eve of the holiday is a working day
    (at(2026, 12, 26, 10), 5, D(2026, 12, 31), D(2026, 12, 31)),
])
def test_last_day_on_a_rest_day_rolls_to_the_next_working_day(db, start, amount, nominal, expected):
    result = due(start, amount)
    assert result.nominal_last_day == nominal
    assert result.due_at == end_of_day(expected)
    assert result.rolled_over == (expected != nominal)
    assert not result.provisional


def test_guangxi_sanyuesan_rolls_over_in_liuzhou_only(db):
    # 2026-04-12 + 5 = Friday 2026-04-17: a working day nationally, 壮族三月三 in Guangxi (17–20 April off)
    liuzhou = due(at(2026, 4, 12, 10), 5, region="450200")
    assert liuzhou.due_at == end_of_day(D(2026, 4, 21)) and liuzhou.rolled_over
    guangxi = due(at(2026, 4, 12, 10), 5, region="450000")
    assert guangxi.due_at == liuzhou.due_at
    national = due(at(2026, 4, 12, 10), 5, region="000000")
    assert national.due_at == end_of_day(D(2026, 4, 17)) and not national.rolled_over
    assert due(at(2026, 4, 12, 10), 5).due_at == liuzhou.due_at  # the platform's city is the default


def test_a_tiaoxiu_working_weekend_day_is_not_a_rest_day(db):
    # Saturday 2026-10-10 and Sunday 2026-09-20 are working days (National Day arrangement): no roll-over
    saturday = due(at(2026, 10, 5, 10), 5)
    assert saturday.due_at == end_of_day(D(2026, 10, 10)) and not saturday.rolled_over
    sunday = due(at(2026, 9, 15, 10), 5)
    assert sunday.due_at == end_of_day(D(2026, 9, 20)) and not sunday.rolled_over
    # … while the ordinary Sunday after it is
    assert due(at(2026, 10, 6, 10), 5).due_at == end_of_day(D(2026, 10, 12))


def test_working_day_and_hour_clocks_never_roll(db):
    hours = due(at(2026, 10, 1, 23, 30), 1, Deadline.Unit.HOURS)
    assert hours.due_at == at(2026, 10, 2, 0, 30) and not hours.rolled_over
    working = due(at(2026, 9, 30, 9), 1, Deadline.Unit.WORKING_DAYS)
    assert working.due_at == end_of_day(D(2026, 10, 8)) and not working.rolled_over


def test_roll_over_can_be_switched_off_for_a_rule_a_law_exempts(db):
    assert due(at(2026, 11, 4, 15), 10, roll_over=False).due_at == end_of_day(D(2026, 11, 14))
    result = due(at(2026, 11, 4, 15), 10, roll_over=False, end_of_day_due=False)
    assert result.due_at == at(2026, 11, 14, 15)
    assert due(at(2026, 11, 4, 15), 10, end_of_day_due=False).due_at == at(2026, 11, 16, 15)


@pytest.fixture
def org(db):
    return user_of("insurer", username="rollover_insurer").organization


def test_the_rules_property_is_stored_on_the_clock_and_recompute_keeps_it(org):
    register_rule("test.no_roll", "test rule exempt by a law", unit=NATURAL, amount=10, roll_over=False,
                  roll_over_basis="a law providing otherwise (Civil Code art. 204)")
    assert rule_roll_over("test.no_roll") is False and rule_roll_over("test.unregistered") is True
    exempt = deadlines.deadline_start(rule="test.no_roll", subject=org, responsible=org, starts_at=at(2026, 11, 4, 15),
                                      unit=NATURAL, amount=10, actor=SYSTEM)
    rolled = deadlines.deadline_start(rule="test.rolls", subject=org, responsible=org, starts_at=at(2026, 11, 4, 15),
                                      unit=NATURAL, amount=10, actor=SYSTEM)
    hours = deadlines.deadline_start(rule="test.hours", subject=org, responsible=org, starts_at=at(2026, 11, 4, 15),
                                     unit=Deadline.Unit.HOURS, amount=3, actor=SYSTEM)
    assert (exempt.roll_over, exempt.due_at) == (False, end_of_day(D(2026, 11, 14)))
    assert (rolled.roll_over, rolled.due_at) == (True, end_of_day(D(2026, 11, 16)))
    assert hours.roll_over is False
    assert rolled.calendar_region == "450200"
    assert deadlines.deadlines_recompute(actor=SYSTEM) == 0  # same calendar, same answers
    exempt.refresh_from_db()
    rolled.refresh_from_db()
    assert exempt.due_at == end_of_day(D(2026, 11, 14)) and rolled.due_at == end_of_day(D(2026, 11, 16))


def test_the_platforms_day_rules_roll_over_with_their_legal_basis(db):
    from apps.core.rules import rule_get

    for key in ("rescission.decide", "rescission.disclosure", "claim.decision", "claim.refusal_notice",
                "claim.payment", "complaint.feedback"):
        rule = rule_get(key)
        assert rule is not None and rule.unit == NATURAL, key
        assert rule.roll_over and "第二百零三条" in rule.roll_over_basis, key
