"""How long ``generate_city`` takes to write a city of N policies (default 1,000,000) with COPY, encrypted
personal fields included. Uses the benchmark database; a city already there is reported, not regenerated.

    .venv/bin/python -m benchmarks.generate_city [policies]
"""

import sys
import time

from benchmarks.common import machine, use_bench_database


def main() -> None:
    policies = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    use_bench_database()
    from django.db import connection

    from apps.demo.management.commands.generate_city import Plan, generate_city
    from apps.policies.models import Coverage, Policy
    from apps.vehicles.models import Driver, OperatingPermit, Vehicle

    print(f"machine: {machine()}")
    start = time.perf_counter()
    result = generate_city(Plan(policies=policies, seed=4502, chunk=5000), stdout=sys.stdout)
    seconds = time.perf_counter() - start
    if result is None:
        print("a city already exists in the benchmark database (nothing generated)")
    else:
        print(f"generate_city --policies {policies:,}: {seconds:.1f} s "
              f"({result['policies'] / seconds:,.0f} policies/s)")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    for model in (Vehicle, OperatingPermit, Driver, Policy, Coverage):
        print(f"  {model._meta.db_table:<28} {model.objects.count():>12,}")


if __name__ == "__main__":
    main()
