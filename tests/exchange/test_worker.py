"""Delivery through real Celery workers on real Redis: round trip, redelivery, a worker killed mid-delivery,
Redis stopped and restarted (rule M3: nothing is lost — the outbox row is the truth, not the queue)."""

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.core.models import AuditEvent
from apps.exchange import conf, services
from apps.exchange.models import Batch, BatchEvent, InboxEntry
from apps.exchange.tasks import deliver_batch
from liuzhou_regulation.celery import app
from liuzhou_regulation.runtime import redis_executable
from tests.helpers import wait_for

from . import kinds as kinds_module
from .test_services import event_kinds, ingestions

pytestmark = pytest.mark.celery_worker

ROOT = Path(settings.BASE_DIR)
State = Batch.State
Event = BatchEvent.Kind


def state_of(batch) -> str:
    return Batch.objects.values_list("state", flat=True).get(pk=batch.pk)


def send_committed(parties, rows, *, kind="test_echo"):
    with transaction.atomic():
        return services.batch_send(kind=kind, sender=parties.transport, recipient=parties.insurer_a, rows=rows,
                                   actor=parties.transport_user)


# --- in-process worker ----------------------------------------------------------------------------------------


def test_committed_batch_is_delivered_by_the_worker_with_a_receipt(celery_worker, parties):
    batch = send_committed(parties, [{"n": 1}])
    wait_for(lambda: state_of(batch) == State.DELIVERED, timeout=180, what="delivery")
    batch.refresh_from_db()
    assert ingestions(batch) == 1 and batch.receipt["case_refs"] == ["CASE-1"]
    assert event_kinds(batch)[:2] == [Event.CREATED, Event.ENQUEUED] or Event.ENQUEUED in event_kinds(batch)


def test_a_redelivered_task_is_ingested_once(celery_worker, parties):
    batch = send_committed(parties, [{"n": 1}, {"n": 2}])
    wait_for(lambda: state_of(batch) == State.DELIVERED, timeout=180, what="delivery")
    receipt = Batch.objects.get(pk=batch.pk).receipt
    for _ in range(2):  # the broker hands the same task out again (e.g. after a visibility timeout)
        deliver_batch.delay(str(batch.pk))
    wait_for(lambda: BatchEvent.objects.filter(batch=batch, kind=Event.DUPLICATE).count() == 2,
             timeout=180, what="duplicates")
    batch.refresh_from_db()
    assert ingestions(batch) == 1 and InboxEntry.objects.filter(batch=batch).count() == 1
    assert batch.receipt == receipt and batch.attempts == 1


def test_transient_failure_is_retried_by_celery_with_backoff(celery_worker, parties, settings):
    settings.EXCHANGE_RETRY_BACKOFF_SECONDS = 1
    batch = send_committed(parties, [{"fail_times": 1}], kind="test_flaky")
    wait_for(lambda: state_of(batch) == State.DELIVERED, timeout=180, what="delivery after a retry")
    batch.refresh_from_db()
    assert batch.attempts == 2 and ingestions(batch) == 1
    assert event_kinds(batch).count(Event.FAILED) == 1


# --- a worker process killed in the middle of a delivery ------------------------------------------------------


def _test_database_url() -> str:
    parts = urlparse(settings.DATABASE_URL)
    return urlunparse(parts._replace(path="/" + settings.DATABASES["default"]["NAME"]))


def _worker_env() -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_ENV="test",
        DATABASE_URL=_test_database_url(),
        REDIS_URL=settings.REDIS_URL,
        LZ_CELERY_QUEUE=settings.CELERY_TASK_DEFAULT_QUEUE,
        LZ_TEST_DB=settings.DATABASES["default"]["NAME"],
        PLATFORM_KEY=settings.PLATFORM_KEY,
        PERSONAL_DATA_KEYS=",".join(settings.PERSONAL_DATA_KEYS),
        BLIND_INDEX_KEY=settings.BLIND_INDEX_KEY,
        SECRET_KEY=settings.SECRET_KEY,
    )
    return env


def _start_worker(name: str, log: Path) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "celery", "-A", "liuzhou_regulation", "worker",
        "-Q", settings.CELERY_TASK_DEFAULT_QUEUE, "--pool=solo", "--concurrency=1", "-n", f"{name}@%h",
        "--include", "tests.exchange.kinds", "--without-gossip", "--without-mingle", "--without-heartbeat",
        "--loglevel=INFO",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=_worker_env(), stdout=log.open("wb"), stderr=subprocess.STDOUT)  # noqa: SIM115


def _running(process: subprocess.Popen, log: Path) -> bool:
    if process.poll() is not None:
        raise AssertionError(f"worker exited with {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
    return True


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_worker_subprocess_uses_the_test_database_and_broker():
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CELERY_BROKER_URL); print(settings.DATABASES['default']['NAME']); "
        "print(settings.CELERY_TASK_DEFAULT_QUEUE)"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env={**_worker_env(), "DJANGO_SETTINGS_MODULE":
                         "liuzhou_regulation.settings"}, capture_output=True, text=True, timeout=120, check=True)
    broker, database, queue = out.stdout.split()[-3:]
    assert broker == app.conf.broker_url
    assert database == settings.DATABASES["default"]["NAME"]
    assert queue == settings.CELERY_TASK_DEFAULT_QUEUE


