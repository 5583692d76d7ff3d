"""``make run``: prepare everything and run the web server, a Celery worker and Celery beat together.

The web server is the platform: when it exits, everything stops. A Celery worker or beat that dies (killed,
out of memory, lost its broker) is restarted after a short pause, and the restart is logged, so one killed worker
does not take the platform down.

Migrations and the demo data run as the database owner; the web server, the worker and beat connect as the
application's role, which owns no table and so cannot disable the append-only triggers (docs/operations.md §5).
With the embedded PostgreSQL that role (``lz_app``) is created here; with ``DATABASE_URL`` set, give the owner's
URL in ``DATABASE_OWNER_URL`` (otherwise everything runs as ``DATABASE_URL``'s role, with a warning).

The terminal shows only the steps, any restart of a worker, and at the end — once the web server really answers —
the address and the demo logins. The output of the set-up commands, the web server's request log and the Celery
worker's and beat's logs go to ``var/log/`` (``setup.log``, ``web.log``, ``worker.log``, ``beat.log``);
``VERBOSE=1`` (``make run VERBOSE=1``) shows everything in the terminal instead. ``HOST`` and ``PORT`` choose
the web server's address (default ``127.0.0.1:8000``).

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
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import unquote, urlsplit
from urllib.request import urlopen

from . import runtime

LOG_DIR = runtime.VAR_DIR / "log"
READY_TIMEOUT = 180  # seconds the web server may take to answer before the terminal is told to look at its log


def _verbose() -> bool:
    return os.environ.get("VERBOSE", "").strip().lower() not in ("", "0", "no", "false")


def _log_file(name: str):
    """The append-mode log file of one process or step under var/log/, with a line marking this run's start."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    handle = open(LOG_DIR / f"{name}.log", "a", encoding="utf-8", buffering=1)
    handle.write(f"\n===== make run {time.strftime('%Y-%m-%d %H:%M:%S')} =====\n")
    return handle


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _step(env: dict[str, str], argv: list[str], what: str, verbose: bool) -> None:
    """Run one set-up command; without VERBOSE its output goes to var/log/setup.log (shown if it fails)."""
    print(f"{what}…", flush=True)
    if verbose:
        subprocess.run(argv, env=env, check=True)  # noqa: S603 - fixed argument lists
        return
    with _log_file("setup") as log:
        result = subprocess.run(argv, env=env, stdout=log, stderr=subprocess.STDOUT, check=False)  # noqa: S603
    if result.returncode:
        print(_tail(LOG_DIR / "setup.log"), file=sys.stderr, flush=True)
        print(f"（完整输出见 {LOG_DIR / 'setup.log'}）", file=sys.stderr, flush=True)
        raise subprocess.CalledProcessError(result.returncode, argv)


def browse_host(host: str) -> str:
    """The host to open (and to probe) for a listening address: a wildcard address means this machine."""
    if host in ("", "0.0.0.0"):  # noqa: S104 - a listening address, not a bind
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def answers(url: str, timeout: float = 2.0) -> bool:
    """Whether a web server answers ``url`` with a page (any status below 500; redirects followed)."""
    try:
        with urlopen(url, timeout=timeout) as response:  # noqa: S310 - our own http:// address
            return response.status < 500
    except HTTPError as exc:
        return exc.code < 500
    except (URLError, OSError, ValueError):
        return False


