"""Demo ride-hailing data (``manage.py seed_demo``): the first taxi company connected as a platform company's own
system, its vehicles' base records (one with a VIN that fails its check digit, to show a rejected record) and
yesterday's trips of two of them, delivered through the service as the company's system account would. Idempotent:
nothing is added once any feed exists."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone


@transaction.atomic
def seed_demo_ridehailing(stdout) -> None:
    from apps.parties.models import Organization, OrganizationKind
    from apps.parties.rights import SystemActor
    from apps.parties.services import user_create
    from apps.vehicles.models import Vehicle

    from . import services
    from .interfaces import BEIJING
    from .models import Feed

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
    stdout.write(f"网约车数据：接入方“{feed.name}”，公司标识 {code}\n")
