"""Settings of the rescission app (rules M12, J5): typed accessors over ``django.conf.settings``.

The defaults (and the environment variables of the same names) are in ``liuzhou_regulation/settings.py``, the one
module that reads the environment; docs/operations.md lists them. The three statutory numbers (30 days, 5 days,
warn from day 20) are ``RESCISSION_DAYS``, ``RESCISSION_DISCLOSURE_DAYS`` and ``RESCISSION_WARN_DAY``.
"""

from __future__ import annotations

from django.conf import settings


def rescission_days() -> int:
    """Rule M12 / J5: the right to rescind lapses this many natural days after the insurer learns the cause."""
    return int(settings.RESCISSION_DAYS)


def disclosure_days() -> int:
    """Rule J5: the policyholder has this many days from receipt of 附件三 to disclose."""
    return int(settings.RESCISSION_DISCLOSURE_DAYS)


def warn_day() -> int:
    """Rule M12: pages warn from this day of the clock on."""
    return int(settings.RESCISSION_WARN_DAY)


def reminder_days() -> tuple[int, ...]:
    """Days of the clock on which the insurer's staff are reminded (in-app + e-mail): the rescission rule's
    registered reminders, sent by the kernel's one deadline scan."""
    return tuple(sorted({int(v) for v in settings.RESCISSION_REMINDER_DAYS}))


def lapsing_panel_days() -> int:
    """The regulator's home lists open cases whose decision clock is due within this many days (by insurer)."""
    return int(settings.RESCISSION_LAPSING_PANEL_DAYS)


def notice_transit_days() -> int:
    """Days allowed for the written notice to reach the policyholder when computing the last day to send it.

    0 means "delivered the day it is sent" (hand delivery); set e.g. 3 for registered mail.
    """
    return int(settings.RESCISSION_NOTICE_TRANSIT_DAYS)


def max_backdate_hours() -> int:
    """How far in the past a step may be dated when it is recorded (it is never later than the recording)."""
    return int(settings.RESCISSION_MAX_BACKDATE_HOURS)


def vehicle_admin_name() -> str:
    """Addressee of 附件七 (the vehicle administration) unless the insurer names another one."""
    return str(settings.RESCISSION_VEHICLE_ADMIN_NAME)


def lapse_severity() -> str:
    """Severity of the credit record written against an insurer whose case lapsed (credit app's scale)."""
    return str(settings.RESCISSION_LAPSE_SEVERITY)
