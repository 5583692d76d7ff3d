"""Settings of the leads app. Each reads ``settings.<NAME>`` first, then the environment, then the default here.

| name | default | meaning |
|---|---|---|
| LAWFUL_LIST_PUSH_SECONDS | 86400 | how often Celery beat pushes the lawful operating vehicle list (rule M6: "定期") |
| RISK_MODEL_RUN_SECONDS | 86400 | how often Celery beat runs the risk identification model (rule M8: "动态监测") |
| RISK_MODEL_DEFAULT_THRESHOLD | 3 | threshold of the first weights version, before association staff edit it |
| RISK_PENALTY_LOOKBACK_DAYS | 365 | penalties younger than this count in the risk model's penalty feature |
| LEAD_ATTACHMENT_MAX_BYTES | 10485760 | largest attachment accepted on a lead |
| LEAD_UPLOAD_MAX_ROWS | 5000 | most plates accepted in one uploaded list |
| LEAD_CHECK_MAX_BACKDATE_DAYS | 30 | how far in the past an offline check may be dated when it is recorded |
| LEAD_OFFLINE_CHECK_DAYS | 15 | natural days transport has to answer the regulator's request for an offline check (rules M2, M4) |
| LEAD_WORKLIST_ANSWER_DAYS | 15 | natural days an insurer has to answer an item of its worklist, from its receipt (rule M8: insurers check their books against the lists received; the seed fixes no number) |
"""

from __future__ import annotations

import os
from decimal import Decimal

from django.conf import settings


def _value(name: str, default):
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    return default if value in (None, "") else value


def lawful_list_push_seconds() -> int:
    return int(_value("LAWFUL_LIST_PUSH_SECONDS", 86400))


def risk_model_run_seconds() -> int:
    return int(_value("RISK_MODEL_RUN_SECONDS", 86400))


def risk_model_default_threshold() -> Decimal:
    return Decimal(str(_value("RISK_MODEL_DEFAULT_THRESHOLD", "3")))


def risk_penalty_lookback_days() -> int:
    return int(_value("RISK_PENALTY_LOOKBACK_DAYS", 365))


def attachment_max_bytes() -> int:
    return int(_value("LEAD_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))


def upload_max_rows() -> int:
    return int(_value("LEAD_UPLOAD_MAX_ROWS", 5000))


def check_max_backdate_days() -> int:
    return int(_value("LEAD_CHECK_MAX_BACKDATE_DAYS", 30))


def offline_check_days() -> int:
    """Rules M2, M4: the seed fixes no time for transport's answer to the regulator's request; 15 natural days."""
    return int(_value("LEAD_OFFLINE_CHECK_DAYS", 15))


def worklist_answer_days() -> int:
    """Rule M8: the seed has the insurers check their books against the lists, without a time; 15 natural days
    from the item's receipt (clock ``lead.worklist_answer``)."""
    return int(_value("LEAD_WORKLIST_ANSWER_DAYS", 15))
