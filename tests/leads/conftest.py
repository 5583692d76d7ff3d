"""Fixtures of the leads tests: delivering the exchange's pending batches the way the worker does."""

import pytest

from apps.exchange import services as exchange
from apps.exchange.models import Batch


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


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


@pytest.fixture
def deliver():
    return deliver_pending
