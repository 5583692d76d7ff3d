"""Demo exchange keys (``manage.py seed_demo``; idempotent: an organisation's keys are issued once)."""

from __future__ import annotations

from apps.exchange.services import organization_keys_issue
from apps.parties.models import Organization
from apps.parties.rights import SystemActor


def seed_demo_keys(stdout) -> None:
    """Demo data: every organisation has its exchange keys (those created before this app got theirs too)."""
    actor = SystemActor("exchange.seed_demo_keys")
    issued = sum(len(organization_keys_issue(organization=org, actor=actor)) for org in Organization.objects.all())
    if issued:
        stdout.write(f"exchange: issued {issued} key(s)")
