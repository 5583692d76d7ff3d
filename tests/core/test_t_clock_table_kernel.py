"""The one clock table (issue 15): a registered rule carries unit, amount, end-of-day, warnings and obligation, so a
clock starts without them; ``deadline_extend`` lengthens a running clock with its reason (rules T1, M16)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from apps.core import deadlines
from apps.core.audit import AuditEvent
from apps.core.errors import ApplicationError
from apps.core.models import Deadline
from apps.core.rules import _RULES, register_rule
from apps.parties.rights import SystemActor
from tests.factories import OrganizationFactory

SYSTEM = SystemActor("test.clock_table")
START = dt.datetime(2026, 5, 6, 10, 0, tzinfo=deadlines.SHANGHAI)  # a Wednesday


@pytest.fixture
def rule():
    key = "test.table_rule"
    register_rule(key, "test", rule_ids="T1", legal_basis="test basis", unit=Deadline.Unit.NATURAL_DAYS,
                  amount=lambda: 10, warn_fraction=Decimal("0.5"), warn_before=dt.timedelta(hours=2),
                  obligation=False, reminders=(3, 7))
    yield key
    _RULES.pop(key, None)


def test_t1_a_clock_started_without_unit_or_amount_takes_the_registration(db, rule, settings):
    settings.DEADLINE_RULES = {}
    org = OrganizationFactory(kind="insurer")
    clock = deadlines.deadline_start(rule=rule, subject=org, responsible=org, starts_at=START, actor=SYSTEM)
    assert (clock.unit, clock.amount, clock.end_of_day, clock.obligation, clock.roll_over) == (
        Deadline.Unit.NATURAL_DAYS, 10, True, False, True)
    assert clock.due_at == deadlines.end_of_day(dt.date(2026, 5, 16)) + dt.timedelta(days=2)  # Sat 16 → Mon 18
    assert clock.warn_at == START + (clock.due_at - START) / 2  # the registration's fraction
    assert clock.final_warn_at == clock.due_at - dt.timedelta(hours=2)


def test_t1_explicit_arguments_still_override_and_settings_override_warnings(db, rule, settings):
    settings.DEADLINE_RULES = {rule: {"warn_fraction": Decimal("0.25")}}
    org = OrganizationFactory(kind="insurer")
    clock = deadlines.deadline_start(rule=rule, subject=org, responsible=org, starts_at=START, actor=SYSTEM,
                                     unit=Deadline.Unit.HOURS, amount=8)
    assert clock.due_at == START + dt.timedelta(hours=8)
    assert clock.warn_at == START + dt.timedelta(hours=2)  # the deployment's override wins


def test_t1_an_unregistered_rule_without_unit_and_amount_is_refused(db):
    org = OrganizationFactory(kind="insurer")
    with pytest.raises(ValueError):
        deadlines.deadline_start(rule="test.not_registered", subject=org, responsible=org, starts_at=START,
                                 actor=SYSTEM)


def test_m16_extend_lengthens_a_running_clock_with_its_reason(db, rule):
    org = OrganizationFactory(kind="insurer")
    clock = deadlines.deadline_start(rule=rule, subject=org, responsible=org, starts_at=START, actor=SYSTEM)
    old_due = clock.due_at
    with time_machine.travel(START + dt.timedelta(days=1), tick=False):
        _extend_checks(clock, old_due)


def _extend_checks(clock, old_due):
    with pytest.raises(ApplicationError):
        deadlines.deadline_extend(deadline=clock, amount=20, reason="  ", actor=SYSTEM)
    with pytest.raises(ApplicationError):
        deadlines.deadline_extend(deadline=clock, amount=10, reason="复杂", actor=SYSTEM)
    clock = deadlines.deadline_extend(deadline=clock, amount=20, reason="案情复杂", actor=SYSTEM)
    assert clock.amount == 20
    assert clock.due_at == deadlines.end_of_day(dt.date(2026, 5, 26))
    assert clock.warn_at == START + (clock.due_at - START) / 2
    clock.refresh_from_db()
    assert clock.due_at == deadlines.end_of_day(dt.date(2026, 5, 26))
    event = AuditEvent.objects.filter(action="deadline.extend").get()
    assert event.detail["reason"] == "案情复杂" and dt.datetime.fromisoformat(event.detail["old_due_at"]) == old_due
    assert dt.datetime.fromisoformat(event.detail["due_at"]) == clock.due_at


def test_m16_a_breached_or_met_clock_cannot_be_extended(db):
    org = OrganizationFactory(kind="insurer")
    clock = deadlines.deadline_start(rule="test.extend_breached", subject=org, responsible=org, starts_at=START,
                                     unit=Deadline.Unit.HOURS, amount=1, actor=SYSTEM)
    deadlines.deadline_scan(now=START + dt.timedelta(hours=2))
    clock.refresh_from_db()
    assert clock.status == Deadline.Status.BREACHED
    with pytest.raises(ApplicationError):
        deadlines.deadline_extend(deadline=clock, amount=5, reason="迟了", actor=SYSTEM)
