"""The raw operating records' day partitions, their retention, and the per-vehicle-per-day aggregate.

* ``ensure(days)`` creates the missing partitions ``ridehailing_operatingrecord_pYYYYMMDD`` (one per Beijing day)
  under an advisory lock, so two deliveries of the same new day do not race.
* ``retention_days()`` is ``RIDEHAILING_RAW_RETENTION_DAYS`` (default 184). The national rules keep operating data
  online for at least 6 months; six consecutive calendar months are at most 184 days long (July–December), so a
  setting below ``MIN_RETENTION_DAYS`` = 184 is refused whatever the date: by a system check at start-up, and by
  ``drop_expired`` itself, which then drops nothing.
* ``drop_expired(today)`` drops the partitions of days older than ``today - retention_days()``.
* ``stage`` / ``copy_staged`` / ``insert_staged`` store a delivery's operating records (COPY into a temporary
  table, one ``INSERT … ON CONFLICT DO NOTHING`` into the partitions); ``update_vehicle_days`` then adds the
  delivery's delta to the ``VehicleDay`` rows it touched, in one statement (``recompute_vehicle_days`` gives what
  they must equal, recomputed from the records).
"""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.core import checks
from django.db import connection, transaction
from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError
from apps.imports.copy import copy_rows
from apps.ridehailing.errors import ErrorCode

PARENT = "ridehailing_operatingrecord"
MIN_RETENTION_DAYS = 184  # six consecutive calendar months are at most 184 days (national rules: ≥ 6 months)
_NAME = re.compile(rf"^{PARENT}_p(\d{{8}})$")


def partition_name(day: dt.date) -> str:
    return f"{PARENT}_p{day:%Y%m%d}"


def retention_days() -> int:
    days = int(settings.RIDEHAILING_RAW_RETENTION_DAYS)  # default in settings.py
    if days < MIN_RETENTION_DAYS:
        raise ApplicationError(
            _("网约车经营数据保留期限设置为 %(days)d 天，少于国家规定的 6 个月（至少 %(min)d 天）；已拒绝执行。") % {
                "days": days, "min": MIN_RETENTION_DAYS},
            code=ErrorCode.RETENTION_TOO_SHORT,
        )
    return days


def check_retention_setting(app_configs=None, **kwargs):
    try:
        retention_days()
    except ApplicationError as exc:
        return [checks.Error(exc.message, id="ridehailing.E001")]
    return []


def oldest_kept_day(today: dt.date) -> dt.date:
    """The oldest day whose raw records are kept (and accepted) on ``today``."""
    return today - dt.timedelta(days=retention_days())


