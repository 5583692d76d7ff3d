"""Keys, sending, delivery on the recipient's behalf, receipts, tampering, replay, retries (rule M3)."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.db.utils import InternalError, ProgrammingError
from django.utils import timezone

from apps.core.errors import ApplicationError, PermissionDeniedError
from apps.core.models import AuditEvent, Notification
from apps.exchange import crypto, keys, selectors, services
from apps.exchange.models import Batch, BatchEvent, InboxEntry, OrganizationKey
from apps.parties.models import Organization, OrganizationKind
from apps.parties.rights import SystemActor
from tests.factories import OrganizationFactory, make_uscc

from . import kinds
from .conftest import tamper

State = Batch.State
Event = BatchEvent.Kind


def ingestions(batch) -> int:
    return AuditEvent.objects.filter(action=kinds.INGESTED, object_id=str(batch.pk)).count()


def event_kinds(batch) -> list[str]:
    return list(BatchEvent.objects.filter(batch=batch).order_by("at", "id").values_list("kind", flat=True))


# --- keys -----------------------------------------------------------------------------------------------------


def test_organisation_gets_signing_and_encryption_keys_when_created(db):
    org = OrganizationFactory(kind=OrganizationKind.INSURER)
    current = OrganizationKey.objects.filter(organization=org, retired_at__isnull=True)
    assert sorted(current.values_list("purpose", "algorithm")) == [("encryption", "x25519"), ("signing", "ed25519")]
    for key in current:
        private = keys.private_raw(key)
        assert private not in bytes(key.private_key_sealed)  # sealed, not stored in clear
        assert key.key_id == crypto.key_id(key.algorithm, key.public_raw)
    signing = current.get(purpose="signing")
    crypto.verify(signing.public_raw, crypto.sign(keys.private_raw(signing), b"x"), b"x")


def test_issue_keys_command_covers_organisations_without_keys_and_is_idempotent(db, capsys):
    bare = Organization.objects.create(kind=OrganizationKind.INSURER, name="无密钥单位", uscc=make_uscc())
    assert not OrganizationKey.objects.filter(organization=bare).exists()
    call_command("exchange_issue_keys")
    assert OrganizationKey.objects.filter(organization=bare, retired_at__isnull=True).count() == 2
    call_command("exchange_issue_keys")
    assert OrganizationKey.objects.filter(organization=bare).count() == 2
    assert "0 key(s) issued" in capsys.readouterr().out


def test_rotation_keeps_history_so_earlier_batches_still_deliver_and_verify(parties, send):
    before = send()
    old_signing = selectors.organization_current_key(organization=parties.transport, purpose="signing")
    old_encryption = selectors.organization_current_key(organization=parties.regulator, purpose="encryption")
    operator = SystemActor("exchange_issue_keys")
    services.organization_keys_rotate(organization=parties.transport, actor=operator)
    services.organization_keys_rotate(organization=parties.regulator, actor=operator)
    old_signing.refresh_from_db()
    assert old_signing.retired_at is not None
    assert OrganizationKey.objects.filter(organization=parties.transport, purpose="signing").count() == 2

    # sealed for the regulator's old encryption key, signed by transport's old signing key: still accepted
    assert services.batch_deliver(batch_id=before.pk) == "delivered"
    after = send()
    assert after.header["sender_key_id"] != old_signing.key_id
    assert after.header["recipient_key_id"] != old_encryption.key_id
    assert services.batch_deliver(batch_id=after.pk) == "delivered"
    for batch in (before, after):
        batch.refresh_from_db()
        assert selectors.batch_verify(batch=batch).ok


def test_only_platform_may_rotate_keys(parties):
    with pytest.raises(PermissionDeniedError):
        services.organization_keys_rotate(organization=parties.insurer_a, actor=parties.insurer_a_user)


# --- sending --------------------------------------------------------------------------------------------------


def test_send_writes_a_sealed_outbox_row_in_the_callers_transaction(parties, send):
    batch = send(refs=["LEAD-1", "LEAD-2"], actor=parties.transport_user)
    assert batch.state == State.PENDING and batch.attempts == 0
    assert batch.next_attempt_at > timezone.now()  # left to the after-commit enqueue first
    header = batch.header
    assert header["batch_id"] == str(batch.pk) and header["kind"] == "test_echo"
    assert header["sender_uscc"] == parties.transport.uscc and header["recipient_uscc"] == parties.regulator.uscc
    assert header["row_count"] == 2 and header["refs"] == ["LEAD-1", "LEAD-2"]
    assert header["suite"] == crypto.SUITE_HPKE
    assert "桂B12345".encode() not in bytes(batch.ciphertext)
    assert batch.sealed_sha256 == crypto.sealed_digest(batch.header_bytes, bytes(batch.ciphertext), bytes(batch.signature))
    assert event_kinds(batch) == [Event.CREATED]
    assert AuditEvent.objects.filter(action="exchange.batch_send", object_id=str(batch.pk)).exists()
    assert list(selectors.batches_for_ref(ref="LEAD-2")) == [batch]


def test_a_rolled_back_business_transaction_leaves_no_batch_and_enqueues_nothing(
    parties, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.batch_send(kind="test_echo", sender=parties.transport, recipient=parties.regulator, rows=[{"n": 1}],
                                actor=parties.transport_user)
            raise RuntimeError("the business change failed")
    assert not Batch.objects.exists()
    assert callbacks == []


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"kind": "no_such_kind"}, "unknown_kind"),
        ({"rows": [1, 2]}, "bad_rows"),
        ({"rows": [{"at": dt.datetime(2026, 1, 1)}]}, "bad_rows"),  # naive datetime: ambiguous instant
        ({"refs": "LEAD-1"}, "bad_refs"),
    ],
)
def test_send_refuses_bad_input_and_writes_nothing(parties, kwargs, code):
    args = {"kind": "test_echo", "sender": parties.transport, "recipient": parties.regulator, "rows": [{"n": 1}],
            "actor": parties.transport_user}
    with pytest.raises(ApplicationError) as exc:
        services.batch_send(**{**args, **kwargs})
    assert exc.value.code == code
    assert not Batch.objects.exists()


def test_send_refuses_to_send_for_another_organisation_or_to_oneself(parties):
    with pytest.raises(PermissionDeniedError):
        services.batch_send(kind="test_echo", sender=parties.transport, recipient=parties.regulator, rows=[],
                            actor=parties.insurer_a_user)
    with pytest.raises(ApplicationError):
        services.batch_send(kind="test_echo", sender=parties.transport, recipient=parties.transport, rows=[],
                            actor=parties.transport_user)
    assert not Batch.objects.exists()


# --- delivery -------------------------------------------------------------------------------------------------


def test_round_trip_delivers_ingests_once_and_issues_a_receipt_signed_by_the_recipient(parties, send):
    batch = send(refs=["LEAD-9"])
    assert services.batch_deliver(batch_id=batch.pk) == "delivered"
    batch.refresh_from_db()
    assert batch.state == State.DELIVERED and batch.attempts == 1 and batch.delivered_at
    assert ingestions(batch) == 1

    receipt = batch.receipt
    assert receipt["batch_id"] == str(batch.pk)
    assert receipt["batch_sha256"] == batch.sealed_sha256
    assert receipt["case_refs"] == ["CASE-1", "CASE-2"]
    recipient_key = selectors.organization_current_key(organization=parties.regulator, purpose="signing")
    assert receipt["recipient_key_id"] == recipient_key.key_id
    crypto.verify(recipient_key.public_raw, bytes(batch.receipt_signature), crypto.receipt_signing_message(receipt))

    # the moment the recipient knew: the receipt's received_at, handed to the handler, exposed to other apps
    known = selectors.batch_receipt_time(batch)
    assert known == crypto.parse_utc_stamp(receipt["received_at"]) == batch.receipt_at
    ingested = AuditEvent.objects.get(action=kinds.INGESTED, object_id=str(batch.pk))
    assert dt.datetime.fromisoformat(ingested.detail["receipt_at"]) == known
    assert (str(batch.pk), known) in kinds.RECEIPTS  # sender-side on_receipt callback

    entry = InboxEntry.objects.get(batch=batch)
    assert entry.recipient == parties.regulator and entry.claimed_batch_id == batch.pk
    assert entry.case_refs == ["CASE-1", "CASE-2"]
    assert event_kinds(batch) == [
        Event.CREATED, Event.ATTEMPT, Event.RECEIVED, Event.VERIFIED, Event.INGESTED, Event.RECEIPT_ISSUED,
    ]
    assert selectors.batch_verify(batch=batch).ok
    assert selectors.batch_rows(batch=batch, organization=parties.regulator)[0]["plate"] == "桂B12345"
    with pytest.raises(PermissionDeniedError):
        selectors.batch_rows(batch=batch, organization=parties.insurer_a)


def test_rows_round_trip_decimal_dates_as_canonical_strings(parties, send):
    from decimal import Decimal

    batch = send([{"premium": Decimal("3200.00"), "from": dt.date(2026, 5, 1), "n": 7}])
    services.batch_deliver(batch_id=batch.pk)
    assert selectors.batch_rows(batch=Batch.objects.get(pk=batch.pk), organization=parties.regulator) == [
        {"premium": "3200.00", "from": "2026-05-01", "n": 7}
    ]


def test_tampered_ciphertext_is_rejected_with_the_reason_recorded(parties, send):
    batch = send()
    ciphertext = bytearray(bytes(batch.ciphertext))
    ciphertext[40] ^= 0x01
    batch = tamper(batch, ciphertext=bytes(ciphertext))
    assert services.batch_deliver(batch_id=batch.pk) == "rejected"
    batch.refresh_from_db()
    assert batch.state == State.REJECTED and batch.rejection_code == "bad_signature"
    assert "签名校验失败" in batch.rejected_reason
    assert ingestions(batch) == 0 and not InboxEntry.objects.exists() and batch.receipt is None
    rejected = BatchEvent.objects.get(batch=batch, kind=Event.REJECTED)
    assert rejected.detail["code"] == "bad_signature" and rejected.organization == parties.regulator
    assert Notification.objects.filter(user=parties.transport_user, kind="exchange.rejected").exists()
    assert services.batch_deliver(batch_id=batch.pk) == "duplicate"  # a rejection is final


def test_ciphertext_tampered_by_a_key_holder_fails_the_aead_tag(parties, send):
    """Even re-signed with the sender's real key, a changed ciphertext does not decrypt (bad AEAD tag)."""
    batch = send()
    ciphertext = bytearray(bytes(batch.ciphertext))
    ciphertext[-3] ^= 0x80
    signing = OrganizationKey.objects.get(key_id=batch.header["sender_key_id"])
    signature = crypto.sign(keys.private_raw(signing), crypto.batch_signing_message(batch.header_bytes, bytes(ciphertext)))
    batch = tamper(batch, ciphertext=bytes(ciphertext), signature=signature)
    assert services.batch_deliver(batch_id=batch.pk) == "rejected"
    batch.refresh_from_db()
    assert batch.rejection_code == "decrypt_failed" and "AEAD" in batch.rejected_reason
    assert ingestions(batch) == 0


