"""Fault drills (``make faults``): a real Celery worker process is killed (SIGKILL) and Redis is stopped in the
middle of exchange pushes and of clock scans; afterwards every batch, lead and deadline is accounted for.

Everything runs against a throwaway redis-server (its own unix socket, no persistence: when it stops, the queue
is lost for good) and this run's own test database, so nothing shared is disturbed. The outbox row, not the queue,
is the truth (rule M3); clocks are breached once whatever happens to the scan (rules M12, J5).
"""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from apps.core.models import AuditEvent, Deadline
from apps.exchange import services as exchange
from apps.exchange.models import Batch, BatchEvent, InboxEntry
from apps.leads import services as leads
from apps.leads.models import InsurerWorklistItem, Lead, LeadEvent
from apps.leads.models import Status as LeadStatus
from apps.vehicles.usage import UsageNature
from tests.exchange.test_worker import _stop, _test_database_url, wait_for
from tests.leads.factories import policy, private_car

ROOT = Path(settings.BASE_DIR)
pytestmark = [pytest.mark.celery_worker, pytest.mark.real_clock]  # worker processes: the machine's time


class Worker:
    """``celery worker`` as a separate process on the throwaway broker and this run's database."""

    def __init__(self, name: str, broker_url: str, directory: Path):
        self.log = directory / f"{name}.log"
        env = {
            **__import__("os").environ, "DJANGO_ENV": "test", "DATABASE_URL": _test_database_url(),
            "REDIS_URL": broker_url.split("?")[0], "LZ_CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
            "LZ_TEST_DB": settings.DATABASES["default"]["NAME"], "PLATFORM_KEY": settings.PLATFORM_KEY,
            "PERSONAL_DATA_KEYS": ",".join(settings.PERSONAL_DATA_KEYS), "BLIND_INDEX_KEY": settings.BLIND_INDEX_KEY,
            "SECRET_KEY": settings.SECRET_KEY,
        }
        command = [sys.executable, "-m", "celery", "-A", "liuzhou_regulation", "worker", "-Q",
                   settings.CELERY_TASK_DEFAULT_QUEUE, "--pool=solo", "-n", f"{name}@%h", "--without-gossip",
                   "--without-mingle", "--without-heartbeat", "--loglevel=INFO"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log.open("wb"),  # noqa: S603, SIM115
                                        stderr=subprocess.STDOUT)

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def alive(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"worker exited with {self.process.returncode}:\n{self.text()[-3000:]}")
        return True

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        _stop(self.process)


@pytest.fixture
def workers(throwaway_redis, tmp_path):
    started: list[Worker] = []

    def start(name: str) -> Worker:
        worker = Worker(name, throwaway_redis.url, tmp_path)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def delivered_count(kind: str | None = None) -> int:
    qs = Batch.objects.filter(state=Batch.State.DELIVERED)
    return qs.filter(kind=kind).count() if kind else qs.count()


def drain(*, timeout=240.0):
    """What beat's exchange sweep does every minute, on a clock moved past every grace and stale period, until
    the outbox is empty."""
    deadline = time.monotonic() + timeout
    step = 1
    while time.monotonic() < deadline:
        if not Batch.objects.exclude(state=Batch.State.DELIVERED).exists():
            return
        exchange.batch_sweep(now=timezone.now() + dt.timedelta(days=step))
        step += 1
        time.sleep(3)
    left = list(Batch.objects.exclude(state=Batch.State.DELIVERED).values("kind", "state"))
    raise AssertionError(f"not delivered: {left}")


def push_lead(parties, n: int) -> Lead:
    car = private_car(company=parties.company_a)
    policy(car, parties.insurer_a if n % 2 else parties.insurer_b, usage=UsageNature.FAMILY)
    with transaction.atomic():
        return leads.lead_flag(actor=parties.transport_user, plate=car.plate, evidence=f"执法发现载客 #{n}", push=True)


def test_m3_worker_killed_and_redis_stopped_in_the_middle_of_pushes_lose_nothing_and_ingest_once(
        transactional_db, parties, throwaway_redis, workers):
    first = workers("fault-push-a")
    pushed = [push_lead(parties, n) for n in range(12)]
    wait_for(lambda: first.alive() and delivered_count("leads") >= 3, what="the first deliveries")
    first.kill()  # in the middle of the pushes: some delivered, some delivering, some still queued
    states_at_kill = Counter(Batch.objects.values_list("state", flat=True))

    throwaway_redis.stop()  # the queue and everything in it is gone (no persistence)
    while_down = [push_lead(parties, n) for n in range(12, 20)]  # the callers see no error
    assert all(lead.status == LeadStatus.PUSHED for lead in while_down)
    assert BatchEvent.objects.filter(kind=BatchEvent.Kind.ENQUEUE_FAILED).count() >= len(while_down)

    throwaway_redis.start()
    second = workers("fault-push-b")
    assert second.alive()
    drain()

    everything = pushed + while_down
    lead_batches = Batch.objects.filter(kind="leads")
    assert lead_batches.count() == len(everything) and not Batch.objects.exclude(state=Batch.State.DELIVERED).exists()
    # every lead received and verified exactly once (no duplicated ingestion)
    received = Counter(LeadEvent.objects.filter(action="received").values_list("lead_id", flat=True))
    assert received == Counter({lead.pk: 1 for lead in everything}), received
    assert set(Lead.objects.values_list("status", flat=True)) == {LeadStatus.VERIFIED}
    assert InboxEntry.objects.count() == Batch.objects.count()
    ingested = Counter(BatchEvent.objects.filter(kind=BatchEvent.Kind.INGESTED).values_list("batch_id", flat=True))
    assert set(ingested.values()) == {1} and len(ingested) == Batch.objects.count()
    # each lead's worklist reached its insurer once
    assert InsurerWorklistItem.objects.count() == len(everything)
    assert not InsurerWorklistItem.objects.values("insurer", "row_key").annotate(n=Count("id")).filter(n__gt=1)
    print(f"at the kill: {dict(states_at_kill)}; afterwards {Batch.objects.count()} batches delivered once each")


