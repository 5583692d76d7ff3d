"""The set-based verification service (``apps.policies.verification.verify_vehicles``) over 100,000 vehicles
against the city's 1,000,000 policies (goal: ≤ 5 s), side by side with one hand-written SQL statement.

Both forms of the call are measured, each interleaved with the baseline: the default call (``verify_vehicles(ids,
at)``: verdicts, and each vehicle's list of policies in force available) and the verdicts alone
(``with_policies=False``) — finding, valid permits, usage natures insured, double compulsory insurance and
coverage gaps for every vehicle. The baseline is ONE hand-written statement over the same vehicles that returns,
per vehicle, what the verdicts are made of (seats, valid permits, the usage natures insured, the number of
compulsory policies, the kinds covered and the best third-party limit) — the database's share of the job, with
no Python objects built. Both sides must return one row per vehicle asked for (checked).

``--growth 25000,50000,100000`` also measures the default call at those numbers of vehicles (same city), for the
growth curve. Data: the register benchmarks' city (``benchmarks/common.py``: generated once, ``--regenerate`` to
rebuild).

    nice -n 10 .venv/bin/python -m benchmarks.verify [--vehicles 100000] [--repeat 5] [--growth 25000,50000,100000]
"""

import argparse
import time

from benchmarks.common import ensure_city, growth, load_average, machine, side_by_side, use_bench_database

HAND_SQL = """
WITH v AS (SELECT id, seats FROM vehicles_vehicle WHERE id = ANY(%(ids)s)),
pol AS (
    SELECT p.vehicle_id, p.kind, p.usage_nature_insured, c.kind AS line_kind, c."limit"
    FROM policies_policy p LEFT JOIN policies_coverage c ON c.policy_id = p.id
    WHERE p.vehicle_id = ANY(%(ids)s) AND p.starts_at <= %(at)s AND p.ends_at > %(at)s
      AND (p.rescinded_at IS NULL OR p.rescinded_at > %(at)s) AND (p.cancelled_at IS NULL OR p.cancelled_at > %(at)s)
),
agg AS (
    SELECT vehicle_id, array_agg(DISTINCT usage_nature_insured) AS natures,
           count(DISTINCT kind) FILTER (WHERE kind = 'compulsory') AS compulsory,
           array_agg(DISTINCT line_kind) AS kinds, max("limit") FILTER (WHERE line_kind = 'third_party') AS tp_limit
    FROM pol GROUP BY vehicle_id
),
perm AS (
    SELECT vehicle_id, count(*) AS permits FROM vehicles_operatingpermit
    WHERE vehicle_id = ANY(%(ids)s) AND valid_from <= %(day)s AND valid_to >= %(day)s
      AND (revoked_at IS NULL OR revoked_at > %(at)s)
    GROUP BY vehicle_id
)
SELECT v.id, v.seats, perm.permits, agg.natures, agg.compulsory, agg.kinds, agg.tp_limit
FROM v LEFT JOIN agg ON agg.vehicle_id = v.id LEFT JOIN perm ON perm.vehicle_id = v.id
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vehicles", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--policies", type=int, default=1_000_000, help="size of the city (generated once)")
    parser.add_argument("--growth", default="", help="comma-separated numbers of vehicles for the growth curve")
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args()
    use_bench_database()
    ensure_city(args.policies, regenerate=args.regenerate)
    from collections import Counter

    from django.db import connection
    from django.utils import timezone

    from apps.core.deadlines import local_date
    from apps.policies.models import Policy
    from apps.policies.verification import verify_vehicles
    from apps.vehicles.models import Vehicle

    all_ids = list(Vehicle.objects.order_by("id").values_list("id", flat=True)[:args.vehicles])
    print(f"machine: {machine()}, load average {load_average():.1f}")
    print(f"{len(all_ids):,} vehicles against {Policy.objects.count():,} policies")
    at = timezone.now()

    def hand(ids):
        with connection.cursor() as cursor:
            cursor.execute(HAND_SQL, {"ids": ids, "at": at, "day": local_date(at)})
            return len(cursor.fetchall())

    out = {}

    def service(ids, **kwargs):
        out.clear()
        out.update(verify_vehicles(ids, at, **kwargs))
        return len(out)

    default = side_by_side("verify_vehicles(ids, at)", lambda: service(all_ids), "hand-written SQL",
                           lambda: hand(all_ids), repeat=args.repeat)
    default.report(goal_seconds=5, expected_rows=len(all_ids))
    findings = Counter(str(v.finding) for v in out.values())
    print("   findings:", dict(findings), "double compulsory:", sum(v.double_compulsory for v in out.values()),
          "with coverage gaps:", sum(bool(v.coverage_gaps) for v in out.values()))
    verdicts = side_by_side("verify_vehicles(ids, at, with_policies=False)",
                            lambda: service(all_ids, with_policies=False), "hand-written SQL",
                            lambda: hand(all_ids), repeat=args.repeat)
    verdicts.report(goal_seconds=5, expected_rows=len(all_ids))
    # what a page reads: the policy lists of a few vehicles of a city-wide call
    service(all_ids)
    sample = list(out.values())[:: max(1, len(out) // 1000)]
    start = time.perf_counter()
    listed = sum(len(v.policies) for v in sample)
    print(f"   reading the policy lists of {len(sample):,} of them afterwards ({listed:,} policies): "
          f"{time.perf_counter() - start:.3f} s")
    if args.growth:
        points = []
        for size in [int(s) for s in args.growth.split(",")]:
            ids = all_ids[:size]
            run = side_by_side(f"verify_vehicles, {len(ids):,} vehicles", lambda ids=ids: service(ids),
                               "hand-written SQL", lambda ids=ids: hand(ids), repeat=max(3, args.repeat // 2))
            run.report(expected_rows=len(ids))
            points.append((len(ids), run.median(), run.median("baseline")))
        growth("verify_vehicles (default call)", points, "vehicles")


if __name__ == "__main__":
    main()
