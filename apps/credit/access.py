"""Who sees which credit records and supervisory actions (DESIGN.md "Who uses it", rule M2).

* transport, the regulator and the insurance association (which keeps the file): every record;
* the taxi association: records about taxi companies, and about the vehicles and drivers it sees in the
  registers (the access module's rule for Vehicle / Driver: a company's ledger, never a private car);
* a taxi company: its own file (itself, and its vehicles and drivers while they were its own);
* an insurer: its own file.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from apps.parties import access
from apps.parties.access import SUPERVISORS, audience
from apps.parties.models import OrganizationKind
from apps.vehicles.models import Driver, Vehicle

from .models import CreditProposal, CreditRecord, SubjectKind, SupervisoryAction, UrgingItem


@audience(CreditRecord)
def _credit_records(user, qs: QuerySet) -> QuerySet:
    kind = user.kind
    if kind in SUPERVISORS:
        return qs
    if kind == OrganizationKind.TAXI_ASSOCIATION:
        # correlated probes of the record's own vehicle or driver (an IN over every visible vehicle and driver
        # hashed the whole register on each page)
        vehicle_seen = Exists(access.visible(user, Vehicle).filter(pk=OuterRef("vehicle_id")))
        driver_seen = Exists(access.visible(user, Driver).filter(pk=OuterRef("driver_id")))
        return qs.filter(Q(subject_kind=SubjectKind.TAXI_COMPANY)
                         | Q(vehicle_seen, subject_kind=SubjectKind.VEHICLE)
                         | Q(driver_seen, subject_kind=SubjectKind.DRIVER))
    if kind in (OrganizationKind.TAXI_COMPANY, OrganizationKind.INSURER):
        return qs.filter(Q(subject_organization_id=user.organization_id))
    return qs.none()


@audience(SupervisoryAction)
def _supervisory_actions(user, qs: QuerySet) -> QuerySet:
    kind = user.kind
    if kind in SUPERVISORS:
        return qs
    if kind == OrganizationKind.TAXI_ASSOCIATION:
        return qs.filter(Q(target__kind=OrganizationKind.TAXI_COMPANY) | Q(issued_by_id=user.organization_id))
    return qs.filter(Q(target_id=user.organization_id) | Q(issued_by_id=user.organization_id))


@audience(CreditProposal)
def _credit_proposals(user, qs: QuerySet) -> QuerySet:
    """Supervisors (incl. the insurance association, which decides most of them) see every proposal; the taxi
    association those it decides (companies and their drivers); every other party the proposals it made."""
    own = Q(proposed_by_organization_id=user.organization_id)
    if user.kind in SUPERVISORS:
        return qs
    if user.kind == OrganizationKind.TAXI_ASSOCIATION:
        return qs.filter(own | Q(subject_kind=SubjectKind.TAXI_COMPANY)
                         | Q(subject_kind=SubjectKind.DRIVER, subject_organization__isnull=False))
    return qs.filter(own)


@audience(UrgingItem)
def _urging_items(user, qs: QuerySet) -> QuerySet:
    """The insurance association (which urges) and the insurance regulator see every item; an insurer its own."""
    if user.kind in (OrganizationKind.INSURANCE_ASSOCIATION, OrganizationKind.REGULATOR):
        return qs
    if user.kind == OrganizationKind.INSURER:
        return qs.filter(insurer_id=user.organization_id)
    return qs.none()


def file_visible(user, subject) -> bool:
    """May ``user`` open the credit file page of ``subject`` (even when it holds no record yet)?"""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser or user.kind in SUPERVISORS:
        return True
    label = subject._meta.label_lower
    if label == "parties.organization":
        kind = SubjectKind.TAXI_COMPANY if subject.kind == OrganizationKind.TAXI_COMPANY else (
            SubjectKind.INSURER if subject.kind == OrganizationKind.INSURER else None)
        if kind is None:
            return False
        if user.kind == OrganizationKind.TAXI_ASSOCIATION:
            return kind == SubjectKind.TAXI_COMPANY
        return subject.pk == user.organization_id
    if label in ("vehicles.vehicle", "vehicles.driver"):
        if user.kind == OrganizationKind.TAXI_ASSOCIATION:
            # the same audience as the vehicle's / driver's own page (rule M2): a private car is not its business
            return access.is_visible(user, subject)
        if user.kind == OrganizationKind.TAXI_COMPANY:
            return subject.company_id == user.organization_id or CreditRecord.objects.filter(
                **{label.split(".")[1]: subject}, subject_organization_id=user.organization_id).exists()
    return False
