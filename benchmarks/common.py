"""Shared set-up of the register benchmarks: a separate database on the same PostgreSQL server
(default ``bench_registers``; ``LZ_BENCH_DB`` to change) migrated, with the demo organisations and users, so tests and demo data are never disturbed.

Every script prints its figures; none of them is a test. Run them from the checkout root, e.g.
``.venv/bin/python -m benchmarks.import_vehicles``.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def use_bench_database(name: str | None = None) -> str:
    """Create the benchmark database if needed, point Django at it, set Django up, migrate, load the demo parties."""
    from loadtest.harness import admin_connect, server_database_url, with_dbname

    name = name or os.environ.get("LZ_BENCH_DB", "bench_registers")
    server = server_database_url()
    with admin_connect(server) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = with_dbname(server, name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuzhou_regulation.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    _demo_parties()
    return name


def _demo_parties() -> None:
    """The demo organisations and one user each (what ``seed_demo`` loads, without the apps' demo data)."""
    from django.conf import settings

    from apps.parties import services
    from apps.parties.models import Organization, Role, User
    from apps.parties.rights import SystemActor

    rows = json.loads((Path(settings.BASE_DIR) / "fixtures" / "demo_organizations.json").read_text(encoding="utf-8"))
    for row in rows:
        org = Organization.objects.filter(uscc=row["uscc"]).first() or services.organization_create(
            kind=row["kind"], name=row["name"], short_name=row["short_name"], uscc=row["uscc"],
            actor=SystemActor("benchmark"))
        for u in row["users"]:
            if not User.objects.filter(username=u["username"]).exists():
                services.user_create(organization=org, username=u["username"], password="Bench-password-1",
                                     full_name=u["full_name"], is_superuser=u["role"] == Role.PLATFORM_ADMIN,
                                     actor=SystemActor("benchmark"))


def ensure_city(policies: int) -> None:
    """A city of at least ``policies`` policies in the benchmark database (generated once)."""
    from apps.policies.models import Policy
    from apps.vehicles.management.commands.generate_city import Plan, generate_city

    have = Policy.objects.count()
    if have >= policies * 0.99:
        return
    print(f"generating a city of {policies:,} policies (have {have:,}) …", flush=True)
    result = generate_city(Plan(policies=policies, seed=4502, chunk=5000), stdout=sys.stdout)
    if result is None:
        raise SystemExit("the benchmark database holds another city; drop it (DROP DATABASE bench_registers) and rerun")
    print(f"generated: {result}", flush=True)


def _backend_pid() -> int | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def cpu_seconds(backend_pid: int | None) -> float:
    """CPU time (user + system) used so far by this process and by its PostgreSQL backend (read from /proc when the
    server runs on this machine): the work done, whatever else shares the CPUs."""
    used = time.process_time()
    if backend_pid:
        try:
            fields = Path(f"/proc/{backend_pid}/stat").read_text().rsplit(")", 1)[1].split()
            used += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
    return used


@contextmanager
def timed(label: str, results: dict | None = None):
    """Wall time and CPU time (this process + its database backend) of the block."""
    pid = _backend_pid()
    cpu = cpu_seconds(pid)
    start = time.perf_counter()
    yield
    seconds = time.perf_counter() - start
    cpu = cpu_seconds(pid) - cpu
    if results is not None:
        results[label] = seconds
        results[label + " (cpu)"] = cpu
    print(f"{label:<48} {seconds:8.2f} s wall  {cpu:8.2f} s CPU  (load {os.getloadavg()[0]:.1f})", flush=True)


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    return {"n": len(ordered), "mean": statistics.fmean(ordered), "p50": pct(50), "p95": pct(95), "p99": pct(99),
            "max": ordered[-1]}


def machine() -> str:
    import platform

    return f"{platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}"
