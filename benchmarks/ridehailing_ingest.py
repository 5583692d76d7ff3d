"""Ingest of ride-hailing operating data (issue 20): 1,000,000 ``operateDepart`` + ``operateArrive`` records for
30,000 vehicles through the real service, aggregation per vehicle and day included (goal: ≤ 60 s), then the
cross-checks over the aggregate (goal: ≤ 10 s).

* **Ingest + aggregation** — ``apps.ridehailing.services.ingest`` (what ``POST /api/v1/ridehailing/<interface>``
  and ``manage.py ridehailing_import`` call), deliveries of ``RIDEHAILING_MAX_RECORDS`` records, first the
  departures then the arrivals: every record validated, the licence encrypted with its blind index, the raw events
  inserted into the day partitions and the touched vehicle-days recomputed. Each vehicle has its own driver, so
  every departure's licence is encrypted (a delivery reuses a token only for a licence it repeats). Baseline,
  interleaved: the same rows written by one COPY into a temporary table shaped like the raw table (no validation,
  no encryption, no aggregate). Each repeat starts from an empty company (untimed: the day partitions dropped, its
  orders, vehicle-days and deliveries deleted and vacuumed). Rows checked: every record stored, and the COPY wrote
  as many.
* **Cross-checks** — over the aggregate the last measured repeat left: the M5 permit check's query (``vehicles_without_permit``),
  the insurance cross-check's statement (``insurance_mismatches``), the risk feature (``feature_trips_non_operating``)
  and the compliance rates (``compliance_rates``). Baseline: one hand-written statement finding the same plates
  without a valid permit as the M5 query. Rows checked: both find the same number of plates.

The register is the benchmark's own: two thirds of the plates are registered vehicles, half of those with a valid
ride-hailing permit (so the checks have something to find); a run at a larger scale registers more of the same
plates, so a later run at a smaller one finds fewer (both sides alike). ``--scale`` runs a fraction of the sizes (records and
vehicles alike): ``--scale 0.02`` is 20,000 records for 600 vehicles, and the goals are then taken as the same
fraction of 60 s and 10 s (1.2 s and 0.2 s): both are linear in the records.

    nice -n 10 .venv/bin/python -m benchmarks.ridehailing_ingest [--scale 1.0] [--repeat 3] [--days 7] [--senders 2]

``--senders 2`` sends two deliveries at once (two threads, two connections), as two API workers would: one
delivery's parsing then overlaps the other's statements (a company's deliveries still store one after the other,
under their advisory lock).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import time
from concurrent.futures import ThreadPoolExecutor

from benchmarks.common import cpu_seconds, load_average, machine, side_by_side, use_bench_database

COMPANY_ID = "BENCH0001"

HAND_SQL = """
SELECT count(DISTINCT d.vehicle_no) FROM ridehailing_vehicleday d
WHERE d.company_id = %(company)s AND d.day BETWEEN %(first)s AND %(last)s AND d.trips > 0
  AND NOT EXISTS (
    SELECT 1 FROM vehicles_operatingpermit p JOIN vehicles_vehicle v ON v.id = p.vehicle_id
    WHERE v.plate = d.vehicle_no AND p.kind = 'ride_hailing' AND p.valid_from <= d.day AND p.valid_to >= d.day
      AND (p.revoked_at IS NULL OR (p.revoked_at AT TIME ZONE 'Asia/Shanghai')::date > d.day))
