"""Consequences of the rescission clocks, registered with the kernel's Deadline scan (apps/core/deadlines.py).

An endorsement (批改) of a policy closes its open cases as "endorsed" (``_endorsed``, on the policies app's
``Endorsement``). Handlers run inside the scan's transaction, so a lapse, its credit record and its notifications commit together.
Each acts as its own system job (``SystemActor("rescissions.<handler>")``): the platform records the clock's
consequence, for no party (the lapse is recorded *against* the insurer, not on its behalf).
"""

from __future__ import annotations

from django.db.models.signals import post_save

from apps.core.deadlines import on_breach, on_reminder
from apps.core.models import Deadline
from apps.parties.rights import SystemActor

from . import services
from .models import RescissionCase, RescissionEvent


@on_breach(services.RULE_DECIDE)
def _decision_deadline_passed(deadline: Deadline) -> None:
    # Rule J5 / M12: 30 days without a decision — the right to rescind has lapsed.
    case = RescissionCase.objects.filter(pk=deadline.object_id).first()
    if case is not None:
        services.rescission_lapse(actor=SystemActor("rescissions.decision_deadline_passed"), case=case,
                                  deadline=deadline)


@on_breach(services.RULE_DISCLOSURE)
def _disclosure_period_ended(deadline: Deadline) -> None:
    # Rule J5: the policyholder's 5 days ended (this is not a fault of the insurer; it may now rescind).
    event = RescissionEvent.objects.filter(pk=deadline.object_id).select_related("case").first()
    if event is not None:
        services.rescission_disclosure_expired(actor=SystemActor("rescissions.disclosure_period_ended"),
                                               case=event.case, deadline=deadline)


@on_reminder(services.RULE_DECIDE)
def _reminder_day_reached(deadline: Deadline, day: int) -> None:
    # Rule M12: the registered reminders of the 30 days (RESCISSION_REMINDER_DAYS: 20/25/28), sent by the one scan.
    services.rescission_remind(actor=SystemActor("rescissions.reminders"), deadline=deadline, day=day)


def _endorsed(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    """Rules J8, J9: an endorsement of a policy — made in its case, on the insurer's endorsement worklist or on the
    policy page — closes that policy's part of any open rescission case as "endorsed" (not a lapse). Runs inside
    the endorsement's transaction, as the endorsement's own actor (its user, or the system job that made it)."""
    if not created or raw:
        return
    actor = instance.actor if instance.actor_id else SystemActor(
        instance.system_job or "policies.endorse", organization=instance.policy.insurer)
    services.rescission_policy_endorsed(actor=actor, endorsement=instance)


# the policies app's Endorsement, by name (lazy: connected once the model is loaded)
post_save.connect(_endorsed, sender="policies.Endorsement", dispatch_uid="rescissions.endorsed",
                  weak=False)
