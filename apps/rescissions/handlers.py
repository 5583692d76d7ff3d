"""Consequences of the rescission clocks, registered with the kernel's Deadline scan (apps/core/deadlines.py).

Handlers run inside the scan's transaction, so a lapse, its credit record and its notifications commit together.
Each acts as its own system job (``SystemActor("rescissions.<handler>")``): the platform records the clock's
consequence, for no party (the lapse is recorded *against* the insurer, not on its behalf).
"""

from __future__ import annotations

from apps.core.deadlines import on_breach
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
