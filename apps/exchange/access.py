"""Audience rules of the exchange (registered with apps.parties.access).

A party sees the batches it sent or received, with their trail; the regulator watches the whole flow (rule M3),
and so does the platform operator, who keeps the exchange running. Public keys are public.
"""

from django.db.models import Q, QuerySet

from apps.parties.access import audience

from .models import Batch, BatchEvent, InboxEntry, OrganizationKey
from .selectors import WHOLE_FLOW


@audience(Batch)
def _batches(user, qs: QuerySet) -> QuerySet:
    if user.kind in WHOLE_FLOW:
        return qs
    return qs.filter(Q(sender_id=user.organization_id) | Q(recipient_id=user.organization_id))


@audience(BatchEvent)
def _batch_events(user, qs: QuerySet) -> QuerySet:
    if user.kind in WHOLE_FLOW:
        return qs
    return qs.filter(Q(batch__sender_id=user.organization_id) | Q(batch__recipient_id=user.organization_id))


@audience(InboxEntry)
def _inbox(user, qs: QuerySet) -> QuerySet:
    if user.kind in WHOLE_FLOW:
        return qs
    return qs.filter(recipient_id=user.organization_id)


@audience(OrganizationKey)
def _keys(user, qs: QuerySet) -> QuerySet:
    # Only public halves are ever shown; everyone needs them to check signatures and receipts.
    return qs
