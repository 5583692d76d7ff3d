"""The raw operating records' day partitions, their retention, and the per-vehicle-per-day aggregate.

* ``ensure(days)`` creates the missing partitions ``ridehailing_operatingrecord_pYYYYMMDD`` (one per Beijing day)
  under an advisory lock, so two deliveries of the same new day do not race.
* ``retention_days()`` is ``RIDEHAILING_RAW_RETENTION_DAYS`` (default 184). The national rules keep operating data
  online for at least 6 months; six consecutive calendar months are at most 184 days long (July–December), so a
  setting below ``MIN_RETENTION_DAYS`` = 184 is refused whatever the date: by a system check at start-up, and by
  ``drop_expired`` itself, which then drops nothing.
* ``drop_expired(today)`` drops the partitions of days older than ``today - retention_days()``.
* ``refresh_vehicle_days(new_rows)`` recomputes, in one statement, the ``VehicleDay`` rows a delivery touched.
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


_REFRESH = f"""
WITH new(interface, company_id, vehicle_no, order_id, day) AS (
    SELECT * FROM unnest(%s::text[], %s::bigint[], %s::text[], %s::text[], %s::date[])
),
new_orders AS (
    SELECT DISTINCT ON (r.company_id, r.order_id) r.company_id, r.order_id, r.vehicle_no, r.day
    FROM {PARENT} r
    WHERE r.interface IN ('operateDepart', 'operatePay')
      AND (r.company_id, r.order_id) IN (SELECT company_id, order_id FROM new WHERE order_id <> '')
    ORDER BY r.company_id, r.order_id, (r.interface = 'operateDepart') DESC, r.day
),
touched AS (
    SELECT company_id, vehicle_no, day FROM new WHERE vehicle_no <> ''
    UNION SELECT company_id, vehicle_no, day FROM new_orders
    UNION SELECT o.company_id, o.vehicle_no, a.day FROM new_orders o JOIN {PARENT} a
        ON a.interface = 'operateArrive' AND a.company_id = o.company_id AND a.order_id = o.order_id
),
orders AS (
    SELECT DISTINCT ON (r.company_id, r.order_id) r.company_id, r.order_id, r.vehicle_no, r.day
    FROM {PARENT} r JOIN touched t ON r.company_id = t.company_id AND r.vehicle_no = t.vehicle_no AND r.day = t.day
    WHERE r.interface IN ('operateDepart', 'operatePay')
    ORDER BY r.company_id, r.order_id, (r.interface = 'operateDepart') DESC, r.day
),
order_km AS (
    SELECT o.company_id, o.vehicle_no, o.day, COALESCE(
        (SELECT max(a.drive_mile) FROM {PARENT} a
         WHERE a.interface = 'operateArrive' AND a.company_id = o.company_id AND a.order_id = o.order_id),
        (SELECT max(p.drive_mile) FROM {PARENT} p
         WHERE p.interface = 'operatePay' AND p.company_id = o.company_id AND p.order_id = o.order_id),
        0) AS km
    FROM orders o
),
seen AS (
    SELECT r.company_id, r.vehicle_no, r.day, r.event_time
    FROM {PARENT} r JOIN touched t ON r.company_id = t.company_id AND r.vehicle_no = t.vehicle_no AND r.day = t.day
    UNION ALL
    -- the arrivals of the touched vehicles' orders, on the arrival's own day (an arrival carries no plate)
    SELECT t.company_id, t.vehicle_no, t.day, a.event_time
    FROM (SELECT DISTINCT d.company_id, d.order_id, d.vehicle_no FROM {PARENT} d
          WHERE d.interface IN ('operateDepart', 'operatePay')
            AND (d.company_id, d.vehicle_no) IN (SELECT company_id, vehicle_no FROM touched)) d
    JOIN {PARENT} a ON a.interface = 'operateArrive' AND a.company_id = d.company_id AND a.order_id = d.order_id
    JOIN touched t ON t.company_id = a.company_id AND t.vehicle_no = d.vehicle_no AND t.day = a.day
),
-- each figure aggregated once per vehicle-day and joined (not a correlated subquery per touched row)
km_agg AS (
    SELECT company_id, vehicle_no, day, count(*) AS trips, COALESCE(sum(km), 0) AS km
    FROM order_km GROUP BY company_id, vehicle_no, day
),
seen_agg AS (
    SELECT company_id, vehicle_no, day, min(event_time) AS first_seen, max(event_time) AS last_seen,
           count(*) AS records
    FROM seen GROUP BY company_id, vehicle_no, day
),
area_agg AS (
    SELECT p.company_id, p.vehicle_no, p.day, array_agg(DISTINCT p.on_area ORDER BY p.on_area) AS areas
    FROM {PARENT} p JOIN touched t ON p.company_id = t.company_id AND p.vehicle_no = t.vehicle_no AND p.day = t.day
    WHERE p.interface = 'operatePay' AND p.on_area <> ''
    GROUP BY p.company_id, p.vehicle_no, p.day
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
"""  # noqa: S608 - the table name is a constant; values are parameters


def refresh_vehicle_days(new_rows: list[tuple]) -> int:
    """Recompute the ``VehicleDay`` rows touched by the newly stored raw records ``new_rows`` =
    [(interface, company pk, vehicle_no, order_id, day)] (an arrival counts for the vehicle of its order, whichever
    of the two came first). Returns the number of rows written."""
    if not new_rows:
        return 0
    columns = list(zip(*new_rows, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(_REFRESH, [list(c) for c in columns])
        return cursor.rowcount