def test_tampered_header_is_rejected(parties, send):
    batch = send()
    batch = tamper(batch, header={**batch.header, "refs": ["FORGED"]}, refs=["FORGED"])
    assert services.batch_deliver(batch_id=batch.pk) == "rejected"
    batch.refresh_from_db()
    assert batch.rejection_code == "bad_signature" and ingestions(batch) == 0


def test_header_resigned_by_sender_still_fails_because_the_ciphertext_is_bound_to_the_original_header(parties, send):
    batch = send()
    header = {**batch.header, "refs": ["REWRITTEN"]}
    signing = OrganizationKey.objects.get(key_id=batch.header["sender_key_id"])
    header_bytes = crypto.canonical_json(header)
    signature = crypto.sign(keys.private_raw(signing), crypto.batch_signing_message(header_bytes, bytes(batch.ciphertext)))
    batch = tamper(batch, header=header, refs=["REWRITTEN"], signature=signature)
    assert services.batch_deliver(batch_id=batch.pk) == "rejected"
    assert Batch.objects.get(pk=batch.pk).rejection_code == "decrypt_failed"


def test_header_that_disagrees_with_the_batch_row_is_rejected(parties, send):
    batch = send()
    batch = tamper(batch, recipient=parties.insurer_a)  # routed to someone the header does not name
    assert services.batch_deliver(batch_id=batch.pk) == "rejected"
    batch.refresh_from_db()
    assert batch.rejection_code == "header_mismatch" and "recipient" in batch.rejected_reason
    assert ingestions(batch) == 0


