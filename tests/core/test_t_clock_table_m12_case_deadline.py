"""Rules M12, J5 in the one clock table: ``RescissionCase.deadline_at`` is the kernel clock's due instant, written by
the clock service alone (at the clock's start, an extension, a calendar recompute), and the rescission pages' date
helpers compute through the rule's registration — a changed ``RESCISSION_DAYS`` moves both, no separate amount."""

import datetime as dt

from apps.core import deadlines
from apps.core.models import Deadline
from apps.parties.rights import SystemActor
from apps.rescissions import clock, services
from apps.rescissions.models import RescissionCase
from tests.rescissions.factories import days_ago, open_case

SYSTEM = SystemActor("test.clock_table")


def _clock(case) -> Deadline:
    return Deadline.objects.get(rule=services.RULE_DECIDE, object_id=str(case.pk))


def test_m12_the_case_deadline_is_the_clocks_due_instant_from_its_start(parties):
    case = open_case(parties.insurer_a, known_at=days_ago(3, 9))
    decide = _clock(case)
    assert case.deadline_at == decide.due_at
    assert decide.amount == 30 and decide.unit == Deadline.Unit.NATURAL_DAYS
    assert clock.decision_deadline(case.known_at) == decide.due_at


def test_m12_an_extension_of_the_clock_moves_the_case_deadline_with_it(parties):
    case = open_case(parties.insurer_a, known_at=days_ago(3, 9))
    decide = deadlines.deadline_extend(deadline=_clock(case), amount=40, reason="测试：期间延长", actor=SYSTEM)
    assert RescissionCase.objects.get(pk=case.pk).deadline_at == decide.due_at
    assert decide.due_at > case.deadline_at


def test_j5_the_helpers_follow_the_registered_setting(parties, settings):
    known = dt.datetime(2026, 6, 1, 9, 0, tzinfo=deadlines.SHANGHAI)  # a Monday
    assert clock.decision_deadline(known) == deadlines.end_of_day(dt.date(2026, 7, 1))
    settings.RESCISSION_DAYS = 20
    settings.RESCISSION_DISCLOSURE_DAYS = 4
    assert clock.decision_deadline(known) == deadlines.end_of_day(dt.date(2026, 6, 22))  # day 20 is a Sunday
    assert clock.Clock(known).nominal_deadline_date == dt.date(2026, 6, 21)
    assert clock.disclosure_deadline(known) == deadlines.end_of_day(dt.date(2026, 6, 5))
    case = open_case(parties.insurer_a, known_at=days_ago(3, 9))
    assert _clock(case).amount == 20 and case.deadline_at == _clock(case).due_at
