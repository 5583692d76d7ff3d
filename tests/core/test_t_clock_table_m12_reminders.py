"""Rule M12 in the one clock table: the rescission clock's warning day (20 of 30) and its fixed reminders (days 20,
25, 28) come from the rule's registration; the one deadline scan sends each reminder once (recorded on the clock),
only the latest reached when the scan ran late, and never after the clock closed or fell due."""

import datetime as dt

import pytest
import time_machine

from apps.core import deadlines
from apps.core.models import Deadline, DeadlineReminder
from apps.core.rules import _RULES, register_rule, rule_get
from apps.parties.rights import SystemActor
from tests.factories import OrganizationFactory

SYSTEM = SystemActor("test.clock_table")
START = dt.datetime(2026, 6, 1, 9, 0, tzinfo=deadlines.SHANGHAI)  # a Monday


@pytest.fixture
def reminded():
    key, seen = "test.reminded", []
    register_rule(key, "test", rule_ids="M12", legal_basis="test", unit=Deadline.Unit.NATURAL_DAYS, amount=30,
                  reminders=(20, 25, 28))
    deadlines.on_reminder(key)(lambda deadline, day: seen.append((deadline.pk, day)))
    yield key, seen
    _RULES.pop(key, None)
    deadlines._REMINDER_HANDLERS.pop(key, None)


def _start(key):
    org = OrganizationFactory(kind="insurer")
    with time_machine.travel(START, tick=False):
        return deadlines.deadline_start(rule=key, subject=org, responsible=org, starts_at=START, actor=SYSTEM)


def _day(n: int, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(START.date() + dt.timedelta(days=n), dt.time(hour), tzinfo=deadlines.SHANGHAI)


def test_m12_the_rescission_rule_registers_its_warning_day_and_reminders(settings):
    settings.DEADLINE_RULES = {}
    rule = rule_get("rescission.decide")
    assert rule.resolved_reminders() == (20, 25, 28)
    assert rule.resolved_warn_fraction() * 30 == 20
    assert rule.rule_ids == "M12, J5" and "三十日" in str(rule.legal_basis)


def test_m12_each_reminder_is_sent_once_on_its_day(db, reminded):
    key, seen = reminded
    clock = _start(key)
    assert deadlines.deadline_scan(now=_day(19, 23))["reminded"] == 0
    assert deadlines.deadline_scan(now=_day(20, 0))["reminded"] == 1
    assert deadlines.deadline_scan(now=_day(20, 12))["reminded"] == 0  # same day again: nothing new
    assert deadlines.deadline_scan(now=_day(25))["reminded"] == 1
    assert seen == [(clock.pk, 20), (clock.pk, 25)]
    assert list(DeadlineReminder.objects.filter(deadline=clock, sent=True).values_list("offset", flat=True)) == [20, 25]


def test_m12_a_late_scan_sends_only_the_latest_reminder_reached(db, reminded):
    key, seen = reminded
    clock = _start(key)
    assert deadlines.deadline_scan(now=_day(29))["reminded"] == 1
    assert seen == [(clock.pk, 28)]
    assert set(DeadlineReminder.objects.filter(deadline=clock).values_list("offset", "sent")) == {
        (20, False), (25, False), (28, True)}
    assert deadlines.deadline_scan(now=_day(29, 18))["reminded"] == 0


def test_m12_no_reminder_for_a_met_clock(db, reminded):
    key, seen = reminded
    clock = _start(key)
    with time_machine.travel(_day(10), tick=False):
        deadlines.deadline_meet(deadline=clock, actor=SYSTEM)
    assert deadlines.deadline_scan(now=_day(21))["reminded"] == 0
    assert seen == []