def wait_until_answers(url: str, web: subprocess.Popen, stop: threading.Event, timeout: float = READY_TIMEOUT,
                       poll_seconds: float = 0.5) -> bool:
    """Poll ``url`` until the web server answers (True), or it exits, a stop is asked or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while not stop.is_set() and web.poll() is None and time.monotonic() < deadline:
        if answers(url):
            return True
        time.sleep(poll_seconds)  # a plain sleep (see Supervisor.run)
    return False


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
    verbose = _verbose()
    owner_url = env.pop("DATABASE_OWNER_URL", "") or env["DATABASE_URL"]
    owner_env = dict(env, DATABASE_URL=owner_url)
    _step(owner_env, [*manage, "migrate", "--noinput"], "迁移数据库", verbose)
    _step(owner_env, [*manage, "seed_demo", "--quiet-logins"], "加载演示数据", verbose)
    app_role = unquote(urlsplit(env["DATABASE_URL"]).username or "")
    if owner_url != env["DATABASE_URL"] and app_role:
        _step(owner_env, [*manage, "db_app_role", "--role", app_role], "设置应用数据库角色", verbose)
    else:
        print("warning: no DATABASE_OWNER_URL: the application runs as the migrations' role, which can disable the "
              "append-only triggers (docs/operations.md §5)", file=sys.stderr, flush=True)
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    runtime.VAR_DIR.joinpath("run").mkdir(parents=True, exist_ok=True)
    print("启动 Web 服务器、Celery worker 和 beat…", flush=True)
    supervisor = Supervisor([
        Child("web", [*manage, "runserver", "--noreload", f"{host}:{port}"], restart=False),
        Child("worker", [py, "-m", "celery", "-A", "liuzhou_regulation", "worker", "-l", "INFO", "--concurrency", "2"]),
        Child("beat", [py, "-m", "celery", "-A", "liuzhou_regulation", "beat", "-l", "INFO",
                       "--schedule", str(runtime.VAR_DIR / "run" / "celerybeat-schedule")]),
    ], env=env, procs=procs, log_dir=None if verbose else LOG_DIR)
    supervisor.start()
    url = f"http://{browse_host(host)}:{port}/"
    threading.Thread(target=_announce, args=(url, supervisor, owner_env, verbose), daemon=True).start()

    signal.signal(signal.SIGINT, lambda *_args: supervisor.stop_event.set())
    signal.signal(signal.SIGTERM, lambda *_args: supervisor.stop_event.set())
    return supervisor.run()


def _announce(url: str, supervisor: Supervisor, env: dict[str, str], verbose: bool) -> None:
    """Once the web server answers: the address and the demo logins, one block in one language, last."""
    web = supervisor.procs["web"]
    if not wait_until_answers(url, web, supervisor.stop_event):
        if not supervisor.stop_event.is_set() and web.poll() is None:
            print(f"Web 服务器 {READY_TIMEOUT} 秒内没有应答 {url}，请查看 {LOG_DIR / 'web.log'}", file=sys.stderr,
                  flush=True)
        elif web.poll() is not None and not verbose:
            print(_tail(LOG_DIR / "web.log"), file=sys.stderr, flush=True)
        return
    logs = "" if verbose else str(LOG_DIR)
    argv = [sys.executable, "manage.py", "seed_demo", "--logins-only", "--url", url, "--logs", logs]
    if verbose:
        subprocess.run(argv, env=env, check=False)  # noqa: S603 - fixed argument list
        return
    with _log_file("setup") as log:  # only the block on the terminal; start-up log lines to setup.log
        subprocess.run(argv, env=env, stderr=log, check=False)  # noqa: S603 - fixed argument list


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
    log_dir: Path | None = None  # each child's output into <log_dir>/<name>.log; None: the terminal

    def _spawn(self, child: Child) -> None:
        if self.log_dir is None:
            self.procs[child.name] = subprocess.Popen(child.argv, env=self.env)  # noqa: S603 - fixed argument lists
            return
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_dir / f"{child.name}.log", "a", encoding="utf-8") as log:  # the child keeps its copy
            log.write(f"\n===== {child.name} started {time.strftime('%Y-%m-%d %H:%M:%S')} =====\n")
            log.flush()
            self.procs[child.name] = subprocess.Popen(  # noqa: S603 - fixed argument lists
                child.argv, env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def _where(self, child: Child) -> str:
        return f" (log: {self.log_dir / (child.name + '.log')})" if self.log_dir is not None else ""

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
                    self.log(f"{child.name} exited with {proc.returncode}; stopping the others{self._where(child)}")
                    return proc.returncode or 1
                pause = min(self.restart_delay * 2 ** min(self.restarts.get(child.name, 0), 10),
                            self.max_restart_delay)
                self.log(f"{child.name} exited with {proc.returncode}; restarting it in {pause:.1f} s "
                         f"(the other processes keep running){self._where(child)}")
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
