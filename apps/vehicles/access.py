"""Audience rules for the vehicles app (registered with apps.parties.access; 404 outside the audience).

* transport, regulator, insurance association (SUPERVISORS): everything;
* taxi association: vehicles, drivers and permits that belong to a company (rule M2: it guides the companies);
* taxi company: its own vehicles, drivers, permits of its vehicles, its own onboarding checks;
* insurer: the vehicles on which it holds a policy, and their permits (rule M11), read-only.
"""

from __future__ import annotations

from django.db.models import QuerySet

from apps.parties.access import SUPERVISORS, audience
from apps.parties.models import OrganizationKind, User

from .cover import cover
from .models import Driver, DriverAssignment, OnboardingCheck, OperatingPermit, Vehicle


def _insured_by(user: User, vehicle_ref: str = "pk"):
    return cover("insured_by")(user, vehicle_ref)  # registered by apps.policies (above vehicles)


def _company_ledger(user: User, qs: QuerySet, company: str, vehicle: str | None) -> QuerySet:
    """The one shape of every rule here: supervisors see all; the taxi association what belongs to a company;
    a company its own (``company`` is the path to the owning company); an insurer, where ``vehicle`` names the
    path to the vehicle, what concerns a vehicle it insures."""
    kind = user.kind
    if kind in SUPERVISORS:
        return qs
    if kind == OrganizationKind.TAXI_ASSOCIATION:
        return qs.filter(**{f"{company}__isnull": False})
    if kind == OrganizationKind.TAXI_COMPANY:
        return qs.filter(**{f"{company}_id": user.organization_id})
    if kind == OrganizationKind.INSURER and vehicle is not None:
        return qs.filter(_insured_by(user, vehicle))
    return qs.none()


@audience(Vehicle)
def vehicles_visible(user: User, qs: QuerySet) -> QuerySet:
    return _company_ledger(user, qs, "company", vehicle="pk")


@audience(OperatingPermit)
def permits_visible(user: User, qs: QuerySet) -> QuerySet:
    return _company_ledger(user, qs, "vehicle__company", vehicle="vehicle_id")


@audience(Driver)
def drivers_visible(user: User, qs: QuerySet) -> QuerySet:
    return _company_ledger(user, qs, "company", vehicle=None)


@audience(DriverAssignment)
def assignments_visible(user: User, qs: QuerySet) -> QuerySet:
    return _company_ledger(user, qs, "driver__company", vehicle=None)


@audience(OnboardingCheck)
def onboarding_checks_visible(user: User, qs: QuerySet) -> QuerySet:
    # Onboarding checks are the company's own working papers: not the taxi association's.
    if user.kind == OrganizationKind.TAXI_ASSOCIATION:
        return qs.none()
    return _company_ledger(user, qs, "company", vehicle=None)


# --- who may reveal personal fields (the reveal itself is audited by apps.core.audit.reveal) ------------------

def _may_reveal_ledger(user: User, company_id: int | None) -> bool:
    """The owning company, transport and the regulator may reveal the personal fields of a company's ledger."""
    if user.is_superuser:
        return True
    if user.kind in (OrganizationKind.TRANSPORT, OrganizationKind.REGULATOR):
        return True
    return user.kind == OrganizationKind.TAXI_COMPANY and company_id == user.organization_id


def may_reveal_driver(user: User, driver: Driver) -> bool:
    """The owning company, transport and the regulator may reveal a driver's personal fields."""
    return _may_reveal_ledger(user, driver.company_id)


def may_reveal_vehicle_owner(user: User, vehicle: Vehicle) -> bool:
    """The owning company, transport and the regulator may reveal the registered owner's name and ID."""
    return _may_reveal_ledger(user, vehicle.company_id)


def may_search_personal(user: User) -> bool:
    """An exact search by a personal field (driver's ID number or phone, owner's ID number) confirms a guess, so
    it is a reveal: allowed to whoever may reveal every record the search runs over. That is the reveal rule for
    the caller's own ledger: a taxi company searches only its own drivers and vehicles (its audience), which it
    may reveal; the associations and insurers see records whose personal fields they may not reveal."""
    return user.is_authenticated and _may_reveal_ledger(user, user.organization_id)
