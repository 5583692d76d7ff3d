"""A throwaway platform on this machine for ``make load`` and ``make fuzz``: its own database on the PostgreSQL
server (the embedded one unless DATABASE_URL is set), its own redis-server on a unix socket, gunicorn on a free
loopback port; everything is stopped and dropped at the end, whatever happens — except, for ``load --policies N``,
the database of the generated city (``bench_pages_city``, shared with ``benchmarks/pages.py``), generated once and
kept for later runs (``--regenerate`` generates it again).

    python -m loadtest.harness load  [--users 200 --spawn-rate 10 --seconds 60 --workers 4 --policies 1000000
                                      --regenerate]
    python -m loadtest.harness fuzz  [--examples 40 --seconds 900]

Only loopback addresses are used; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlsplit, urlunparse

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_database_url() -> str:
    """The PostgreSQL server to create the throwaway database on."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    sys.path.insert(0, str(ROOT))
    from liuzhou_regulation import runtime

    return runtime.embedded_database_url()


def with_dbname(url: str, name: str) -> str:
    return urlunparse(urlparse(url)._replace(path="/" + name))


def admin_connect(url: str):
    """A connection to the server's ``postgres`` database (creating and dropping databases)."""
    import psycopg

    parts = urlparse(url)
    query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
    return psycopg.connect(dbname="postgres", user=parts.username or "postgres", password=parts.password or None,
                           host=query.get("host") or parts.hostname, port=parts.port, autocommit=True)


@contextlib.contextmanager
def throwaway_database(name: str):
    base = server_database_url()
    with admin_connect(base) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    log(f"database {name} created")
    try:
        yield with_dbname(base, name)
    finally:
        with admin_connect(base) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        log(f"database {name} dropped")


@contextlib.contextmanager
def throwaway_redis():
    sys.path.insert(0, str(ROOT))
    from liuzhou_regulation.runtime import redis_executable

    directory = Path(tempfile.mkdtemp(prefix="lzh-redis-"))
    sock, pidfile = directory / "redis.sock", directory / "redis.pid"
    subprocess.run([redis_executable(), "--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700",  # noqa: S603
                    "--dir", str(directory), "--save", "", "--appendonly", "no", "--daemonize", "yes",
                    "--pidfile", str(pidfile), "--logfile", str(directory / "redis.log")], check=True)
    for _ in range(100):
        if sock.exists():
            break
        time.sleep(0.05)
    try:
        yield f"redis+socket://{sock}"
    finally:
        with contextlib.suppress(Exception):
            os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)
        time.sleep(0.3)
        shutil.rmtree(directory, ignore_errors=True)


def environment(database_url: str, redis_url: str) -> dict:
    env = dict(os.environ)
    env.update(DJANGO_ENV="development", DEBUG="false", DATABASE_URL=database_url, REDIS_URL=redis_url,
               LZ_CELERY_QUEUE="lz-harness", LOG_LEVEL="WARNING", ALLOWED_HOSTS="127.0.0.1,localhost",
               AXES_FAILURE_LIMIT="1000", DB_CONN_MAX_AGE="600",
               MEDIA_ROOT=tempfile.mkdtemp(prefix="lzh-media-"))
    return env


def manage(env: dict, *args: str, timeout: int = 1800) -> None:
    log("manage.py " + " ".join(args))
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, timeout=timeout)  # noqa: S603


@contextlib.contextmanager
def gunicorn(env: dict, *, workers: int, port: int):
    # the project's gunicorn settings (personal data masked in its logs), as in production; the access log of a
    # load run goes to var/loadtest-access.log rather than the terminal
    (ROOT / "var").mkdir(exist_ok=True)
    command = [PY, "-m", "gunicorn", "--config", "python:liuzhou_regulation.gunicorn_conf",
               "--access-logfile", str(ROOT / "var" / "loadtest-access.log"),
               "liuzhou_regulation.wsgi:application", "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--timeout", "120", "--graceful-timeout", "10", "--log-level", "warning"]
    process = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603
    try:
        for _ in range(600):
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            time.sleep(0.1)
        log(f"gunicorn ({workers} workers) on http://127.0.0.1:{port}")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log("gunicorn stopped")


# --- make load -----------------------------------------------------------------------------------------------------

DEMO_USERS = ("transport", "regulator", "ins_assoc", "taxi_assoc", "longcheng", "changxing", "picc", "pingan")

# the generated city kept between runs of `make load --policies N` and benchmarks/pages.py (generating 1,000,000
# policies with the demo data on them takes about two minutes)
CITY_DB = "bench_pages_city"


