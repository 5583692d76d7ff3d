"""An insurer-scoped page of the policy list API (``GET /api/v1/policies/``) with 1,000,000 policies in the table
(target: p95 ≤ 100 ms). The requests go through the whole Django stack in this process (middleware, session
authentication, the access module, DRF, serialisation); only the network is left out.

The first page is measured side by side with its baseline, request by request (interleaved): one hand-written
statement reading the same 50 policies of the insurer with their vehicle, insurer name and coverage lines,
turned into JSON (no count of the insurer's book, no framework). Both must return 50 rows (checked); the script
prints p50/p95 of both, the ratio and the verdict against the goal. Also measured: the same list filtered by
plate, deep pages, and the insurer's policy page (HTML).

    nice -n 10 .venv/bin/python -m benchmarks.policy_api [requests]
"""

import json
import random
import sys
import time

from benchmarks.common import ensure_city, load_average, machine, percentiles, use_bench_database

BASELINE_SQL = """
SELECT p.id, p.insurer_id, o.name, p.number, p.kind, p.vehicle_id, v.plate, v.vin, p.usage_nature_insured,
       p.starts_at, p.ends_at, p.premium, p.status, p.rescinded_at, p.cancelled_at, p.created_at, p.updated_at,
       (SELECT coalesce(json_agg(json_build_object('kind', c.kind, 'limit', c."limit",
                                                   'per_seat_limit', c.per_seat_limit, 'seats', c.seats)), '[]')
        FROM policies_coverage c WHERE c.policy_id = p.id) AS coverages
FROM policies_policy p JOIN vehicles_vehicle v ON v.id = p.vehicle_id JOIN parties_organization o ON o.id = p.insurer_id
WHERE p.insurer_id = %s
ORDER BY p.starts_at DESC, p.id DESC
LIMIT 50
"""


def first_page_side_by_side(client, insurer_id: int, n: int) -> None:
    """The API's first page against the baseline statement + JSON, alternating request by request."""
    from django.db import connection

    def baseline() -> int:
        with connection.cursor() as cursor:
            cursor.execute(BASELINE_SQL, [insurer_id])
            columns = [c.name for c in cursor.description]
            rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        json.dumps({"results": rows}, default=str)
        return len(rows)

    def api() -> int:
        response = client.get("/api/v1/policies/")
        assert response.status_code == 200, response.status_code
        return len(response.json()["results"])

    for fn in (baseline, api, baseline, api):  # warm-up
        fn()
    samples: dict[str, list[float]] = {"baseline": [], "api": []}
    counts: set[int] = set()
    load_before = load_average()
    for i in range(n):
        for name, fn in ((("baseline", baseline), ("api", api)) if i % 2 == 0 else (("api", api), ("baseline", baseline))):
            start = time.perf_counter()
            counts.add(fn())
            samples[name].append((time.perf_counter() - start) * 1000)
    base, measured = percentiles(samples["baseline"]), percentiles(samples["api"])
    print(f"== insurer-scoped policy API, first page: {n} interleaved pairs, load average {load_before:.1f}–"
          f"{load_average():.1f}")
    print(f"   baseline (one statement + JSON): p50 {base['p50']:.1f} ms, p95 {base['p95']:.1f} ms "
          f"(min–max {min(samples['baseline']):.1f}–{base['max']:.1f} ms)")
    print(f"   measured (GET /api/v1/policies/): p50 {measured['p50']:.1f} ms, p95 {measured['p95']:.1f} ms "
          f"(min–max {min(samples['api']):.1f}–{measured['max']:.1f} ms)")
    print(f"   ratio measured/baseline: p50 {measured['p50'] / base['p50']:.2f}×, p95 {measured['p95'] / base['p95']:.2f}×")
    print(f"   rows per page: {sorted(counts)} — {'checked' if counts == {50} else 'MISMATCH'}")
    met = measured["p95"] <= 100 and counts == {50}
    print(f"   goal p95 ≤ 100 ms: {'MET' if met else 'MISSED'} (p95 {measured['p95']:.1f} ms)")


def measure(client, label: str, urls: list[str]) -> dict:
    for url in urls[:5]:  # warm-up
        client.get(url)
    samples, refused = [], {}
    for url in urls:
        start = time.perf_counter()
        response = client.get(url)
        if response.status_code != 200:  # e.g. a page number the paginator no longer serves
            refused[response.status_code] = refused.get(response.status_code, 0) + 1
            continue
        samples.append((time.perf_counter() - start) * 1000)
    if not samples:
        print(f"{label:<44} every request answered {refused}")
        return {}
    stats = percentiles(samples)
    print(f"{label:<44} n={stats['n']:<4} mean {stats['mean']:6.1f} ms  p50 {stats['p50']:6.1f} ms  "
          f"p95 {stats['p95']:6.1f} ms  p99 {stats['p99']:6.1f} ms" + (f"  (not 200: {refused})" if refused else ""))
    return stats


def cursor_urls(client, first: str, pages: int) -> list[str]:
    """The URLs of the first ``pages`` pages of a list, following its ``next`` cursor (page numbers past the bounded
    count are not served: deep pages go by keyset)."""
    urls, url = [], first
    while url and len(urls) < pages:
        urls.append(url)
        url = client.get(url).json()["next"]
        url = url and url[url.index("/api/"):]
    return urls


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
    first_page_side_by_side(client, user.organization_id, n)
    measure(client, "API pages 1–20", [f"/api/v1/policies/?page={rng.randint(1, 20)}" for _ in range(n)])
    deep = cursor_urls(client, "/api/v1/policies/", 1000)
    measure(client, f"API pages 1–{len(deep)} by the next cursor", [rng.choice(deep) for _ in range(n)])
    measure(client, "API filtered by plate", [f"/api/v1/policies/?plate={rng.choice(plates)}" for _ in range(n)])
    measure(client, "HTML policy list, pages 1–20", [f"/policies/?page={rng.randint(1, 20)}" for _ in range(n // 2)])


if __name__ == "__main__":
    main()
