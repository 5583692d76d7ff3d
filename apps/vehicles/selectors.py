"""Reads for the vehicles app beyond a ``.get``."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.parties import access

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


def vehicles_for_user(user) -> QuerySet:
    return access.visible(user, Vehicle.objects.select_related("company"))


def onboarding_checks_of_vehicle(*, user, vehicle: Vehicle) -> QuerySet:
    return access.visible(user, OnboardingCheck.objects.filter(vehicle=vehicle)).select_related("checked_by")
