"""Settings of the vehicles app: typed accessors over ``django.conf.settings``.

The defaults (and the environment variables of the same names) are in ``liuzhou_regulation/settings.py``, the one
module that reads the environment; docs/operations.md lists them.

* ``ONBOARDING_EXPIRY_WARN_DAYS``: an onboarding check fails when a required policy or the
  ride-hailing permit ends within this many days (rule M9; the seed gives no number, the default is the
  project's choice).
* ``ONBOARDING_CHECK_VALID_DAYS``: how old a passing onboarding check may be when a vehicle is
  set online (rule M9; project default).
* ``VEHICLE_SCOPE_MAX_SEATS`` is 7 by rule M1 (the mechanism covers vehicles of 7 seats or fewer); a constant,
  not a setting, because it is the regulation's own number.
"""

from __future__ import annotations

from django.conf import settings

VEHICLE_SCOPE_MAX_SEATS = 7  # rule M1


def onboarding_expiry_warn_days() -> int:
    return int(settings.ONBOARDING_EXPIRY_WARN_DAYS)


def onboarding_check_valid_days() -> int:
    return int(settings.ONBOARDING_CHECK_VALID_DAYS)
