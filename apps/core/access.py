"""Audience rules for the kernel's own tables (registered with apps.parties.access)."""

from django.db.models import QuerySet

from apps.parties.access import SUPERVISORS, audience
from apps.parties.models import OrganizationKind

from .models import AuditEvent, Deadline


@audience(Deadline)
def _deadlines(user, qs: QuerySet) -> QuerySet:
    # Regulators and the insurance association watch every clock; each other party sees the clocks it owns.
    if user.kind in {OrganizationKind.REGULATOR, OrganizationKind.INSURANCE_ASSOCIATION}:
        return qs
    return qs.filter(responsible_id=user.organization_id)


@audience(AuditEvent)
def _audit(user, qs: QuerySet) -> QuerySet:
    if user.kind in SUPERVISORS - {OrganizationKind.TRANSPORT}:
        return qs
    return qs.filter(organization_id=user.organization_id)
