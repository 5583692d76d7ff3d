"""Demo ride-hailing data (``manage.py seed_demo``): the first taxi company connected as a platform company's own
system, its vehicles' base records (one with a VIN that fails its check digit, to show a rejected record) and
yesterday's trips of two of them, delivered through the service as the company's system account would; then a
handful of each kind of mismatch so that every role finds something on first start — reported insurance that does
not match the register (an unknown policy, one no longer in force, one insured as non-operating, an amount below
the standard), trips of vehicles insured as non-operating only, trips without a valid permit, a vehicle online
that never passed the onboarding check — and the insurance and permit cross-checks run once. Idempotent: nothing
is added once any feed exists."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from apps.parties.models import Organization, OrganizationKind
from apps.parties.rights import SystemActor
from apps.parties.services import user_create
from apps.policies.models import Policy, PolicyKind
from apps.ridehailing import services
from apps.ridehailing.crosscheck import permit_check_for_transport
from apps.ridehailing.insurance_check import insurance_check_for_regulator
from apps.ridehailing.interfaces import BEIJING
from apps.ridehailing.models import Feed
from apps.vehicles.models import Vehicle
from apps.vehicles.usage import NON_OPERATING_NATURES, OPERATING_NATURES


@transaction.atomic
def seed_demo_ridehailing(stdout) -> None:
    if Feed.objects.exists():
        return
    platform = Organization.objects.filter(kind=OrganizationKind.PLATFORM, is_active=True).order_by("pk").first()
    company = Organization.objects.filter(kind=OrganizationKind.TAXI_COMPANY, is_active=True).order_by("pk").first()
    vehicles = list(Vehicle.objects.filter(company=company, plate__isnull=False).order_by("pk")[:3]) if company else []
    if platform is None or company is None or len(vehicles) < 2:
        return
    operator = SystemActor("ridehailing.seed_demo", organization=platform)
    code = f"DEMO{company.pk:04d}"
    services.company_register(company_id=code, organization=company, actor=operator)
    account = user_create(organization=company, username=f"ridehailing_{company.pk}", password=None, is_system=True,
                          actor=operator)
    feed = services.feed_create(name=f"{company.short_name or company.name} 网约车平台", kind=Feed.Kind.COMPANY,
                                account=account, actor=operator)
    sender = SystemActor("ridehailing.seed_demo", organization=company)
    now = timezone.now().astimezone(BEIJING)

    def stamp(at: dt.datetime) -> str:
        return at.strftime("%Y%m%d%H%M%S")

    base = [{"CompanyId": code, "Address": "450200", "VehicleNo": v.plate, "Seats": v.seats, "VIN": v.vin,
             "VehicleType": v.vehicle_type, "CommercialType": 1, "State": 0, "Flag": 1,
             "UpdateTime": stamp(now - dt.timedelta(days=2))} for v in vehicles]
    base.append({**base[0], "VIN": base[0]["VIN"][:8] + ("1" if base[0]["VIN"][8] != "1" else "2") + base[0]["VIN"][9:],
                 "Flag": 2, "UpdateTime": stamp(now - dt.timedelta(days=1))})
    services.ingest(feed=feed, interface="baseInfoVehicle", records=base, actor=sender)
    yesterday = (now - dt.timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)
    departs, arrives = [], []
    for n, vehicle in enumerate(vehicles[:2]):
        for trip in range(3):
            start = yesterday + dt.timedelta(hours=2 * trip + n)
            order = f"DEMO-{vehicle.pk}-{trip + 1}"
            departs.append({"CompanyId": code, "OrderId": order, "VehicleNo": vehicle.plate, "DepTime": stamp(start),
                            "DepLongitude": 109411703, "DepLatitude": 24326490, "Encrypt": 1})
            arrives.append({"CompanyId": code, "OrderId": order, "DestTime": stamp(start + dt.timedelta(minutes=25)),
                            "DriveMile": f"{6 + trip}.5", "DriveTime": 1500, "Encrypt": 1})
    services.ingest(feed=feed, interface="operateDepart", records=departs, actor=sender)
    services.ingest(feed=feed, interface="operateArrive", records=arrives, actor=sender)
    found = _seed_mismatches(feed=feed, code=code, sender=sender, now=now, stamp=stamp)
    stdout.write(f"网约车数据：接入方“{feed.name}”，公司标识 {code}；比对发现 {found}\n")


def _seed_mismatches(*, feed, code: str, sender, now: dt.datetime, stamp) -> str:
    """Reported insurance and trips that the cross-checks find (a few of each), then the checks themselves."""
    at = now - dt.timedelta(days=1)
    in_force = Policy.objects.filter(Policy.in_force_q(at), vehicle__plate__isnull=False).select_related(
        "vehicle", "insurer").order_by("pk")
    picks = {
        "matching": in_force.filter(usage_nature_insured__in=OPERATING_NATURES)[:2],
        "non_operating": in_force.filter(usage_nature_insured__in=NON_OPERATING_NATURES)[:3],
        "below": in_force.filter(usage_nature_insured__in=OPERATING_NATURES, kind=PolicyKind.THIRD_PARTY)[2:5],
        "expired": Policy.objects.filter(ends_at__lte=at, vehicle__plate__isnull=False)
        .select_related("vehicle", "insurer").order_by("-ends_at", "pk")[:3],
    }
    records, plates = [], []

    def report(policy, *, number=None, count=None, exp=None):
        records.append({
            "CompanyId": code, "VehicleNo": policy.vehicle.plate, "InsurCom": policy.insurer.name,
            "InsurNum": number or policy.number, "InsurType": str(PolicyKind(policy.kind).label),
            "InsurCount": count or "2000000", "InsurEff": f"{policy.starts_at.astimezone(now.tzinfo):%Y%m%d}",
            "InsurExp": exp or f"{(policy.ends_at.astimezone(now.tzinfo) - dt.timedelta(days=1)):%Y%m%d}",
            "Flag": 1, "UpdateTime": stamp(now - dt.timedelta(days=1))})
        plates.append(policy.vehicle.plate)

    for policy in picks["matching"]:
        report(policy)
    for n, policy in enumerate(picks["matching"][:1]):
        report(policy, number=f"DEMO-UNKNOWN-{n + 1:04d}")  # a number the register does not know
    for policy in picks["non_operating"]:
        report(policy)
    for policy in picks["below"]:
        report(policy, count="300000")  # below the standard's third-party minimum
    for policy in picks["expired"]:
        report(policy, exp=f"{now + dt.timedelta(days=90):%Y%m%d}")  # the platform still reports it valid
    if records:
        services.ingest(feed=feed, interface="baseInfoVehicleInsurance", records=records, actor=sender)
    # yesterday's trips of those vehicles (risk feature, compliance, permit check) and logins of two more
    yesterday = (now - dt.timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    departs = [{"CompanyId": code, "OrderId": f"DEMO-RH-{i + 1}", "VehicleNo": plate,
                "DepTime": stamp(yesterday + dt.timedelta(minutes=7 * i)), "DepLongitude": 109411703,
                "DepLatitude": 24326490, "Encrypt": 1} for i, plate in enumerate(dict.fromkeys(plates))]
    departs.append({"CompanyId": code, "OrderId": "DEMO-RH-UNREGISTERED", "VehicleNo": "桂B9Z999",
                    "DepTime": stamp(yesterday), "DepLongitude": 109411703, "DepLatitude": 24326490, "Encrypt": 1})
    services.ingest(feed=feed, interface="operateDepart", records=departs, actor=sender)
    findings = insurance_check_for_regulator(at=now)
    leads = [f for f in permit_check_for_transport() if f.lead]
    return f"保险信息不符 {len(findings)} 条、无有效运输证 {len(leads)} 辆"
