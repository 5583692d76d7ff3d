"""Compliance rates per platform company and month (rules M5, M6, M9) on transport's and the regulator's dashboard
and in the joint monthly report, and the data-quality score of each feed on the feeds page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Max

from apps.dashboard.charts import chart_for
from apps.dashboard.periods import Period, month_period
from apps.dashboard.report import compile_report, render_xlsx
from apps.ridehailing.metrics import compliance_rates, feed_quality
from apps.ridehailing.models import Delivery
from apps.vehicles.usage import UsageNature
from tests import clock
from tests.policies.factories import PolicyFactory
from tests.vehicles.factories import PermitFactory, VehicleFactory

from .conftest import post, vehicle_record
from .test_operating_data import at, depart

D = clock.TODAY - dt.timedelta(days=1)
D2 = clock.TODAY - dt.timedelta(days=2)
MONTH = clock.TODAY.replace(day=1)


def _trips(rh, client, plate, day, n, company="LC0001"):
    records = [depart(f"{plate}-{day:%d}-{i}", at(9 + i, day=day), plate=plate, company=company) for i in range(n)]
    assert {r["outcome"] for r in post(client, "operateDepart", records).json()["results"]} == {"stored"}


def _world(rh):
    def permitted(plate, **policy):
        v = VehicleFactory(plate=plate)
        PermitFactory(vehicle=v, valid_from=D2 - dt.timedelta(days=30), valid_to=D + dt.timedelta(days=300))
        PolicyFactory(vehicle=v, **policy)
        return v

    permitted("桂B12345")  # compliant: 3 trips on D2, 2 on D
    _trips(rh, rh.client_a, "桂B12345", D2, 3)
    _trips(rh, rh.client_a, "桂B12345", D, 2)
    permitted("桂B22345", usage_nature_insured=UsageNature.PERSONAL)  # permit, but insured as non-operating
    _trips(rh, rh.client_a, "桂B22345", D, 4)
    v = VehicleFactory(plate="桂B32345")  # operating policy, permit only from D: D2 is not compliant
    PermitFactory(vehicle=v, valid_from=D, valid_to=D + dt.timedelta(days=300))
    PolicyFactory(vehicle=v)
    _trips(rh, rh.client_a, "桂B32345", D2, 1)
    _trips(rh, rh.client_a, "桂B32345", D, 1)
    permitted("桂B42345")  # company B's compliant vehicle
    _trips(rh, rh.client_b, "桂B42345", D, 5, company="CX0002")


def test_m5_m6_compliance_rates_per_company_and_month(rh, django_assert_max_num_queries):
    _world(rh)
    with django_assert_max_num_queries(1):
        rows = compliance_rates(MONTH, MONTH)
    assert [(r.company_id, r.vehicles, r.compliant_vehicles, r.trips, r.compliant_trips, r.vehicle_share, r.trip_share)
            for r in rows] == [
        ("CX0002", 1, 1, 5, 5, Decimal("100.0"), Decimal("100.0")),
        ("LC0001", 3, 1, 11, 6, Decimal("33.3"), Decimal("54.5")),
    ]
    assert compliance_rates(MONTH, MONTH, organizations=[rh.parties.company_b])[0].company_id == "CX0002"


def test_m5_compliance_on_the_supervisors_dashboard_and_in_the_joint_report(rh):
    _world(rh)
    p = rh.parties
    period = Period(MONTH, MONTH)
    for user in (p.transport_user, p.regulator_user):
        spec = chart_for(user, "ridehailing")
        data = spec.build(user, period)
        assert [(r["company_id"], r["vehicle_share"], r["trip_share"]) for r in data.rows] == [
            ("CX0002", 100.0, 100.0), ("LC0001", 33.3, 54.5)]
    for user in (p.insurer_a_user, p.company_a_user):
        assert chart_for(user, "ridehailing") is None
    report = compile_report(user=p.regulator_user, month=month_period(MONTH).first)
    assert [(r.company_id, r.compliant_vehicles) for r in report.ridehailing] == [("CX0002", 1), ("LC0001", 1)]
    assert render_xlsx(report)[:2] == b"PK"


def test_feed_quality_score_on_the_feeds_page(rh, client):
    good = vehicle_record("桂B12345")
    missing = {k: v for k, v in vehicle_record("桂B22345").items() if k != "VIN"}
    bad_vin = vehicle_record("桂B32345", VIN="LGXCE4CB012345670")
    older = vehicle_record("桂B12345", update=clock.NOW - dt.timedelta(days=3))
    results = post(rh.client_a, "baseInfoVehicle", [good, missing, bad_vin, older, good]).json()["results"]
    assert [r["outcome"] for r in results] == ["added", "rejected", "rejected", "superseded", "unchanged"]
    last = Delivery.objects.filter(feed=rh.feed_a).aggregate(last=Max("received_at"))["last"]
    quality = {q.feed.name: q for q in feed_quality([rh.feed_a, rh.feed_b], at=last + dt.timedelta(minutes=1))}
    a = quality["接入 a"]
    assert (a.records, a.missing_required, a.invalid_identifier, a.stale, a.duplicates, a.score) == (
        5, 1, 1, 1, 1, Decimal("20.0"))
    assert (quality["接入 b"].records, quality["接入 b"].score) == (0, None)
    client.force_login(rh.parties.company_a_user)
    page = client.get("/ridehailing/").content.decode()
    table = page[page.index('data-testid="feed-quality"'):]
    assert "接入 a" in table and "20.0%" in table and "接入 b" not in table.split("</table>")[0]
