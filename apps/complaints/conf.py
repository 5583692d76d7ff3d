"""Settings of the public reporting service (rule M16, T4): typed accessors over ``django.conf.settings``.

The defaults (and the environment variables of the same names) are in ``liuzhou_regulation/settings.py``, the one
module that reads the environment; docs/operations.md lists them.
"""

from __future__ import annotations

import os

from django.conf import settings


def feedback_days() -> int:
    """Rule M16: the reporter gets feedback within this many natural days of the report."""
    return int(settings.COMPLAINT_FEEDBACK_DAYS)


def handling_days() -> int:
    """Rule T4 (银行业保险业消费投诉处理管理办法, 2020): a 12378 complaint is handled within this many natural days of
    its receipt (or of the re-handling request)."""
    return int(settings.COMPLAINT_HANDLING_DAYS)


def handling_complex_days() -> int:
    """Rule T4: a complex case may be extended to this many days (counted from the period's start)."""
    return int(settings.COMPLAINT_HANDLING_COMPLEX_DAYS)


def handling_max_days() -> int:
    """Rule T4: with approval, by a further 30 days — at most this many days in all."""
    return int(settings.COMPLAINT_HANDLING_MAX_DAYS)


def submit_limit() -> tuple[int, int]:
    """At most N reports from one IP address per window of S seconds (default 5 per hour)."""
    return int(settings.COMPLAINT_SUBMIT_LIMIT), int(settings.COMPLAINT_SUBMIT_WINDOW_SECONDS)


def lookup_limit() -> tuple[int, int]:
    """At most N status look-ups from one IP address per window (default 30 per 10 minutes): the secret code
    cannot be guessed by trying."""
    return int(settings.COMPLAINT_LOOKUP_LIMIT), int(settings.COMPLAINT_LOOKUP_WINDOW_SECONDS)


def max_photos() -> int:
    return int(settings.COMPLAINT_MAX_PHOTOS)


def max_photo_bytes() -> int:
    return int(settings.COMPLAINT_MAX_PHOTO_BYTES)


def max_text_chars() -> int:
    return int(settings.COMPLAINT_MAX_TEXT_CHARS)


def trusted_proxy_count() -> int:
    """How many reverse proxies in front of the application append to X-Forwarded-For (0: use REMOTE_ADDR)."""
    return int(settings.COMPLAINT_TRUSTED_PROXIES)


def photo_root() -> str:
    """Photos are stored under MEDIA_ROOT in a directory no URL maps to (``COMPLAINT_PHOTO_ROOT`` unset); staff
    download them through a view that checks the audience."""
    return str(settings.COMPLAINT_PHOTO_ROOT or os.path.join(settings.MEDIA_ROOT, "private", "complaints"))
