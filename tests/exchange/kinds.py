"""Batch kinds that exist only in tests. Imported by this directory's conftest and, for the worker-kill test, by
the worker subprocess (``celery worker --include tests.exchange.kinds``)."""

import os
import time
from pathlib import Path

from apps.core.audit import audit_record
from apps.exchange.models import BatchEvent
from apps.exchange.registry import IngestRejected, register_kind
from apps.parties.rights import SystemActor

INGESTED = "exchange_test.ingested"
RECEIPTS = []  # (batch id, receipt_at) seen by the sender-side callback in this process


def _record(batch, rows, receipt_at):
    audit_record(
        actor=SystemActor("exchange_test.ingest", organization=batch.recipient), action=INGESTED, obj=batch,
        organization=batch.recipient,
        detail={"rows": len(rows), "receipt_at": receipt_at.isoformat(), "pid": os.getpid()},
    )


def echo(batch, rows, receipt_at):
    """Ingest: one audit row per ingestion (the observable side effect); a case reference per row."""
    _record(batch, rows, receipt_at)
    return [f"CASE-{row['n']}" for row in rows if "n" in row]


def slow(batch, rows, receipt_at):
    """Append this process id to ``started`` and wait while the ``slow`` file exists (the test kills the worker meanwhile)."""
    options = rows[0]
    with Path(options["started"]).open("a") as started:
        started.write(f"{os.getpid()}\n")
    deadline = time.monotonic() + 120
    while Path(options["slow"]).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    _record(batch, rows, receipt_at)
    return ["SLOW-1"]


def flaky(batch, rows, receipt_at):
    """Fails while fewer than ``fail_times`` failed attempts are on record, then ingests."""
    failures = BatchEvent.objects.filter(batch=batch, kind=BatchEvent.Kind.FAILED).count()
    if failures < rows[0]["fail_times"]:
        _record(batch, rows, receipt_at)  # rolled back with the failed attempt
        raise RuntimeError(f"flaky handler failure #{failures + 1}")
    _record(batch, rows, receipt_at)
    return ["FLAKY-OK"]


def refuse(batch, rows, receipt_at):
    _record(batch, rows, receipt_at)  # rolled back: a refused batch leaves nothing behind
    raise IngestRejected("测试：接收方业务规则拒绝该批次", code="test_refused")


def remember_receipt(batch):
    RECEIPTS.append((str(batch.pk), batch.receipt_at))


register_kind("test_echo", echo, label="测试批次", on_receipt=remember_receipt, replace=True)
register_kind("test_slow", slow, label="测试慢批次", replace=True)
register_kind("test_flaky", flaky, label="测试不稳定批次", replace=True)
register_kind("test_refuse", refuse, label="测试拒收批次", replace=True)
