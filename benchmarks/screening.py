"""Benchmark of the lawful-list screening (rule M6): 100,000 listed vehicles against 1,000,000 policies.

    nice -n 10 .venv/bin/python benchmarks/screening.py [--listed 100000] [--policies 1000000] [--repeat 5]
                                                        [--growth 25000,50000,100000] [--regenerate] [--synthetic]

Targets (issue "Leads"): the screening (``apps.leads.screening.screen``) takes at most 5 s, and at most 1.5× the
time of ONE hand-written SQL statement doing the same join on the same data, measured side by side in this run.
Both must return the same set of findings; the script checks that before it prints the figures.

It uses the register benchmarks' city (``benchmarks/common.py``, database ``bench_registers``: ``generate_city``,
generated once and kept; ``--regenerate`` rebuilds it). Both are run side by side, interleaved, and the script
prints medians, min–max, the ratio and the verdict against both goals. With ``--synthetic`` it uses a separate
database ``bench_leads`` (``LZ_BENCH_DB``) filled once with a synthetic city instead:

* 10 insurers (consecutive ids); ``policies / 2`` vehicles of 5 seats (2 % of 9 seats, outside rule M1's scope);
* the first ``--listed`` vehicles hold a valid ride-hailing permit (the list transport pushes);
* two policies per vehicle (compulsory + third party) — of the listed vehicles, 5 % have a commercial policy
  insured as 家庭自用 (non-operating), 2 % have only expired or cancelled policies (uninsured);
* the unlisted vehicles are private cars insured as 家庭自用.
Figures are printed; nothing is asserted (this is not a test).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = os.environ.get("LZ_BENCH_DB", "bench_leads")


def _bench_database_url() -> tuple[str, str]:
    from liuzhou_regulation import runtime

    base = os.environ.get("DATABASE_URL") or runtime.embedded_database_url()
    parts = urlparse(base)
    return base, urlunparse(parts._replace(path=f"/{BENCH_DB}"))


def _ensure_database(base_url: str) -> None:
    import psycopg

    with psycopg.connect(base_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


def _setup_django() -> None:
    base_url, bench_url = _bench_database_url()
    _ensure_database(base_url)
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuzhou_regulation.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


GENERATE_SQL = """
TRUNCATE policies_coverage, policies_policy, vehicles_operatingpermit, vehicles_vehicle RESTART IDENTITY CASCADE;
INSERT INTO parties_organization (kind, name, short_name, uscc, is_active, created_at)
SELECT 'insurer', '基准保险公司' || i, '基准' || i, 'BENCH' || lpad(i::text, 13, '0'), true, now()
FROM generate_series(1, 10) i
ON CONFLICT (uscc) DO NOTHING;

INSERT INTO vehicles_vehicle (plate, vin, vin_override, engine_no, vehicle_type, make_model, seats, usage_nature,
    owner_name, owner_name_bidx, owner_id_no, owner_id_no_bidx, status, online, created_at, updated_at)
SELECT '桂' || chr(65 + i / 100000) || lpad((i %% 100000)::text, 5, '0'),
       'LBENCH' || lpad(i::text, 11, '0'), true, '', '小型轿车', '', CASE WHEN i %% 50 = 7 THEN 9 ELSE 5 END,
       CASE WHEN i <= %(listed)s THEN 'ride_hailing' ELSE 'family' END, '', '', '', '', 'normal', false, now(), now()
FROM generate_series(1, %(vehicles)s) i;

INSERT INTO vehicles_operatingpermit (vehicle_id, number, kind, valid_from, valid_to, issued_by, created_at, updated_at)
SELECT v.id, '桂交运管柳字' || lpad(v.id::text, 9, '0'), 'ride_hailing', DATE '2026-01-01', DATE '2029-12-31',
       '柳州市交通运输局', now(), now()
FROM vehicles_vehicle v WHERE v.id <= %(listed)s;

-- Two policies per vehicle; the listed vehicles' usage natures decide the findings (see module docstring).
INSERT INTO policies_policy (insurer_id, number, kind, vehicle_id, usage_nature_insured, policyholder_name,
    policyholder_name_bidx, starts_at, ends_at, premium, status, rescinded_at, cancelled_at, created_at, updated_at)
