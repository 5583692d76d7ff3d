"""Reads for the vehicles app beyond a ``.get``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from apps.parties import access
from apps.parties.models import Organization

from .models import OnboardingCheck, OperatingPermit, Vehicle
from .usage import UsageNature

# Reasons that say "will stop passing soon" rather than "does not pass now" (rule M9 expiry warning).
# rule M10: a coverage-standard gap is a warning (the standard is a reference), not a failure
WARNING_CODES = frozenset({"permit_expiring", "policy_expiring", "coverage_gap"})


def permit_kind_for(vehicle: Vehicle) -> str:
    """The permit a vehicle needs to operate: a cruising-taxi permit for taxis, else the ride-hailing one."""
    if vehicle.usage_nature == UsageNature.CRUISING_TAXI:
        return OperatingPermit.Kind.CRUISING_TAXI
    return OperatingPermit.Kind.RIDE_HAILING


@dataclass(frozen=True)
class WorklistItem:
    vehicle: Vehicle
    verification: object  # apps.policies.verification.Verification
    reasons: list[dict[str, str]]

    @property
    def failing(self) -> bool:
        """True when the vehicle does not pass now (not only an expiry warning)."""
        return any(r["code"] not in WARNING_CODES for r in self.reasons)


def company_worklist(*, company: Organization, at: dt.datetime | None = None,
                     include_warnings: bool = True) -> list[WorklistItem]:
    """Rule M9: the company's online vehicles that no longer pass the onboarding requirements (policy expired,
    permit lapsed, insured as non-operating, coverage gap) — and, with ``include_warnings``, those about to.

    Set-based: one query for the vehicles and one for their verification, whatever the fleet size.
    """
    from apps.policies.verification import verify_vehicles

    from .services import onboarding_reasons

    at = at or timezone.now()
    vehicles = Vehicle.objects.filter(company=company, online=True).select_related("company").order_by("plate", "id")
    results = verify_vehicles(vehicles, at)
    items = []
    for vehicle in vehicles:
        result = results[vehicle.pk]
        reasons = onboarding_reasons(result, permit_kind=permit_kind_for(vehicle), at=at)
        if not include_warnings:
            reasons = [r for r in reasons if r["code"] not in WARNING_CODES]
        if reasons:
            items.append(WorklistItem(vehicle, result, reasons))
    return sorted(items, key=lambda i: (not i.failing, i.vehicle.plate or "", i.vehicle.pk))


def vehicles_for_user(user) -> QuerySet:
    return access.visible(user, Vehicle.objects.select_related("company"))


def onboarding_checks_of_vehicle(*, user, vehicle: Vehicle) -> QuerySet:
    return access.visible(user, OnboardingCheck.objects.filter(vehicle=vehicle)).select_related("checked_by")
