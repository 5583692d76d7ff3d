"""``make run``: prepare everything and run the web server, a Celery worker and Celery beat together.

Ctrl-C (or SIGTERM) stops the three processes and, when they were started here, the embedded PostgreSQL and
Redis; their data stays under ``var/`` for the next run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from . import runtime


def main() -> int:
    embedded = not os.environ.get("DATABASE_URL")
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "liuzhou_regulation.settings")
    if embedded:
        env["DATABASE_URL"] = runtime.embedded_database_url()
    if not os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = runtime.embedded_redis_url()
    py = sys.executable
    manage = [py, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput"], env=env, check=True)  # noqa: S603
    subprocess.run([*manage, "seed_demo"], env=env, check=True)  # noqa: S603
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    runtime.VAR_DIR.joinpath("run").mkdir(parents=True, exist_ok=True)
    procs = {
        "web": subprocess.Popen([*manage, "runserver", "--noreload", f"{host}:{port}"], env=env),  # noqa: S603
        "worker": subprocess.Popen(  # noqa: S603
            [py, "-m", "celery", "-A", "liuzhou_regulation", "worker", "-l", "INFO", "--concurrency", "2"], env=env
        ),
        "beat": subprocess.Popen(  # noqa: S603
            [py, "-m", "celery", "-A", "liuzhou_regulation", "beat", "-l", "INFO",
             "--schedule", str(runtime.VAR_DIR / "run" / "celerybeat-schedule")], env=env,
        ),
    }
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
    for proc in procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.time() + 15
    for proc in procs.values():
        try:
            proc.wait(timeout=max(deadline - time.time(), 0.1))
        except subprocess.TimeoutExpired:
            proc.kill()
    if embedded:
        runtime.stop_embedded()
    elif not os.environ.get("REDIS_URL"):
        runtime.stop_redis()
    print("已停止 Stopped.", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
