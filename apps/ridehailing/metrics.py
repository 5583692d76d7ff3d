"""Figures of the ride-hailing data: compliance rates per platform company and month (transport's and the
regulator's dashboards, the joint monthly report) and a data-quality score per feed (the feeds page).

Compliance (rules M5, M6, M9): a vehicle-day with trips (``VehicleDay.trips > 0``) is *compliant* when, on that day,
the vehicle holds a valid ride-hailing transport permit (the M5 check's definition: kind ride-hailing,
``valid_from ≤ day ≤ valid_to``, not revoked by that day) **and** a policy in force at its first event of the day
(``Policy.in_force_q``) insures an operating usage nature. Per company and month:

* the share of vehicles with trips whose every trip day was compliant;
* the share of trips served on compliant vehicle-days.

One aggregate query (per vehicle, company and month), summed per company here.

Data quality per feed (its deliveries received in the last ``QUALITY_DAYS`` days): of the records received, those
missing a required field, those with an invalid identifier (plate, VIN, unified social credit code, company id,
order id, licence), those with a stale ``UpdateTime`` (older than the record's current version: kept as history),
and duplicates (a base record sent again unchanged, an operating event received before). The score is the share
of records with none of these, in per cent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from apps.policies.models import Policy
from apps.vehicles.models import OperatingPermit
from apps.vehicles.usage import OPERATING_NATURES

QUALITY_DAYS = 30
IDENTIFIER_FIELDS = ("VehicleNo", "VIN", "Identifier", "CompanyId", "OrderId", "LicenseId")


def _share(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class ComplianceRow:
    month: dt.date
    company_id: str
    company: str
    vehicles: int = 0
    compliant_vehicles: int = 0
    trips: int = 0
    compliant_trips: int = 0

    @property
    def vehicle_share(self) -> Decimal | None:
        return _share(self.compliant_vehicles, self.vehicles)

    @property
    def trip_share(self) -> Decimal | None:
        return _share(self.compliant_trips, self.trips)


def compliance_rates(first: dt.date, last: dt.date, *, organizations=None) -> list[ComplianceRow]:
    """Per platform company (``CompanyId``) and month of [first, last] (first days of months), the vehicles and
    trips of the vehicle-day aggregate and the compliant ones. ``organizations``: limit to these taxi companies."""

    from .models import VehicleDay

    end = (last.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    day = OuterRef("day")
    permit = OperatingPermit.objects.filter(
        vehicle__plate=OuterRef("vehicle_no"), kind=OperatingPermit.Kind.RIDE_HAILING, valid_from__lte=day,
        valid_to__gte=day).filter(Q(revoked_at__isnull=True) | Q(revoked_at__date__gt=day))
    insured = Policy.objects.filter(Policy.in_force_q(OuterRef("first_seen")), vehicle__plate=OuterRef("vehicle_no"),
                                    usage_nature_insured__in=OPERATING_NATURES)
    qs = VehicleDay.objects.filter(day__gte=first, day__lt=end, trips__gt=0)
    if organizations is not None:
        qs = qs.filter(company__organization__in=organizations)
    rows = (qs.annotate(ok=Exists(permit) & Exists(insured), month=TruncMonth("day"))
            .values("month", "company__company_id", "company__organization__name", "vehicle_no")
            .annotate(trips_all=Sum("trips"), trips_ok=Sum("trips", filter=Q(ok=True)),
                      days_bad=Count("pk", filter=Q(ok=False)))
            .order_by())
    out: dict[tuple, ComplianceRow] = {}
    for r in rows:
        month = r["month"].date() if isinstance(r["month"], dt.datetime) else r["month"]
        key = (month, r["company__company_id"])
        row = out.setdefault(key, ComplianceRow(month, r["company__company_id"], r["company__organization__name"]))
        row.vehicles += 1
        row.compliant_vehicles += 0 if r["days_bad"] else 1
        row.trips += r["trips_all"] or 0
        row.compliant_trips += r["trips_ok"] or 0
    return [out[k] for k in sorted(out)]


@dataclass
class FeedQuality:
    feed: object
    records: int
    missing_required: int
    invalid_identifier: int
    stale: int
    duplicates: int
    problems: int

    @property
    def score(self) -> Decimal | None:
        return _share(self.records - self.problems, self.records)


def feed_quality(feeds, *, at: dt.datetime | None = None) -> list[FeedQuality]:
    """The data-quality figures of each of ``feeds`` over its deliveries of the last ``QUALITY_DAYS`` days (two
    aggregate queries whatever the number of feeds and records)."""
    from .models import Delivery, DeliveryRecord, Outcome

    at = at or timezone.now()
    since = at - dt.timedelta(days=QUALITY_DAYS)
    feeds = list(feeds)
    ids = [f.pk for f in feeds]
    totals = dict(Delivery.objects.filter(feed_id__in=ids, received_at__gt=since, received_at__lte=at)
                  .values("feed_id").annotate(n=Sum("total")).values_list("feed_id", "n").order_by())
    required = Q(errors__contains=[{"code": "required"}])
    identifier = Q()
    for name in IDENTIFIER_FIELDS:
        identifier |= Q(errors__contains=[{"field": name}]) & ~Q(errors__contains=[{"field": name, "code": "required"}])
    stale = Q(outcome=Outcome.SUPERSEDED)
    duplicate = Q(outcome__in=[Outcome.DUPLICATE, Outcome.UNCHANGED])
    counts = {r["delivery__feed_id"]: r for r in (
        DeliveryRecord.objects.filter(delivery__feed_id__in=ids, delivery__received_at__gt=since,
                                      delivery__received_at__lte=at)
        .values("delivery__feed_id")
        .annotate(required=Count("pk", filter=required), identifier=Count("pk", filter=identifier),
                  stale=Count("pk", filter=stale), duplicate=Count("pk", filter=duplicate),
                  problems=Count("pk", filter=required | identifier | stale | duplicate))
        .order_by())}
    out = []
    for feed in feeds:
        c = counts.get(feed.pk, {})
        out.append(FeedQuality(feed=feed, records=totals.get(feed.pk) or 0, missing_required=c.get("required", 0),
                               invalid_identifier=c.get("identifier", 0), stale=c.get("stale", 0),
                               duplicates=c.get("duplicate", 0), problems=c.get("problems", 0)))
    return out
