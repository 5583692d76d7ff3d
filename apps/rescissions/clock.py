"""The rescission clock (rules M12, J5, T1): date arithmetic in Asia/Shanghai, shared by services, pages and API.

Days are natural days (自然日): the day the insurer learned the cause is day 0 and is not counted (Civil Code
art. 201: a period counted in days starts the next day); the right to rescind lapses at the end of day 30
(``RESCISSION_DAYS``) — unless day 30 is a statutory rest day (a weekend or holiday after the 调休 arrangement,
in the insurer's calendar: Liuzhou's), when the period ends at 24:00 of the next working day (art. 203). Both
clocks are rules of the kernel's one clock table (registered in ``apps.py``: unit, amount from the setting,
roll-over, warning, reminders); the date helpers here are pure previews computed through that registration
(``apps.core.deadlines.rule_due``, the computation ``deadline_start`` uses), so pages and the ``Deadline`` agree.
The case's ``deadline_at`` is the clock's due instant, written in one place: ``_case_follows_its_clock`` below,
which the kernel runs whenever it sets or moves that clock (start, extension, calendar recompute).

The policyholder has 5 days (``RESCISSION_DISCLOSURE_DAYS``) from the day the written notice (附件三) is
received, again ending at the end of the last day and rolled over the same way. The insurer may rescind only
*after* those 5 days and no later than the rescission deadline (``may_rescind_at``, which
``services._check_may_rescind`` enforces). So the last day a notice can still be *received* is the latest day
whose 5 days end strictly before the rescission deadline (``Clock.last_receipt_date``, searched with the same
computation — not "day 30 − 5", which leaves no instant for the decision), and the last day it can be *sent* is
that minus the transit allowance (``RESCISSION_NOTICE_TRANSIT_DAYS``, default 0: delivered by hand the same day).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

from django.utils import timezone

from apps.core import calendar, deadlines
from apps.core.deadlines import end_of_day, local_date, rule_due
from apps.core.models import Deadline

from . import conf

RULE_DECIDE = "rescission.decide"
RULE_DISCLOSURE = "rescission.disclosure"
RESOLUTION = dt.timedelta(microseconds=1)  # the instants stored are microseconds


def decision_due(known_at: dt.datetime, region: str | None = None, *, responsible=None) -> deadlines.Due:
    """The registered rescission clock (``RULE_DECIDE``) started at ``known_at``, as ``deadline_start`` computes it."""
    return rule_due(rule=RULE_DECIDE, starts_at=known_at, region=region, responsible=responsible)


def decision_deadline(known_at: dt.datetime, region: str | None = None, *, responsible=None) -> dt.datetime:
    """``known_at`` + 30 natural days, end of that day in Shanghai, rolled over a rest day (the Deadline's rule)."""
    return decision_due(known_at, region, responsible=responsible).due_at


def disclosure_deadline(received_at: dt.datetime, region: str | None = None, *, responsible=None) -> dt.datetime:
    """Notice received + 5 natural days, end of that day in Shanghai, rolled over a rest day (rule J5, T1): the
    registered ``RULE_DISCLOSURE`` clock."""
    return rule_due(rule=RULE_DISCLOSURE, starts_at=received_at, region=region, responsible=responsible).due_at


def earliest_rescission(disclosure_due_at: dt.datetime) -> dt.datetime:
    """The first instant a rescission may be decided: just after the policyholder's 5 days end (rule J5)."""
    return disclosure_due_at + RESOLUTION


def may_rescind_at(decided_at: dt.datetime, *, disclosure_due_at: dt.datetime, deadline_at: dt.datetime) -> bool:
    """Rule J5: after the 5 days (exclusive) and no later than the rescission deadline (inclusive)."""
    return earliest_rescission(disclosure_due_at) <= decided_at <= deadline_at


def decision_fits(disclosure_due_at: dt.datetime, deadline_at: dt.datetime) -> bool:
    """Whether any instant is left for a rescission between the end of the 5 days and the deadline."""
    return may_rescind_at(earliest_rescission(disclosure_due_at), disclosure_due_at=disclosure_due_at,
                          deadline_at=deadline_at)


@dataclass(frozen=True)
class Clock:
    """The clock of a case. ``deadline_at``: the case's stored deadline (the kernel clock's due instant); when not
    given it is computed from ``known_at``."""

    known_at: dt.datetime
    stored_deadline_at: dt.datetime | None = None
    region: str | None = None

    @classmethod
    def of(cls, case) -> Clock:
        return cls(case.known_at, case.deadline_at)

    @property
    def known_date(self) -> dt.date:
        return local_date(self.known_at)

    @cached_property
    def deadline_at(self) -> dt.datetime:
        return self.stored_deadline_at or decision_deadline(self.known_at, self.region)

    @property
    def deadline_date(self) -> dt.date:
        return local_date(self.deadline_at)

    @property
    def nominal_deadline_date(self) -> dt.date:
        """Day 30 itself, before any roll-over (the registered rule's amount)."""
        return decision_due(self.known_at, self.region).nominal_last_day

    @property
    def rolled_over(self) -> bool:
        return self.deadline_date > self.nominal_deadline_date

    @cached_property
    def last_receipt_date(self) -> dt.date:
        """The last day on which the notice may reach the policyholder so that the 5 days end before the
        rescission deadline, leaving an instant to decide (the condition ``_check_may_rescind`` enforces)."""
        day = self.deadline_date
        with calendar.memoized():
            while day > self.known_date:
                received = dt.datetime.combine(day, dt.time(0, 0), tzinfo=deadlines.SHANGHAI)
                if decision_fits(disclosure_deadline(received, self.region), self.deadline_at):
                    return day
                day -= dt.timedelta(days=1)
        return self.known_date  # not reached with 30 days and 5: kept total for odd settings

    @property
    def last_notice_date(self) -> dt.date:
        """The last day to send 附件三 (receipt day minus the transit allowance)."""
        return self.last_receipt_date - dt.timedelta(days=conf.notice_transit_days())

    @property
    def last_notice_day(self) -> int:
        return (self.last_notice_date - self.known_date).days

    @property
    def warn_date(self) -> dt.date:
        return self.known_date + dt.timedelta(days=conf.warn_day())

    def day_of(self, now: dt.datetime | None = None) -> int:
        """Which day of the clock ``now`` is (0 = the day the insurer learned the cause)."""
        return (local_date(now or timezone.now()) - self.known_date).days

    def days_left(self, now: dt.datetime | None = None) -> int:
        """Whole days after today up to the deadline day: 0 on the last day, negative once lapsed."""
        return (self.deadline_date - local_date(now or timezone.now())).days

    def is_warning(self, now: dt.datetime | None = None) -> bool:
        return self.day_of(now) >= conf.warn_day()

    def notice_fits(self, received_at: dt.datetime) -> bool:
        """Whether a notice received at ``received_at`` leaves the 5 days and a decision inside the period (J5)."""
        return decision_fits(disclosure_deadline(received_at, self.region), self.deadline_at)

    def progress_percent(self, now: dt.datetime | None = None) -> int:
        span = max(1, (self.deadline_date - self.known_date).days)
        day = max(0, min(self.day_of(now), span))
        return round(100 * day / span)


def day_number(known_at: dt.datetime, at: dt.datetime) -> int:
    return Clock(known_at).day_of(at)


@deadlines.on_recompute(RULE_DECIDE)
def _case_follows_its_clock(deadline: Deadline) -> None:
    """The only write of ``RescissionCase.deadline_at``: the kernel set (start) or moved (extension, calendar
    recompute) the rescission clock, and the case's copy follows it."""
    from .models import RescissionCase

    RescissionCase.objects.filter(pk=deadline.object_id).update(deadline_at=deadline.due_at)


@deadlines.on_recompute(RULE_DISCLOSURE)
def _disclosure_follows_its_clock(deadline: Deadline) -> None:
    """… and so does the end of the policyholder's 5 days (the clock belongs to the receipt event)."""
    from .models import RescissionCase, RescissionEvent

    event = RescissionEvent.objects.filter(pk=deadline.object_id).first()
    if event is not None:
        RescissionCase.objects.filter(pk=event.case_id, notice_received_at=deadline.starts_at).update(
            disclosure_due_at=deadline.due_at)


__all__ = [
    "Clock", "day_number", "decision_deadline", "decision_fits", "disclosure_deadline", "earliest_rescission",
    "end_of_day", "local_date", "may_rescind_at",
]
