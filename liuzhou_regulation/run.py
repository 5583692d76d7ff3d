"""``make run``: prepare everything and run the web server, a Celery worker and Celery beat together.

Ctrl-C (or SIGTERM) stops the three processes and, when they were started here, the embedded PostgreSQL and
Redis; their data stays under ``var/`` for the next run. Embedded servers that were already running (e.g. for
a test session in the same checkout) are left running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

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
            env["DATABASE_URL"] = runtime.embedded_database_url()
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
    subprocess.run([*manage, "migrate", "--noinput"], env=env, check=True)  # noqa: S603
    subprocess.run([*manage, "seed_demo"], env=env, check=True)  # noqa: S603
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    runtime.VAR_DIR.joinpath("run").mkdir(parents=True, exist_ok=True)
    procs["web"] = subprocess.Popen([*manage, "runserver", "--noreload", f"{host}:{port}"], env=env)  # noqa: S603
    procs["worker"] = subprocess.Popen(  # noqa: S603
        [py, "-m", "celery", "-A", "liuzhou_regulation", "worker", "-l", "INFO", "--concurrency", "2"], env=env
    )
    procs["beat"] = subprocess.Popen(  # noqa: S603
        [py, "-m", "celery", "-A", "liuzhou_regulation", "beat", "-l", "INFO",
         "--schedule", str(runtime.VAR_DIR / "run" / "celerybeat-schedule")], env=env,
    )
    print(f"\n平台已启动 Platform running: http://{host}:{port}/   (Ctrl-C 停止 to stop)\n", flush=True)

    stopping = False

    def stop(*_args):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    code = 0
    while not stopping:
        for name, proc in procs.items():
            if proc.poll() is not None:
                print(f"{name} exited with {proc.returncode}; stopping the others", file=sys.stderr)
                code, stopping = proc.returncode or 1, True
                break
        time.sleep(0.5)
    return code


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
