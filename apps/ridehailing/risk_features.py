"""A ride-hailing feature of the risk identification model (rule M8): a vehicle with ride-hailing trips on days on
which every policy in force was insured as non-operating. Read from the per-vehicle-per-day aggregate
(``VehicleDay``) of the look-back period, in one query for the whole city (the model's features are set-based)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, F, Max, Min, OuterRef, Subquery, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.deadlines import local_date
from apps.leads.risk import register_feature
from apps.policies.models import Policy
from apps.vehicles.models import Vehicle
from apps.vehicles.usage import OPERATING_NATURES

LOOKBACK_DAYS = 30


def feature_trips_non_operating(at: dt.datetime) -> dict[int, tuple[int, str]]:
    """``{vehicle_id: (1, reason)}``: trips (``VehicleDay.trips > 0``) on days of the last ``LOOKBACK_DAYS`` up to
    ``at`` on which, at the vehicle's first event of the day, at least one policy was in force and none insured an
    operating usage nature ("in force": ``Policy.in_force_q``, the verification's definition)."""

    from .models import VehicleDay

    today = local_date(at)
    vehicle = Vehicle.objects.filter(plate=OuterRef("vehicle_no")).values("pk")[:1]
    in_force = Policy.objects.filter(Policy.in_force_q(OuterRef("first_seen")), vehicle_id=OuterRef("vehicle_id"))
    rows = (VehicleDay.objects.filter(day__gt=today - dt.timedelta(days=LOOKBACK_DAYS), day__lte=today, trips__gt=0,
                                      first_seen__lte=at)
            .annotate(vehicle_id=Subquery(vehicle)).filter(vehicle_id__isnull=False)
            .filter(Exists(in_force)).exclude(Exists(in_force.filter(usage_nature_insured__in=OPERATING_NATURES)))
            .values("vehicle_id")
            .annotate(days=Count("day", distinct=True), trips=Sum("trips"), first=Min("day"), last=Max("day"))
            .values_list("vehicle_id", "days", "trips", "first", "last")
            .order_by(F("vehicle_id")))
    return {
        vehicle_id: (1, _("%(first)s 至 %(last)s 有 %(days)d 天共 %(trips)d 单网约车载客订单，当日在保保单均按非营运性质"
                          "投保") % {"first": first.isoformat(), "last": last.isoformat(), "days": days,
                                     "trips": trips})
        for vehicle_id, days, trips, first, last in rows
    }


def register() -> None:
    register_feature("ridehailing_trips_non_operating", gettext_lazy("网约车有载客订单但在保保单均按非营运投保"),
                     feature_trips_non_operating, default_weight=3, order=70)
