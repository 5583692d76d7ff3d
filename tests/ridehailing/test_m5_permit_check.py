"""Rule M5, the first cross-check: a vehicle with ride-hailing trips on days without a valid ride-hailing transport
permit in transport's register (expired, revoked, only a cruising-taxi permit, or not registered at all) becomes a
new lead of transport with its trips as evidence; a vehicle permitted on every day with trips, or without trips,
does not; a second run raises no second lead for the same vehicle."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from apps.core.errors import PermissionDeniedError
from apps.leads.models import Direction, Lead, Source, Status
from apps.parties.rights import SystemActor
from apps.ridehailing import tasks
from apps.ridehailing.crosscheck import permit_check
from apps.vehicles.models import OperatingPermit
from tests import clock
from tests.vehicles.factories import PermitFactory, VehicleFactory

from .conftest import post
from .test_operating_data import at, depart, login

D = clock.TODAY - dt.timedelta(days=1)
D2 = clock.TODAY - dt.timedelta(days=2)


def _trips(rh, plate: str, days, orders_per_day: int = 1):
    records = [depart(f"{plate}-{day:%d}-{n}", at(9 + n, day=day), plate=plate)
               for day in days for n in range(orders_per_day)]
    assert {r["outcome"] for r in post(rh.client_a, "operateDepart", records).json()["results"]} == {"stored"}


def test_m5_trips_without_a_valid_ride_hailing_permit_become_transport_leads(rh):
    permitted = VehicleFactory(plate="桂B12345")
    PermitFactory(vehicle=permitted, valid_from=D2 - dt.timedelta(days=30), valid_to=D + dt.timedelta(days=300))
    expired = VehicleFactory(plate="桂B22345")
    PermitFactory(vehicle=expired, valid_from=D2 - dt.timedelta(days=300), valid_to=D2)  # valid on D2, not on D
    revoked = VehicleFactory(plate="桂B32345")
    PermitFactory(vehicle=revoked, valid_from=D2 - dt.timedelta(days=30), valid_to=D + dt.timedelta(days=300),
                  revoked_at=dt.datetime(D.year, D.month, D.day, 8, tzinfo=clock.SHANGHAI))
    cruising = VehicleFactory(plate="桂B62345")
    PermitFactory(vehicle=cruising, kind=OperatingPermit.Kind.CRUISING_TAXI, valid_from=D2 - dt.timedelta(days=30),
                  valid_to=D + dt.timedelta(days=300))
    for plate in ("桂B12345", "桂B22345", "桂B32345", "桂B62345"):
        _trips(rh, plate, [D2, D], orders_per_day=2)
    _trips(rh, "桂B42345", [D])  # not in the register at all
    post(rh.client_a, "operateLogin", [login(at(9, day=D), plate="桂B52345")])  # online, but no trip

    transport = SystemActor("ridehailing.permit_check", organization=rh.parties.transport)
    findings = permit_check(actor=transport, date_from=D2, date_to=D)
    assert [(f.plate, f.days, f.trips, f.first, f.last, f.in_register) for f in findings] == [
        ("桂B22345", 1, 2, D, D, True),
        ("桂B32345", 1, 2, D, D, True),
        ("桂B42345", 1, 1, D, D, False),
        ("桂B62345", 2, 4, D2, D, True),
    ]
    leads = {lead.plate: lead for lead in Lead.objects.filter(source=Source.RIDE_HAILING_DATA)}
    assert sorted(leads) == ["桂B22345", "桂B32345", "桂B42345", "桂B62345"]
    for lead in leads.values():
        assert (lead.direction, lead.status, lead.origin, lead.sender) == (
            Direction.TRANSPORT_TO_INSURANCE, Status.NEW, rh.parties.transport, rh.parties.transport)
    assert leads["桂B62345"].vehicle == cruising and leads["桂B42345"].vehicle is None
    evidence = leads["桂B62345"].display_evidence
    assert f"{D2.isoformat()} 至 {D.isoformat()} 共 2 天有载客订单 4 单" in evidence
    assert "没有有效的网络预约出租汽车运输证" in evidence
    assert "车辆登记中没有该号牌" in leads["桂B42345"].display_evidence

    # the next run raises no second lead for the same vehicles
    again = permit_check(actor=transport, date_from=D2, date_to=D)
    assert [f.lead for f in again] == [None] * 4
    assert Lead.objects.filter(source=Source.RIDE_HAILING_DATA).count() == 4


def test_m5_only_transport_raises_the_leads_and_the_command_acts_for_it(rh):
    _trips(rh, "桂B42345", [D])
    with pytest.raises(PermissionDeniedError):
        permit_check(actor=rh.parties.regulator_user, date_from=D, date_to=D)
    with pytest.raises(PermissionDeniedError):
        permit_check(actor=SystemActor("ridehailing.permit_check"), date_from=D, date_to=D)
    assert not Lead.objects.exists()
    out = io.StringIO()
    call_command("ridehailing_permit_check", stdout=out)  # yesterday by default
    lead = Lead.objects.get()
    assert (lead.plate, lead.origin) == ("桂B42345", rh.parties.transport)
    assert lead.reference in out.getvalue()
    # the daily beat job does the same for yesterday, and raises no second lead
    assert tasks.permit_check() == ["桂B42345"]
    assert Lead.objects.count() == 1
