"""Fixtures of the exchange tests: test-only batch kinds, sending, tampering like an attacker with SQL access."""

import pytest
from django.db import connection, transaction

from apps.exchange import services
from apps.exchange.models import Batch
from apps.parties.rights import SystemActor

from . import kinds  # noqa: F401 - registers the test kinds


@pytest.fixture
def send(parties):
    """``send(rows, kind=..., sender=..., recipient=...)`` → a committed-or-test-transaction batch."""

    def _send(rows=None, *, kind="test_echo", sender=None, recipient=None, refs=(), actor=None):
        with transaction.atomic():
            return services.batch_send(
                kind=kind, sender=sender or parties.transport, recipient=recipient or parties.regulator,
                rows=rows if rows is not None else [{"n": 1, "plate": "桂B12345"}, {"n": 2, "plate": "桂B67890"}],
                refs=refs, actor=actor or SystemActor("tests.send", organization=sender or parties.transport),
            )

    return _send


def tamper(batch: Batch, **fields) -> Batch:
    """Rewrite sealed columns behind the application's back (the table's trigger is bypassed the way only a
    database superuser could), then reload the batch."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        Batch.objects.filter(pk=batch.pk).update(**fields)
    return Batch.objects.get(pk=batch.pk)


@pytest.fixture
def purge_queue():
    """Drop what tests published to this run's queue without a worker to consume it."""
    from liuzhou_regulation.celery import app

    yield
    app.control.purge()
