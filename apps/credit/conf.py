"""Settings of the credit file (rules M12, M14, M15, M17): typed accessors over ``django.conf.settings``.

Every number is a setting; the defaults (and, for the scalar ones, the environment variables of the same names)
are in ``liuzhou_regulation/settings.py``, the one module that reads the environment. Override in Django settings
(``CREDIT_SEVERITY_POINTS = {...}``).
"""

from __future__ import annotations

from django.conf import settings


def severity_points() -> dict[str, int]:
    """Points a record of each severity weighs in the credit level while it is in force."""
    return settings.CREDIT_SEVERITY_POINTS


def validity_days() -> dict[str, int]:
    """How long a record counts when the caller gives no ``expires_on`` (days after ``occurred_on``)."""
    return settings.CREDIT_VALIDITY_DAYS


def level_thresholds() -> list[tuple[str, int]]:
    """(level, minimum points) from the worst level down; the first level whose minimum is reached applies.

    Default: A 良好 (0 points), B 一般 (1–5), C 较差 (6–11), D 差 (12 or more).
    """
    return settings.CREDIT_LEVEL_THRESHOLDS


def any_severe_means_worst() -> bool:
    """A single severe record in force puts the subject at the worst level whatever the points."""
    return bool(settings.CREDIT_SEVERE_IS_WORST)


def action_followup_days() -> dict[str, int]:
    """Follow-up deadline (natural days) of each kind of supervisory action (rule M15/M17)."""
    return settings.SUPERVISORY_ACTION_FOLLOWUP_DAYS


def action_followup_default_days() -> int:
    """The follow-up rule's registered length: that of a rectification order (each kind's own length is passed)."""
    return int(action_followup_days()["rectification_order"])


def action_severity() -> dict[str, str]:
    """Severity of the credit record each kind of supervisory action creates."""
    return settings.SUPERVISORY_ACTION_CREDIT_SEVERITY


def urging_item_days() -> int:
    """Natural days the insurance association has to handle a 督促 item (rules M12, M17)."""
    return int(settings.URGING_ITEM_DAYS)


def decision_number_prefixes() -> dict[str, str]:
    """The issuer's part of a decision document's number (柳金监责改〔2026〕3号), by the issuer's kind."""
    return settings.SUPERVISORY_DECISION_NUMBER_PREFIX


def decision_number_kinds() -> dict[str, str]:
    """The kind's part of a decision document's number: 责改 (责令整改), 暂停 (暂停网约车保险业务)."""
    return settings.SUPERVISORY_DECISION_NUMBER_KIND


def rescission_lapse_severity() -> str:
    """The severity proposed for an urged lapse of a rescission case: ``RESCISSION_LAPSE_SEVERITY``, read here
    directly rather than through the rescissions app, which sits above credit (layers, ``.importlinter``)."""
    return str(settings.RESCISSION_LAPSE_SEVERITY)
