"""Small helpers shared by the tests (fixtures live in the conftest files, factories in tests/factories.py)."""

import time

from apps.exchange import services as exchange
from apps.exchange.models import Batch


def wait_for(predicate, *, timeout: float = 60.0, what="condition", every: float = 0.1):
    """Poll ``predicate()`` every ``every`` seconds until it returns something true and return that value.

    Waits on real processes (a Celery worker, a throwaway Redis, a browser's server); it is not a timing assertion.
    Gives up after ``timeout`` seconds with an ``AssertionError`` naming ``what`` (a string, or a callable that
    says what was seen, read only then)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"gave up waiting for {what() if callable(what) else what}")


def deliver_pending(max_rounds: int = 10) -> list[Batch]:
    """Deliver every pending batch through the exchange's public function (verify, ingest once, sign a receipt),
    round after round, since an ingest may push further batches (regulator → insurers)."""
    delivered = []
    for _ in range(max_rounds):
        pending = list(Batch.objects.filter(state=Batch.State.PENDING).order_by("created_at"))
        if not pending:
            break
        for batch in pending:
            outcome = exchange.batch_deliver(batch_id=batch.pk)
            assert outcome == "delivered", (batch.kind, outcome, Batch.objects.get(pk=batch.pk).rejected_reason)
            delivered.append(Batch.objects.get(pk=batch.pk))
    return delivered
