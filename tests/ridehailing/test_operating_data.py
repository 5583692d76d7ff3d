"""A.6 operating data: each interface round-trips in its own field names; the raw records sit in the day
partition of their Beijing day; redelivery stores nothing twice; the per-vehicle-per-day aggregate on a known day
(orders, passenger km, first and last seen, pick-up areas), whatever order the events come in."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection

from apps.ridehailing import partitions
from apps.ridehailing.models import OperatingRecord, VehicleDay
from tests import clock

from .conftest import URL, day_stamp, post, stamp

D = clock.TODAY - dt.timedelta(days=1)


def at(hour: int, minute: int = 0, day: dt.date = D) -> str:
    return stamp(dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=clock.SHANGHAI))


LICENCE = "450202198503121234"
PLATE = "桂B12345"


def login(time, kind="operateLogin", plate=PLATE, company="LC0001"):
    field = "LoginTime" if kind == "operateLogin" else "LogoutTime"
    return {"CompanyId": company, "LicenseId": LICENCE, "VehicleNo": plate, field: time, "Longitude": 109411703,
            "Latitude": 24326490, "Encrypt": 1}


def depart(order, time, plate=PLATE, company="LC0001"):
    return {"CompanyId": company, "OrderId": order, "LicenseId": LICENCE, "FareType": "A1", "VehicleNo": plate,
            "DepLongitude": 109411703, "DepLatitude": 24326490, "Encrypt": 1, "DepTime": time, "WaitMile": "0.8",
            "WaitTime": 120}


def arrive(order, time, km, company="LC0001"):
    return {"CompanyId": company, "OrderId": order, "DestLongitude": 109420001, "DestLatitude": 24330002,
            "Encrypt": 1, "DestTime": time, "DriveMile": km, "DriveTime": 1500}


def pay(order, dep, dest, km, area, company="LC0001", plate=PLATE):
    return {"CompanyId": company, "OrderId": order, "OnArea": area, "LicenseId": LICENCE, "FareType": "A1",
            "VehicleNo": plate, "BookDepTime": dep, "DepLongitude": 109411703, "DepLatitude": 24326490,
            "DepTime": dep, "DestLongitude": 109420001, "DestLatitude": 24330002, "DestTime": dest, "DriveMile": km,
            "DriveTime": 1800, "FactPrice": "30.00", "Price": "32.50", "PayState": 1, "PayTime": dest,
            "InvoiceStatus": "0"}


def _outcomes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [r["outcome"] for r in response.json()["results"]]


def test_each_operating_interface_round_trips_in_its_field_names(rh):
    cases = {
        "operateLogin": login(at(8)), "operateLogout": login(at(22), kind="operateLogout"),
        "operateDepart": depart("O-1", at(9)), "operateArrive": arrive("O-1", at(9, 30), "12.5"),
        "operatePay": pay("O-1", at(9), at(9, 30), "12.5", "450202"),
    }
    for interface, record in cases.items():
        assert _outcomes(post(rh.client_a, interface, [record])) == ["stored"], interface
        listed = rh.client_a.get(URL + interface, {"day": day_stamp(D)}).json()["results"]
        expected = {**record}
        if "LicenseId" in expected:
            expected["LicenseId"] = "4502**********1234"
        assert listed == [expected], interface
    assert partitions.partition_name(D) in partitions.existing()
    with connection.cursor() as cursor:
        table = partitions.partition_name(D)
        cursor.execute(f"SELECT count(*), min(NULLIF(license_id, '')) FROM \"{table}\"")  # noqa: S608
        count, stored_licence = cursor.fetchone()
    assert count == 5
    assert stored_licence and LICENCE not in stored_licence  # encrypted at rest
    assert OperatingRecord.objects.filter(interface="operateLogin").get().license_id == LICENCE


def test_the_aggregate_per_vehicle_and_day_on_a_known_day(rh):
    next_day = D + dt.timedelta(days=1)
    assert _outcomes(post(rh.client_a, "operateLogin", [login(at(8))])) == ["stored"]
    # the arrival of O-2 comes before its departure
    assert _outcomes(post(rh.client_a, "operateArrive", [arrive("O-2", at(10, 40), "7.3")])) == ["stored"]
    assert _outcomes(post(rh.client_a, "operateDepart", [
        depart("O-1", at(8, 30)), depart("O-2", at(10)), depart("O-4", at(23, 50))])) == ["stored"] * 3
    assert _outcomes(post(rh.client_a, "operateArrive", [
        arrive("O-1", at(9), "12.5"), arrive("O-4", at(0, 20, day=next_day), "3.0")])) == ["stored"] * 2
    assert _outcomes(post(rh.client_a, "operatePay", [
        pay("O-1", at(8, 30), at(9), "12.5", "450202"),
        pay("O-3", at(12), at(12, 30), "4.2", "450203")])) == ["stored"] * 2  # O-3 is known from its payment only
    assert _outcomes(post(rh.client_a, "operateLogout", [login(at(23, 55), kind="operateLogout")])) == ["stored"]
    # another company's vehicle the same day stays apart
    post(rh.client_b, "operateDepart", [depart("B-1", at(9), plate="桂B99999", company="CX0002")])

    day = VehicleDay.objects.get(vehicle_no=PLATE, day=D)
    assert day.trips == 4
    assert day.passenger_km == Decimal("27.000")  # 12.5 + 7.3 + 4.2 + 3.0
    assert day.first_seen == dt.datetime(D.year, D.month, D.day, 8, 0, tzinfo=clock.SHANGHAI)
    assert day.last_seen == dt.datetime(D.year, D.month, D.day, 23, 55, tzinfo=clock.SHANGHAI)
    assert day.areas == ["450202", "450203"]
    assert day.records == 9  # login, 3 departures, 2 payments, logout, and the arrivals of O-1 and O-2
    after_midnight = VehicleDay.objects.get(vehicle_no=PLATE, day=next_day)
    assert (after_midnight.trips, after_midnight.records) == (0, 1)
    assert after_midnight.first_seen == after_midnight.last_seen
    other = VehicleDay.objects.get(vehicle_no="桂B99999")
    assert (other.trips, other.company.company_id) == (1, "CX0002")

    # redelivery stores nothing twice and leaves the aggregate as it was
    again = post(rh.client_a, "operateDepart", [depart("O-1", at(8, 30)), depart("O-1", at(8, 30))])
    assert _outcomes(again) == ["duplicate", "duplicate"]
    assert OperatingRecord.objects.filter(interface="operateDepart", company__company_id="LC0001").count() == 3
    day.refresh_from_db()
    assert (day.trips, day.passenger_km) == (4, Decimal("27.000"))

    # the API lists the aggregate in the interfaces' names, scoped to the company
    rows = rh.client_a.get(URL + "vehicle-days/", {"VehicleNo": PLATE, "from": day_stamp(D), "to": day_stamp(D)})
    assert [(r["VehicleNo"], r["day"], r["trips"], r["passenger_km"]) for r in rows.json()["results"]] == [
        (PLATE, day_stamp(D), 4, "27.000")]
    assert all(r["CompanyId"] == "LC0001" for r in rh.client_a.get(URL + "vehicle-days/").json()["results"])


def test_operating_errors_and_scope(rh):
    future = stamp(clock.NOW + dt.timedelta(days=3))
    old = stamp(clock.NOW - dt.timedelta(days=partitions.retention_days() + 2))
    response = post(rh.client_a, "operateDepart", [
        depart("O-9", at(9)), depart("O-10", future), depart("O-11", old), depart("O-12", at(9), plate="桂B 12345"),
        depart("O-13", at(9), company="CX0002"), {"CompanyId": "LC0001", "OrderId": "O-14"}, "not a record"])
    assert _outcomes(response) == ["stored"] + ["rejected"] * 6
    codes = [[e["code"] for e in r["errors"]] for r in response.json()["results"]]
    assert codes[1:] == [["time_future"], ["before_retention"], ["plate_symbol"], ["other_company"],
                         ["required", "required"], ["not_object"]]
    assert OperatingRecord.objects.count() == 1
    # the company B key does not read company A's events
    assert rh.client_b.get(URL + "operateDepart", {"day": day_stamp(D)}).json()["results"] == []
    assert rh.client_a.get(URL + "operateDepart").status_code == 400  # the day is required
