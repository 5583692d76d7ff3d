"""Issue 20: the vehicle-day aggregate is kept by each delivery's delta (``partitions.update_vehicle_days``), not
recomputed from the vehicle-day's records. On random deliveries — events of every operating interface in random
order, orders whose arrival or payment comes before their departure, an earlier departure delivered after a later
one on another vehicle, redeliveries of whole deliveries and of parts of them — the kept aggregate equals, after
every delivery, both the one recomputed from the stored records (``recompute_vehicle_days``) and the one the
definitions give from the events accepted so far (computed here in Python)."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

import pytest

from apps.ridehailing import partitions, services
from apps.ridehailing.interfaces import BEIJING
from apps.ridehailing.models import VehicleDay

from .test_operating_data import D, arrive, at, depart, login, pay

PLATES = ("桂B30001", "桂B30002", "桂B30003", "桂B30004")
DAYS = (D - dt.timedelta(days=1), D)
TIME_FIELD = {"operateDepart": "DepTime", "operateArrive": "DestTime", "operatePay": "DepTime",
              "operateLogin": "LoginTime", "operateLogout": "LogoutTime"}


def _instant(stamp: str) -> dt.datetime:
    return dt.datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=BEIJING)


def _events(rng: random.Random) -> list[tuple[str, dict]]:
    """(interface, record) of 30 orders over two days and four vehicles, and some logins and logouts."""
    events = []
    for n in range(30):
        order = f"R{n}"
        days = list(DAYS)
        rng.shuffle(days)
        hour, minute = rng.randrange(7, 20), rng.randrange(0, 50)
        # one or two departures (on different days, so both are kept), each naming its own vehicle
        for day in days[: rng.choice((0, 1, 1, 1, 2))]:
            events.append(("operateDepart", depart(order, at(hour, minute, day), plate=rng.choice(PLATES))))
        for day in days[: rng.choice((0, 1, 1, 2))]:
            km = f"{rng.randrange(1, 400) / 20:.2f}"
            events.append(("operateArrive", arrive(order, at(hour, minute + rng.randrange(1, 10), day), km)))
        for day in days[: rng.choice((0, 0, 1, 2))]:
            km = f"{rng.randrange(1, 400) / 20:.2f}"
            events.append(("operatePay", pay(order, at(hour, minute, day), at(hour, minute + 9, day), km,
                                             rng.choice(("450202", "450203", "")), plate=rng.choice(PLATES))))
    for _n in range(8):
        kind = rng.choice(("operateLogin", "operateLogout"))
        events.append((kind, login(at(rng.randrange(6, 22), rng.randrange(0, 60), rng.choice(DAYS)), kind=kind,
                                   plate=rng.choice(PLATES))))
    rng.shuffle(events)
    return events


def _deliveries(rng: random.Random, events: list[tuple[str, dict]]):
    """The events in random chunks, each chunk one delivery per interface; now and then a delivery sent again, or
    a new chunk carrying some records delivered before."""
    sent: list[tuple[str, list[dict]]] = []
    start = 0
    while start < len(events):
        size = rng.randrange(1, 9)
        chunk = events[start:start + size]
        start += size
        by_interface = defaultdict(list)
        for interface, record in chunk:
            by_interface[interface].append(record)
        for interface, records in by_interface.items():
            if sent and rng.random() < 0.3:  # some records of an earlier delivery of the same interface again
                earlier = [r for i, rs in sent if i == interface for r in rs]
                records = records + rng.sample(earlier, min(len(earlier), rng.randrange(1, 3)))
            sent.append((interface, records))
            yield interface, records
            if rng.random() < 0.2:  # the whole delivery again
                yield interface, list(records)


def _expected(accepted: dict[tuple, tuple[str, dict]]) -> dict[tuple, tuple]:
    """The aggregate by its definition (docs/ridehailing.md), from the events stored."""
    orders = defaultdict(lambda: defaultdict(list))
    for interface, record in accepted.values():
        if "OrderId" in record:
            orders[record["OrderId"]][interface].append(record)
    vehicle_of, km_of = {}, {}
    for order, kinds in orders.items():
        counting = kinds.get("operateDepart") or kinds.get("operatePay")  # the earliest departure, else payment
        if counting:
            first = min(counting, key=lambda r: _instant(r["DepTime"]).date())
            vehicle_of[order] = (first["VehicleNo"], _instant(first["DepTime"]).date())
        kms = [Decimal(r["DriveMile"]) for r in kinds.get("operateArrive") or kinds.get("operatePay") or []]
        km_of[order] = max(kms) if kms else Decimal(0)
    days = defaultdict(lambda: {"trips": 0, "km": Decimal(0), "times": [], "areas": set()})
    for order, (plate, day) in vehicle_of.items():
        days[(plate, day)]["trips"] += 1
        days[(plate, day)]["km"] += km_of[order]
    for interface, record in accepted.values():
        instant = _instant(record[TIME_FIELD[interface]])
        plate = (vehicle_of.get(record["OrderId"], ("",))[0] if interface == "operateArrive"
                 else record["VehicleNo"])
        if not plate:
            continue
        entry = days[(plate, instant.date())]
        entry["times"].append(instant)
        if interface == "operatePay" and record["OnArea"]:
            entry["areas"].add(record["OnArea"])
    return {key: (e["trips"], e["km"], min(e["times"]), max(e["times"]), sorted(e["areas"]), len(e["times"]))
            for key, e in days.items() if e["times"]}


def _dedup(interface: str, record: dict) -> tuple:
    day = _instant(record[TIME_FIELD[interface]]).date()
    if interface in ("operateLogin", "operateLogout"):
        return interface, record["VehicleNo"], record[TIME_FIELD[interface]], day
    return interface, record["OrderId"], day


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_kept_aggregate_equals_the_recomputed_one_after_every_delivery(rh, seed):
    rng = random.Random(seed)
    accepted: dict[tuple, tuple[str, dict]] = {}
    redelivered = 0
    for interface, records in _deliveries(rng, _events(rng)):
        _delivery, results = services.ingest(feed=rh.feed_a, interface=interface, records=records,
                                             actor=rh.account_a)
        for record, result in zip(records, results, strict=True):
            key = _dedup(interface, record)
            # a record delivered before is a duplicate and changes nothing; the first one received is kept
            assert result["outcome"] == ("duplicate" if key in accepted else "stored"), (record, result)
            redelivered += key in accepted
            accepted.setdefault(key, (interface, record))
        kept = {(v.vehicle_no, v.day): (v.trips, v.passenger_km, v.first_seen, v.last_seen, v.areas, v.records)
                for v in VehicleDay.objects.filter(company=rh.company_a)}
        recomputed = {(plate, day): (trips, km, first, last, areas, n)
                      for _c, plate, day, trips, km, first, last, areas, n
                      in partitions.recompute_vehicle_days([rh.company_a.pk])}
        # a vehicle-day every record of which moved to another vehicle stays, empty
        emptied = {key: row for key, row in kept.items() if row[5] == 0}
        assert all(row[:2] == (0, 0) for row in emptied.values())
        kept = {key: row for key, row in kept.items() if key not in emptied}
        assert kept == recomputed
        assert kept == _expected(accepted)
    assert redelivered  # the random deliveries did send records again
    assert len(accepted) > 40
