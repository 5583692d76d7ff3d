"""Settings of joint inspections and training (rules M17, M2). Override in Django settings or the environment."""

from __future__ import annotations

from django.conf import settings


def rectification_days() -> int:
    """Rule M17: the inspected party rectifies the problems a notice (通报) names within this many natural days
    of the notice (``INSPECTION_RECTIFICATION_DAYS``; the mechanism leaves the number open, default 30)."""
    return int(getattr(settings, "INSPECTION_RECTIFICATION_DAYS", 30))


def max_text_chars() -> int:
    return int(getattr(settings, "INSPECTION_MAX_TEXT_CHARS", 4000))
