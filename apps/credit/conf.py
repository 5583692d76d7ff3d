"""Settings of the credit file (rule M14, M15, M17). Every number is a setting with the default given here.

Override in Django settings (``CREDIT_SEVERITY_POINTS = {...}``) or, for the scalar ones, in the environment.
"""

from __future__ import annotations

import os

from django.conf import settings


def _get(name: str, default):
    return getattr(settings, name, default)


def severity_points() -> dict[str, int]:
    """Points a record of each severity weighs in the credit level while it is in force."""
    return _get("CREDIT_SEVERITY_POINTS", {"minor": 1, "moderate": 3, "serious": 6, "severe": 12})


def validity_days() -> dict[str, int]:
    """How long a record counts when the caller gives no ``expires_on`` (days after ``occurred_on``)."""
    return _get("CREDIT_VALIDITY_DAYS", {"minor": 365, "moderate": 730, "serious": 1095, "severe": 1825})


def level_thresholds() -> list[tuple[str, int]]:
    """(level, minimum points) from the worst level down; the first level whose minimum is reached applies.

    Default: A 良好 (0 points), B 一般 (1–5), C 较差 (6–11), D 差 (12 or more).
    """
    return _get("CREDIT_LEVEL_THRESHOLDS", [("D", 12), ("C", 6), ("B", 1), ("A", 0)])


def any_severe_means_worst() -> bool:
    """A single severe record in force puts the subject at the worst level whatever the points."""
    return bool(_get("CREDIT_SEVERE_IS_WORST", os.environ.get("CREDIT_SEVERE_IS_WORST", "1") == "1"))


def action_followup_days() -> dict[str, int]:
    """Follow-up deadline (natural days) of each kind of supervisory action (rule M15/M17)."""
    return _get("SUPERVISORY_ACTION_FOLLOWUP_DAYS", {
        "rectification_order": 30, "business_suspension": 90, "penalty": 30, "self_discipline": 30,
    })


def action_followup_default_days() -> int:
    """The follow-up rule's registered length: that of a rectification order (each kind's own length is passed)."""
    return int(action_followup_days()["rectification_order"])


def action_severity() -> dict[str, str]:
    """Severity of the credit record each kind of supervisory action creates."""
    return _get("SUPERVISORY_ACTION_CREDIT_SEVERITY", {
        "rectification_order": "moderate", "business_suspension": "severe", "penalty": "serious",
        "self_discipline": "minor",
    })


def urging_item_days() -> int:
    """Natural days the insurance association has to handle a 督促 item (rules M12, M17)."""
    return int(_get("URGING_ITEM_DAYS", os.environ.get("URGING_ITEM_DAYS", "15")))


def decision_number_prefixes() -> dict[str, str]:
    """The issuer's part of a decision document's number (柳金监责改〔2026〕3号), by the issuer's kind."""
    return _get("SUPERVISORY_DECISION_NUMBER_PREFIX", {"regulator": "柳金监", "transport": "柳交运"})


def decision_number_kinds() -> dict[str, str]:
    """The kind's part of a decision document's number: 责改 (责令整改), 暂停 (暂停网约车保险业务)."""
    return _get("SUPERVISORY_DECISION_NUMBER_KIND", {"rectification_order": "责改", "business_suspension": "暂停"})
