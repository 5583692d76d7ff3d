"""Audience rules for the vehicles app (registered with apps.parties.access; 404 outside the audience).

* transport, regulator, insurance association (SUPERVISORS): everything;
* taxi association: vehicles, drivers and permits that belong to a company (rule M2: it guides the companies);
* taxi company: its own vehicles, drivers, permits of its vehicles, its own onboarding checks;
* insurer: the vehicles on which it holds a policy, and their permits (rule M11), read-only.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from apps.parties.access import SUPERVISORS, audience
from apps.parties.models import OrganizationKind, User

from .models import Driver, DriverAssignment, OnboardingCheck, OperatingPermit, Vehicle


def _insured_by(user: User, vehicle_ref: str = "pk"):
    from apps.policies.models import Policy

    return Exists(Policy.objects.filter(vehicle_id=OuterRef(vehicle_ref), insurer_id=user.organization_id))


@audience(Vehicle)
def vehicles_visible(user: User, qs: QuerySet) -> QuerySet:
    kind = user.kind
    if kind in SUPERVISORS:
        return qs
    if kind == OrganizationKind.TAXI_ASSOCIATION:
        return qs.filter(company__isnull=False)
    if kind == OrganizationKind.TAXI_COMPANY:
        return qs.filter(company_id=user.organization_id)
    if kind == OrganizationKind.INSURER:
        return qs.filter(_insured_by(user))
    return qs.none()


@audience(OperatingPermit)
def permits_visible(user: User, qs: QuerySet) -> QuerySet:
    kind = user.kind
    if kind in SUPERVISORS:
        return qs
    if kind == OrganizationKind.TAXI_ASSOCIATION:
        return qs.filter(vehicle__company__isnull=False)
    if kind == OrganizationKind.TAXI_COMPANY:
        return qs.filter(vehicle__company_id=user.organization_id)
    if kind == OrganizationKind.INSURER:
        return qs.filter(_insured_by(user, "vehicle_id"))
    return qs.none()


@audience(Driver)
def drivers_visible(user: User, qs: QuerySet) -> QuerySet:
    kind = user.kind
    if kind in SUPERVISORS:
        return qs
    if kind == OrganizationKind.TAXI_ASSOCIATION:
        return qs.filter(company__isnull=False)
    if kind == OrganizationKind.TAXI_COMPANY:
        return qs.filter(company_id=user.organization_id)
    return qs.none()


@audience(DriverAssignment)
def assignments_visible(user: User, qs: QuerySet) -> QuerySet:
    kind = user.kind
    if kind in SUPERVISORS:
        return qs
    if kind == OrganizationKind.TAXI_ASSOCIATION:
        return qs.filter(driver__company__isnull=False)
    if kind == OrganizationKind.TAXI_COMPANY:
        return qs.filter(driver__company_id=user.organization_id)
    return qs.none()


@audience(OnboardingCheck)
def onboarding_checks_visible(user: User, qs: QuerySet) -> QuerySet:
    kind = user.kind
    if kind in SUPERVISORS:
        return qs
    if kind == OrganizationKind.TAXI_COMPANY:
        return qs.filter(company_id=user.organization_id)
    return qs.none()


# --- who may reveal personal fields (the reveal itself is audited by apps.core.audit.reveal) ------------------

def may_reveal_driver(user: User, driver: Driver) -> bool:
    """The owning company, transport and the regulator may reveal a driver's personal fields."""
    if user.is_superuser:
        return True
    if user.kind in (OrganizationKind.TRANSPORT, OrganizationKind.REGULATOR):
        return True
    return user.kind == OrganizationKind.TAXI_COMPANY and driver.company_id == user.organization_id


def may_reveal_vehicle_owner(user: User, vehicle: Vehicle) -> bool:
    """The owning company, transport and the regulator may reveal the registered owner's name and ID."""
    if user.is_superuser:
        return True
    if user.kind in (OrganizationKind.TRANSPORT, OrganizationKind.REGULATOR):
        return True
    return user.kind == OrganizationKind.TAXI_COMPANY and vehicle.company_id == user.organization_id