def test_the_database_refuses_to_rewrite_a_sealed_batch_or_its_trail(parties, send):
    batch = send()
    with pytest.raises((InternalError, ProgrammingError)), transaction.atomic():
        Batch.objects.filter(pk=batch.pk).update(ciphertext=b"x")
    with pytest.raises((InternalError, ProgrammingError)), transaction.atomic():
        BatchEvent.objects.filter(batch=batch).delete()
    services.batch_deliver(batch_id=batch.pk)
    with pytest.raises((InternalError, ProgrammingError)), transaction.atomic():
        Batch.objects.filter(pk=batch.pk).update(receipt_at=timezone.now())


def test_same_batch_delivered_twice_is_ingested_once(parties, send):
    batch = send()
    assert services.batch_deliver(batch_id=batch.pk) == "delivered"
    receipt = Batch.objects.get(pk=batch.pk).receipt
    assert services.batch_deliver(batch_id=batch.pk) == "duplicate"
    batch.refresh_from_db()
    assert ingestions(batch) == 1 and InboxEntry.objects.count() == 1
    assert batch.receipt == receipt and batch.attempts == 1
    assert event_kinds(batch).count(Event.INGESTED) == 1 and Event.DUPLICATE in event_kinds(batch)


def test_replayed_copy_of_a_consumed_batch_is_rejected_as_replay(parties, send):
    original = send()
    services.batch_deliver(batch_id=original.pk)
    original.refresh_from_db()
    copy = Batch.objects.create(
        kind=original.kind, sender=original.sender, recipient=original.recipient, refs=original.refs,
        row_count=original.row_count, header=original.header, ciphertext=bytes(original.ciphertext),
        signature=bytes(original.signature), sealed_sha256=original.sealed_sha256, created_at=original.created_at,
    )
    assert services.batch_deliver(batch_id=copy.pk) == "rejected"
    copy.refresh_from_db()
    assert copy.rejection_code == "replay" and "重放" in copy.rejected_reason
    assert BatchEvent.objects.get(batch=copy, kind=Event.REJECTED).detail["first_batch"] == str(original.pk)
    assert ingestions(original) == 1 and ingestions(copy) == 0


