"""Settings of joint inspections and training (rules M17, M2): typed accessors over ``django.conf.settings``.

The defaults (and the environment variables of the same names) are in ``liuzhou_regulation/settings.py``, the one
module that reads the environment; docs/operations.md lists them.
"""

from __future__ import annotations

from django.conf import settings


def rectification_days() -> int:
    """Rule M17: the inspected party rectifies the problems a notice (通报) names within this many natural days
    of the notice (``INSPECTION_RECTIFICATION_DAYS``; the mechanism leaves the number open, default 30)."""
    return int(settings.INSPECTION_RECTIFICATION_DAYS)


def max_text_chars() -> int:
    return int(settings.INSPECTION_MAX_TEXT_CHARS)
