"""The raw operating records' day partitions, their retention, and the per-vehicle-per-day aggregate.

* ``ensure(days)`` creates the missing partitions ``ridehailing_operatingrecord_pYYYYMMDD`` (one per Beijing day)
  under an advisory lock, so two deliveries of the same new day do not race.
* ``retention_days()`` is ``RIDEHAILING_RAW_RETENTION_DAYS`` (default 184). The national rules keep operating data
  online for at least 6 months; six consecutive calendar months are at most 184 days long (July–December), so a
  setting below ``MIN_RETENTION_DAYS`` = 184 is refused whatever the date: by a system check at start-up, and by
  ``drop_expired`` itself, which then drops nothing.
* ``drop_expired(today)`` drops the partitions of days older than ``today - retention_days()``.
* ``stage`` / ``copy_staged`` / ``insert_staged`` store a delivery's operating records (COPY into a temporary
  table, one ``INSERT … ON CONFLICT DO NOTHING`` into the partitions); ``refresh_vehicle_days`` then recomputes, in
  one statement, the ``VehicleDay`` rows the delivery touched.
"""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.core import checks
from django.db import connection, transaction
from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError
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
    return dropped


# --- storing one delivery's operating records (apps.ridehailing.services._store_operating) --------------------
#
# The accepted records are copied (COPY) into the session's temporary table ``ridehailing_stage`` and inserted into
# the day partitions by one statement; the keys actually inserted go to ``ridehailing_stage_new``, the vehicle-days
# to recompute to ``ridehailing_stage_touched``; the aggregate is recomputed from those by one statement. So a
# delivery costs the same few statements whatever its size. Every lookup of the raw table is an index probe per
# touched key (``LATERAL … OFFSET 0`` keeps the planner from turning it into a join whose choice hangs on the
# statistics of partitions written a moment ago).

STAGE = "ridehailing_stage"
STAGE_COLUMNS = ("day", "company", "dedup_key", "vehicle_no", "order_id", "license_id", "license_bidx",
                 "event_time", "longitude", "latitude", "encrypt", "drive_mile", "drive_time", "fact_price",
                 "on_area", "data")  # OperatingRecord fields, in the order of the staged rows

_STAGE_DDL = """
CREATE TEMP TABLE IF NOT EXISTS ridehailing_stage (
    day date NOT NULL, company_id bigint NOT NULL, dedup_key text NOT NULL, vehicle_no text NOT NULL,
    order_id text NOT NULL, license_id text NOT NULL, license_bidx text NOT NULL, event_time timestamptz NOT NULL,
    longitude integer, latitude integer, encrypt smallint, drive_mile numeric, drive_time integer,
    fact_price numeric, on_area text NOT NULL, data jsonb NOT NULL) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS ridehailing_stage_new (
    company_id bigint NOT NULL, dedup_key text NOT NULL, day date NOT NULL, vehicle_no text NOT NULL,
    order_id text NOT NULL) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS ridehailing_stage_touched (
    company_id bigint NOT NULL, vehicle_no text NOT NULL, day date NOT NULL) ON COMMIT DELETE ROWS;
TRUNCATE ridehailing_stage, ridehailing_stage_new, ridehailing_stage_touched
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
        SELECT r.vehicle_no FROM {PARENT} r
        WHERE %(interface)s = 'operateArrive' AND r.interface IN ('operateDepart', 'operatePay')
          AND r.company_id = s.company_id AND r.order_id = s.order_id
        ORDER BY r.interface = 'operateDepart' DESC, r.day LIMIT 1) o ON true
    ON CONFLICT (interface, company_id, dedup_key, day) DO NOTHING
    RETURNING company_id, dedup_key, day, vehicle_no, order_id
)
INSERT INTO ridehailing_stage_new SELECT company_id, dedup_key, day, vehicle_no, order_id FROM ins
RETURNING company_id, dedup_key, day
"""  # noqa: S608 - the table name is a constant; values are parameters

# The vehicle-days the new records touch: their own (plate, day); for a record of an order, the days of the order's
# departure and payment (its trip and kilometres) and of its arrivals, whose plate is set (again) to the order's
# vehicle when it was not known yet or has changed (an arrival received before its departure).
_TOUCH = f"""
WITH o AS (SELECT DISTINCT company_id, order_id FROM ridehailing_stage_new WHERE order_id <> ''),
legs AS (
    SELECT r.company_id, r.order_id, r.vehicle_no, r.day, r.interface FROM o CROSS JOIN LATERAL (
        SELECT r.company_id, r.order_id, r.vehicle_no, r.day, r.interface FROM {PARENT} r
        WHERE r.interface IN ('operateDepart', 'operatePay') AND r.company_id = o.company_id
          AND r.order_id = o.order_id OFFSET 0) r
),
ov AS (
    SELECT DISTINCT ON (company_id, order_id) company_id, order_id, vehicle_no FROM legs
    ORDER BY company_id, order_id, (interface = 'operateDepart') DESC, day
),
arr AS (
    SELECT a.day, a.id, a.company_id, a.vehicle_no AS old, ov.vehicle_no AS new FROM ov CROSS JOIN LATERAL (
        SELECT a.day, a.id, a.company_id, a.vehicle_no FROM {PARENT} a
        WHERE a.interface = 'operateArrive' AND a.company_id = ov.company_id AND a.dedup_key = ov.order_id
        OFFSET 0) a
    WHERE a.vehicle_no <> ov.vehicle_no
),
upd AS (
    UPDATE {PARENT} p SET vehicle_no = arr.new FROM arr WHERE p.day = arr.day AND p.id = arr.id
    RETURNING p.company_id, p.vehicle_no, p.day
)
INSERT INTO ridehailing_stage_touched (company_id, vehicle_no, day)
SELECT company_id, vehicle_no, day FROM ridehailing_stage_new WHERE vehicle_no <> ''
UNION SELECT company_id, vehicle_no, day FROM legs
UNION SELECT company_id, old, day FROM arr WHERE old <> ''
UNION SELECT company_id, vehicle_no, day FROM upd
"""  # noqa: S608 - the table name is a constant

