"""A claims feature for the risk identification model (rule M8, fed by claims data per M14/M15): claims of the
past year on a vehicle insured as non-operating that carry signs of carrying passengers — injured passengers, an
accident at a station or airport. One aggregate query for the whole city (the model's features are set-based)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.leads.risk import register_feature
from apps.vehicles.usage import NON_OPERATING_NATURES

from .models import Claim

LOOKBACK_DAYS = 365


def feature_passenger_signals(at: dt.datetime) -> dict[int, tuple[int, str]]:
    rows = (
        Claim.objects.filter(occurred_at__gt=at - dt.timedelta(days=LOOKBACK_DAYS), occurred_at__lte=at,
                             policy__usage_nature_insured__in=NON_OPERATING_NATURES)
        .filter(Q(injured_passengers__gt=0) | Q(at_station=True))
        .values("vehicle_id")
        .annotate(n=Count("id"), injured=Sum("injured_passengers"), station=Count("id", filter=Q(at_station=True)),
                  night=Count("id", filter=Q(at_night=True)))
        .values_list("vehicle_id", "n", "injured", "station", "night")
    )
    return {
        vehicle_id: (n, _("近一年按非营运性质投保期间出险 %(n)d 次带有载客迹象（乘客受伤 %(injured)d 人次，"
                          "场站出险 %(station)d 次，夜间 %(night)d 次）") % {
            "n": n, "injured": injured or 0, "station": station, "night": night})
        for vehicle_id, n, injured, station, night in rows
    }


def register() -> None:
    register_feature("claims_passenger_signals", gettext_lazy("按非营运投保但出险带有载客迹象"),
                     feature_passenger_signals, default_weight=1, order=60)
