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
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
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


def ensure_city(policies: int, *, regenerate: bool = False) -> None:
    """A city of at least ``policies`` policies in the benchmark database: generated once and kept for every later
    run (``regenerate``: drop the registers' rows first and generate it again)."""
    from django.db import connection

    from apps.demo.management.commands.generate_city import Plan, generate_city
    from apps.policies.models import Policy

    if regenerate:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE policies_coverage, policies_policy, vehicles_driverassignment, vehicles_driver, "
                           "vehicles_operatingpermit, vehicles_vehicle RESTART IDENTITY CASCADE")
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


# --- side by side: the measured code against its baseline, in the same run ------------------------------------


def load_average() -> float:
    return os.getloadavg()[0]


@dataclass
class Sample:
    seconds: float
    cpu: float
    rows: int
    load: float


@dataclass
class SideBySide:
    """Interleaved repeats of a baseline (the least work that gives the same result: COPY, one hand-written
    statement) and of the measured code, on the same data in the same run. The figures are medians and
    min–max over the repeats; the ratio is taken pair by pair (each measured repeat against the baseline
    repeat next to it), so a minute when the shared machine is slow weighs on both sides."""

    label: str
    baseline_label: str
    baseline: list[Sample] = field(default_factory=list)
    measured: list[Sample] = field(default_factory=list)

    @property
    def ratios(self) -> list[float]:
        return [m.seconds / b.seconds for b, m in zip(self.baseline, self.measured, strict=True) if b.seconds]

    def median(self, which: str = "measured") -> float:
        return statistics.median(s.seconds for s in getattr(self, which))

    def ratio(self) -> float:
        return statistics.median(self.ratios)

    def rows_checked(self, expected: int | None = None) -> bool:
        """Every repeat of both sides handled the same number of rows (and ``expected`` when given)."""
        counts = {s.rows for s in self.baseline} | {s.rows for s in self.measured}
        return len(counts) == 1 and (expected is None or counts == {expected})

    def report(self, *, goal_seconds: float | None = None, goal_ratio: float | None = None,
               expected_rows: int | None = None) -> bool:
        """Print the figures and the verdict against the goals; returns whether every goal is met (on medians,
        never on the best repeat)."""
        def spread(samples: list[Sample]) -> str:
            times = [s.seconds for s in samples]
            return (f"median {statistics.median(times):7.3f} s (min–max {min(times):.3f}–{max(times):.3f} s), "
                    f"CPU median {statistics.median(s.cpu for s in samples):.2f} s")

        loads = [s.load for s in self.baseline + self.measured]
        print(f"== {self.label}: {len(self.measured)} interleaved repeats, load average "
              f"{min(loads):.1f}–{max(loads):.1f}")
        print(f"   baseline ({self.baseline_label}): {spread(self.baseline)}")
        print(f"   measured ({self.label}): {spread(self.measured)}")
        ratios = self.ratios
        cpu = [m.cpu / b.cpu for b, m in zip(self.baseline, self.measured, strict=True) if b.cpu]
        print(f"   ratio measured/baseline: median {self.ratio():.2f}× (min–max {min(ratios):.2f}–{max(ratios):.2f}×)"
              + (f"; CPU time {statistics.median(cpu):.2f}×" if cpu else ""))
        rows = sorted({s.rows for s in self.baseline} | {s.rows for s in self.measured})
        rows_ok = self.rows_checked(expected_rows)
        print(f"   rows timed: {', '.join(f'{r:,}' for r in rows)}"
              + (f" (expected {expected_rows:,})" if expected_rows is not None else "")
              + f" — {'checked' if rows_ok else 'MISMATCH'}")
        met = rows_ok
        goals = []
        if goal_seconds is not None:
            ok = self.median() <= goal_seconds
            goals.append(f"≤ {goal_seconds:g} s: {'met' if ok else 'MISSED'} (median {self.median():.2f} s)")
            met = met and ok
        if goal_ratio is not None:
            ok = self.ratio() <= goal_ratio
            goals.append(f"≤ {goal_ratio:g}× baseline: {'met' if ok else 'MISSED'} (median {self.ratio():.2f}×)")
            met = met and ok
        if goals:
            print("   goal " + "; ".join(goals) + f" → {'MET' if met else 'MISSED'}")
        return met


def _sample(fn: Callable[[], int]) -> Sample:
    pid = _backend_pid()
    load = load_average()
    cpu = cpu_seconds(pid)
    start = time.perf_counter()
    rows = fn()
    seconds = time.perf_counter() - start
    return Sample(seconds, cpu_seconds(pid) - cpu, int(rows), load)


def side_by_side(label: str, measured: Callable[[], int], baseline_label: str, baseline: Callable[[], int], *,
                 repeat: int = 5, warm: bool = True, after: Callable[[], None] | None = None) -> SideBySide:
    """Run ``baseline`` and ``measured`` (each returns the number of rows it handled) ``repeat`` times,
    alternating which goes first; ``after`` runs after each call (e.g. to undo what it wrote) and is not timed."""
    result = SideBySide(label, baseline_label)
    if warm:
        for fn in (baseline, measured):
            fn()
            if after:
                after()
    for i in range(repeat):
        order = ((baseline, result.baseline), (measured, result.measured))
        for fn, samples in order if i % 2 == 0 else reversed(order):
            samples.append(_sample(fn))
            if after:
                after()
            print(f"   {'baseline' if samples is result.baseline else 'measured'} repeat {i + 1}: "
                  f"{samples[-1].seconds:.3f} s, {samples[-1].rows:,} rows, load {samples[-1].load:.1f}", flush=True)
    return result


def growth(label: str, points: list[tuple[int, float, float]], unit: str) -> bool:
    """Print the growth curve — (size, measured median seconds, baseline median seconds) for each size — and
    whether the cost grows no faster than linearly: the cost per ``unit`` at the largest size is at most 1.25×
    the cost per unit at the smallest (the margin is the shared machine's noise)."""
    print(f"== growth of {label}")
    print(f"   {unit:>12} | measured median | per 1,000 {unit} | baseline median | ratio")
    for size, seconds, base in points:
        print(f"   {size:>12,} | {seconds:13.3f} s | {seconds / size * 1000:12.4f} s | {base:13.3f} s | "
              f"{seconds / base:5.2f}×")
    first, last = points[0], points[-1]
    per_first, per_last = first[1] / first[0], last[1] / last[0]
    linear = per_last <= 1.25 * per_first
    print(f"   cost per {unit}: {per_last / per_first:.2f}× from {first[0]:,} to {last[0]:,} → "
          f"{'no faster than linear (met)' if linear else 'FASTER THAN LINEAR (missed)'}")
    return linear
