"""Benchmark of the claims analytics job (rule M14) over 1,000,000 claims.

    nice -n 10 .venv/bin/python benchmarks/claims_analytics.py [--claims 1000000] [--repeat 5] [--regenerate]
                                                              [--growth 250000,500000,1000000]

Target (issue "Claims SLAs and claims analytics"): the job — ``apps.claims.analytics.analytics_run``, the
set-based SQL that finds vehicles and drivers over the thresholds in the rolling 12 months and writes the
focused checks and per-company lists, plus sealing one exchange batch per platform company — runs in ≤ 10 s.

It uses a separate database (``LZ_BENCH_DB``, default ``bench_claims``) on the embedded PostgreSQL (or the server
of ``DATABASE_URL``), so tests and demo data are untouched and the screening benchmark's ``bench`` database is not
disturbed either. The database is migrated and filled once (``--regenerate`` rebuilds it) with COPY:

* 10 insurers, 40 platform companies, the insurance association (created through the parties service, so each
  has its exchange keys);
* 300,000 vehicles (60 % in a company's ledger), 300,000 drivers (all in a company), one policy per vehicle;
* ``--claims`` claims over the last three years (a third in the 12-month window), skewed so that 5 % of the
  vehicles have 40 % of the claims; 70 % with a driver; 85 % covered, 10 % refused, 5 % undecided.
Each repeat starts with no focused checks (so the recheck interval does not hide anything). The job is interleaved
with its baseline, one SQL aggregate finding the same subjects (nothing written); the number of subjects the job
flags must equal the baseline's (checked). Figures are printed with the verdict against the goal; nothing is
asserted (this is not a test). The data are kept: a later run reuses them (``--regenerate`` to rebuild).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = os.environ.get("LZ_BENCH_DB", "bench_claims")
INSURERS, COMPANIES, VEHICLES, DRIVERS = 10, 40, 300_000, 300_000


def _bench_database_url() -> tuple[str, str]:
    from liuzhou_regulation import runtime

    base = os.environ.get("DATABASE_URL") or runtime.embedded_database_url()
    parts = urlparse(base)
    return base, urlunparse(parts._replace(path=f"/{BENCH_DB}"))


def _ensure_database(base_url: str) -> None:
    import psycopg

    with psycopg.connect(base_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone():
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


def _setup_django() -> None:
    base_url, bench_url = _bench_database_url()
    _ensure_database(base_url)
    os.environ["DATABASE_URL"] = bench_url
    os.environ["LZ_CELERY_QUEUE"] = "bench_claims"  # delivery tasks of the sealed lists go nowhere near a worker
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuzhou_regulation.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


# --- data -----------------------------------------------------------------------------------------------------------


def _copy(model, columns: list[str], rows) -> int:
    """COPY ``rows`` (tuples in ``columns`` order) into ``model``'s table; every other NOT NULL column gets its
    model default (so the script keeps working when the models gain fields)."""
    import json

    from django.db import connection
    from django.utils import timezone

    now = timezone.now()
    extra, extra_values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.column in columns or field.null:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        else:
            value = field.get_default()
            if value is None:
                value = ""
            if field.get_internal_type() == "JSONField":
                value = json.dumps(value)
        extra.append(field.column)
        extra_values.append(value)
    sql = f'COPY {model._meta.db_table} ({", ".join(columns + extra)}) FROM STDIN'
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row((*row, *extra_values))
            count += 1
    return count


def _uscc(n: int) -> str:
    from apps.core.validators import uscc_check_char

    body = f"91450200MB{n:07d}"
    return body + uscc_check_char(body)


def _generate(claims: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from apps.claims.models import Claim
    from apps.core import crypto
    from apps.parties.models import Organization, OrganizationKind
    from apps.parties.rights import SystemActor
    from apps.parties.services import organization_create
    from apps.policies.models import Policy
    from apps.vehicles.models import Driver, Vehicle

    rng = random.Random(20261122)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE claims_focusedcheck, claims_focusedchecklist, claims_analyticsrun, claims_claimprogressnotice,"
            " claims_claim, policies_coverage, policies_policy, vehicles_driverassignment, vehicles_driver,"
            " vehicles_operatingpermit, vehicles_vehicle RESTART IDENTITY CASCADE"
        )

    def org(kind, name, n):
        found = Organization.objects.filter(uscc=_uscc(n)).first()
        return found or organization_create(kind=kind, name=name, uscc=_uscc(n), actor=SystemActor("benchmark"))

    with transaction.atomic():
        org(OrganizationKind.INSURANCE_ASSOCIATION, "基准保险行业协会", 1)
        insurers = [org(OrganizationKind.INSURER, f"基准保险公司{i}", 100 + i).pk for i in range(INSURERS)]
        companies = [org(OrganizationKind.TAXI_COMPANY, f"基准平台公司{i}", 200 + i).pk for i in range(COMPANIES)]
    now = timezone.now()
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    vehicle_company = [companies[rng.randrange(COMPANIES)] if rng.random() < 0.6 else None for _ in range(VEHICLES)]
    _copy(Vehicle, ["plate", "vin", "seats", "usage_nature", "company_id", "status", "online"], (
        (f"桂{letters[i // 100000]}{i % 100000:05d}", f"LBENCH{i:011d}", 5,
         "ride_hailing" if vehicle_company[i] else "family", vehicle_company[i], "normal", bool(vehicle_company[i]))
        for i in range(VEHICLES)
    ))
    token = crypto.encrypt("基准驾驶员")
    _copy(Driver, ["name", "name_bidx", "id_no", "id_no_bidx", "company_id"], (
        (token, "", token, f"{i:064x}", companies[i % COMPANIES]) for i in range(DRIVERS)
    ))
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id) FROM vehicles_vehicle")
        first_vehicle = cursor.fetchone()[0]
        cursor.execute("SELECT min(id) FROM vehicles_driver")
        first_driver = cursor.fetchone()[0]
    starts = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
    _copy(Policy, ["insurer_id", "number", "kind", "vehicle_id", "usage_nature_insured", "starts_at", "ends_at",
                   "premium", "status"], (
        (insurers[i % INSURERS], f"PBENCH{i:09d}", "compulsory", first_vehicle + i,
         "ride_hailing" if vehicle_company[i] else "family", starts, starts + dt.timedelta(days=5 * 365),
         Decimal("950.00"), "active")
        for i in range(VEHICLES)
    ))
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id) FROM policies_policy")
        first_policy = cursor.fetchone()[0]

    risky = max(1, VEHICLES // 20)
    span = 3 * 365 * 86400

    def claim_rows():
        for n in range(claims):
            v = rng.randrange(risky) if rng.random() < 0.4 else rng.randrange(VEHICLES)
            occurred = now - dt.timedelta(seconds=rng.randrange(span))
            reported = occurred + dt.timedelta(minutes=rng.randrange(5, 600))
            amount = Decimal(int(rng.lognormvariate(8.3, 1.1))).quantize(Decimal("1.00"))
            roll = rng.random()
            decision = "covered" if roll < 0.85 else "refused" if roll < 0.95 else ""
            agreed = (amount * Decimal("0.9")).quantize(Decimal("1.00")) if decision == "covered" else None
            decided_at = reported + dt.timedelta(days=3) if decision else None
            driver = first_driver + rng.randrange(DRIVERS) if rng.random() < 0.7 else None
            yield (insurers[v % INSURERS], f"CBENCH{n:010d}", first_policy + v, first_vehicle + v, driver, occurred,
                   reported, amount, agreed, decision, decided_at, "closed" if decision else "reported",
                   occurred.hour >= 22 or occurred.hour < 6)

    _copy(Claim, ["insurer_id", "number", "policy_id", "vehicle_id", "driver_id", "occurred_at", "reported_at",
                  "amount_claimed", "amount_agreed", "decision", "decided_at", "status", "at_night"], claim_rows())
    with connection.cursor() as cursor:
        for table in ("vehicles_vehicle", "vehicles_driver", "policies_policy", "claims_claim"):
            cursor.execute(f"VACUUM ANALYZE {table}")  # statistics, and the visibility map for index-only scans
    print(f"generated {VEHICLES:,} vehicles, {DRIVERS:,} drivers, {VEHICLES:,} policies and {claims:,} claims "
          f"with COPY in {time.perf_counter() - started:.1f} s")


def _claim_count() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM claims_claim")
        return cursor.fetchone()[0]


def _cpu_seconds(backend_pid: int) -> float:
    """CPU time (user + system) used so far by this process and by its PostgreSQL backend (from /proc, when the
    server runs on this machine; else this process only) — the work done, whatever else runs on the CPUs."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    total = own.ru_utime + own.ru_stime
    try:
        fields = Path(f"/proc/{backend_pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        pass
    return total


def _reset_checks() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE claims_focusedcheck, claims_focusedchecklist, claims_analyticsrun")


# The baseline: one SQL aggregate over the same window finding the same subjects (vehicles and drivers over the
# thresholds), with nothing written and nothing sealed.
_HAND_SQL = """
SELECT count(*) FROM (
    SELECT 1 FROM claims_claim c
    WHERE c.occurred_at >= %(start)s AND c.occurred_at < %(end)s
    GROUP BY GROUPING SETS ((c.vehicle_id), (c.driver_id))
    HAVING (GROUPING(c.vehicle_id) = 0 AND (count(*) >= %(vehicle_min_claims)s OR
            sum(CASE WHEN c.decision = 'refused' THEN 0 ELSE COALESCE(c.amount_agreed, c.amount_claimed, 0) END)
            >= %(vehicle_min_loss)s))
        OR (GROUPING(c.driver_id) = 0 AND c.driver_id IS NOT NULL AND (count(*) >= %(driver_min_claims)s OR
            sum(CASE WHEN c.decision = 'refused' THEN 0 ELSE COALESCE(c.amount_agreed, c.amount_claimed, 0) END)
            >= %(driver_min_loss)s))
) flagged
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--growth", default="",
                        help="comma-separated numbers of claims: run this benchmark at each size (each in its own "
                             "database, generated once) and print the growth curve")
    args = parser.parse_args()
    if args.growth:
        return _growth([int(n) for n in args.growth.split(",")], args)

    _setup_django()
    import datetime as dt

    from django.db import connection
    from django.utils import timezone

    from apps.claims import analytics
    from benchmarks.common import load_average, side_by_side
    from liuzhou_regulation.celery import app

    have = _claim_count()
    if args.regenerate or have == 0:
        _generate(args.claims)
    elif have != args.claims:
        raise SystemExit(f"database {BENCH_DB} holds {have:,} claims, not {args.claims:,}: pass --regenerate to "
                         f"rebuild it, or LZ_BENCH_DB=<another database>")
    thresholds = analytics.thresholds_current()
    now = timezone.now()
    params = {"start": now - dt.timedelta(days=thresholds.window_days), "end": now,
              **{f: getattr(thresholds, f) for f in ("vehicle_min_claims", "vehicle_min_loss", "driver_min_claims",
                                                       "driver_min_loss")}}
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM claims_claim WHERE occurred_at >= %(start)s AND occurred_at < %(end)s",
                       params)
        in_window = cursor.fetchone()[0]
    print(f"machine: {os.cpu_count()} CPUs, load average {load_average():.1f}")
    print(f"data: {_claim_count():,} claims, {in_window:,} in the {thresholds.window_days}-day window; thresholds "
          f"v{thresholds.version}: vehicles ≥ {thresholds.vehicle_min_claims} claims or ≥ {thresholds.vehicle_min_loss}"
          f" yuan, drivers ≥ {thresholds.driver_min_claims} claims or ≥ {thresholds.driver_min_loss} yuan")

    def hand() -> int:
        with connection.cursor() as cursor:
            cursor.execute(_HAND_SQL, params)
            return cursor.fetchone()[0]

    parts: dict[str, list[float]] = {"sql": [], "send": []}
    state: dict = {}

    def job() -> int:
        started = time.perf_counter()
        run = analytics.analytics_run(actor=analytics.scheduled_actor(), send=False)
        middle = time.perf_counter()
        state["sent"] = analytics.focused_lists_send(run=run, actor=analytics.scheduled_actor())
        parts["sql"].append(middle - started)
        parts["send"].append(time.perf_counter() - middle)
        state["run"] = run
        return run.vehicles_flagged + run.drivers_flagged

    def after() -> None:
        app.control.purge()  # the delivery tasks queued on "bench_claims"
        if "run" in state:
            run = state["run"]
            state["rows_sent"] = sum(c.checks.count() for c in run.lists.all())
            state["lists"] = run.lists_created
        _reset_checks()

    _reset_checks()
    result = side_by_side("claims analytics job (find, write, seal)", job, "one SQL aggregate", hand,
                          repeat=args.repeat, after=after)
    expected = hand()
    met = result.report(goal_seconds=10, expected_rows=expected)
    sql, send = parts["sql"][1:], parts["send"][1:]  # without the warm-up
    print(f"   of which set-based SQL: median {statistics.median(sql):.2f} s (min–max {min(sql):.2f}–{max(sql):.2f} s);"
          f" sealing {state['sent']} company lists ({state['rows_sent']:,} rows): median "
          f"{statistics.median(send):.2f} s (min–max {min(send):.2f}–{max(send):.2f} s)")
    print(f"SUMMARY {args.claims} {result.median():.4f} {result.median('baseline'):.4f} {result.ratio():.4f} "
          f"{load_average():.2f} {int(met)}")
    return 0


def _growth(sizes: list[int], args) -> int:
    """This benchmark at each size, each in its own database (``bench_claims`` for 1,000,000 claims,
    ``bench_claims_<n>`` otherwise), then the curve."""
    import subprocess

    from benchmarks.common import growth

    points = []
    for size in sizes:
        env = {**os.environ, "LZ_BENCH_DB": os.environ.get("LZ_BENCH_DB", "bench_claims")
               + ("" if size == 1_000_000 else f"_{size}")}
        command = [sys.executable, __file__, "--claims", str(size), "--repeat", str(args.repeat)]
        if args.regenerate:
            command.append("--regenerate")
        out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout  # noqa: S603
        print(out, flush=True)
        summary = next(line for line in out.splitlines() if line.startswith("SUMMARY")).split()
        points.append((size, float(summary[2]), float(summary[3])))
    growth("the claims analytics job", points, "claims")
    return 0


if __name__ == "__main__":
    sys.exit(main())
