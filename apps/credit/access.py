"""Who sees which credit records and supervisory actions (DESIGN.md "Who uses it", rule M2).

* transport, the regulator and the insurance association (which keeps the file): every record;
* the taxi association: records about taxi companies, vehicles and drivers (not insurers' files);
* a taxi company: its own file (itself, and its vehicles and drivers while they were its own);
* an insurer: its own file.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from apps.parties.access import SUPERVISORS, audience
from apps.parties.models import OrganizationKind

from .models import CreditRecord, SubjectKind


@audience(CreditRecord)
def _credit_records(user, qs: QuerySet) -> QuerySet:
    kind = user.kind
    if kind in SUPERVISORS:
        return qs
    if kind == OrganizationKind.TAXI_ASSOCIATION:
        return qs.filter(subject_kind__in=[SubjectKind.TAXI_COMPANY, SubjectKind.VEHICLE, SubjectKind.DRIVER])
    if kind in (OrganizationKind.TAXI_COMPANY, OrganizationKind.INSURER):
        return qs.filter(Q(subject_organization_id=user.organization_id))
    return qs.none()