def existing() -> dict[str, dt.date]:
    """Partition name → its day."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s", [PARENT])
        names = [row[0] for row in cursor.fetchall()]
    out = {}
    for name in names:
        match = _NAME.match(name)
        if match:
            text = match.group(1)
            out[name] = dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    return out


def ensure(days) -> list[str]:
    """Create the partitions of ``days`` that do not exist yet; returns the names created."""
    have = existing()
    missing = sorted({d for d in days if partition_name(d) not in have})
    created = []
    if not missing:
        return created
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"{PARENT}.partitions"])
        have = existing()
        for day in missing:
            name = partition_name(day)
            if name in have:
                continue
            cursor.execute(
                f'CREATE TABLE IF NOT EXISTS "{name}" PARTITION OF "{PARENT}" '  # noqa: S608 - name from a date
                "FOR VALUES FROM (%s) TO (%s)", [day, day + dt.timedelta(days=1)])
            created.append(name)
    return created


def drop_expired(today: dt.date) -> list[str]:
    """Drop the partitions of days before ``oldest_kept_day(today)``; refuses (raises) a retention below the
    national minimum before dropping anything."""
    cutoff = oldest_kept_day(today)
    dropped = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"{PARENT}.partitions"])
        for name, day in sorted(existing().items(), key=lambda item: item[1]):
            if day < cutoff:
                cursor.execute(f'DROP TABLE "{name}"')
                dropped.append(name)
        drop_expired_orders(cutoff)
    return dropped


# --- storing one delivery's operating records (apps.ridehailing.services._store_operating) --------------------
#
# The accepted records are copied (COPY) into the session's temporary table ``ridehailing_stage`` and inserted into
# the day partitions by one statement; the keys actually inserted go to ``ridehailing_stage_new``. A delivery of
# orders (departures, arrivals, payments) then updates their ``OperatingOrder`` rows by one statement (the orders
# touched, with their vehicle-day and kilometres before and after, go to ``ridehailing_stage_order``); the
# aggregate then takes the delivery's delta by one upsert (``_APPLY``): the new records and the orders' moves,
# added to the vehicle-days they touch, without reading their earlier records. Only a vehicle-day that loses a record
# (an arrival moving to its order's new vehicle) is recomputed from its records (``ridehailing_stage_touched``,
# ``_REFRESH``), since its earliest or latest instant cannot be subtracted. So a delivery costs the same few
# statements whatever its size. An order is found by one probe of the orders' index, never by one probe per day
# partition; the raw records of a recomputed vehicle-day by one probe of its own day's partition (``LATERAL …
# OFFSET 0`` keeps each lookup a parameterised index probe, so the plan does not hang on the statistics of
# partitions written a moment ago).

STAGE = "ridehailing_stage"
STAGE_COLUMNS = ("day", "company", "dedup_key", "vehicle_no", "order_id", "license_id", "license_bidx",
                 "event_time", "longitude", "latitude", "encrypt", "drive_mile", "drive_time", "fact_price",
                 "on_area", "data")  # OperatingRecord fields, in the order of the staged rows
ORDERS = "ridehailing_operatingorder"

_STAGE_DDL = """
CREATE TEMP TABLE IF NOT EXISTS ridehailing_stage (
    day date NOT NULL, company_id bigint NOT NULL, dedup_key text NOT NULL, vehicle_no text NOT NULL,
    order_id text NOT NULL, license_id text NOT NULL, license_bidx text NOT NULL, event_time timestamptz NOT NULL,
    longitude integer, latitude integer, encrypt smallint, drive_mile numeric, drive_time integer,
    fact_price numeric, on_area text NOT NULL, data jsonb NOT NULL) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS ridehailing_stage_new (
    company_id bigint NOT NULL, dedup_key text NOT NULL, day date NOT NULL, vehicle_no text NOT NULL,
    order_id text NOT NULL, drive_mile numeric, event_time timestamptz NOT NULL, on_area text NOT NULL)
    ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS ridehailing_stage_order (
    company_id bigint NOT NULL, order_id text NOT NULL, vehicle_no text NOT NULL, day date, km numeric NOT NULL,
    old_vehicle text, old_day date, old_km numeric, relink boolean NOT NULL) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS ridehailing_stage_moved (
    company_id bigint NOT NULL, vehicle_no text NOT NULL, day date NOT NULL, event_time timestamptz NOT NULL)
    ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS ridehailing_stage_touched (
    company_id bigint NOT NULL, vehicle_no text NOT NULL, day date NOT NULL) ON COMMIT DELETE ROWS;
TRUNCATE ridehailing_stage, ridehailing_stage_new, ridehailing_stage_order, ridehailing_stage_moved,
    ridehailing_stage_touched;