"""


def _plates(n: int) -> list[str]:
    letters = "ABCEGHJKLMNPQRSUVWXYZ"
    return [f"桂B{letters[i // 10000 % len(letters)]}{i % 10000:04d}"[:7] for i in range(n)]


def _setup(vehicles: int):
    """The platform company, its feed and system account, and the benchmark's register (created once)."""
    from apps.core.validators import vin_check_digit
    from apps.parties.models import Organization, User
    from apps.parties.rights import SystemActor
    from apps.parties.services import user_create
    from apps.ridehailing import services
    from apps.ridehailing.models import Feed, PlatformCompany
    from apps.vehicles.models import OperatingPermit, Vehicle

    platform = Organization.objects.filter(kind="platform").order_by("id").first()
    actor = SystemActor("benchmark", organization=platform)
    org = Organization.objects.filter(kind="taxi_company").order_by("id").first()
    company = (PlatformCompany.objects.filter(company_id=COMPANY_ID).first()
               or services.company_register(company_id=COMPANY_ID, organization=org, actor=actor))
    feed = Feed.objects.filter(name="benchmark").first()
    if feed is None:
        account = user_create(organization=org, username="bench_rh_feed", password=None, is_system=True, actor=actor)
        feed = services.feed_create(name="benchmark", kind=Feed.Kind.COMPANY, account=account, actor=actor)
    plates = _plates(vehicles)
    registered = plates[: vehicles * 2 // 3]
    have = set(Vehicle.objects.filter(plate__in=registered).values_list("plate", flat=True))
    new = []
    for i, plate in enumerate(registered):
        if plate in have:
            continue
        body = f"LRHBE215{i:09d}"
        new.append(Vehicle(plate=plate, vin=body[:8] + vin_check_digit(body) + body[9:], seats=5,
                           usage_nature="ride_hailing", owner_name="韦明", owner_id_no=f"4502021985{i:08d}"[:18]))
    Vehicle.objects.bulk_create(new, batch_size=5000)
    ids = dict(Vehicle.objects.filter(plate__in=registered[: len(registered) // 2]).values_list("plate", "id"))
    with_permit = set(OperatingPermit.objects.filter(vehicle_id__in=ids.values()).values_list("vehicle_id", flat=True))
    OperatingPermit.objects.bulk_create(
        [OperatingPermit(vehicle_id=vid, number=f"BENCH-RH-{vid}", kind=OperatingPermit.Kind.RIDE_HAILING,
                         valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2030, 12, 31))
         for vid in ids.values() if vid not in with_permit], batch_size=5000)
    return company, feed, User.objects.get(pk=feed.account_id), plates


def _licence(i: int) -> str:
    """The driver of the i-th vehicle (one each): every departure's licence is encrypted, none shares a token."""
    return f"4502021985{i:08d}"


def _records(plates: list[str], total: int, days: int, yesterday: dt.date) -> tuple[list[dict], list[dict]]:
    orders = total // 2
    licences = [_licence(i) for i in range(len(plates))]
    departs, arrives = [], []
    for i in range(orders):
        day = yesterday - dt.timedelta(days=i % days)
        minute = (i // days) % 600
        dep = f"{day:%Y%m%d}{8 + minute // 60:02d}{minute % 60:02d}00"
        dest = f"{day:%Y%m%d}{8 + minute // 60:02d}{minute % 60:02d}30"
        order = f"BRH{i:010d}"
        departs.append({"CompanyId": COMPANY_ID, "OrderId": order, "LicenseId": licences[i % len(plates)],
                        "FareType": "A1", "VehicleNo": plates[i % len(plates)], "DepLongitude": 109411703, "DepLatitude": 24326490,
                        "Encrypt": 1, "DepTime": dep, "WaitMile": "0.8", "WaitTime": 120})
        arrives.append({"CompanyId": COMPANY_ID, "OrderId": order, "DestLongitude": 109420001,
                        "DestLatitude": 24330002, "Encrypt": 1, "DestTime": dest, "DriveMile": "5.2",
                        "DriveTime": 1500})
    return departs, arrives


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of 1,000,000 records / 30,000 vehicles")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--days", type=int, default=7, help="days the orders are spread over (ending yesterday)")
    parser.add_argument("--senders", type=int, default=1,
                        help="deliveries sent at once, each by its own thread and database connection (as that many "
                             "API workers would receive them); the departures all before the arrivals")
    args = parser.parse_args()
    total = max(2, int(1_000_000 * args.scale) // 2 * 2)
    vehicles = max(3, int(30_000 * args.scale))
    use_bench_database(os.environ.get("LZ_BENCH_DB", "bench_ridehailing"))
    from django.db import connection
    from django.utils import timezone

    from apps.leads.models import Lead  # noqa: F401  (the apps are loaded)
    from apps.ridehailing import services
    from apps.ridehailing.crosscheck import vehicles_without_permit
    from apps.ridehailing.insurance_check import insurance_mismatches
    from apps.ridehailing.interfaces import BEIJING
    from apps.ridehailing.metrics import compliance_rates
    from apps.ridehailing.models import Delivery, DeliveryRecord, OperatingOrder, VehicleDay
    from apps.ridehailing.risk_features import feature_trips_non_operating

    company, feed, account, plates = _setup(vehicles)
    yesterday = timezone.now().astimezone(BEIJING).date() - dt.timedelta(days=1)
    first = yesterday - dt.timedelta(days=args.days - 1)
    departs, arrives = _records(plates, total, args.days, yesterday)
    # the records are the senders' data: an API worker or the file import (which streams its file) never holds
    # more than one delivery. Frozen, the million dicts are not walked by every full collection of the garbage
    # collector while the ingest runs (unfrozen, that cost grows with the benchmark's own data, not the ingest).
    gc.freeze()
    size = services.max_records()
    print(f"machine: {machine()}, load average {load_average():.1f}")
    print(f"data: {total:,} records ({len(departs):,} departures + {len(arrives):,} arrivals) for {len(plates):,} "
          f"vehicles over {args.days} days ({first} – {yesterday}), deliveries of {size:,} records "
          f"(scale {args.scale:g}), {args.senders} sender{'s' if args.senders > 1 else ''} at once")
    if args.senders > 1:
        print("   (the CPU figures count this process and its main connection's backend; the senders' backends are "
              "printed after each repeat)")

    def clean() -> None:
        """The company emptied as before its first delivery: the day partitions of the benchmark's days dropped (in
        the benchmark's own database only its company writes operating data; a real day's partition is new at its
        first delivery), its orders, vehicle-days and deliveries deleted and those tables vacuumed."""
        from apps.ridehailing import partitions

        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM ridehailing_operatingrecord WHERE company_id = %s", [company.pk])
            for name, day in partitions.existing().items():
                if first <= day <= yesterday:
                    cursor.execute(f'DROP TABLE "{name}"')
        OperatingOrder.objects.filter(company=company).delete()
        VehicleDay.objects.filter(company=company).delete()
        DeliveryRecord.objects.filter(delivery__feed=feed).delete()
        Delivery.objects.filter(feed=feed).delete()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) ridehailing_operatingorder, ridehailing_vehicleday, "
                           "ridehailing_deliveryrecord, ridehailing_delivery")

    measured_runs = []
    sender_backends: list[int] = []

    def sender_started() -> None:
        with connection.cursor() as cursor:  # the thread's own connection
            cursor.execute("SELECT pg_backend_pid()")
            sender_backends.append(cursor.fetchone()[0])

    def backends_cpu() -> float:
        return sum(cpu_seconds(pid) - time.process_time() for pid in sender_backends)

    pool = ThreadPoolExecutor(args.senders, initializer=sender_started) if args.senders > 1 else None
    if pool is not None:
        list(pool.map(lambda _n: time.sleep(0.2), range(args.senders)))  # every sender's connection opened

    def send(interface: str, records: list[dict]) -> int:
        delivery, _results = services.ingest(feed=feed, interface=interface, records=records, actor=account)
        return delivery.stored

    def ingest() -> int:
        measured_runs.append(1)
        stored = 0
        senders_cpu = backends_cpu()
        for interface, records in (("operateDepart", departs), ("operateArrive", arrives)):
            chunks = [records[start:start + size] for start in range(0, len(records), size)]
            if pool is None:
                stored += sum(send(interface, chunk) for chunk in chunks)
            else:
                stored += sum(pool.map(lambda chunk, interface=interface: send(interface, chunk), chunks))
        if pool is not None:
            print(f"   the {args.senders} senders' backends: CPU {backends_cpu() - senders_cpu:.2f} s", flush=True)
        return stored

    def copy() -> int:
        from django.db import transaction

        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("CREATE TEMP TABLE bench_rh_copy (LIKE ridehailing_operatingrecord INCLUDING DEFAULTS) "
                           "ON COMMIT DROP")
            now = timezone.now()
            with cursor.cursor.copy(
                    "COPY bench_rh_copy (id, day, interface, company_id, feed_id, delivery_id, dedup_key, vehicle_no, "
                    "order_id, license_id, license_bidx, event_time, data, received_at) FROM STDIN") as out:
                n = 0
                for interface, records, field in (("operateDepart", departs, "DepTime"),
                                                  ("operateArrive", arrives, "DestTime")):
                    for r in records:
                        n += 1
                        at = dt.datetime.strptime(r[field], "%Y%m%d%H%M%S").replace(tzinfo=BEIJING)
                        out.write_row((n, at.date(), interface, company.pk, feed.pk, 0, r["OrderId"],
                                       r.get("VehicleNo", ""), r["OrderId"], r.get("LicenseId", ""), "", at,
                                       "{}", now))
            cursor.execute("SELECT count(*) FROM bench_rh_copy")
            return cursor.fetchone()[0]

    def after() -> None:
        # the last measured repeat's records stay for the cross-checks (the COPY baseline writes a temporary table)
        if len(measured_runs) < args.repeat:
            clean()

    clean()
    result = side_by_side("ingest + aggregation", ingest, "COPY of the same rows", copy, repeat=args.repeat,
                          warm=False, after=after)
    # the goals are for the full sizes: at --scale s they are taken as s × the goal (the work is linear in records)
    met_ingest = result.report(goal_seconds=60 * args.scale, expected_rows=total)

    vehicle_days = VehicleDay.objects.filter(company=company).count()
    at = timezone.now()

    def checks() -> int:
        found = vehicles_without_permit(first, yesterday)
        insurance_mismatches(at)
        feature_trips_non_operating(at)
        compliance_rates(first.replace(day=1), yesterday.replace(day=1))
        return len(found)

    def hand() -> int:
        with connection.cursor() as cursor:
            cursor.execute(HAND_SQL, {"company": company.pk, "first": first, "last": yesterday})
            return cursor.fetchone()[0]

    print(f"aggregate: {vehicle_days:,} vehicle-days")
    result = side_by_side("cross-checks", checks, "hand-written M5 statement", hand, repeat=args.repeat)
    met_checks = result.report(goal_seconds=10 * args.scale)
    clean()
    if pool is not None:
        pool.shutdown()
    print(f"verdict: ingest+aggregation {'met' if met_ingest else 'MISSED'}, cross-checks "
          f"{'met' if met_checks else 'MISSED'} (scale {args.scale:g})")


if __name__ == "__main__":
    main()
