"""The rescission clock (rules M12, J5): pure date arithmetic in Asia/Shanghai, shared by services, pages and API.

Days are natural days (自然日): the day the insurer learned the cause is day 0 and is not counted (Civil Code
art. 201: a period counted in days starts the next day); the right to rescind lapses at the end of day 30
(``RESCISSION_DAYS``). A last day falling on a weekend or statutory holiday is NOT extended — the seed
(002, 第五节) counts "30日" as natural days and the platform holds insurers to it; pages say so.

The policyholder has 5 days (``RESCISSION_DISCLOSURE_DAYS``) from the day the written notice (附件三) is
received, again ending at the end of the last day. For the insurer to be able to rescind inside the 30 days,
the disclosure period must end no later than the rescission deadline, so the last day a notice can still be
*received* is day 30 − 5 = day 25, and the last day it can be *sent* is that minus the transit allowance
(``RESCISSION_NOTICE_TRANSIT_DAYS``, default 0: delivered by hand the same day).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from apps.core.deadlines import compute_due, end_of_day, local_date
from apps.core.models import Deadline

from . import conf


def decision_deadline(known_at: dt.datetime) -> dt.datetime:
    """``known_at`` + 30 natural days, end of that day in Shanghai (the same computation as the Deadline)."""
    due, _fallback = compute_due(starts_at=known_at, unit=Deadline.Unit.NATURAL_DAYS, amount=conf.rescission_days())
    return due


def disclosure_deadline(received_at: dt.datetime) -> dt.datetime:
    """Notice received + 5 natural days, end of that day in Shanghai (rule J5)."""
    due, _fallback = compute_due(starts_at=received_at, unit=Deadline.Unit.NATURAL_DAYS, amount=conf.disclosure_days())
    return due


@dataclass(frozen=True)
class Clock:
    known_at: dt.datetime

    @property
    def known_date(self) -> dt.date:
        return local_date(self.known_at)

    @property
    def deadline_at(self) -> dt.datetime:
        return decision_deadline(self.known_at)

    @property
    def deadline_date(self) -> dt.date:
        return self.known_date + dt.timedelta(days=conf.rescission_days())

    @property
    def last_receipt_date(self) -> dt.date:
        """The last day on which the notice may reach the policyholder so that 5 days fit inside 30."""
        return self.deadline_date - dt.timedelta(days=conf.disclosure_days())

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
        """Whether a notice received at ``received_at`` leaves the full 5 days inside the 30 (rule J5)."""
        return disclosure_deadline(received_at) <= self.deadline_at

    def progress_percent(self, now: dt.datetime | None = None) -> int:
        day = max(0, min(self.day_of(now), conf.rescission_days()))
        return round(100 * day / conf.rescission_days())


def day_number(known_at: dt.datetime, at: dt.datetime) -> int:
    return Clock(known_at).day_of(at)


__all__ = ["Clock", "day_number", "decision_deadline", "disclosure_deadline", "end_of_day", "local_date"]
