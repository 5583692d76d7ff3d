"""Rule M9: a vehicle online at a platform company (in its ride-hailing data) whose onboarding check it never
passed — a section of that company's worklist (``apps.vehicles`` 待处理车辆).

"Online" is any event of the vehicle in the company's operating data (a vehicle-day of one of the organisation's
``CompanyId``s: a login, a trip, a payment) in the last ``LOOKBACK_DAYS`` days up to ``at``. "Passed" is an
``OnboardingCheck`` of that vehicle by that organisation with ``passed`` at or before ``at`` — a plate that is not
in the vehicle register can have none. One aggregate query for the company, whatever its fleet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, Max, Min, OuterRef, Sum
from django.utils import timezone

from apps.core.deadlines import local_date
from apps.vehicles.models import OnboardingCheck, Vehicle

LOOKBACK_DAYS = 30


@dataclass(frozen=True)
class NotOnboarded:
    plate: str
    vehicle: object  # apps.vehicles.models.Vehicle | None (not in the register)
    first: dt.date
    last: dt.date
    trips: int
    checked: bool  # checked at least once (and failed every time)


def online_without_onboarding(*, company, at: dt.datetime | None = None) -> list[NotOnboarded]:
    """The plates ``company`` (an organisation) had online in the look-back period that never passed its check."""

    from .models import VehicleDay

    at = at or timezone.now()
    today = local_date(at)
    checks = OnboardingCheck.objects.filter(vehicle__plate=OuterRef("vehicle_no"), company=company,
                                            checked_at__lte=at)
    rows = list(
        VehicleDay.objects.filter(company__organization=company, day__gt=today - dt.timedelta(days=LOOKBACK_DAYS),
                                  day__lte=today)
        .annotate(passed=Exists(checks.filter(passed=True))).filter(passed=False)
        .values("vehicle_no")
        .annotate(first=Min("day"), last=Max("day"), trips=Sum("trips"))
        .order_by("vehicle_no"))
    plates = [r["vehicle_no"] for r in rows]
    vehicles = {v.plate: v for v in Vehicle.objects.filter(plate__in=plates)}
    checked = set(OnboardingCheck.objects.filter(company=company, vehicle__plate__in=plates, checked_at__lte=at)
                  .values_list("vehicle__plate", flat=True))
    return [NotOnboarded(plate=r["vehicle_no"], vehicle=vehicles.get(r["vehicle_no"]), first=r["first"],
                         last=r["last"], trips=r["trips"] or 0, checked=r["vehicle_no"] in checked) for r in rows]


def worklist_section(company) -> dict:
    """The company worklist's ride-hailing section (registered in ``apps.py``): rows and the look-back period."""
    return {"rows": online_without_onboarding(company=company), "lookback_days": LOOKBACK_DAYS}
