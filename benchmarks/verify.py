"""The set-based verification service (``apps.policies.verification.verify_vehicles``) over 100,000 vehicles
against the city's 1,000,000 policies (target: ≤ 5 s).

Two forms of the same call, each run ``repeat`` times (best and median printed): the verdicts — finding, valid
permits, usage natures insured, double compulsory insurance and coverage gaps for every vehicle, what screening
and worklists use (``with_policies=False``) — and the same with every vehicle's list of policies in force
(``with_policies=True``, what a page showing a few vehicles asks for).

    .venv/bin/python -m benchmarks.verify [vehicles] [repeat]
"""

import statistics
import sys
from collections import Counter

from benchmarks.common import ensure_city, machine, timed, use_bench_database


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    use_bench_database()
    ensure_city(1_000_000)
    from django.utils import timezone

    from apps.policies.models import Policy
    from apps.policies.verification import verify_vehicles
    from apps.vehicles.models import Vehicle

    ids = list(Vehicle.objects.order_by("id").values_list("id", flat=True)[:count])
    print(f"machine: {machine()}")
    print(f"{len(ids):,} vehicles against {Policy.objects.count():,} policies")
    at = timezone.now()
    results: dict = {}
    for with_policies in (False, True):
        form = "with policy lists" if with_policies else "verdicts"
        times = []
        for run in range(1, repeat + 1):
            with timed(f"verify_vehicles ({form}), run {run}", results):
                out = verify_vehicles(ids, at, with_policies=with_policies)
            times.append(results[f"verify_vehicles ({form}), run {run}"])
        print(f"  {form}: best {min(times):.2f} s, median {statistics.median(times):.2f} s "
              f"({len(ids) / min(times):,.0f} vehicles/s)")
    findings = Counter(str(v.finding) for v in out.values())
    print("findings:", dict(findings), "double compulsory:", sum(v.double_compulsory for v in out.values()),
          "with coverage gaps:", sum(bool(v.coverage_gaps) for v in out.values()),
          "policies in force:", sum(len(v.policies) for v in out.values()))

if __name__ == "__main__":
    main()
