"""Clocks: due instants, pause/resume, warnings, meet, breach, idempotent start, the scan."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings

from apps.core import deadlines
from apps.core.deadlines import SHANGHAI, compute_due, end_of_day, local_date
from apps.core.errors import ApplicationError
from apps.core.models import AuditEvent, Deadline, DeadlinePause
from apps.parties.rights import SystemActor

SYSTEM = SystemActor("test.clock")  # the platform acting: the clocks are started by services

UTC = dt.UTC
H = dt.timedelta(hours=1)
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)  # a Monday, in the past


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


# --- computing due instants --------------------------------------------------------------------------------


def test_end_of_day_is_the_last_instant_of_the_day_in_shanghai():
    eod = end_of_day(dt.date(2026, 4, 5))
    assert eod.astimezone(UTC) == dt.datetime(2026, 4, 5, 15, 59, 59, 999999, tzinfo=UTC)
    assert local_date(dt.datetime(2026, 3, 5, 20, 0, tzinfo=UTC)) == dt.date(2026, 3, 6)  # 04:00 next day in Shanghai


def test_hours_are_wall_clock_even_on_holidays(db):
    # rule M13: survey dispatch within 1 hour, holidays or not
    assert compute_due(starts_at=at(2026, 10, 1, 23, 30), unit=Deadline.Unit.HOURS, amount=1) == (at(2026, 10, 2, 0, 30), False)


def test_natural_days_end_at_the_end_of_the_local_day(db):
    # rule M12/J5: 30 days, end of that day in Asia/Shanghai (without roll-over: the arithmetic alone)
    natural = {"unit": Deadline.Unit.NATURAL_DAYS, "amount": 30, "roll_over": False}
    due, fallback = compute_due(starts_at=at(2026, 3, 5, 15), **natural)
    assert (due, fallback) == (end_of_day(dt.date(2026, 4, 4)), False)
    # 20:00 UTC on Mar 5 is already Mar 6 in Shanghai: the local date counts, not the UTC date
    due, _ = compute_due(starts_at=dt.datetime(2026, 3, 5, 20, tzinfo=UTC), **natural)
    assert due == end_of_day(dt.date(2026, 4, 5))
    due, _ = compute_due(starts_at=at(2026, 3, 5, 15), end_of_day_due=False, **natural)
    assert due == at(2026, 4, 4, 15)
    # rule T1: Apr 4–5 2026 are the 清明 holiday (Apr 4–6): the period ends at 24:00 of Tuesday Apr 7
    due, _ = compute_due(starts_at=at(2026, 3, 5, 15), unit=Deadline.Unit.NATURAL_DAYS, amount=30)
    assert due == end_of_day(dt.date(2026, 4, 7))


def test_working_days_use_the_statutory_calendar(db):
    # rule J11: "1 working day" from the eve of National Day 2026 is Oct 8
    assert compute_due(starts_at=at(2026, 9, 30, 9), unit=Deadline.Unit.WORKING_DAYS, amount=1) == (
        end_of_day(dt.date(2026, 10, 8)), False)
    assert compute_due(starts_at=at(2026, 9, 30, 9), unit=Deadline.Unit.WORKING_DAYS, amount=3, end_of_day_due=False) == (
        at(2026, 10, 10, 9), False)  # Saturday Oct 10 is a working day


def test_naive_start_is_refused(db):
    with pytest.raises(ValueError, match="aware"):
        compute_due(starts_at=dt.datetime(2026, 3, 2, 9), unit=Deadline.Unit.HOURS, amount=1)  # noqa: DTZ001


# --- the clock's life --------------------------------------------------------------------------------------


@pytest.fixture
def org(parties):
    return parties.insurer_a


def start(org, subject=None, rule="test.clock", **kwargs):
    kwargs = {"starts_at": T0, "unit": Deadline.Unit.HOURS, "amount": 100, **kwargs}
    return deadlines.deadline_start(rule=rule, subject=subject or org, responsible=org, **kwargs, actor=SYSTEM)


def test_start_is_idempotent_per_rule_and_subject(org, parties):
    first = start(org)
    again = start(org, amount=5, starts_at=T0 + H)
    assert again.pk == first.pk and again.amount == 100 and again.due_at == T0 + 100 * H
    assert Deadline.objects.filter(rule="test.clock").count() == 1
    assert AuditEvent.objects.filter(action="deadline.start", object_id=str(first.pk)).count() == 1
    other_rule = start(org, rule="test.other")
    other_subject = start(org, subject=parties.insurer_b)
    assert len({first.pk, other_rule.pk, other_subject.pk}) == 3


def test_warnings_at_a_fraction_of_the_span_and_at_a_fixed_offset(org):
    deadline = start(org)  # defaults: 0.75 of the span, and 24 hours before due
    assert deadline.warn_at == T0 + 75 * H
    assert deadline.final_warn_at == T0 + 76 * H


@override_settings(DEADLINE_RULES={"test.tuned": {"warn_fraction": Decimal("0.5"), "warn_before": dt.timedelta(hours=2)}})
def test_warning_settings_per_rule(org):
    deadline = start(org, rule="test.tuned")
    assert (deadline.warn_at, deadline.final_warn_at) == (T0 + 50 * H, T0 + 98 * H)


def test_scan_marks_warnings_then_the_breach_once(org):
    seen = {"warning": [], "breach": []}
    deadlines.on_warning("test.scan")(lambda d: seen["warning"].append(d.pk))
    deadlines.on_breach("test.scan")(lambda d: seen["breach"].append((d.pk, d.status)))
    deadline = start(org, rule="test.scan")

    assert deadlines.deadline_scan(now=T0 + 74 * H) == {"warned": 0, "final_warned": 0, "breached": 0, "reminded": 0, "failed": 0}
    assert deadlines.deadline_scan(now=T0 + 75 * H)["warned"] == 1
    deadline.refresh_from_db()
    assert deadline.warned_at == T0 + 75 * H and deadline.final_warned_at is None
    assert deadlines.deadline_scan(now=T0 + 76 * H) == {"warned": 0, "final_warned": 1, "breached": 0, "reminded": 0, "failed": 0}
    assert deadlines.deadline_scan(now=T0 + 100 * H)["breached"] == 0  # due instant itself is still in time
    counts = deadlines.deadline_scan(now=T0 + 100 * H + dt.timedelta(seconds=1))
    assert counts["breached"] == 1
    deadline.refresh_from_db()
    assert deadline.status == Deadline.Status.BREACHED and deadline.breached_at == deadline.due_at
    assert deadlines.deadline_scan(now=T0 + 200 * H)["breached"] == 0  # recorded once
    assert seen == {"warning": [deadline.pk, deadline.pk], "breach": [(deadline.pk, Deadline.Status.BREACHED)]}
    actions = list(AuditEvent.objects.filter(object_id=str(deadline.pk), object_type="core.deadline")
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["deadline.start", "deadline.warned", "deadline.final_warned", "deadline.breach"]


def test_a_failing_breach_handler_does_not_hold_up_other_clocks(org, parties):
    @deadlines.on_breach("test.failing")
    def explode(deadline):
        if deadline.object_id == str(org.pk):
            raise RuntimeError("handler bug")

    bad = start(org, rule="test.failing")
    good = start(org, subject=parties.insurer_b, rule="test.failing")
    counts = deadlines.deadline_scan(now=T0 + 101 * H)
    assert counts["breached"] == 1 and counts["failed"] == 1
    bad.refresh_from_db()
    good.refresh_from_db()
    assert good.status == Deadline.Status.BREACHED
    assert bad.status == Deadline.Status.OPEN and bad.breached_at is None  # retried by the next scan
    assert not AuditEvent.objects.filter(action="deadline.breach", object_id=str(bad.pk)).exists()


def test_meet_in_time(org):
    deadline = deadlines.deadline_meet(deadline=start(org), at=T0 + 10 * H, actor=SYSTEM)
    assert deadline.status == Deadline.Status.MET and deadline.met_at == T0 + 10 * H and deadline.breached_at is None
    assert deadlines.deadline_scan(now=T0 + 500 * H)["breached"] == 0
    assert AuditEvent.objects.filter(action="deadline.meet", object_id=str(deadline.pk)).exists()


def test_meet_late_before_the_scan_still_records_the_breach(org):
    deadline = deadlines.deadline_meet(deadline=start(org), at=T0 + 120 * H, actor=SYSTEM)
    assert deadline.status == Deadline.Status.BREACHED
    assert deadline.breached_at == deadline.due_at and deadline.met_at == T0 + 120 * H


def test_meet_after_the_scan_keeps_the_breach(org):
    deadline = start(org)
    deadlines.deadline_scan(now=T0 + 101 * H)
    deadline = deadlines.deadline_meet(deadline=deadline, at=T0 + 102 * H, actor=SYSTEM)
    assert deadline.status == Deadline.Status.BREACHED and deadline.met_at == T0 + 102 * H


def test_meet_in_the_future_is_refused(org):
    from django.utils import timezone

    with pytest.raises(ApplicationError) as exc:
        deadlines.deadline_meet(deadline=start(org), at=timezone.now() + H, actor=SYSTEM)
    assert exc.value.code == "future_time"


def test_paused_time_does_not_count(org, parties):
    user = parties.insurer_a_user
    deadline = start(org)
    with pytest.raises(ApplicationError) as exc:
        deadlines.deadline_pause(deadline=deadline, reason="  ", actor=user, at=T0 + 2 * H)
    assert exc.value.code == "reason_required"
    deadline = deadlines.deadline_pause(deadline=deadline, reason="台风，无法出险场勘查", actor=user, at=T0 + 2 * H)
    assert deadline.status == Deadline.Status.PAUSED and deadline.paused_at == T0 + 2 * H
    # while paused the clock cannot breach, even past its original due instant
    assert deadlines.deadline_scan(now=T0 + 101 * H)["breached"] == 0
    deadline = deadlines.deadline_resume(deadline=deadline, actor=user, at=T0 + 105 * H)
    assert deadline.status == Deadline.Status.OPEN
    assert deadline.due_at == T0 + 203 * H  # 100 h span + 103 h paused
    assert deadline.warn_at == T0 + 0.75 * 203 * H
    pause = DeadlinePause.objects.get(deadline=deadline)
    assert (pause.paused_at, pause.resumed_at, pause.reason, pause.actor) == (T0 + 2 * H, T0 + 105 * H, "台风，无法出险场勘查", user)
    assert AuditEvent.objects.filter(action="deadline.pause", object_id=str(deadline.pk), detail__reason="台风，无法出险场勘查").exists()
    assert AuditEvent.objects.filter(action="deadline.resume", object_id=str(deadline.pk)).exists()
    # a second pause adds up
    deadlines.deadline_pause(deadline=deadline, reason="等待公安认定", at=T0 + 110 * H, actor=SYSTEM)
    deadline = deadlines.deadline_resume(deadline=deadline, at=T0 + 120 * H, actor=SYSTEM)
    assert deadline.due_at == T0 + 213 * H
    assert deadlines.deadline_scan(now=T0 + 212 * H)["breached"] == 0
    assert deadlines.deadline_scan(now=T0 + 214 * H)["breached"] == 1


def test_meet_while_paused_closes_the_pause(org):
    deadline = deadlines.deadline_pause(deadline=start(org), reason="原因", at=T0 + 10 * H, actor=SYSTEM)
    deadline = deadlines.deadline_meet(deadline=deadline, at=T0 + 150 * H, actor=SYSTEM)
    assert deadline.status == Deadline.Status.MET  # 140 h paused: due moved to T0+240h
    assert deadline.due_at == T0 + 240 * H and deadline.paused_at is None


def test_pause_and_resume_are_refused_when_they_make_no_sense(org):
    deadline = start(org)
    with pytest.raises(ApplicationError) as exc:
        deadlines.deadline_resume(deadline=deadline, at=T0 + H, actor=SYSTEM)
    assert exc.value.code == "not_paused"
    with pytest.raises(ApplicationError) as exc:
        deadlines.deadline_pause(deadline=deadline, reason="迟到的暂停", at=T0 + 101 * H, actor=SYSTEM)
    assert exc.value.code == "already_due"  # an expired clock cannot be stopped after the fact
    paused = deadlines.deadline_pause(deadline=deadline, reason="原因", at=T0 + 5 * H, actor=SYSTEM)
    with pytest.raises(ApplicationError) as exc:
        deadlines.deadline_pause(deadline=paused, reason="again", at=T0 + 6 * H, actor=SYSTEM)
    assert exc.value.code == "not_open"
    with pytest.raises(ApplicationError) as exc:
        deadlines.deadline_resume(deadline=paused, at=T0 + 4 * H, actor=SYSTEM)
    assert exc.value.code == "before_pause"


def test_cancelled_clocks_are_not_scanned(org):
    deadline = deadlines.deadline_cancel(deadline=start(org), reason="案件撤销", actor=SYSTEM)
    assert deadline.status == Deadline.Status.CANCELLED
    assert deadlines.deadline_scan(now=T0 + 500 * H) == {"warned": 0, "final_warned": 0, "breached": 0, "reminded": 0, "failed": 0}


def test_recompute_leaves_breaches_and_met_clocks_alone(org, parties):
    breached = start(org, unit=Deadline.Unit.WORKING_DAYS, amount=1, starts_at=at(2026, 9, 30, 9))
    deadlines.deadline_scan(now=at(2026, 10, 9, 9))
    breached.refresh_from_db()
    assert breached.status == Deadline.Status.BREACHED
    from apps.core.models import WorkCalendarDay

    WorkCalendarDay.objects.filter(date=dt.date(2026, 10, 8)).delete()
    WorkCalendarDay.objects.create(date=dt.date(2026, 10, 8), is_workday=False, name="假设的更正")
    assert deadlines.deadlines_recompute(actor=SYSTEM) == 0
    breached.refresh_from_db()
    assert breached.due_at == end_of_day(dt.date(2026, 10, 8)) and breached.status == Deadline.Status.BREACHED


def test_deadline_scan_task_runs_the_scan(org):
    from apps.core.tasks import deadline_scan

    deadline = start(org, starts_at=at(2026, 1, 5, 9), amount=1)
    result = deadline_scan.apply()  # in-process, same function the worker runs
    assert result.get()["breached"] >= 1
    deadline.refresh_from_db()
    assert deadline.status == Deadline.Status.BREACHED