def city_database(policies: int) -> str:
    """The kept database of the generated city of ``policies`` policies (1,000,000: ``CITY_DB``)."""
    return CITY_DB if policies == 1_000_000 else f"{CITY_DB}_{policies}"


def _seeded(database_url: str, policies: int) -> bool:
    """Whether the database holds the demo accounts and at least 99 % of ``policies`` policies."""
    import psycopg

    parts = urlsplit(database_url)
    query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
    try:
        with psycopg.connect(dbname=parts.path.lstrip("/"), user=parts.username or "postgres",
                             host=query.get("host") or parts.hostname, port=parts.port, autocommit=True) as conn:
            users = conn.execute("SELECT count(*) FROM parties_user WHERE username = ANY(%s)",
                                 [list(DEMO_USERS)]).fetchone()[0]
            have = conn.execute("SELECT count(*) FROM policies_policy").fetchone()[0]
    except psycopg.Error:
        return False
    return users == len(DEMO_USERS) and have >= policies * 0.99


def kept_city(name: str, policies: int, *, regenerate: bool, redis_url: str) -> str:
    """The database ``name`` with the demo data on a city of ``policies`` policies, created and loaded if needed."""
    server = server_database_url()
    url = with_dbname(server, name)
    with admin_connect(server) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and regenerate:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    env = kept_media(environment(url, redis_url), name)
    manage(env, "migrate", "--no-input", "-v", "0")  # a kept database gets the migrations since
    if _seeded(url, policies):
        log(f"{name}: kept from an earlier run ({policies:,} policies)")
        return url
    log(f"{name}: loading the demo data on a city of {policies:,} policies")
    started = time.monotonic()
    script = ("import django; django.setup()\n"
              "from django.core.management import call_command\n"
              "from apps.demo.management.commands import generate_city\n"
              f"generate_city.DEMO_POLICIES = {int(policies)}\n"
              "call_command('seed_demo', quiet_logins=True, verbosity=0)\n")
    subprocess.run([PY, "-c", script], cwd=ROOT, check=True, timeout=7200,  # noqa: S603
                   env={**env, "DJANGO_SETTINGS_MODULE": "liuzhou_regulation.settings"})
    log(f"{name}: loaded in {time.monotonic() - started:.0f} s")
    if not _seeded(url, policies):
        raise SystemExit(f"{name} holds fewer than {policies:,} policies after seeding")
    return url


def kept_media(env: dict, name: str) -> dict:
    """The database's files (signed notices, uploads) in a folder kept beside it, for seeding and serving alike."""
    folder = ROOT / "var" / "bench-media" / name
    folder.mkdir(parents=True, exist_ok=True)
    return {**env, "MEDIA_ROOT": str(folder)}


def _open_sessions(env: dict, path: Path, *, per_user: int) -> None:
    """Sessions for the demo accounts, opened before the measured minute (people log in once a day)."""
    script = (
        "import json, django; django.setup()\n"
        "from django.test import Client\n"
        "from apps.parties.models import User\n"
        f"out = {{}}\n"
        f"for name in {DEMO_USERS!r}:\n"
        "    user = User.objects.get(username=name)\n"
        "    keys = []\n"
        f"    for _ in range({per_user}):\n"
        "        c = Client(); c.force_login(user); keys.append(c.cookies['sessionid'].value)\n"
        "    out[name] = keys\n"
        f"open({str(path)!r}, 'w').write(json.dumps(out))\n"
    )
    log(f"opening {per_user} sessions per demo account")
    subprocess.run([PY, "-c", script], cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": "liuzhou_regulation.settings"},  # noqa: S603
                   check=True, timeout=600)


def _measure_login(url: str, times: int = 5) -> None:
    """What one login costs (the password hash is deliberately slow), measured alone before the run."""
    import re
    import statistics

    import requests

    took = []
    for _ in range(times):
        with requests.Session() as s:
            page = s.get(f"{url}/accounts/login/", timeout=60)
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
            start = time.perf_counter()
            s.post(f"{url}/accounts/login/", data={"username": "regulator", "password": "Liuzhou-2026",
                                                   "csrfmiddlewaretoken": token},
                   headers={"Referer": f"{url}/accounts/login/"}, timeout=60)
            took.append((time.perf_counter() - start) * 1000)
    log(f"one login alone (Argon2 password check + session + home page): median {statistics.median(took):.0f} ms")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _percentile_table(stats_csv: Path) -> tuple[list[dict], int, int]:
    rows = list(csv.DictReader(stats_csv.open(encoding="utf-8")))
    table, total_requests, total_failures = [], 0, 0
    for row in rows:
        if row["Name"] == "Aggregated":
            total_requests, total_failures = int(row["Request Count"]), int(row["Failure Count"])
        table.append({"name": row["Name"], "requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
                      "p50": row["50%"], "p95": row["95%"], "p99": row["99%"], "max": row["Max Response Time"],
                      "rps": row["Requests/s"]})
    return table, total_requests, total_failures


