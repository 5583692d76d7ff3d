"""Settings of the rescission app (rules M12, J5). Each reads ``settings.<NAME>`` first, then the environment.

The three statutory numbers (30 days, 5 days, warn from day 20) are project settings already
(``RESCISSION_DAYS``, ``RESCISSION_DISCLOSURE_DAYS``, ``RESCISSION_WARN_DAY``); the rest are this app's own.
"""

from __future__ import annotations

import os

from django.conf import settings


def _int(name: str, default: int) -> int:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name) or default
    return int(value)


def _int_list(name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    value = getattr(settings, name, None)
    if value is None:
        raw = os.environ.get(name)
        value = [int(v) for v in raw.split(",") if v.strip()] if raw else default
    return tuple(sorted({int(v) for v in value}))


def _str(name: str, default: str) -> str:
    return str(getattr(settings, name, None) or os.environ.get(name) or default)


def rescission_days() -> int:
    """Rule M12 / J5: the right to rescind lapses this many natural days after the insurer learns the cause."""
    return _int("RESCISSION_DAYS", 30)


def disclosure_days() -> int:
    """Rule J5: the policyholder has this many days from receipt of 附件三 to disclose."""
    return _int("RESCISSION_DISCLOSURE_DAYS", 5)


def warn_day() -> int:
    """Rule M12: pages warn from this day of the clock on."""
    return _int("RESCISSION_WARN_DAY", 20)


def reminder_days() -> tuple[int, ...]:
    """Days of the clock on which the insurer's staff are reminded (in-app + e-mail): the rescission rule's
    registered reminders, sent by the kernel's one deadline scan."""
    return _int_list("RESCISSION_REMINDER_DAYS", (20, 25, 28))


def lapsing_panel_days() -> int:
    """The regulator's home lists open cases whose decision clock is due within this many days (by insurer)."""
    return _int("RESCISSION_LAPSING_PANEL_DAYS", 5)


def notice_transit_days() -> int:
    """Days allowed for the written notice to reach the policyholder when computing the last day to send it.

    0 means "delivered the day it is sent" (hand delivery); set e.g. 3 for registered mail.
    """
    return _int("RESCISSION_NOTICE_TRANSIT_DAYS", 0)


def max_backdate_hours() -> int:
    """How far in the past a step may be dated when it is recorded (it is never later than the recording)."""
    return _int("RESCISSION_MAX_BACKDATE_HOURS", 72)


def vehicle_admin_name() -> str:
    """Addressee of 附件七 (the vehicle administration) unless the insurer names another one."""
    return _str("RESCISSION_VEHICLE_ADMIN_NAME", "柳州市公安局交通警察支队车辆管理所")


def lapse_severity() -> str:
    """Severity of the credit record written against an insurer whose case lapsed (credit app's scale)."""
    return _str("RESCISSION_LAPSE_SEVERITY", "moderate")
