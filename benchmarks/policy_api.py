"""An insurer-scoped page of the policy list API (``GET /api/v1/policies/``) with 1,000,000 policies in the table
(target: p95 ≤ 100 ms). The requests go through the whole Django stack in this process (middleware, session
authentication, the access module, DRF, serialisation); only the network is left out.

Also measured: the same list filtered by plate, deep pages, and the insurer's policy page (HTML).

    .venv/bin/python -m benchmarks.policy_api [requests]
"""

import random
import sys
import time

from benchmarks.common import ensure_city, machine, percentiles, use_bench_database


def measure(client, label: str, urls: list[str]) -> dict:
    for url in urls[:5]:  # warm-up
        client.get(url)
    samples = []
    for url in urls:
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    stats = percentiles(samples)
    print(f"{label:<44} n={stats['n']:<4} mean {stats['mean']:6.1f} ms  p50 {stats['p50']:6.1f} ms  "
          f"p95 {stats['p95']:6.1f} ms  p99 {stats['p99']:6.1f} ms")
    return stats


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    use_bench_database()
    ensure_city(1_000_000)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from apps.parties.models import User
    from apps.policies.models import Policy

    rng = random.Random(7)
    user = User.objects.get(username="picc")
    own = Policy.objects.filter(insurer_id=user.organization_id)
    print(f"machine: {machine()}")
    print(f"policies in the table: {Policy.objects.count():,}; the insurer's own: {own.count():,}")
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/policies/")
    print(f"queries per API page: {len(queries)}")
    plates = list(own.values_list("vehicle__plate", flat=True)[:2000])
    measure(client, "API first page", ["/api/v1/policies/"] * n)
    measure(client, "API pages 1–20", [f"/api/v1/policies/?page={rng.randint(1, 20)}" for _ in range(n)])
    measure(client, "API pages 1–1000", [f"/api/v1/policies/?page={rng.randint(1, 1000)}" for _ in range(n)])
    measure(client, "API filtered by plate", [f"/api/v1/policies/?plate={rng.choice(plates)}" for _ in range(n)])
    measure(client, "HTML policy list, pages 1–20", [f"/policies/?page={rng.randint(1, 20)}" for _ in range(n // 2)])


if __name__ == "__main__":
    main()
