"""The exchange: signed, encrypted batches between the parties, with signed receipts (rule M3; M5–M8 ride on it).

Every push between sides (leads, the lawful-operating list, penalties, screening findings, worklists, check
results, …) is a ``Batch``: the sender's rows as canonical JSON, encrypted for the recipient (HPKE: X25519 +
HKDF-SHA256 + AES-256-GCM, the header bound as associated data), signed with the sender's Ed25519 key, written to
the outbox in the sender's business transaction and delivered by a Celery task after commit. Delivery acts for the
recipient: it checks the signature, refuses tampered and replayed batches (recording why), ingests the rows once
through the handler registered for the kind, and issues a receipt signed with the recipient's Ed25519 key that
names the hash of the exact sealed batch. The receipt's ``received_at`` is the moment the recipient knew.

API for other apps
==================

Register a kind (in your ``AppConfig.ready()``)::

    from apps.exchange.registry import register_kind, IngestRejected

    def ingest_penalties(batch, rows, receipt_at):
        # Runs inside the recipient's ingest transaction, at most once per batch. ``rows`` are the sender's
        # dicts after a JSON round trip (Decimal → "12.50", date → "2026-05-01", datetime → "…Z" strings).
        # ``receipt_at`` is the receipt time: start clocks from it (e.g. rescission known_at, rule M12).
        # Raise IngestRejected("中文原因") to refuse the batch for good; any other exception rolls the ingest
        # back and the delivery is retried with back-off.
        return ["RC-2026-0001", ...]          # case references, copied into the signed receipt

    register_kind("penalties", ingest_penalties, label=_("处罚决定"),
                  on_receipt=None,             # fn(batch): sender-side, same transaction, after the receipt
                  on_rejected=None)            # fn(batch): when the batch is refused

Send (inside the business transaction that caused the push)::

    from apps.exchange.services import batch_send

    with transaction.atomic():
        penalty = penalty_create(...)
        batch = batch_send(kind="penalties", sender=transport_org, recipient=insurer_org,
                           rows=[{"plate": "桂B12345", "decision_no": "…", "decided_on": date(...)}],
                           refs=[penalty.number], actor=request.user)

``batch_send`` raises ``ApplicationError`` for an unregistered kind, rows that are not a list of dicts or cannot be
rendered as canonical JSON (naive datetimes, floats NaN, sets, …), sender = recipient, or an actor of another
organisation (``PermissionDeniedError``). It never raises because the queue is down: the batch waits in the
outbox and ``exchange_sweep`` (Celery beat, every minute) sends it when the broker is back.

Read (``apps.exchange.selectors``)::

    batch_receipt_time(batch)               # aware datetime the recipient knew, or None before delivery
    batches_for_ref(ref="LEAD-…", kind=…)   # the batches a sender tagged with a reference
    batch_rows(batch=…, organization=…)     # decrypt again, for the recipient only
    batch_verify(batch=…)                   # Verdict: batch signature, receipt signature, receipt hash
    batch_archive(batch=…)                  # the evidence archive (dict), as `exchange_archive export` writes
    batch_list(user=…, state=…, kind=…, direction="sent"|"received", ref=…)

Other services: ``organization_keys_issue`` / ``organization_keys_rotate`` (keys; rotation keeps history so old
batches and receipts still verify), ``batch_deliver`` (what the task runs), ``batch_sweep``, ``batch_retry``.

Batch states: ``pending`` → ``delivering`` → ``delivered`` | ``rejected`` (final) | ``failed`` (retry scheduled at
``next_attempt_at``; with ``next_attempt_at`` empty it waits for a person, who may retry it from the page).

Commands: ``manage.py exchange_issue_keys [--rotate --org USCC]``, ``manage.py exchange_archive export <id> <file>``
and ``manage.py exchange_archive verify <file>`` (offline; also ``python -m apps.exchange.evidence verify <file>``
without Django). Pages: ``/exchange/`` (monitor) and ``/exchange/<id>/``; API: ``/api/v1/batches/``,
``/api/v1/batch-events/``, ``/api/v1/exchange-keys/``. See docs/exchange.md for the bytes that are signed.

This package's ``__init__`` imports nothing, so ``apps.exchange.crypto`` and ``apps.exchange.evidence`` load
without Django.
"""