SELECT ins.first_id + (v.id + k.n) %% 10,
       'PB' || lpad(v.id::text, 9, '0') || k.n,
       k.kind, v.id,
       CASE WHEN v.id > %(listed)s THEN 'family'
            WHEN v.id %% 100 < 5 AND k.n = 2 THEN 'family'
            ELSE 'ride_hailing' END,
       '', '',
       CASE WHEN v.id <= %(listed)s AND v.id %% 100 BETWEEN 5 AND 6 THEN TIMESTAMPTZ '2025-01-01 00:00+08'
            ELSE TIMESTAMPTZ '2026-03-01 00:00+08' - (v.id %% 200) * interval '1 day' END,
       CASE WHEN v.id <= %(listed)s AND v.id %% 100 BETWEEN 5 AND 6 THEN TIMESTAMPTZ '2026-01-01 00:00+08'
            ELSE TIMESTAMPTZ '2027-03-01 00:00+08' - (v.id %% 200) * interval '1 day' END,
       CASE WHEN k.n = 1 THEN 950 ELSE 2800 END,
       CASE WHEN v.id <= %(listed)s AND v.id %% 100 BETWEEN 5 AND 6 THEN 'expired' ELSE 'active' END,
       NULL, NULL, now(), now()
FROM vehicles_vehicle v
CROSS JOIN (VALUES (1, 'compulsory'), (2, 'third_party')) AS k(n, kind)
CROSS JOIN (SELECT min(id) AS first_id FROM parties_organization WHERE uscc LIKE 'BENCH%%') ins;
ANALYZE vehicles_vehicle; ANALYZE vehicles_operatingpermit; ANALYZE policies_policy;
"""

# The single hand-written statement: the same join, the same findings and the same columns (policy number, insurer
# name, insured usage) as apps.leads.screening.screen.
HAND_SQL = """
SELECT v.id AS vehicle_id, p.id AS policy_id, p.insurer_id, p.number, o.name, p.usage_nature_insured,
       CASE WHEN p.id IS NULL THEN 'uninsured' ELSE 'insured_as_non_operating' END AS kind
FROM vehicles_vehicle v
LEFT JOIN policies_policy p ON p.vehicle_id = v.id
     AND p.starts_at <= %(at)s AND p.ends_at > %(at)s
     AND (p.rescinded_at IS NULL OR p.rescinded_at > %(at)s)
     AND (p.cancelled_at IS NULL OR p.cancelled_at > %(at)s)
LEFT JOIN parties_organization o ON o.id = p.insurer_id
WHERE v.id = ANY(%(vehicles)s::bigint[]) AND v.seats <= %(max_seats)s
  AND (p.id IS NULL OR NOT (p.usage_nature_insured = ANY(%(operating)s)))
