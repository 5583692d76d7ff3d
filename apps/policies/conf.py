"""Settings of the policies app: typed accessors over ``django.conf.settings``.

The defaults (and the environment variables of the same names) are in ``liuzhou_regulation/settings.py``, the one
module that reads the environment; docs/operations.md lists them.

| name | meaning |
|---|---|
| POLICY_ENDORSEMENT_DAYS | natural days the insurer has to record an endorsement (批改) it owes: a reviewed lawful-list finding (rule M6) or a 交强险 policy of a rescission case whose risk increased after inception (rules J8, J9); RULES.md and the seeds fix no number, so this is the project's default |
"""

from __future__ import annotations

from django.conf import settings


def endorsement_days() -> int:
    """Rules M6, J8, J9: the seeds say the policy is endorsed, not by when; 15 natural days (clock
    ``policy.endorsement``), rolling over a rest day (Civil Code art. 203)."""
    return int(settings.POLICY_ENDORSEMENT_DAYS)
