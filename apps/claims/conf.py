"""Settings of the claims app (Django settings first, then the environment, then the default).

* ``CLAIM_SMALL_MAX_CNY`` (default 10,000, rule M13): a claim whose amount is at most this is a small claim and
  must be closed within 3 working days of complete documents; above it, a large claim with progress notices.
* ``CLAIM_LARGE_PROGRESS_WORKDAYS`` (default 5, rule M13): a large claim gets a progress notice at least every
  this many working days until it is closed.
* ``CLAIM_REPORT_WITHIN_HOURS`` (default 48, rule P2): claims are normally reported within this many hours of
  the accident; a later report is marked on the claim (a fact for the insurer, not a refusal).
* ``CLAIM_OPERATING_EVIDENCE_DAYS`` (default 180, rule M15): a penalty or confirmed lead this many days before or
  after the accident counts as evidence that the vehicle was operating at the time (project default: the seed
  gives no number; the flag only informs the insurer, who decides).
* ``CLAIM_ANALYTICS_SECONDS`` (default 86,400, rule M14): how often the claims analytics job runs.
* ``CLAIM_FOCUSED_CHECK_DAYS`` (default 30, rule M14): natural days a platform company has, from its receipt of
  a focused-check list, to record the result of every check on it (clock ``claims.focused_check``; the seed fixes
  no number: project default).
* ``CLAIM_NIGHT_START_HOUR`` / ``CLAIM_NIGHT_END_HOUR`` (default 22 / 6): the accident happened "at night" when
  its Asia/Shanghai hour is in [start, 24) or [0, end).

The clock amounts of rules M13 and J11 (1 hour, 1 working day, 5 days, 3 days, 10 days, 3 working days) are the
regulation's own numbers and live in ``clocks.py`` as named constants, not settings.
"""

from __future__ import annotations

import os
from decimal import Decimal

from django.conf import settings


def _value(name: str, default):
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    return default if value in (None, "") else value


def small_max() -> Decimal:
    return Decimal(str(_value("CLAIM_SMALL_MAX_CNY", "10000")))


def large_progress_workdays() -> int:
    return int(_value("CLAIM_LARGE_PROGRESS_WORKDAYS", 5))


def report_within_hours() -> int:
    return int(_value("CLAIM_REPORT_WITHIN_HOURS", 48))


def operating_evidence_days() -> int:
    return int(_value("CLAIM_OPERATING_EVIDENCE_DAYS", 180))


def analytics_seconds() -> int:
    return int(_value("CLAIM_ANALYTICS_SECONDS", 86400))


def night_hours() -> tuple[int, int]:
    return int(_value("CLAIM_NIGHT_START_HOUR", 22)), int(_value("CLAIM_NIGHT_END_HOUR", 6))


def focused_check_days() -> int:
    return int(_value("CLAIM_FOCUSED_CHECK_DAYS", 30))