"""


def _generate(listed: int, policies: int) -> None:
    from django.db import connection

    vehicles = policies // 2
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(GENERATE_SQL, {"listed": listed, "vehicles": vehicles})
    print(f"generated {vehicles:,} vehicles, {listed:,} permits, {policies:,} policies "
          f"in {time.perf_counter() - started:.1f} s")


def _counts() -> tuple[int, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM policies_policy")
        policies = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM vehicles_operatingpermit")
        permits = cursor.fetchone()[0]
    return policies, permits


def _hand(entries, at):
    from django.db import connection

    from apps.vehicles.conf import VEHICLE_SCOPE_MAX_SEATS
    from apps.vehicles.usage import OPERATING_NATURES

    params = {
        "vehicles": [v for v, _p in entries], "at": at,
        "max_seats": VEHICLE_SCOPE_MAX_SEATS, "operating": sorted(str(n) for n in OPERATING_NATURES),
    }
    with connection.cursor() as cursor:
        cursor.execute(HAND_SQL, params)
        return cursor.fetchall()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listed", type=int, default=100_000)
    parser.add_argument("--policies", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--growth", default="", help="comma-separated list lengths for the growth curve")
    parser.add_argument("--synthetic", action="store_true",
                        help="plain-SQL data in its own database (bench_leads) instead of the shared city")
    parser.add_argument("--full", action="store_true",
                        help="also time the whole ingest step (screen, store findings, seal one worklist per insurer), "
                             "rolled back afterwards")
    args = parser.parse_args()

    if args.synthetic:
        _setup_django()
        policies, permits = _counts()
        if args.regenerate or policies == 0:
            _generate(args.listed, args.policies)
    else:
        from benchmarks.common import ensure_city, use_bench_database

        use_bench_database()
        ensure_city(args.policies, regenerate=args.regenerate)
    policies, permits = _counts()
    from django.utils import timezone

    from apps.leads.screening import lawful_list_rows, screen
    from apps.vehicles.models import Vehicle
    from benchmarks.common import growth, load_average, side_by_side

    synthetic = Vehicle.objects.filter(vin__startswith="LBENCH").exists()
    at = dt.datetime(2026, 6, 15, 10, 0, tzinfo=dt.UTC) if synthetic else timezone.now()

    started = time.perf_counter()
    rows = lawful_list_rows(at)
    list_seconds = time.perf_counter() - started
    entries = [(r["vehicle_id"], r["permit_id"]) for r in rows][: args.listed]
    print(f"load average {load_average():.1f}; data: {policies:,} policies, {permits:,} permits; lawful list of "
          f"{len(rows):,} vehicles built in {list_seconds:.2f} s; screening {len(entries):,} of them")

    out: dict = {}

    def hand(entries=entries) -> int:
        out["hand"] = _hand(entries, at)
        return len(out["hand"])

    def service(entries=entries) -> int:
        out["screen"] = screen(entries, at)
        return len(out["screen"][0])

    result = side_by_side("screen()", service, "hand-written SQL", hand, repeat=args.repeat)
    hand_set = {(v, pol, kind) for v, pol, _ins, _no, _name, _usage, kind in out["hand"]}
    hits, counts = out["screen"]
    screen_set = {(h.vehicle_id, h.policy_id, str(h.kind)) for h in hits}
    same = hand_set == screen_set
    result.report(goal_seconds=5, goal_ratio=1.5)
    print(f"   findings: {len(hits):,} (non-operating policies "
          f"{sum(1 for h in hits if h.kind == 'insured_as_non_operating'):,}, uninsured "
          f"{sum(1 for h in hits if h.kind == 'uninsured'):,}); counts {counts}; same findings as the hand-written "
          f"SQL: {'yes' if same else 'NO'}")
    if not same:
        print(f"  only in hand SQL: {len(hand_set - screen_set)}, only in screen(): {len(screen_set - hand_set)}")
    if args.growth:
        points = []
        for size in [int(n) for n in args.growth.split(",")]:
            part = entries[:size]
            run = side_by_side(f"screen(), {len(part):,} listed", lambda part=part: service(part),
                               "hand-written SQL", lambda part=part: hand(part), repeat=max(3, args.repeat // 2))
            run.report(goal_ratio=1.5)
            points.append((len(part), run.median(), run.median("baseline")))
        growth("screen()", points, "listed")
    if args.full:
        _full_ingest(rows[: args.listed], at)
    return 0


class _Rollback(Exception):
    pass


def _full_ingest(rows: list[dict], at) -> None:
    """The regulator's whole ingest of a received list, as the ``lawful_list`` handler runs it (then undone)."""
    from django.db import transaction

    from apps.core.validators import uscc_check_char
    from apps.exchange.models import Batch
    from apps.leads.models import LawfulListRun, ScreeningFinding
    from apps.leads.screening import lawful_list_screen
    from apps.parties.models import Organization, OrganizationKind
    from apps.parties.rights import SystemActor
    from apps.parties.services import organization_create

    parties = {}
    for n, kind in enumerate((OrganizationKind.TRANSPORT, OrganizationKind.REGULATOR), start=11):
        parties[kind] = Organization.objects.filter(kind=kind).order_by("id").first()
        if parties[kind] is None:
            body = f"11450200MB9B{n:05d}"
            parties[kind] = organization_create(kind=kind, name=f"基准{OrganizationKind(kind).label}",
                                                uscc=body + uscc_check_char(body), actor=SystemActor("benchmark"))
    try:
        with transaction.atomic():
            run = LawfulListRun.objects.create(sender=parties[OrganizationKind.TRANSPORT],
                                               recipient=parties[OrganizationKind.REGULATOR],
                                               listed_on=at.date(), vehicle_count=len(rows))
            started = time.perf_counter()
            lawful_list_screen(run=run, rows=rows, at=at)
            seconds = time.perf_counter() - started
            findings = ScreeningFinding.objects.filter(run=run).count()
            batches = Batch.objects.filter(kind="worklist", refs__contains=[f"LL{run.pk}"]).count()
            print(f"whole ingest of the list (screen {run.screen_ms} ms + store {findings:,} findings + seal "
                  f"{batches} worklist batches): {seconds:.2f} s")
            raise _Rollback
    except _Rollback:
        pass


if __name__ == "__main__":
    sys.exit(main())
