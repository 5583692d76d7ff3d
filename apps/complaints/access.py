"""Who sees which public reports (rule M16, DESIGN.md "Who uses it").

* transport sees the 12328 reports routed to it, the regulator the 12378 reports routed to it;
* an insurer sees exactly the reports the regulator forwarded to it (guardian object permission on the
  direct-FK table ``ComplaintGroupObjectPermission``), and no other;
* nobody else. The reporter follows a report on the public status page with the tracking number and code.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from apps.parties.access import audience, granted_q
from apps.parties.models import OrganizationKind

from .models import Complaint, ComplaintEvent, ComplaintGroupObjectPermission, ComplaintPhoto


def organization_group_name(organization_id: int) -> str:
    """The group that stands for a whole organisation in object grants (``org:<id>``)."""
    return f"org:{organization_id}"


def _granted_to_organization(user) -> Q:
    # Grants to the organisation's group count for every user of it, also users who joined after the grant.
    ids = ComplaintGroupObjectPermission.objects.filter(
        group__name=organization_group_name(user.organization_id), permission__codename="view_complaint",
    ).values("content_object_id")
    return Q(pk__in=ids)

HANDLING_KINDS = frozenset({OrganizationKind.TRANSPORT, OrganizationKind.REGULATOR})


@audience(Complaint)
def _complaints(user, qs: QuerySet) -> QuerySet:
    if user.kind in HANDLING_KINDS:
        return qs.filter(routed_to_id=user.organization_id)
    if user.kind == OrganizationKind.INSURER:
        return qs.filter(granted_q(user, Complaint, "complaints.view_complaint") | _granted_to_organization(user))
    return qs.none()


@audience(ComplaintEvent)
def _events(user, qs: QuerySet) -> QuerySet:
    return qs.filter(complaint__in=_complaints(user, Complaint.objects.all()))


@audience(ComplaintPhoto)
def _photos(user, qs: QuerySet) -> QuerySet:
    return qs.filter(complaint__in=_complaints(user, Complaint.objects.all()))