-- a delivery's statements are index probes over a few thousand rows: compiling them (JIT, when a plan's estimate
-- on the unanalysed staging tables passes jit_above_cost) would cost more than running them
SET LOCAL jit = off
"""

# An arrival carries no plate: it is stored with the vehicle of its order (the departure's, else the payment's)
# when that is known, so that the vehicle-day of its own day finds it by plate.
_INSERT = f"""
WITH ins AS (
    INSERT INTO {PARENT} (day, interface, company_id, feed_id, delivery_id, dedup_key, vehicle_no, order_id,
        license_id, license_bidx, event_time, longitude, latitude, encrypt, drive_mile, drive_time, fact_price,
        on_area, data, received_at)
    SELECT s.day, %(interface)s, s.company_id, %(feed)s, %(delivery)s, s.dedup_key,
           COALESCE(o.vehicle_no, s.vehicle_no), s.order_id, s.license_id, s.license_bidx, s.event_time,
           s.longitude, s.latitude, s.encrypt, s.drive_mile, s.drive_time, s.fact_price, s.on_area, s.data,
           %(received_at)s
    FROM ridehailing_stage s
    LEFT JOIN LATERAL (
        SELECT o.vehicle_no FROM {ORDERS} o
        WHERE %(interface)s = 'operateArrive' AND o.company_id = s.company_id AND o.order_id = s.order_id
        OFFSET 0) o ON true
    ON CONFLICT (interface, company_id, dedup_key, day) DO NOTHING
    RETURNING company_id, dedup_key, day, vehicle_no, order_id, drive_mile, event_time, on_area
),
new AS (
    INSERT INTO ridehailing_stage_new
    SELECT company_id, dedup_key, day, vehicle_no, order_id, drive_mile, event_time, on_area FROM ins
    RETURNING company_id, dedup_key, day
)
-- the staged records stored before (duplicates): usually none, so no row per record goes back to the client
SELECT company_id, dedup_key, day FROM ridehailing_stage EXCEPT SELECT company_id, dedup_key, day FROM new
"""  # noqa: S608 - the table names are constants; values are parameters

# The orders of the new records: the earliest departure (else payment) gives the vehicle and day the order counts
# on; the kilometres are the largest of its arrivals (else payments). Each order's vehicle-day and kilometres before
# and after this delivery go to ``ridehailing_stage_order`` (the aggregate's delta); ``relink``: arrivals stored
# before must take the order's (new) plate.
_ORDERS = f"""
WITH n AS (
    SELECT company_id, order_id,
           CASE WHEN %(interface)s = 'operateDepart' THEN (array_agg(vehicle_no ORDER BY day))[1] ELSE '' END
               AS dep_vehicle,
           CASE WHEN %(interface)s = 'operateDepart' THEN min(day) END AS dep_day,
           CASE WHEN %(interface)s = 'operatePay' THEN (array_agg(vehicle_no ORDER BY day))[1] ELSE '' END
               AS pay_vehicle,
           CASE WHEN %(interface)s = 'operatePay' THEN min(day) END AS pay_day,
           CASE WHEN %(interface)s = 'operateArrive' THEN max(drive_mile) END AS arrive_km,
           CASE WHEN %(interface)s = 'operatePay' THEN max(drive_mile) END AS pay_km,
           %(interface)s = 'operateArrive' AS arrived, max(day) AS last_day
    FROM ridehailing_stage_new GROUP BY company_id, order_id
),
up AS (
    INSERT INTO {ORDERS} AS o (company_id, order_id, dep_vehicle, dep_day, pay_vehicle, pay_day, arrive_km, pay_km,
        arrived, last_day)
    SELECT company_id, order_id, dep_vehicle, dep_day, pay_vehicle, pay_day, arrive_km, pay_km, arrived, last_day
    FROM n
    ON CONFLICT (company_id, order_id) DO UPDATE SET
        dep_vehicle = CASE WHEN EXCLUDED.dep_day < o.dep_day OR o.dep_day IS NULL AND EXCLUDED.dep_day IS NOT NULL
                           THEN EXCLUDED.dep_vehicle ELSE o.dep_vehicle END,
        dep_day = LEAST(o.dep_day, EXCLUDED.dep_day),
        pay_vehicle = CASE WHEN EXCLUDED.pay_day < o.pay_day OR o.pay_day IS NULL AND EXCLUDED.pay_day IS NOT NULL
                           THEN EXCLUDED.pay_vehicle ELSE o.pay_vehicle END,
        pay_day = LEAST(o.pay_day, EXCLUDED.pay_day),
        arrive_km = GREATEST(o.arrive_km, EXCLUDED.arrive_km), pay_km = GREATEST(o.pay_km, EXCLUDED.pay_km),
        arrived = o.arrived OR EXCLUDED.arrived, last_day = GREATEST(o.last_day, EXCLUDED.last_day)
    RETURNING o.company_id, o.order_id, o.vehicle_no, o.day, COALESCE(o.arrive_km, o.pay_km, 0) AS km
),
staged AS (
    INSERT INTO ridehailing_stage_order (company_id, order_id, vehicle_no, day, km, old_vehicle, old_day, old_km,
        relink)
    SELECT up.company_id, up.order_id, up.vehicle_no, up.day, up.km, old.vehicle_no, old.day, old.km,
           COALESCE(old.arrived, false) AND up.vehicle_no IS DISTINCT FROM old.vehicle_no
    FROM up LEFT JOIN LATERAL (
        -- the order as it was: the statement's snapshot does not see its own upsert
        SELECT o.vehicle_no, o.day, COALESCE(o.arrive_km, o.pay_km, 0) AS km, o.arrived FROM {ORDERS} o
        WHERE o.company_id = up.company_id AND o.order_id = up.order_id OFFSET 0) old ON true
    RETURNING relink
)
SELECT COALESCE(bool_or(relink), false) FROM staged
"""  # noqa: S608 - the table names are constants; values are parameters

# Arrivals stored before their order's departure (or whose order changed vehicle) take the order's plate: found by
# one probe per order and day partition (only for the orders that need it), updated by (day, id).
_RELINK_FIND = f"""
SELECT a.day, a.id, a.company_id, a.vehicle_no, so.vehicle_no
FROM ridehailing_stage_order so CROSS JOIN LATERAL (
    SELECT a.day, a.id, a.company_id, a.vehicle_no FROM {PARENT} a
    WHERE a.interface = 'operateArrive' AND a.company_id = so.company_id AND a.dedup_key = so.order_id OFFSET 0) a
