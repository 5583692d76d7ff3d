"""A waiting period (obligation=False) ends as `elapsed`, never as a breach of the responsible party."""

import datetime as dt

from apps.core import deadlines
from apps.core.models import Deadline
from apps.parties.rights import SystemActor
from tests.factories import OrganizationFactory

SYSTEM = SystemActor("test.clock")  # the platform acting: the clocks are started by services


def test_waiting_period_elapses_without_breach_and_runs_handlers(db):
    insurer = OrganizationFactory(kind="insurer")
    starts = dt.datetime(2026, 5, 4, 10, 0, tzinfo=deadlines.SHANGHAI)
    seen = []
    deadlines.on_breach("test.waiting")(lambda d: seen.append(d.pk))
    period = deadlines.deadline_start(rule="test.waiting", subject=insurer, responsible=insurer, starts_at=starts,
                                      unit=Deadline.Unit.NATURAL_DAYS, amount=5, obligation=False, actor=SYSTEM)
    duty = deadlines.deadline_start(rule="test.duty", subject=insurer, responsible=insurer, starts_at=starts,
                                    unit=Deadline.Unit.NATURAL_DAYS, amount=5, actor=SYSTEM)
    counts = deadlines.deadline_scan(now=starts + dt.timedelta(days=6))
    period.refresh_from_db()
    duty.refresh_from_db()
    assert period.status == Deadline.Status.ELAPSED and period.breached_at is None
    assert duty.status == Deadline.Status.BREACHED and duty.breached_at == duty.due_at
    assert seen == [period.pk]
    assert counts["breached"] == 2  # both passed their due instant in this scan


def test_a_fixed_warning_offset_longer_than_the_clock_is_dropped(db, settings):
    settings.DEADLINE_RULES = {}
    org = OrganizationFactory(kind="insurer")
    starts = dt.datetime(2026, 5, 4, 10, 0, tzinfo=deadlines.SHANGHAI)
    clock = deadlines.deadline_start(rule="test.one_hour", subject=org, responsible=org, starts_at=starts,
                                     unit=Deadline.Unit.HOURS, amount=1, actor=SYSTEM)
    assert clock.final_warn_at is None  # a 24-hour offset would warn at the start of a 1-hour clock
    assert clock.warn_at == starts + dt.timedelta(minutes=45)
    counts = deadlines.deadline_scan(now=starts + dt.timedelta(minutes=1))
    assert counts["warned"] == counts["final_warned"] == 0