def test_inbox_refuses_a_second_entry_for_a_consumed_nonce(parties, send):
    batch = send()
    services.batch_deliver(batch_id=batch.pk)
    entry = InboxEntry.objects.get()
    other = send()
    with pytest.raises(IntegrityError), transaction.atomic():
        InboxEntry.objects.create(batch=other, recipient=entry.recipient, claimed_batch_id=other.pk,
                                  nonce=entry.nonce, sealed_sha256="0" * 64, received_at=timezone.now())


def test_a_handler_refusal_rejects_the_batch_and_rolls_back_its_writes(parties, send):
    batch = send([{"n": 1}], kind="test_refuse")
    assert services.batch_deliver(batch_id=batch.pk) == "rejected"
    batch.refresh_from_db()
    assert batch.rejection_code == "test_refused" and batch.rejected_reason == "测试：接收方业务规则拒绝该批次"
    assert ingestions(batch) == 0 and not InboxEntry.objects.exists()


def test_transient_failures_are_retried_with_backoff_then_delivered(parties, send, settings):
    settings.EXCHANGE_RETRY_BACKOFF_SECONDS = 10
    batch = send([{"fail_times": 2}], kind="test_flaky")
    before = timezone.now()
    with pytest.raises(services.DeliveryRetry) as first:
        services.batch_deliver(batch_id=batch.pk)
    assert first.value.countdown == 10
    batch.refresh_from_db()
    assert batch.state == State.FAILED and "flaky handler failure #1" in batch.last_error
    assert before + dt.timedelta(seconds=10) <= batch.next_attempt_at <= timezone.now() + dt.timedelta(seconds=10)
    with pytest.raises(services.DeliveryRetry) as second:
        services.batch_deliver(batch_id=batch.pk)
    assert second.value.countdown == 20  # exponential
    assert services.batch_deliver(batch_id=batch.pk) == "delivered"
    batch.refresh_from_db()
    assert batch.attempts == 3 and batch.last_error == "" and ingestions(batch) == 1
    assert event_kinds(batch).count(Event.FAILED) == 2


