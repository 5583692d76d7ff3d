"""Who sees which joint inspections, notices and training sessions (rules M17, M2; DESIGN.md "Who uses it").

* the four planning parties (transport, the regulator, both associations): every inspection, finding and
  notice — the inspections are joint, and each of them may be asked to take part;
* an inspected party (an insurer, a taxi company): the inspections it was inspected in, and of those only its
  own finding and its own notice — never another party's;
* training: the taxi association, transport, the regulator and the insurance association every session; a taxi
  company the sessions it attended; nobody else.
"""

from __future__ import annotations

from django.db.models import QuerySet

from apps.parties.access import SUPERVISORS, audience
from apps.parties.models import OrganizationKind

from .models import INSPECTED_KINDS, PLANNING_KINDS, Inspection, InspectionFinding, InspectionNotice, Training


@audience(Inspection)
def _inspections(user, qs: QuerySet) -> QuerySet:
    if user.kind in PLANNING_KINDS:
        return qs
    if user.kind in INSPECTED_KINDS:
        return qs.filter(pk__in=Inspection.inspected_parties.through.objects.filter(
            organization_id=user.organization_id).values("inspection_id"))
    return qs.none()


@audience(InspectionFinding)
def _findings(user, qs: QuerySet) -> QuerySet:
    if user.kind in PLANNING_KINDS:
        return qs
    if user.kind in INSPECTED_KINDS:
        return qs.filter(party_id=user.organization_id)
    return qs.none()


@audience(InspectionNotice)
def _notices(user, qs: QuerySet) -> QuerySet:
    if user.kind in PLANNING_KINDS:
        return qs
    if user.kind in INSPECTED_KINDS:
        return qs.filter(party_id=user.organization_id)
    return qs.none()


@audience(Training)
def _trainings(user, qs: QuerySet) -> QuerySet:
    if user.kind in SUPERVISORS or user.kind == OrganizationKind.TAXI_ASSOCIATION:
        return qs
    if user.kind == OrganizationKind.TAXI_COMPANY:
        return qs.filter(pk__in=Training.companies.through.objects.filter(
            organization_id=user.organization_id).values("training_id"))
    return qs.none()
