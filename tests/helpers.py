"""Small helpers shared by the tests (fixtures live in the conftest files, factories in tests/factories.py)."""

import threading
import time

from django.db import connections

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


def in_threads(work, *, count: int = 2, together: bool = False, join: float = 60.0) -> list:
    """Run ``work()`` in ``count`` threads at once, each on its own database connection (closed when it ends), and
    return what each returned; fails the test if any raised. ``together``: the threads start ``work`` at the same
    instant (a barrier)."""
    barrier = threading.Barrier(count) if together else None
    results, errors = [], []

    def run():
        try:
            if barrier:
                barrier.wait(10)
            results.append(work())
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(join)
    assert errors == []
    return results


def form_html(page: str, marker: str) -> str:
    """The HTML of the form that starts at ``marker`` (e.g. ``'data-testid="check-form"'``) in ``page``."""
    block = page[page.index(marker):]
    return block[:block.index("</form>")]


def messages_of(response) -> list[str]:
    """The texts of the messages (django.contrib.messages) a page response shows."""
    return [str(m) for m in response.context["messages"]]


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


def register_own_exchange_key(organization, user):
    """The organisation registers an Ed25519 exchange signing key of its own, with its proof of possession, the way
    its system does through the API (``ownkeys.party_key_register``); the key material (the private half stays
    with the test, as it would with the party's system)."""
    from apps.exchange import crypto, ownkeys

    material = crypto.generate_key(crypto.ED25519)
    public = crypto.b64e(material.public_raw)
    challenge = ownkeys.key_challenge_issue(organization=organization, actor=user).nonce
    message = crypto.possession_message(challenge=challenge, organization_uscc=organization.uscc,
                                        algorithm=crypto.ED25519, public_key=public)
    ownkeys.party_key_register(organization=organization, actor=user, algorithm=crypto.ED25519, public_key=public,
                               challenge=challenge, signature=crypto.b64e(crypto.sign(material.private_raw, message)))
    return material
