"""The first cross-check of the ride-hailing data against transport's register (rule M5).

A vehicle with trips on a day of the period (``VehicleDay.trips > 0``) and, on that day, no valid ride-hailing
transport permit (网络预约出租汽车运输证: ``OperatingPermit`` of kind ride-hailing, ``valid_from ≤ day ≤ valid_to``,
not revoked by that day) in transport's register — or not in the register at all — becomes a lead of transport
(``apps.leads.services.lead_create_from_ride_hailing_data``) with its trips as evidence: the days, orders and
passenger kilometres without a permit. One set-based query finds the vehicles; a vehicle that already has an open
lead of this source gets no second one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from apps.core.errors import ApplicationError
from apps.core.errors import ErrorCode as CoreErrorCode
from apps.core.notifications import Text
from apps.leads import services as leads
from apps.parties import rights
from apps.parties.models import Organization, OrganizationKind
from apps.parties.rights import SystemActor
from apps.vehicles.models import OperatingPermit, Vehicle

from .models import VehicleDay


@dataclass
class Finding:
    plate: str
    days: int
    trips: int
    km: object
    first: dt.date
    last: dt.date
    in_register: bool
    lead: object = None


def vehicles_without_permit(date_from: dt.date, date_to: dt.date) -> list[Finding]:
    """Plates with trips on days of [date_from, date_to] without a valid ride-hailing permit on that day."""

    day = OuterRef("day")
    valid = OperatingPermit.objects.filter(
        vehicle__plate=OuterRef("vehicle_no"), kind=OperatingPermit.Kind.RIDE_HAILING, valid_from__lte=day,
        valid_to__gte=day,
    ).filter(Q(revoked_at__isnull=True) | Q(revoked_at__date__gt=day))
    rows = (VehicleDay.objects.filter(day__gte=date_from, day__lte=date_to, trips__gt=0)
            .annotate(permitted=Exists(valid)).filter(permitted=False)
            .values("vehicle_no")
            .annotate(days=Count("day", distinct=True), trips=Sum("trips"), km=Sum("passenger_km"), first=Min("day"),
                      last=Max("day"))
            .order_by("vehicle_no"))
    rows = list(rows)
    registered = set(Vehicle.objects.filter(plate__in=[r["vehicle_no"] for r in rows]).values_list("plate", flat=True))
    return [Finding(plate=r["vehicle_no"], days=r["days"], trips=r["trips"], km=r["km"], first=r["first"],
                    last=r["last"], in_register=r["vehicle_no"] in registered) for r in rows]


@transaction.atomic
def permit_check(*, actor, date_from: dt.date, date_to: dt.date) -> list[Finding]:
    """Rule M5: raise a transport lead for each vehicle found (``Finding.lead`` is ``None`` where an open lead of
    this source already exists). ``actor`` is a transport user or the platform acting for transport."""

    rights.require(actor, "ridehailing.view_vehicleday")
    findings = vehicles_without_permit(date_from, date_to)
    vehicles = {v.plate: v for v in Vehicle.objects.filter(plate__in=[f.plate for f in findings])}
    for f in findings:
        reason = (N_("运输证登记中有该车辆，但这些日期没有有效的网络预约出租汽车运输证") if f.in_register
                  else N_("车辆登记中没有该号牌"))
        evidence = Text(
            N_("网约车监管数据：%(first)s 至 %(last)s 共 %(days)d 天有载客订单 %(trips)d 单、载客 %(km)s 公里；"
               "%(reason)s（规则 M5）"),
            first=f.first.isoformat(), last=f.last.isoformat(), days=f.days, trips=f.trips, km=str(f.km),
            reason=Text(reason))
        f.lead = leads.lead_create_from_ride_hailing_data(actor=actor, plate=f.plate, evidence=evidence,
                                                          vehicle=vehicles.get(f.plate))
    return findings


def permit_check_for_transport(*, date_from: dt.date | None = None, date_to: dt.date | None = None) -> list[Finding]:
    """The platform acting for the transport bureau (Celery beat, daily; ``manage.py ridehailing_permit_check``):
    ``permit_check`` over [date_from, date_to], by default yesterday (Beijing)."""
    from django.utils import timezone

    from .interfaces import BEIJING

    yesterday = timezone.now().astimezone(BEIJING).date() - dt.timedelta(days=1)
    date_from = date_from or yesterday
    date_to = date_to or date_from
    transport = Organization.objects.filter(kind=OrganizationKind.TRANSPORT, is_active=True).order_by("id").first()
    if transport is None:
        raise ApplicationError(_("平台中没有启用的交通运输局，无法生成线索。"), code=CoreErrorCode.ORGANIZATION_MISSING)
    return permit_check(actor=SystemActor("ridehailing.permit_check", organization=transport), date_from=date_from,
                        date_to=date_to)

