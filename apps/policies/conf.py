"""Settings of the policies app. Each reads ``settings.<NAME>`` first, then the environment, then the default here.

| name | default | meaning |
|---|---|---|
| POLICY_ENDORSEMENT_DAYS | 15 | natural days the insurer has to record an endorsement (批改) it owes: a reviewed lawful-list finding (rule M6) or a 交强险 policy of a rescission case whose risk increased after inception (rules J8, J9); RULES.md and the seeds fix no number, so this is the project's default |
"""

from __future__ import annotations

import os

from django.conf import settings


def _value(name: str, default):
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    return default if value in (None, "") else value


def endorsement_days() -> int:
    """Rules M6, J8, J9: the seeds say the policy is endorsed, not by when; 15 natural days (clock
    ``policy.endorsement``), rolling over a rest day (Civil Code art. 203)."""
    return int(_value("POLICY_ENDORSEMENT_DAYS", 15))
