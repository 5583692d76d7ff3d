"""The set-based verification service (``apps.policies.verification.verify_vehicles``) over 100,000 vehicles
against the city's 1,000,000 policies (target: ≤ 5 s).

    .venv/bin/python -m benchmarks.verify [vehicles] [repeat]
"""

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
    for run in range(1, repeat + 1):
        with timed(f"verify_vehicles, run {run} (with policy lists)", results):
            out = verify_vehicles(ids, at)
    with timed("verify_vehicles without policy lists", results):
        verify_vehicles(ids, at, with_policies=False)
    findings = Counter(v.finding for v in out.values())
    print("findings:", dict(findings), "double compulsory:", sum(v.double_compulsory for v in out.values()),
          "with coverage gaps:", sum(bool(v.coverage_gaps) for v in out.values()))
    best = min(v for k, v in results.items() if k.startswith("verify_vehicles, run") and not k.endswith("(cpu)"))
    print(f"best of {repeat}: {best:.2f} s ({len(ids) / best:,.0f} vehicles/s)")


if __name__ == "__main__":
    main()