def load(args) -> int:
    with contextlib.ExitStack() as stack:
        redis_url = stack.enter_context(throwaway_redis())
        if args.policies:
            # the demo parties and data on a generated city of that size, kept between runs (CITY_DB): the writes
            # of a run (flags, onboarding checks, notifications read) stay in it, a few hundred rows per run
            name = city_database(args.policies)
            database_url = kept_city(name, args.policies, regenerate=args.regenerate, redis_url=redis_url)
            env = kept_media(environment(database_url, redis_url), name)
        else:
            database_url = stack.enter_context(throwaway_database("lz_load"))
            env = environment(database_url, redis_url)
            manage(env, "migrate", "--no-input", "-v", "0")
            manage(env, "seed_demo", "--quiet-logins")  # demo parties, logins and every app's demo data and city
        out = Path(tempfile.mkdtemp(prefix="lz-load-"))
        sessions = out / "sessions.json"
        _open_sessions(env, sessions, per_user=args.users)
        env["LZ_LOAD_SESSIONS"] = str(sessions)
        with gunicorn(env, workers=args.workers, port=free_port()) as url:
            _measure_login(url)
            log(f"locust: {args.users} users, spawn {args.spawn_rate}/s, {args.seconds} s after the ramp-up "
                f"(figures reset once every user runs); load average before: {_load()}")
            result = subprocess.run([  # noqa: S603
                PY, "-m", "locust", "-f", str(ROOT / "loadtest" / "locustfile.py"), "--headless", "--host", url,
                "--users", str(args.users), "--spawn-rate", str(args.spawn_rate), "--reset-stats",
                "--run-time", f"{args.seconds + int(args.users / args.spawn_rate)}s",
                "--stop-timeout", "30", "--csv", str(out / "load"), "--only-summary", "--loglevel", "WARNING",
            ], cwd=ROOT, env=env, timeout=args.seconds + 600, check=False)
        log(f"load average after: {_load()}")
        table, requests, failures = _percentile_table(out / "load_stats.csv")
        print()
        print(f"{'group':<16} {'requests':>9} {'failures':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
        for row in table:
            print(f"{row['name']:<16} {row['requests']:>9} {row['failures']:>9} {row['p50']:>8} {row['p95']:>8} "
                  f"{row['p99']:>8} {float(row['max']):>8.0f}")
        failures_csv = out / "load_failures.csv"
        if failures and failures_csv.exists():
            print(failures_csv.read_text(encoding="utf-8")[:4000])
        print(f"\n{requests} requests, {failures} errors, locust exit code {result.returncode}; CSV in {out}")
        return 1 if failures or requests == 0 else 0


# --- make fuzz -----------------------------------------------------------------------------------------------------


def fuzz(args) -> int:
    with throwaway_database("lz_fuzz") as database_url, throwaway_redis() as redis_url:
        env = environment(database_url, redis_url)
        manage(env, "migrate", "--no-input", "-v", "0")
        port = free_port()
        with gunicorn(env, workers=3, port=port) as url:
            command = [PY, "-m", "tests.fuzz.live", url, "--examples", str(args.examples), "--seconds", str(args.seconds)]
            result = subprocess.run(command, cwd=ROOT, env=env, timeout=args.seconds * 3 + 600, check=False)  # noqa: S603
        return result.returncode


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("load")
    p.add_argument("--users", type=int, default=200)
    p.add_argument("--spawn-rate", type=float, default=10)
    p.add_argument("--seconds", type=int, default=60)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--policies", type=int, default=0,
                   help="a generated city of this many policies instead of the demo city (e.g. 1000000), kept "
                        "between runs")
    p.add_argument("--regenerate", action="store_true", help="with --policies: generate the kept city again")
    p = sub.add_parser("fuzz")
    p.add_argument("--examples", type=int, default=40)
    p.add_argument("--seconds", type=int, default=900)
    args = parser.parse_args(argv)
    return {"load": load, "fuzz": fuzz}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