def test_after_the_last_attempt_the_batch_waits_for_a_person_who_can_retry_it(parties, send, settings):
    settings.EXCHANGE_MAX_ATTEMPTS = 2
    batch = send([{"fail_times": 5}], kind="test_flaky")
    with pytest.raises(services.DeliveryRetry):
        services.batch_deliver(batch_id=batch.pk)
    assert services.batch_deliver(batch_id=batch.pk) == "gave_up"
    batch.refresh_from_db()
    assert batch.state == State.FAILED and batch.next_attempt_at is None and batch.gave_up
    assert Notification.objects.filter(user=parties.transport_user, kind="exchange.failed").exists()
    assert services.batch_deliver(batch_id=batch.pk) == "gave_up"  # a stray task changes nothing
    assert selectors.attention_count(user=parties.regulator_user) == 1

    with pytest.raises(PermissionDeniedError):
        services.batch_retry(batch=batch, actor=parties.insurer_a_user)
    services.batch_retry(batch=batch, actor=parties.transport_user)
    batch.refresh_from_db()
    assert batch.state == State.PENDING and batch.attempts == 0
    assert BatchEvent.objects.get(batch=batch, kind=Event.RETRIED).detail["previous_attempts"] == 2


# --- sweep ----------------------------------------------------------------------------------------------------


def test_sweep_reenqueues_pending_batches_after_their_grace_period_only(parties, send, purge_queue):
    batch = send()
    assert services.batch_sweep()["requeued"] == 0  # the after-commit enqueue is trusted first
    later = batch.next_attempt_at + dt.timedelta(seconds=1)
    assert services.batch_sweep(now=later) == {"reclaimed": 0, "requeued": 1, "errors": 0}
    batch.refresh_from_db()
    assert batch.next_attempt_at > later  # not again until the requeue interval has passed
    assert services.batch_sweep(now=later)["requeued"] == 0
    assert Event.REQUEUED in event_kinds(batch)


def test_sweep_reclaims_a_batch_left_in_delivering_by_a_dead_worker(parties, send, settings, purge_queue):
    settings.EXCHANGE_DELIVERING_STALE_SECONDS = 300
    batch = send()
    started = timezone.now()
    Batch.objects.filter(pk=batch.pk).update(state=State.DELIVERING, attempts=1, last_attempt_at=started)
    assert services.batch_sweep(now=started + dt.timedelta(seconds=299))["reclaimed"] == 0
    result = services.batch_sweep(now=started + dt.timedelta(seconds=301))
    assert result["reclaimed"] == 1 and result["requeued"] == 1
    batch.refresh_from_db()
    assert batch.state == State.FAILED and "工作进程" in batch.last_error
    assert services.batch_deliver(batch_id=batch.pk) == "delivered"
    assert ingestions(batch) == 1
    assert Event.RECLAIMED in event_kinds(batch)


# --- wiring ---------------------------------------------------------------------------------------------------


def test_wiring_hook_beat_task_options_and_system_check():
    from django.core import checks

    from apps.exchange.tasks import deliver_batch
    from apps.parties.services import ORGANIZATION_CREATED_HOOKS
    from liuzhou_regulation.celery import app

    assert services.on_organization_created in ORGANIZATION_CREATED_HOOKS.values()
    sweep = app.conf.beat_schedule["exchange-sweep"]
    assert sweep["task"] == "apps.exchange.tasks.exchange_sweep" and sweep["schedule"] == 60
    assert deliver_batch.acks_late and deliver_batch.reject_on_worker_lost
    assert not [m for m in checks.run_checks() if m.id == "exchange.W001"]


def test_system_check_warns_when_backoff_reaches_the_visibility_timeout(settings):
    from django.core import checks

    settings.EXCHANGE_RETRY_BACKOFF_MAX_SECONDS = 5 * 3600
    assert [m for m in checks.run_checks() if m.id == "exchange.W001"]


def test_refs_accept_any_iterable_of_strings(parties, send):
    assert send(refs=None).refs == []
    assert send(refs=(ref for ref in ["A-1", "A-2"])).refs == ["A-1", "A-2"]
