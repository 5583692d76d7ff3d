"""``make run``: prepare everything and run the web server, a Celery worker and Celery beat together.

The web server is the platform: when it exits, everything stops. A Celery worker or beat that dies (killed,
out of memory, lost its broker) is restarted after a short pause, and the restart is logged, so one killed worker
does not take the platform down.

Migrations and the demo data run as the database owner; the web server, the worker and beat connect as the
application's role, which owns no table and so cannot disable the append-only triggers (docs/operations.md §5).
With the embedded PostgreSQL that role (``lz_app``) is created here; with ``DATABASE_URL`` set, give the owner's
URL in ``DATABASE_OWNER_URL`` (otherwise everything runs as ``DATABASE_URL``'s role, with a warning).

Ctrl-C (or SIGTERM) stops the three processes and, when they were started here, the embedded PostgreSQL and
Redis; their data stays under ``var/`` for the next run. Embedded servers that were already running (e.g. for
a test session in the same checkout) are left running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from . import runtime


def main() -> int:
    embedded_db = not os.environ.get("DATABASE_URL")
    embedded_redis = not os.environ.get("REDIS_URL")
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "liuzhou_regulation.settings")
    procs: dict[str, subprocess.Popen] = {}
    # Stop at the end only what this run started.
    stop_db = embedded_db and not runtime.postgres_running()
    stop_redis = embedded_redis and not runtime.redis_running()
    try:
        if embedded_db:
            env["DATABASE_OWNER_URL"] = runtime.embedded_database_url()
            env["DATABASE_URL"] = runtime.app_database_url(env["DATABASE_OWNER_URL"])
        if embedded_redis:
            env["REDIS_URL"] = runtime.embedded_redis_url()
        return _serve(env, procs)
    except KeyboardInterrupt:  # Ctrl-C while migrating or loading the demo data
        return 130
    except subprocess.CalledProcessError as exc:
        print(f"{' '.join(exc.cmd[1:3])} failed with exit code {exc.returncode}", file=sys.stderr)
        return exc.returncode or 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not interrupt the clean-up
        _stop(procs)
        if stop_redis:
            runtime.stop_redis()
        if stop_db:
            runtime.stop_postgres()
        print("已停止 Stopped.", flush=True)


def _serve(env: dict[str, str], procs: dict[str, subprocess.Popen]) -> int:
    py = sys.executable
    manage = [py, "manage.py"]
    owner_url = env.pop("DATABASE_OWNER_URL", "") or env["DATABASE_URL"]
    owner_env = dict(env, DATABASE_URL=owner_url)
    subprocess.run([*manage, "migrate", "--noinput"], env=owner_env, check=True)  # noqa: S603
    subprocess.run([*manage, "seed_demo"], env=owner_env, check=True)  # noqa: S603
    app_role = unquote(urlsplit(env["DATABASE_URL"]).username or "")
    if owner_url != env["DATABASE_URL"] and app_role:
        subprocess.run([*manage, "db_app_role", "--role", app_role], env=owner_env, check=True)  # noqa: S603
    else:
        print("warning: no DATABASE_OWNER_URL: the application runs as the migrations' role, which can disable the "
              "append-only triggers (docs/operations.md §5)", file=sys.stderr, flush=True)
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    runtime.VAR_DIR.joinpath("run").mkdir(parents=True, exist_ok=True)
    supervisor = Supervisor([
        Child("web", [*manage, "runserver", "--noreload", f"{host}:{port}"], restart=False),
        Child("worker", [py, "-m", "celery", "-A", "liuzhou_regulation", "worker", "-l", "INFO", "--concurrency", "2"]),
        Child("beat", [py, "-m", "celery", "-A", "liuzhou_regulation", "beat", "-l", "INFO",
                       "--schedule", str(runtime.VAR_DIR / "run" / "celerybeat-schedule")]),
    ], env=env, procs=procs)
    supervisor.start()
    print(f"\n平台已启动 Platform running: http://{host}:{port}/   (Ctrl-C 停止 to stop)\n", flush=True)

    signal.signal(signal.SIGINT, lambda *_args: supervisor.stop_event.set())
    signal.signal(signal.SIGTERM, lambda *_args: supervisor.stop_event.set())
    return supervisor.run()


@dataclass
class Child:
    """One supervised process: ``restart`` ones are started again when they die; the others end the run."""

    name: str
    argv: list[str]
    restart: bool = True


@dataclass
class Supervisor:
    """Keeps the children of ``make run`` running (see the module docstring)."""

    children: list[Child]
    env: dict[str, str] | None = None
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    poll_seconds: float = 0.5
    restart_delay: float = 1.0
    max_restart_delay: float = 30.0
    log: Callable[[str], None] = field(default=lambda line: print(line, file=sys.stderr, flush=True))
    stop_event: threading.Event = field(default_factory=threading.Event)
    restarts: dict[str, int] = field(default_factory=dict)

    def _spawn(self, child: Child) -> None:
        self.procs[child.name] = subprocess.Popen(child.argv, env=self.env)  # noqa: S603 - fixed argument lists

    def start(self) -> None:
        for child in self.children:
            self._spawn(child)

    def run(self) -> int:
        """Supervise until ``stop_event`` is set (returns 0) or a child that is not restarted exits (its code)."""
        due: dict[str, float] = {}  # restart time of each dead child waiting for its pause to pass
        while not self.stop_event.is_set():
            now = time.monotonic()
            for child in self.children:
                proc = self.procs.get(child.name)
                if child.name in due:
                    if now >= due[child.name]:
                        del due[child.name]
                        self._spawn(child)
                        self.restarts[child.name] = self.restarts.get(child.name, 0) + 1
                        self.log(f"{child.name} restarted (restart {self.restarts[child.name]}, "
                                 f"pid {self.procs[child.name].pid})")
                    continue
                if proc is None or proc.poll() is None:
                    continue
                if not child.restart:
                    self.log(f"{child.name} exited with {proc.returncode}; stopping the others")
                    return proc.returncode or 1
                pause = min(self.restart_delay * 2 ** min(self.restarts.get(child.name, 0), 10),
                            self.max_restart_delay)
                self.log(f"{child.name} exited with {proc.returncode}; restarting it in {pause:.1f} s "
                         "(the other processes keep running)")
                due[child.name] = now + pause
            # a plain sleep, not stop_event.wait(timeout): a timed wait on a lock takes an absolute deadline,
            # which libfaketime (docs/testing.md) does not translate, so the loop would stall under a fake clock
            time.sleep(self.poll_seconds)
        return 0


def _stop(procs: dict[str, subprocess.Popen]) -> None:
    """SIGTERM every child still running, give them 15 s together, then SIGKILL."""
    for proc in procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.time() + 15
    for proc in procs.values():
        try:
            proc.wait(timeout=max(deadline - time.time(), 0.1))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    sys.exit(main())
