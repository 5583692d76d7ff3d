"""Settings of the vehicles app (read from Django settings, then the environment, then the default).

* ``ONBOARDING_EXPIRY_WARN_DAYS`` (default 30): an onboarding check fails when a required policy or the
  ride-hailing permit ends within this many days (rule M9; the seed gives no number, the default is the
  project's choice).
* ``ONBOARDING_CHECK_VALID_DAYS`` (default 7): how old a passing onboarding check may be when a vehicle is
  set online (rule M9; project default).
* ``VEHICLE_SCOPE_MAX_SEATS`` is 7 by rule M1 (the mechanism covers vehicles of 7 seats or fewer); a constant,
  not a setting, because it is the regulation's own number.
"""

from __future__ import annotations

import os

from django.conf import settings

VEHICLE_SCOPE_MAX_SEATS = 7  # rule M1


def _int(name: str, default: int) -> int:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def onboarding_expiry_warn_days() -> int:
    return _int("ONBOARDING_EXPIRY_WARN_DAYS", 30)


def onboarding_check_valid_days() -> int:
    return _int("ONBOARDING_CHECK_VALID_DAYS", 7)
