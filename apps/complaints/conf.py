"""Settings of the public reporting service (rule M16). Override in Django settings or the environment."""

from __future__ import annotations

import os

from django.conf import settings


def _int(name: str, default: int) -> int:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name) or default
    return int(value)


def feedback_days() -> int:
    """Rule M16: the reporter gets feedback within this many natural days of the report."""
    return int(getattr(settings, "COMPLAINT_FEEDBACK_DAYS", 15))


def handling_days() -> int:
    """Rule T4 (银行业保险业消费投诉处理管理办法, 2020): a 12378 complaint is handled within this many natural days of
    its receipt (or of the re-handling request)."""
    return _int("COMPLAINT_HANDLING_DAYS", 15)


def handling_complex_days() -> int:
    """Rule T4: a complex case may be extended to this many days (counted from the period's start)."""
    return _int("COMPLAINT_HANDLING_COMPLEX_DAYS", 30)


def handling_max_days() -> int:
    """Rule T4: with approval, by a further 30 days — at most this many days in all."""
    return _int("COMPLAINT_HANDLING_MAX_DAYS", 60)


def submit_limit() -> tuple[int, int]:
    """At most N reports from one IP address per window of S seconds (default 5 per hour)."""
    return _int("COMPLAINT_SUBMIT_LIMIT", 5), _int("COMPLAINT_SUBMIT_WINDOW_SECONDS", 3600)


def lookup_limit() -> tuple[int, int]:
    """At most N status look-ups from one IP address per window (default 30 per 10 minutes): the secret code
    cannot be guessed by trying."""
    return _int("COMPLAINT_LOOKUP_LIMIT", 30), _int("COMPLAINT_LOOKUP_WINDOW_SECONDS", 600)


def max_photos() -> int:
    return _int("COMPLAINT_MAX_PHOTOS", 3)


def max_photo_bytes() -> int:
    return _int("COMPLAINT_MAX_PHOTO_BYTES", 5 * 1024 * 1024)


def max_text_chars() -> int:
    return _int("COMPLAINT_MAX_TEXT_CHARS", 2000)


def trusted_proxy_count() -> int:
    """How many reverse proxies in front of the application append to X-Forwarded-For (0: use REMOTE_ADDR)."""
    return _int("COMPLAINT_TRUSTED_PROXIES", 0)


def photo_root() -> str:
    """Photos are stored under MEDIA_ROOT in a directory no URL maps to; staff download them through a view
    that checks the audience."""
    return str(getattr(settings, "COMPLAINT_PHOTO_ROOT", None) or os.path.join(settings.MEDIA_ROOT, "private",
                                                                              "complaints"))