def _overdue_and_running_cases(parties, overdue: int, running: int):
    from tests.rescissions.factories import days_ago, open_case

    late = [open_case(parties.insurer_a, known_at=days_ago(31, 9)) for _ in range(overdue)]
    on_time = [open_case(parties.insurer_b, known_at=days_ago(10, 9)) for _ in range(running)]
    return late, on_time


def _assert_each_deadline_breached_once(late, on_time):
    from apps.credit.models import CreditRecord
    from apps.rescissions.models import EventKind, RescissionCase
    from apps.rescissions.models import Status as CaseStatus
    from apps.rescissions.services import decide_deadline

    late_ids = [c.pk for c in late]
    deadlines = [decide_deadline(c) for c in RescissionCase.objects.filter(pk__in=late_ids)]
    assert all(d.status == Deadline.Status.BREACHED for d in deadlines), "a deadline was missed"
    breaches = Counter(AuditEvent.objects.filter(action="deadline.breach").values_list("object_id", flat=True))
    assert breaches == Counter({str(d.pk): 1 for d in deadlines}), "a deadline was breached twice (or never)"
    assert RescissionCase.objects.filter(pk__in=late_ids, status=CaseStatus.LAPSED).count() == len(late)
    lapsed = Counter(RescissionCase.objects.filter(pk__in=late_ids, events__kind=EventKind.LAPSED)
                     .values_list("pk", flat=True))
    assert set(lapsed.values()) == {1}
    assert CreditRecord.objects.filter(dedup_key__startswith="rescission-lapsed-").count() == len(late)
    for case in RescissionCase.objects.filter(pk__in=[c.pk for c in on_time]):
        assert case.status == CaseStatus.OPEN and decide_deadline(case).status == Deadline.Status.OPEN


def _scan_started(worker: Worker) -> bool:
    return worker.alive() and "apps.core.tasks.deadline_scan" in worker.text() and "received" in worker.text()


def test_j5_worker_killed_in_the_middle_of_a_clock_scan_breaches_each_deadline_exactly_once(
        transactional_db, parties, throwaway_redis, workers, settings, tmp_path):
    from apps.core.tasks import deadline_scan

    settings.MEDIA_ROOT = str(tmp_path / "media")
    late, on_time = _overdue_and_running_cases(parties, overdue=60, running=10)
    first = workers("fault-scan-a")
    deadline_scan.delay()  # the beat tick
    wait_for(lambda: _scan_started(first), what="the scan to start", every=0.02)
    time.sleep(0.3)
    first.kill()  # mid-scan: its transaction is rolled back with the connection
    breached_at_kill = Deadline.objects.filter(status=Deadline.Status.BREACHED).count()
    assert breached_at_kill in (0, len(late)), breached_at_kill  # one batch: all or nothing

    second = workers("fault-scan-b")
    deadline_scan.delay()  # the next beat tick
    wait_for(lambda: second.alive() and Deadline.objects.filter(status=Deadline.Status.BREACHED).count() == len(late),
             what="every overdue clock breached")
    deadline_scan.delay()  # and another: changes nothing
    wait_for(lambda: second.text().count("deadline_scan") >= 4 and second.text().count("succeeded") >= 2,
             what="the second scan to finish")
    _assert_each_deadline_breached_once(late, on_time)


def test_j5_redis_stopped_during_a_clock_scan_breaches_each_deadline_exactly_once(
        transactional_db, parties, throwaway_redis, workers, settings, tmp_path):
    from apps.core.tasks import deadline_scan

    settings.MEDIA_ROOT = str(tmp_path / "media")
    late, on_time = _overdue_and_running_cases(parties, overdue=40, running=10)
    worker = workers("fault-scan-redis")
    deadline_scan.delay()
    wait_for(lambda: _scan_started(worker), what="the scan to start", every=0.02)
    throwaway_redis.stop()  # the worker cannot acknowledge; the queue is lost
    time.sleep(3)
    throwaway_redis.start()  # an empty Redis: the worker reconnects, beat keeps ticking
    deadline_scan.delay()
    deadline_scan.delay()
    wait_for(lambda: Deadline.objects.filter(status=Deadline.Status.BREACHED).count() == len(late),
             what="every overdue clock breached")
    time.sleep(2)
    _assert_each_deadline_breached_once(late, on_time)