@pytest.mark.real_clock  # the worker processes run at the machine's time
def test_worker_killed_in_the_middle_of_a_delivery_loses_nothing(transactional_db, parties, tmp_path):
    """acks_late + reject_on_worker_lost keep the message; the rolled-back delivery leaves the batch in
    ``delivering``; the sweep reclaims it once it is stale and a second worker delivers it exactly once."""
    app.control.purge()
    started, slow = tmp_path / "started", tmp_path / "slow"
    slow.write_text("hold")
    batch = send_committed(parties, [{"started": str(started), "slow": str(slow)}], kind="test_slow")
    first = _start_worker("exch-kill-a", tmp_path / "worker-a.log")
    second = None
    try:
        wait_for(lambda: _running(first, tmp_path / "worker-a.log") and started.exists(),
                 timeout=180, what="the first worker to start ingesting")
        assert state_of(batch) == State.DELIVERING
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)

        # the half-done ingestion was rolled back with the worker's connection
        batch.refresh_from_db()
        assert batch.state == State.DELIVERING and batch.attempts == 1 and batch.receipt is None
        assert ingestions(batch) == 0 and not InboxEntry.objects.filter(batch=batch).exists()

        slow.unlink()
        second = _start_worker("exch-kill-b", tmp_path / "worker-b.log")
        stale = timezone.now() + dt.timedelta(seconds=conf.delivering_stale_seconds() + 1)
        result = services.batch_sweep(now=stale)
        assert result["reclaimed"] == 1 and result["requeued"] == 1
        wait_for(lambda: _running(second, tmp_path / "worker-b.log") and state_of(batch) == State.DELIVERED,
                 timeout=180, what="delivery by the second worker")

        batch.refresh_from_db()
        assert batch.attempts == 2
        assert ingestions(batch) == 1 and InboxEntry.objects.filter(batch=batch).count() == 1
        kinds = event_kinds(batch)
        assert kinds.count(Event.ATTEMPT) == 2 and kinds.count(Event.INGESTED) == 1 and Event.RECLAIMED in kinds
        # the killed worker started the ingestion, the second one did it (once)
        assert [int(pid) for pid in started.read_text().split()] == [first.pid, second.pid]
        assert AuditEvent.objects.get(action=kinds_module.INGESTED, object_id=str(batch.pk)).detail["pid"] == second.pid
        # should the broker ever hand the killed worker's message out again, it changes nothing
        deliver_batch.delay(str(batch.pk))
        wait_for(lambda: BatchEvent.objects.filter(batch=batch, kind=Event.DUPLICATE).exists(),
                 timeout=180, what="duplicate")
        assert ingestions(batch) == 1
    finally:
        _stop(first)
        if second is not None:
            _stop(second)


# --- Redis stopped and restarted ------------------------------------------------------------------------------


class ThrowawayRedis:
    """A second redis-server on its own unix socket (the shared embedded one is never stopped)."""

    def __init__(self, directory: Path):
        self.dir = directory
        self.socket = directory / "redis.sock"
        self.pidfile = directory / "redis.pid"
        self.url = f"redis+socket://{self.socket}?virtual_host=1"

    def _alive(self) -> bool:
        import redis

        try:
            return redis.Redis(unix_socket_path=str(self.socket), socket_timeout=1).ping()
        except redis.RedisError:
            return False

    def start(self) -> None:
        subprocess.run([  # noqa: S603
            redis_executable(), "--port", "0", "--unixsocket", str(self.socket), "--unixsocketperm", "700",
            "--dir", str(self.dir), "--save", "", "--appendonly", "no", "--daemonize", "yes",
            "--pidfile", str(self.pidfile), "--logfile", str(self.dir / "redis.log"),
        ], check=True)
        wait_for(self._alive, timeout=30, what="the throwaway Redis")

    def stop(self) -> None:
        if not self.pidfile.exists():
            return
        pid = int(self.pidfile.read_text().strip())
        os.kill(pid, signal.SIGTERM)

        def gone():
            try:
                os.kill(pid, 0)
                return False
            except ProcessLookupError:
                return True

        wait_for(gone, timeout=30, what="the throwaway Redis to stop")


def _use_broker(url: str) -> None:
    import kombu.pools

    if app._pool is not None:
        app._pool.force_close_all()
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None
    kombu.pools.reset()  # kombu caches connection pools per URL; none may outlive the swap


@pytest.fixture
def throwaway_redis():
    # unix socket paths are limited to about 100 bytes: keep the directory short
    redis_dir = Path(tempfile.mkdtemp(prefix="lzx-redis-"))
    server = ThrowawayRedis(redis_dir)
    server.start()
    original = app.conf.broker_url
    _use_broker(server.url)
    try:
        yield server
    finally:
        _use_broker(original)
        server.stop()
        shutil.rmtree(redis_dir, ignore_errors=True)


def test_redis_down_keeps_batches_in_the_outbox_and_the_sweep_drains_it_when_redis_returns(
    transactional_db, parties, throwaway_redis, caplog
):
    from celery.contrib.testing.worker import start_worker

    throwaway_redis.stop()
    batches = [send_committed(parties, [{"n": n}]) for n in range(3)]  # no error reaches the caller
    for batch in batches:
        assert state_of(batch) == State.PENDING
        assert Event.ENQUEUE_FAILED in event_kinds(batch)
    assert "could not enqueue batch" in caplog.text

    later = max(Batch.objects.values_list("next_attempt_at", flat=True)) + dt.timedelta(seconds=1)
    assert services.batch_sweep(now=later)["errors"] == 1  # still down: nothing lost, nothing bumped
    assert Batch.objects.filter(state=State.PENDING, next_attempt_at__lt=later).count() == 3

    throwaway_redis.start()
    with start_worker(app, perform_ping_check=False, loglevel="WARNING", shutdown_timeout=20):
        assert services.batch_sweep(now=later)["requeued"] == 3
        wait_for(lambda: Batch.objects.filter(state=State.DELIVERED).count() == 3,
                 timeout=180, what="the outbox to drain")
    for batch in batches:
        assert ingestions(batch) == 1
        assert Event.REQUEUED in event_kinds(batch)