_TOUCH_PLATES = """
INSERT INTO ridehailing_stage_touched (company_id, vehicle_no, day)
SELECT DISTINCT company_id, vehicle_no, day FROM ridehailing_stage_new WHERE vehicle_no <> ''
"""

_REFRESH = f"""
WITH touched AS (SELECT DISTINCT company_id, vehicle_no, day FROM ridehailing_stage_touched),
rows AS MATERIALIZED (
    SELECT t.company_id, t.vehicle_no, t.day, r.interface, r.order_id, r.event_time, r.on_area
    FROM touched t CROSS JOIN LATERAL (
        SELECT r.interface, r.order_id, r.event_time, r.on_area FROM {PARENT} r
        WHERE r.company_id = t.company_id AND r.vehicle_no = t.vehicle_no AND r.day = t.day OFFSET 0) r
),
orders AS (
    SELECT DISTINCT ON (company_id, order_id) company_id, order_id, vehicle_no, day FROM rows
    WHERE interface IN ('operateDepart', 'operatePay')
    ORDER BY company_id, order_id, (interface = 'operateDepart') DESC, day
),
-- an order's kilometres: its arrival's, else its payment's (one index probe for both)
order_km AS (
    SELECT o.company_id, o.vehicle_no, o.day, COALESCE(m.arrive, m.pay, 0) AS km
    FROM orders o CROSS JOIN LATERAL (
        SELECT max(a.drive_mile) FILTER (WHERE a.interface = 'operateArrive') AS arrive,
               max(a.drive_mile) FILTER (WHERE a.interface = 'operatePay') AS pay
        FROM {PARENT} a
        WHERE a.interface IN ('operateArrive', 'operatePay') AND a.company_id = o.company_id
          AND a.order_id = o.order_id) m
),
km_agg AS (
    SELECT company_id, vehicle_no, day, count(*) AS trips, COALESCE(sum(km), 0) AS km
    FROM order_km GROUP BY company_id, vehicle_no, day
),
-- every record of the vehicle-day: its own, and the arrivals of its orders (stored with the order's plate)
seen_agg AS (
    SELECT company_id, vehicle_no, day, min(event_time) AS first_seen, max(event_time) AS last_seen,
           count(*) AS records
    FROM rows GROUP BY company_id, vehicle_no, day
),
area_agg AS (
    SELECT company_id, vehicle_no, day, array_agg(DISTINCT on_area ORDER BY on_area) AS areas
    FROM rows WHERE interface = 'operatePay' AND on_area <> ''
    GROUP BY company_id, vehicle_no, day
)
INSERT INTO ridehailing_vehicleday
    (company_id, vehicle_no, day, trips, passenger_km, first_seen, last_seen, areas, records, updated_at)
SELECT t.company_id, t.vehicle_no, t.day, COALESCE(k.trips, 0), COALESCE(k.km, 0), s.first_seen, s.last_seen,
       COALESCE(a.areas, '{{}}'), COALESCE(s.records, 0), now()
FROM touched t
LEFT JOIN km_agg k ON k.company_id = t.company_id AND k.vehicle_no = t.vehicle_no AND k.day = t.day
LEFT JOIN seen_agg s ON s.company_id = t.company_id AND s.vehicle_no = t.vehicle_no AND s.day = t.day
LEFT JOIN area_agg a ON a.company_id = t.company_id AND a.vehicle_no = t.vehicle_no AND a.day = t.day
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
    from apps.imports.copy import copy_rows

    from .models import OperatingRecord

    fields = [OperatingRecord._meta.get_field(name) for name in STAGE_COLUMNS]
    copy_rows(OperatingRecord, fields, rows, table=STAGE)


def insert_staged(*, interface: str, feed_id: int, delivery_id: int, received_at) -> set[tuple]:
    """Insert the staged records not stored yet into their day partitions; returns the keys inserted
    ``(company pk, dedup_key, day)``."""
    with connection.cursor() as cursor:
        cursor.execute(_INSERT, {"interface": interface, "feed": feed_id, "delivery": delivery_id,
                                 "received_at": received_at})
        return set(cursor.fetchall())


def refresh_vehicle_days(*, with_orders: bool) -> int:
    """Recompute the ``VehicleDay`` rows touched by the records just inserted (``insert_staged``): an arrival
    counts for the vehicle of its order, whichever of the two came first. ``with_orders``: the records carry
    an ``OrderId`` (departure, arrival, payment). Two statements whatever the number of records; returns the
    number of vehicle-days written."""
    with connection.cursor() as cursor:
        cursor.execute(_TOUCH if with_orders else _TOUCH_PLATES)
        cursor.execute(_REFRESH)
        return cursor.rowcount