WHERE so.relink AND a.vehicle_no <> so.vehicle_no
"""  # noqa: S608 - the table name is a constant

# The moved arrivals count on their new vehicle-day (``ridehailing_stage_moved``, added like new records); the
# vehicle-day they leave — when it was one, i.e. they had a plate — lost a record, whose first or last instant cannot be
# subtracted: it is recomputed (``ridehailing_stage_touched``).
_RELINK = f"""
WITH x AS (SELECT * FROM unnest(%(days)s::date[], %(ids)s::bigint[], %(plates)s::text[]) AS x(day, id, plate)),
upd AS (
    UPDATE {PARENT} p SET vehicle_no = x.plate FROM x
    WHERE p.day = ANY(%(days)s::date[]) AND p.day = x.day AND p.id = x.id
    RETURNING p.company_id, p.vehicle_no, p.day, p.event_time
),
moved AS (
    INSERT INTO ridehailing_stage_moved (company_id, vehicle_no, day, event_time)
    SELECT company_id, vehicle_no, day, event_time FROM upd WHERE vehicle_no <> ''
)
INSERT INTO ridehailing_stage_touched (company_id, vehicle_no, day)
SELECT DISTINCT c, v, d FROM unnest(%(companies)s::bigint[], %(old)s::text[], %(days)s::date[]) AS o(c, v, d)
WHERE v <> ''
"""  # noqa: S608 - the table name is a constant; values are parameters

# The aggregate's delta of the delivery, applied by one upsert: each new (or moved) record adds one record, its
# instant (earliest / latest) and, for a payment, its pick-up area; each order adds one trip and its kilometres to
# the vehicle-day it counts on now and takes them from the one it counted on before. Every term is exact under
# addition (counts and decimal sums) or only grows (earliest, latest, the set of areas): a redelivered record is not
# inserted, so adds nothing; an event out of order moves its order's trip by the same delta. A vehicle-day whose
# trips go down (an order that counts on another vehicle or an earlier day now) is recomputed instead
# (``ridehailing_stage_touched``): an insert's proposed row must pass the table's checks (trips ≥ 0) before its
# conflict is seen. Returns the vehicle-days written and those left to recompute.
_APPLY = """
WITH d AS (
    SELECT company_id, vehicle_no, day, sum(trips) AS trips, sum(km) AS km, min(at) AS first_seen,
           max(at) AS last_seen,
           array_agg(area) FILTER (WHERE area <> '') AS areas,  -- no ordered aggregate: grouped by hashing
           sum(records) AS records
    FROM (
        SELECT company_id, vehicle_no, day, 0 AS trips, 0::numeric AS km, event_time AS at, 1 AS records,
               CASE WHEN %(interface)s = 'operatePay' THEN on_area ELSE '' END AS area
        FROM ridehailing_stage_new WHERE vehicle_no <> ''
        UNION ALL
        SELECT company_id, vehicle_no, day, 0, 0, event_time, 1, '' FROM ridehailing_stage_moved
        UNION ALL
        SELECT company_id, vehicle_no, day, 1, km, NULL, 0, '' FROM ridehailing_stage_order
        WHERE day IS NOT NULL AND vehicle_no <> ''
        UNION ALL
        SELECT company_id, old_vehicle, old_day, -1, -old_km, NULL, 0, '' FROM ridehailing_stage_order
        WHERE old_day IS NOT NULL AND old_vehicle <> ''
    ) x
    GROUP BY company_id, vehicle_no, day
    HAVING sum(records) <> 0 OR sum(trips) <> 0 OR sum(km) <> 0
),
fewer AS (
    INSERT INTO ridehailing_stage_touched (company_id, vehicle_no, day)
    SELECT company_id, vehicle_no, day FROM d WHERE trips < 0
    RETURNING 1
),
up AS (
    INSERT INTO ridehailing_vehicleday AS v
        (company_id, vehicle_no, day, trips, passenger_km, first_seen, last_seen, areas, records, updated_at)
    SELECT company_id, vehicle_no, day, trips, km, first_seen, last_seen,
           CASE WHEN areas IS NULL THEN '{}'
                ELSE ARRAY(SELECT DISTINCT a FROM unnest(areas) AS a ORDER BY a) END,
           records, now()
    FROM d WHERE trips >= 0
    ON CONFLICT (company_id, vehicle_no, day) DO UPDATE SET
        trips = v.trips + EXCLUDED.trips, passenger_km = v.passenger_km + EXCLUDED.passenger_km,
        first_seen = LEAST(v.first_seen, EXCLUDED.first_seen),
        last_seen = GREATEST(v.last_seen, EXCLUDED.last_seen),
        areas = CASE WHEN EXCLUDED.areas = '{}' THEN v.areas
                     ELSE ARRAY(SELECT DISTINCT a FROM unnest(v.areas || EXCLUDED.areas) AS a ORDER BY a) END,
        records = v.records + EXCLUDED.records, updated_at = now()
    RETURNING 1
)
SELECT (SELECT count(*) FROM up), (SELECT count(*) FROM fewer)
"""  # noqa: S608 - the table names are constants; values are parameters

# The aggregate of the vehicle-days in ``ridehailing_stage_touched`` recomputed from their records and orders: for
# the vehicle-days a moved arrival left, and by ``recompute_vehicle_days`` (the definition the delta is held to).
_RECOMPUTE = f"""
WITH touched AS (SELECT DISTINCT company_id, vehicle_no, day FROM ridehailing_stage_touched),
-- every record of the vehicle-day: its own, and the arrivals of its orders (stored with the order's plate)
seen AS (
    SELECT t.company_id, t.vehicle_no, t.day, r.first_seen, r.last_seen, r.records, a.areas
    FROM touched t CROSS JOIN LATERAL (
        SELECT min(r.event_time) AS first_seen, max(r.event_time) AS last_seen, count(*) AS records,
               count(*) FILTER (WHERE r.interface = 'operatePay' AND r.on_area <> '') AS pays
        FROM {PARENT} r
        WHERE r.company_id = t.company_id AND r.vehicle_no = t.vehicle_no AND r.day = t.day) r
    -- the pick-up areas of its payments, read only when it has some
    LEFT JOIN LATERAL (
        SELECT array_agg(DISTINCT p.on_area ORDER BY p.on_area) AS areas FROM {PARENT} p
        WHERE r.pays > 0 AND p.company_id = t.company_id AND p.vehicle_no = t.vehicle_no AND p.day = t.day
          AND p.interface = 'operatePay' AND p.on_area <> '') a ON true
),
-- the orders that count on the vehicle-day, each with its kilometres
trips AS (
    SELECT t.company_id, t.vehicle_no, t.day, o.trips, o.km
    FROM touched t CROSS JOIN LATERAL (
        SELECT count(*) AS trips, COALESCE(sum(COALESCE(o.arrive_km, o.pay_km, 0)), 0) AS km FROM {ORDERS} o
        WHERE o.company_id = t.company_id AND o.vehicle_no = t.vehicle_no AND o.day = t.day) o
)
SELECT s.company_id, s.vehicle_no, s.day, k.trips, k.km, s.first_seen, s.last_seen, COALESCE(s.areas, '{{}}'),
       s.records
FROM seen s JOIN trips k ON k.company_id = s.company_id AND k.vehicle_no = s.vehicle_no AND k.day = s.day
"""  # noqa: S608 - the table names are constants

_REFRESH = f"""
INSERT INTO ridehailing_vehicleday
    (company_id, vehicle_no, day, trips, passenger_km, first_seen, last_seen, areas, records, updated_at)
SELECT r.*, now() FROM ({_RECOMPUTE}) r
ON CONFLICT (company_id, vehicle_no, day) DO UPDATE SET
    trips = EXCLUDED.trips, passenger_km = EXCLUDED.passenger_km, first_seen = EXCLUDED.first_seen,
    last_seen = EXCLUDED.last_seen, areas = EXCLUDED.areas, records = EXCLUDED.records, updated_at = now()
"""  # noqa: S608 - the table name is a constant


def stage() -> None:
    """Create (once per database session) and empty the temporary tables of a delivery's operating records."""
    with connection.cursor() as cursor:
        cursor.execute(_STAGE_DDL)


def copy_staged(rows) -> None:
    """COPY ``rows`` (values in the order of ``STAGE_COLUMNS``) into the staging table."""

    from .models import OperatingRecord

    fields = [OperatingRecord._meta.get_field(name) for name in STAGE_COLUMNS]
    copy_rows(OperatingRecord, fields, rows, table=STAGE)


def insert_staged(*, interface: str, feed_id: int, delivery_id: int, received_at) -> set[tuple]:
    """Insert the staged records not stored yet into their day partitions; returns the keys of the staged records
    that were stored before (not inserted) ``(company pk, dedup_key, day)``."""
    with connection.cursor() as cursor:
        cursor.execute(_INSERT, {"interface": interface, "feed": feed_id, "delivery": delivery_id,
                                 "received_at": received_at})
        return set(cursor.fetchall())


def update_vehicle_days(*, interface: str, with_orders: bool) -> int:
    """Bring the ``VehicleDay`` rows up to date with the records just inserted (``insert_staged``) by the delivery's
    delta (``_APPLY``): an arrival counts for the vehicle of its order, whichever of the two came first.
    ``with_orders``: the records carry an ``OrderId`` (departure, arrival, payment) and their ``OperatingOrder`` rows
    are kept first. A fixed number of statements whatever the number of records (up to three more when arrivals
    stored before their departure take its plate, or an order moves to another vehicle-day: the vehicle-days that
    lose a record or a trip are recomputed); returns the number of vehicle-days written by the delta."""
    recompute = False
    with connection.cursor() as cursor:
        if with_orders:
            cursor.execute(_ORDERS, {"interface": interface})
            if cursor.fetchone()[0]:  # arrivals stored before must take their order's new plate
                cursor.execute(_RELINK_FIND)
                found = cursor.fetchall()
                if found:
                    days, ids, companies, old, plates = (list(c) for c in zip(*found, strict=True))
                    cursor.execute(_RELINK, {"days": days, "ids": ids, "plates": plates, "companies": companies,
                                             "old": old})
                    recompute = any(old)
        cursor.execute(_APPLY, {"interface": interface})
        written, fewer = cursor.fetchone()
        if recompute or fewer:
            cursor.execute(_REFRESH)
        return written


def recompute_vehicle_days(company_ids) -> list[tuple]:
    """The vehicle-days of ``company_ids`` as their records and orders define them, recomputed from scratch (not
    written): ``(company pk, plate, day, trips, passenger_km, first_seen, last_seen, areas, records)`` for every
    vehicle-day with a record. What the delta kept in ``VehicleDay`` must equal this (tests) — as long as no day
    partition was dropped (the aggregate outlives the raw records)."""
    ids = list(company_ids)
    with transaction.atomic(), connection.cursor() as cursor:
        stage()
        cursor.execute(
            f"INSERT INTO ridehailing_stage_touched SELECT DISTINCT company_id, vehicle_no, day FROM {PARENT} "  # noqa: S608
            "WHERE company_id = ANY(%s) AND vehicle_no <> ''", [ids])
        cursor.execute(_RECOMPUTE + " ORDER BY 1, 2, 3")
        rows = cursor.fetchall()
        cursor.execute("TRUNCATE ridehailing_stage_touched")
        return rows


def drop_expired_orders(cutoff: dt.date) -> int:
    """Delete the orders whose last record is older than ``cutoff`` (their raw records are being dropped)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {ORDERS} WHERE last_day < %s", [cutoff])  # noqa: S608 - a constant
        return cursor.rowcount
