"""Settings of the leads app: typed accessors over ``django.conf.settings``.

The defaults (and the environment variables of the same names) are in ``liuzhou_regulation/settings.py``, the one
module that reads the environment; docs/operations.md lists them.

| name | meaning |
|---|---|
| LAWFUL_LIST_PUSH_SECONDS | how often Celery beat pushes the lawful operating vehicle list (rule M6: "定期"; the beat schedule in settings) |
| RISK_MODEL_RUN_SECONDS | how often Celery beat runs the risk identification model (rule M8: "动态监测"; the beat schedule in settings) |
| RISK_MODEL_DEFAULT_THRESHOLD | threshold of the first weights version, before association staff edit it |
| RISK_PENALTY_LOOKBACK_DAYS | penalties younger than this count in the risk model's penalty feature |
| LEAD_ATTACHMENT_MAX_BYTES | largest attachment accepted on a lead |
| LEAD_UPLOAD_MAX_ROWS | most plates accepted in one uploaded list |
| LEAD_CHECK_MAX_BACKDATE_DAYS | how far in the past an offline check may be dated when it is recorded |
| LEAD_OFFLINE_CHECK_DAYS | natural days transport has to answer the regulator's request for an offline check (rules M2, M4) |
| LEAD_WORKLIST_ANSWER_DAYS | natural days an insurer has to answer an item of its worklist, from its receipt (rule M8: insurers check their books against the lists received; the seed fixes no number) |
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings


def risk_model_default_threshold() -> Decimal:
    return Decimal(str(settings.RISK_MODEL_DEFAULT_THRESHOLD))


def risk_penalty_lookback_days() -> int:
    return int(settings.RISK_PENALTY_LOOKBACK_DAYS)


def attachment_max_bytes() -> int:
    return int(settings.LEAD_ATTACHMENT_MAX_BYTES)


def upload_max_rows() -> int:
    return int(settings.LEAD_UPLOAD_MAX_ROWS)


def check_max_backdate_days() -> int:
    return int(settings.LEAD_CHECK_MAX_BACKDATE_DAYS)


def offline_check_days() -> int:
    """Rules M2, M4: the seed fixes no time for transport's answer to the regulator's request; 15 natural days."""
    return int(settings.LEAD_OFFLINE_CHECK_DAYS)


def worklist_answer_days() -> int:
    """Rule M8: the seed has the insurers check their books against the lists, without a time; 15 natural days
    from the item's receipt (clock ``lead.worklist_answer``)."""
    return int(settings.LEAD_WORKLIST_ANSWER_DAYS)
