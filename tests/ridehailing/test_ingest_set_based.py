"""Issue 20 (speed of the operating-data ingest): a delivery is stored by a fixed number of statements, whatever its
size — the records copied into a staging table, inserted by one statement, their results and the touched
vehicle-days written in bulk — and the fast parsing loop gives exactly what the record-by-record parser gives."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.ridehailing import services
from apps.ridehailing.interfaces import parse, parse_many
from apps.ridehailing.models import DeliveryRecord, OperatingRecord, Outcome, VehicleDay
from tests import clock

from .test_operating_data import D, arrive, at, depart, login, pay

# what one delivery may cost, whatever its size: actor and feed checks, partitions, the delivery, the lock,
# staging, insert, orders, touched vehicle-days, the aggregate, the results' ids, the audit record (the COPY of the
# staged records and the COPY of the results bypass Django's query log: one of each at most, whatever the size)
STATEMENTS_PER_DELIVERY = 30
LARGE = 1200  # more than one batch of a 1,000-row bulk insert


def _departures(prefix: str, n: int, hour: int = 9) -> list[dict]:
    return [depart(f"{prefix}-{i}", at(hour, i % 60), plate=f"桂B{10000 + i % 40:05d}") for i in range(n)]


def _ingest(rh, interface: str, records: list[dict]):
    return services.ingest(feed=rh.feed_a, interface=interface, records=records, actor=rh.account_a)


def test_statements_per_delivery_do_not_grow_with_its_records(rh, django_assert_max_num_queries):
    _ingest(rh, "operateDepart", _departures("W", 1))  # the day's partition made, the staging tables created

    def statements(interface: str, records: list[dict]) -> int:
        with django_assert_max_num_queries(STATEMENTS_PER_DELIVERY), CaptureQueriesContext(connection) as queries:
            _ingest(rh, interface, records)
        return len(queries)

    for kind, make in (
        ("new departures", lambda n: ("operateDepart", _departures(f"N{n}", n))),
        ("redelivered departures, a result row each", lambda n: ("operateDepart", _departures(f"N{n}", n))),
        ("arrivals, each linked to its order", lambda n: (
            "operateArrive", [arrive(f"N{n}-{i}", at(10, i % 60), "3.5") for i in range(n)])),
    ):
        small, large = statements(*make(5)), statements(*make(LARGE))
        assert small == large, kind
    # arrivals first, then their departures: the arrivals stored before take the departure's plate
    for n in (5, LARGE):
        statements("operateArrive", [arrive(f"E{n}-{i}", at(11, i % 60), "2.0") for i in range(n)])
    relinked = [statements("operateDepart", _departures(f"E{n}", n, hour=11)) for n in (5, LARGE)]
    assert relinked[0] == relinked[1]
    assert not OperatingRecord.objects.filter(interface="operateArrive", vehicle_no="").exists()
    assert DeliveryRecord.objects.filter(outcome=Outcome.DUPLICATE).count() == 5 + LARGE
    assert OperatingRecord.objects.filter(interface="operateDepart").count() == 1 + 2 * (5 + LARGE)
    # every arrival counts on its order's vehicle: 40 vehicles with 30 orders of 3.5 km each, 5 of them with one
    # more order of the small delivery (3.5 km), one with the first delivery's order (no arrival)
    # and the same again for the orders whose arrivals came first (2 km each)
    days = {d.vehicle_no: (d.trips, d.passenger_km, d.records) for d in VehicleDay.objects.filter(day=D)}
    assert len(days) == 40
    assert days["桂B10000"] == (32 + 31, Decimal("108.500") + 31 * 2, 63 + 62)
    assert days["桂B10004"] == (31 + 31, Decimal("108.500") + 31 * 2, 62 + 62)
    assert days["桂B10005"] == (30 + 30, Decimal("105.000") + 30 * 2, 60 + 60)


def test_the_fast_parser_gives_what_the_record_by_record_parser_gives(rh):
    now = clock.NOW
    good = [depart("P-1", at(9)), login(at(8)), arrive("P-1", at(9, 30), "12.5"),
            pay("P-1", at(9), at(9, 30), "12.5", "450202")]
    odd = [
        {**depart("P-2", at(9)), "VehicleNo": "桂b12345"},  # lower case: normalised
        {**depart("P-3", at(9)), "DepTime": int(at(9))},  # an instant as a JSON number
        {**depart("P-4", at(9)), "WaitMile": 0.8},  # a float amount
        {**depart("P-5", at(9)), "WaitMile": "1.2000"},  # four places
        {**depart("P-6", at(9)), "VehicleNo": "桂B 12345"},  # a symbol
        {**depart("P-7", at(9)), "DepTime": stamp_future()},
        {**depart("P-8", at(9)), "Encrypt": 7, "Surcharge": "1"},  # not a choice; a field not stored
        {**depart("P-9", at(9)), "OrderId": "", "FareType": "  "},
        {**depart("P-10", at(9)), "DepLongitude": "109411703", "WaitTime": True},
        {**arrive("P-11", at(9), "5"), "DestTime": "20261340090000"},
        {**arrive("P-12", at(9), "5"), "DriveMile": "1e3"},
        "not a record", None, [],
    ]
    for interface in ("operateDepart", "operateArrive", "operatePay", "operateLogin"):
        records = good + odd
        assert parse_many(interface, records, now=now) == [parse(interface, r, now=now) for r in records]


def stamp_future() -> str:
    return (clock.NOW + dt.timedelta(days=3)).astimezone(clock.SHANGHAI).strftime("%Y%m%d%H%M%S")


def test_an_order_counts_on_its_departure_s_vehicle_whichever_came_first(rh):
    # the arrival first (no plate known), then a payment naming one vehicle, then the departure naming another
    _ingest(rh, "operateArrive", [arrive("M-1", at(9, 40), "6.5")])
    _ingest(rh, "operatePay", [pay("M-1", at(9), at(9, 40), "6.0", "450202", plate="桂B20001")])
    paid = VehicleDay.objects.get(vehicle_no="桂B20001", day=D)
    assert (paid.trips, paid.passenger_km, paid.records) == (1, Decimal("6.500"), 2)  # the payment and the arrival
    _ingest(rh, "operateDepart", [depart("M-1", at(9), plate="桂B20002")])
    paid.refresh_from_db()
    departed = VehicleDay.objects.get(vehicle_no="桂B20002", day=D)
    # the trip and the arrival move to the departure's vehicle; the payment stays where it was made
    assert (paid.trips, paid.passenger_km, paid.records) == (0, Decimal("0.000"), 1)
    assert (departed.trips, departed.passenger_km, departed.records) == (1, Decimal("6.500"), 2)
    assert OperatingRecord.objects.get(interface="operateArrive", order_id="M-1").vehicle_no == "桂B20002"
    assert paid.areas == ["450202"] and departed.areas == []
