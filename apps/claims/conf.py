"""Settings of the claims app: typed accessors over ``django.conf.settings``.

The defaults (and the environment variables of the same names) are in ``liuzhou_regulation/settings.py``, the one
module that reads the environment; docs/operations.md lists them.

* ``CLAIM_SMALL_MAX_CNY`` (rule M13): a claim whose amount is at most this is a small claim and must be closed
  within 3 working days of complete documents; above it, a large claim with progress notices.
* ``CLAIM_LARGE_PROGRESS_WORKDAYS`` (rule M13): a large claim gets a progress notice at least every this many
  working days until it is closed.
* ``CLAIM_REPORT_WITHIN_HOURS`` (rule P2): claims are normally reported within this many hours of the accident; a
  later report is marked on the claim (a fact for the insurer, not a refusal).
* ``CLAIM_OPERATING_EVIDENCE_DAYS`` (rule M15): a penalty or confirmed lead this many days before or after the
  accident counts as evidence that the vehicle was operating at the time (project default: the seed gives no
  number; the flag only informs the insurer, who decides).
* ``CLAIM_ANALYTICS_SECONDS`` (rule M14): how often the claims analytics job runs (the beat schedule in settings).
* ``CLAIM_FOCUSED_CHECK_DAYS`` (rule M14): natural days a platform company has, from its receipt of a focused-check
  list, to record the result of every check on it (clock ``claims.focused_check``; the seed fixes no number:
  project default).
* ``CLAIM_NIGHT_START_HOUR`` / ``CLAIM_NIGHT_END_HOUR``: the accident happened "at night" when its Asia/Shanghai
  hour is in [start, 24) or [0, end).

The clock amounts of rules M13 and J11 (1 hour, 1 working day, 5 days, 3 days, 10 days, 3 working days) are the
regulation's own numbers and live in ``clocks.py`` as named constants, not settings.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings


def small_max() -> Decimal:
    return Decimal(str(settings.CLAIM_SMALL_MAX_CNY))


def large_progress_workdays() -> int:
    return int(settings.CLAIM_LARGE_PROGRESS_WORKDAYS)


def report_within_hours() -> int:
    return int(settings.CLAIM_REPORT_WITHIN_HOURS)


def operating_evidence_days() -> int:
    return int(settings.CLAIM_OPERATING_EVIDENCE_DAYS)


def night_hours() -> tuple[int, int]:
    return int(settings.CLAIM_NIGHT_START_HOUR), int(settings.CLAIM_NIGHT_END_HOUR)


def focused_check_days() -> int:
    return int(settings.CLAIM_FOCUSED_CHECK_DAYS)
