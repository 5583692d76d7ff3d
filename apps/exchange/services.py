"""Writes of the exchange: key pairs, the outbox (sending), delivery on the recipient's behalf, receipts, sweep.

Delivery of one batch happens in two transactions:

1. **claim** — ``pending``/retryable ``failed`` → ``delivering``, ``attempts + 1`` (committed, so a worker that
   dies afterwards leaves a visible trace and the sweep can reclaim the batch);
2. **receive** — with the batch row locked: replay check, header check, sender signature, decryption, payload
   check, then the kind's handler and the recipient's signed receipt, all in one transaction. A worker killed here
   rolls everything back; nothing is half-ingested.

A batch is ingested at most once: the claim admits one worker at a time, the receive step re-checks the state under
the row lock, and the recipient's ``InboxEntry`` consumes the batch id and the nonce under unique constraints.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from collections.abc import Iterable

from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.core.audit import acting_user, audit_record
from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from apps.core.notifications import Text, notify_organization, stored
from apps.exchange.errors import ErrorCode
from apps.parties import rights
from apps.parties.models import Organization

from . import conf, crypto, keys, log, ownkeys, registry, suites
from .models import Batch, BatchEvent, InboxEntry, OrganizationKey

logger = logging.getLogger(__name__)

Purpose = OrganizationKey.Purpose
State = Batch.State
Event = BatchEvent.Kind

# Tolerance between the instant a key was read and the instant it was used (a rotation in between is harmless).
KEY_CLOCK_SKEW = dt.timedelta(seconds=60)
MAX_REF_LENGTH = 120

# The platform's own jobs of the exchange (audited by these names, see ``rights.SystemActor``).
DELIVER_JOB = "exchange.deliver"
SWEEP_JOB = "exchange.sweep"
KEYS_JOB = "exchange.issue_keys"


def _actor_required(actor) -> None:
    if actor is None:
        raise TypeError("exchange services are called with an explicit actor; the platform acts as a SystemActor")


def receiving_actor(batch: Batch) -> rights.SystemActor:
    """Who a delivery acts as: the platform, on behalf of the batch's recipient (ingest handlers call their
    services with it)."""
    return rights.SystemActor(DELIVER_JOB, organization=batch.recipient)


class DeliveryRetry(Exception):  # noqa: N818 - a signal to the task, not an error of the caller
    """A delivery attempt failed for a transient reason; the outbox already records it and when to retry."""

    def __init__(self, message: str, *, countdown: int):
        super().__init__(message)
        self.countdown = countdown


class _Reject(Exception):  # noqa: N818
    def __init__(self, code: str, message: str, detail: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail or {}


# --- key pairs ------------------------------------------------------------------------------------------------


@transaction.atomic
def organization_keys_issue(
    *, organization: Organization, actor, families: Iterable[str] = (crypto.FAMILY_INTL,)
) -> list[OrganizationKey]:
    """Give the organisation its current signing (Ed25519) and encryption (X25519) keys if it lacks them (every
    organisation has them from its creation on: no right is needed to complete it); with ``families`` including
    ``"sm"`` also its SM2 signing and encryption keys (issued when its first 国密 batch needs them)."""
    _actor_required(actor)
    created = keys.ensure_keys(OrganizationKey, organization_id=organization.pk, families=tuple(families))
    for key in created:
        audit_record(
            actor=actor, action="exchange.key_issue", obj=key, organization=organization,
            detail={"key_id": key.key_id, "purpose": key.purpose},
        )
    return created


def on_organization_created(*, organization: Organization, actor) -> None:
    """Hook for ``apps.parties.services.ORGANIZATION_CREATED_HOOKS`` (runs in organization_create's transaction)."""
    organization_keys_issue(organization=organization, actor=actor)


@transaction.atomic
def organization_keys_rotate(
    *, organization: Organization, actor, purposes: Iterable[str] = (Purpose.SIGNING, Purpose.ENCRYPTION)
) -> list[OrganizationKey]:
    """Retire the organisation's current keys and issue new ones. Retired keys stay, so everything they signed
    still verifies and batches sealed for the old encryption key can still be opened."""
    rights.require(actor, "exchange.change_organizationkey", _("只有平台管理员可以轮换交换密钥。"))
    now = timezone.now()
    new_keys = []
    for purpose in purposes:
        if purpose == Purpose.SIGNING and ownkeys.self_signing(organization.pk):
            continue  # the party rotates its own signing keys by registering a new one (ownkeys)
        currents = list(
            OrganizationKey.objects.select_for_update()
            .filter(organization=organization, purpose=purpose, retired_at__isnull=True)
        ) or [None]
        for current in currents:  # one current key per algorithm (international, and SM2 once issued)
            if current is not None:
                current.retired_at = now
                current.save(update_fields=["retired_at"])
            key = keys.new_key(OrganizationKey, organization_id=organization.pk, purpose=purpose, valid_from=now,
                               algorithm=current.algorithm if current is not None else None)
            new_keys.append(key)
            audit_record(
                actor=actor, action="exchange.key_rotate", obj=key, organization=organization,
                detail={"purpose": purpose, "retired": current.key_id if current else None, "key_id": key.key_id},
            )
    return new_keys


def _current_key(organization: Organization, purpose: str, family: str = crypto.FAMILY_INTL) -> OrganizationKey:
    """The current custodial key (the platform holds its private half). Never for the signing of a party that
    registered its own key: the platform does not sign in its name."""
    if purpose == Purpose.SIGNING and ownkeys.self_signing(organization.pk):
        raise ApplicationError(_("%(org)s 使用本方签名密钥，平台不能代其签名。") % {"org": organization},
                               code=ErrorCode.SELF_SIGNING)
    algorithm = OrganizationKey.ALGORITHMS[family][purpose]
    current = OrganizationKey.objects.filter(organization=organization, purpose=purpose, algorithm=algorithm,
                                             retired_at__isnull=True, custody=OrganizationKey.Custody.PLATFORM)
    key = current.first()
    if key is None:
        organization_keys_issue(organization=organization, families=(family,),
                                actor=rights.SystemActor(KEYS_JOB, organization=organization))
        key = current.get()
    return key


def _key_valid_at(key: OrganizationKey, instant: dt.datetime) -> bool:
    return key.valid_from <= instant + KEY_CLOCK_SKEW and (
        key.retired_at is None or instant < key.retired_at + KEY_CLOCK_SKEW
    ) and (key.revoked_at is None or instant < key.revoked_at)


# --- events ---------------------------------------------------------------------------------------------------


def _event(batch_id, kind: str, *, organization_id=None, attempt=None, detail=None, at=None) -> BatchEvent:
    return BatchEvent.objects.create(
        batch_id=batch_id, kind=kind, organization_id=organization_id, attempt=attempt, detail=detail or {},
        at=at or timezone.now(),
    )


def _event_quietly(batch_id, kind: str, **kwargs) -> None:
    """Record an event outside any business transaction; a failure here must never reach the user."""
    try:
        _event(batch_id, kind, **kwargs)
    except Exception:  # noqa: BLE001 - logged, the outbox row stays the truth
        logger.exception("exchange: could not record %s event for batch %s", kind, batch_id)


def _link(batch_id) -> str:
    try:
        return reverse("exchange-batch-detail", kwargs={"pk": batch_id})
    except Exception:  # noqa: BLE001 - URLs may be absent in a bare worker configuration
        return ""


# --- sending --------------------------------------------------------------------------------------------------


def _clean_refs(refs, *, what: str) -> list[str]:
    """A list of short non-empty strings (any iterable but a lone string is accepted)."""
    if refs is None:
        return []
    if not isinstance(refs, str | bytes | dict):
        try:
            refs = list(refs)
        except TypeError:
            pass
    if not isinstance(refs, list):
        raise ApplicationError(_("%(what)s必须是字符串列表。") % {"what": what}, code=ErrorCode.BAD_REFS)
    out = []
    for ref in refs:
        if not isinstance(ref, str) or not ref or len(ref) > MAX_REF_LENGTH:
            raise ApplicationError(
                _("%(what)s必须是不超过 %(n)d 个字符的非空字符串。") % {"what": what, "n": MAX_REF_LENGTH}, code=ErrorCode.BAD_REFS
            )
        out.append(ref)
    return out


@transaction.atomic
def batch_send(
    *,
    kind: str,
    sender: Organization,
    recipient: Organization,
    rows: list[dict],
    refs: Iterable[str] = (),
    actor,
) -> Batch:
    """Seal ``rows`` from ``sender`` for ``recipient`` and write the outbox row (rule M3).

    Call it inside the business transaction that caused the push: the batch commits or rolls back with it, and
    delivery is enqueued only after the commit. If the queue is unavailable the batch stays ``pending`` and the
    sweep sends it later; the caller never sees a queue error.
    """
    return batches_send(kind=kind, sender=sender, batches=[(recipient, rows, refs)], actor=actor)[0]


def batches_send(
    *,
    kind: str,
    sender: Organization,
    batches: list[tuple[Organization, list[dict], Iterable[str]]],
    actor,
) -> list[Batch]:
    """``batch_send`` for several recipients at once — ``batches`` is ``[(recipient, rows, refs), …]`` — with the
    same checks, seal, signature, events and audit per batch, written in bulk: the keys read in two queries, the
    outbox rows and their events inserted in one statement each, and the deliveries enqueued by one hook after
    the commit (a job sending one list to each of 40 companies pays for the sealing, not for 40 round trips)."""
    if registry.get_kind(kind) is None:
        raise ApplicationError(_("未登记的交换批次类别：%(kind)s") % {"kind": kind}, code=ErrorCode.UNKNOWN_KIND)
    _actor_required(actor)
    if not actor.is_superuser and actor.organization_id != sender.pk:
        # a user sends in its own organisation's name; a system job acts for the sender it names
        raise PermissionDeniedError(_("只能以本单位的名义发送数据。"))
    prepared = []
    for recipient, rows, refs in batches:
        if sender.pk == recipient.pk:
            raise ApplicationError(_("发送方与接收方不能是同一单位。"), code=ErrorCode.SAME_PARTY)
        if not sender.is_active or not recipient.is_active:
            raise ApplicationError(_("发送方或接收方单位已停用。"), code=ErrorCode.INACTIVE_PARTY)
        if not isinstance(rows, list | tuple) or not all(isinstance(row, dict) for row in rows):
            raise ApplicationError(_("批次内容必须是若干条记录（字典）组成的列表。"), code=ErrorCode.BAD_ROWS)
        refs = _clean_refs(refs, what=_("业务编号"))
        try:
            plaintext = crypto.canonical_json(list(rows))
        except ValueError as exc:
            raise ApplicationError(
                _("批次内容无法规范化为 JSON：%(error)s") % {"error": exc}, code=ErrorCode.BAD_ROWS
            ) from exc
        prepared.append((recipient, len(rows), refs, plaintext))
    if not prepared:
        return []

    families = {recipient.pk: suites.batch_family(sender, recipient) for recipient, *_rest in prepared}
    # suite family -> the sender's signing key of that family and its private half: a custodial key the platform
    # signs with, or the party's registered key (no private half here: its system signs later, ``batch_sign``)
    signing = {}
    for family in sorted(set(families.values())):
        key, custodial = ownkeys.signer_for(sender, family)
        if custodial:
            key = _current_key(sender, Purpose.SIGNING, family)
        signing[family] = (key, keys.private_raw(key) if custodial else None)
    recipient_ids = {recipient.pk for recipient, *_rest in prepared}
    encryption_keys = {(key.organization_id, key.algorithm): key for key in OrganizationKey.objects.filter(
        organization_id__in=recipient_ids, purpose=Purpose.ENCRYPTION, retired_at__isnull=True)}
    now = timezone.now()
    created_by = acting_user(actor)
    out: list[Batch] = []
    for recipient, row_count, refs, plaintext in prepared:
        family = families[recipient.pk]
        suite = suites.suite_name(family)
        signing_key, signing_private = signing[family]
        encryption_key = (encryption_keys.get((recipient.pk, OrganizationKey.ALGORITHMS[family][Purpose.ENCRYPTION]))
                          or _current_key(recipient, Purpose.ENCRYPTION, family))
        batch_id = uuid.uuid4()
        header = {
            "format": crypto.FORMAT,
            "batch_id": str(batch_id),
            "kind": kind,
            "sender_id": sender.pk,
            "sender_uscc": sender.uscc,
            "recipient_id": recipient.pk,
            "recipient_uscc": recipient.uscc,
            "created_at": crypto.utc_stamp(now),
            "row_count": row_count,
            "refs": refs,
            "nonce": uuid.uuid4().hex,
            "sender_key_id": signing_key.key_id,
            "recipient_key_id": encryption_key.key_id,
            "suite": suite,
            "signature_algorithm": crypto.SIGNATURE_NAME[family],
            "sender_key_custody": signing_key.custody,
        }
        header_bytes = crypto.canonical_json(header)
        ciphertext = crypto.seal(plaintext, encryption_key.public_raw, header_bytes, suite)
        if signing_private is None:  # the sender's own system signs (batch_sign); nothing is delivered before
            signature, sealed, state, due = b"", "", State.AWAITING_SIGNATURE, None
        else:
            signature = crypto.sign(signing_private, crypto.batch_signing_message(header_bytes, ciphertext, suite),
                                    algorithm=signing_key.algorithm, public_raw=signing_key.public_raw)
            sealed = crypto.sealed_digest(header_bytes, ciphertext, signature, suite)
            state, due = State.PENDING, now + dt.timedelta(seconds=conf.sweep_grace_seconds())
        batch = Batch(
            id=batch_id, kind=kind, sender=sender, recipient=recipient, refs=refs, row_count=row_count,
            header=header, ciphertext=ciphertext, signature=signature, sealed_sha256=sealed,
            state=state, next_attempt_at=due, created_at=now, created_by=created_by,
        )
        # the parties and the user are the instances given (they exist): no query per foreign key
        batch.full_clean(exclude=["sender", "recipient", "created_by", "signature", "sealed_sha256"])
        out.append(batch)
    Batch.objects.bulk_create(out)
    BatchEvent.objects.bulk_create([BatchEvent(
        batch_id=batch.pk, kind=Event.CREATED, organization_id=sender.pk, attempt=None, at=now,
        detail={"row_count": batch.row_count, "sealed_sha256": batch.sealed_sha256,
                "sender_key_id": batch.header["sender_key_id"], "sender_key_custody": batch.header["sender_key_custody"],
                "awaiting_signature": batch.state == State.AWAITING_SIGNATURE}) for batch in out])
    for batch in out:
        audit_record(
            actor=actor, action="exchange.batch_send", obj=batch, organization=sender,
            detail={"kind": kind, "recipient": batch.recipient_id, "row_count": batch.row_count,
                    "refs": batch.refs[:20]},
        )
    ids = [batch.pk for batch in out if batch.state == State.PENDING]
    transaction.on_commit(lambda: _enqueue_all_after_commit(ids))
    transaction.on_commit(log.log_after_commit)  # the transparency log records the batches and signs a head
    return out


def _publish(batch_id) -> str | None:
    """Put a delivery task on the queue; returns None, or the error (logged) when the broker is unavailable."""
    from .tasks import deliver_batch

    try:
        deliver_batch.apply_async(args=[str(batch_id)], retry=True, retry_policy=conf.publish_retry_policy())
        return None
    except Exception as exc:  # noqa: BLE001 - any broker failure leaves the batch to the sweep
        logger.warning("exchange: could not enqueue batch %s (%s: %s); the sweep will retry", batch_id,
                       type(exc).__name__, exc)
        return f"{type(exc).__name__}: {exc}"[:500]


def _enqueue_after_commit(batch_id) -> None:
    at = timezone.now()
    error = _publish(batch_id)
    if error is None:
        _event_quietly(batch_id, Event.ENQUEUED, at=at)
    else:
        _event_quietly(batch_id, Event.ENQUEUE_FAILED, detail={"error": error})


def _enqueue_all_after_commit(batch_ids: list) -> None:
    """Enqueue each batch's delivery; the events of all of them are recorded with one insert."""
    if len(batch_ids) == 1:
        _enqueue_after_commit(batch_ids[0])
        return
    events = []
    for batch_id in batch_ids:
        at = timezone.now()
        error = _publish(batch_id)
        events.append(BatchEvent(batch_id=batch_id, kind=Event.ENQUEUED, at=at, detail={}) if error is None else
                      BatchEvent(batch_id=batch_id, kind=Event.ENQUEUE_FAILED, at=at, detail={"error": error}))
    try:
        BatchEvent.objects.bulk_create(events)
    except Exception:  # noqa: BLE001 - logged, the outbox rows stay the truth
        logger.exception("exchange: could not record the enqueue events of %d batches", len(batch_ids))


# --- delivery (acting for the recipient) ----------------------------------------------------------------------


def batch_deliver(*, batch_id) -> str:
    """Deliver one batch: verify, ingest once, issue the recipient's signed receipt.

    Returns ``delivered``, ``rejected``, ``duplicate`` (already final: nothing done), ``busy`` (another worker
    holds it), ``gave_up`` or ``missing``. Raises ``DeliveryRetry`` after a transient failure, which the outbox
    has already recorded together with the next attempt time.
    """
    now = timezone.now()
    claimable = Q(state=State.PENDING) | Q(state=State.FAILED, next_attempt_at__isnull=False)
    with transaction.atomic():
        claimed = Batch.objects.filter(claimable, pk=batch_id).update(
            state=State.DELIVERING, attempts=F("attempts") + 1, last_attempt_at=now
        )
        if claimed:
            row = Batch.objects.values("attempts", "recipient_id").get(pk=batch_id)
            attempt = row["attempts"]
            _event(batch_id, Event.ATTEMPT, organization_id=row["recipient_id"], attempt=attempt, at=now)
    if not claimed:
        return _not_claimed(batch_id)
    try:
        with transaction.atomic():
            return _receive(batch_id, attempt)
    except Exception as exc:  # noqa: BLE001 - every other failure is transient: recorded, then retried
        logger.exception("exchange: delivery of batch %s failed (attempt %s)", batch_id, attempt)
        outcome, countdown = _record_failure(batch_id=batch_id, attempt=attempt, error=exc)
        if countdown is None:
            return outcome
        raise DeliveryRetry(str(exc), countdown=countdown) from exc


def _not_claimed(batch_id) -> str:
    row = Batch.objects.filter(pk=batch_id).values("state", "recipient_id").first()
    if row is None:
        logger.warning("exchange: delivery task for unknown batch %s ignored", batch_id)
        return "missing"
    if row["state"] in {State.DELIVERED, State.REJECTED, State.RECEIPT_PENDING}:
        _event(batch_id, Event.DUPLICATE, organization_id=row["recipient_id"], detail={"state": row["state"]})
        return "duplicate"
    if row["state"] == State.DELIVERING:
        return "busy"
    if row["state"] == State.AWAITING_SIGNATURE:
        return "unsigned"
    return "gave_up"


def _header_problems(batch: Batch, header: dict) -> list[str]:
    expected = {
        "format": crypto.FORMAT,
        "batch_id": str(batch.pk),
        "kind": batch.kind,
        "sender_id": batch.sender_id,
        "sender_uscc": batch.sender.uscc,
        "recipient_id": batch.recipient_id,
        "recipient_uscc": batch.recipient.uscc,
        "created_at": crypto.utc_stamp(batch.created_at),
        "row_count": batch.row_count,
        "refs": list(batch.refs or []),
    }
    problems = [name for name, value in expected.items() if header.get(name) != value]
    for name in ("nonce", "sender_key_id", "recipient_key_id", "suite"):
        if not isinstance(header.get(name), str) or not header.get(name):
            problems.append(name)
    return problems


def _open(batch: Batch, header: dict, header_bytes: bytes) -> list[dict]:
    """Check the sender's signature and decrypt with the recipient's key; returns the rows or raises _Reject."""
    family = crypto.family_of(header["suite"])
    algorithms = OrganizationKey.ALGORITHMS[family]
    if header.get("signature_algorithm") != crypto.SIGNATURE_NAME[family]:
        raise _Reject("unsupported_suite", _("签名算法 %(alg)s 与加密套件 %(suite)s 不配套。")
                      % {"alg": header.get("signature_algorithm"), "suite": header["suite"]})
    sender_key = OrganizationKey.objects.filter(key_id=header["sender_key_id"]).first()
    if (sender_key is None or sender_key.organization_id != batch.sender_id or sender_key.purpose != Purpose.SIGNING
            or sender_key.algorithm != algorithms[Purpose.SIGNING]):
        raise _Reject("unknown_key", _("找不到发送方的签名密钥 %(key)s。") % {"key": header["sender_key_id"]})
    if header.get("sender_key_custody", OrganizationKey.Custody.PLATFORM) != sender_key.custody:
        raise _Reject("header_mismatch", _("批次头所述的签名密钥保管方式与登记的密钥 %(key)s 不符。")
                      % {"key": sender_key.key_id}, {"fields": ["sender_key_custody"]})
    if not _key_valid_at(sender_key, crypto.parse_utc_stamp(header["created_at"])):
        raise _Reject("key_not_valid", _("发送方签名密钥 %(key)s 在批次生成时不在有效期内。") % {"key": sender_key.key_id})
    ciphertext, signature = bytes(batch.ciphertext), bytes(batch.signature)
    try:
        crypto.verify(sender_key.public_raw, signature,
                      crypto.batch_signing_message(header_bytes, ciphertext, header["suite"]),
                      algorithm=sender_key.algorithm)
    except crypto.CryptoError as exc:
        raise _Reject("bad_signature", _("发送方签名校验失败：批次头或密文在签名后被改动。")) from exc
    recipient_key = OrganizationKey.objects.filter(key_id=header["recipient_key_id"]).first()
    if (recipient_key is None or recipient_key.organization_id != batch.recipient_id
            or recipient_key.purpose != Purpose.ENCRYPTION or recipient_key.algorithm != algorithms[Purpose.ENCRYPTION]):
        raise _Reject("unknown_key", _("找不到接收方的加密密钥 %(key)s。") % {"key": header["recipient_key_id"]})
    private = keys.private_raw(recipient_key)  # a platform-key problem is an operational fault: retried, not rejected
    try:
        plaintext = crypto.open_sealed(ciphertext, private, header_bytes, header["suite"])
    except crypto.CryptoError as exc:
        if exc.code == "unsupported_suite":
            raise _Reject("unsupported_suite", _("不支持的加密套件：%(suite)s。") % {"suite": header["suite"]}) from exc
        raise _Reject("decrypt_failed", _("解密失败：认证标签（AEAD）校验不通过，密文或批次头被改动。")) from exc
    try:
        rows = json.loads(plaintext.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _Reject("bad_payload", _("批次内容不是合法的 JSON。")) from exc
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise _Reject("bad_payload", _("批次内容必须是记录列表。"))
    if len(rows) != header["row_count"]:
        raise _Reject("bad_payload", _("批次内容条数 %(n)d 与批次头声明的 %(m)d 不符。") % {"n": len(rows), "m": header["row_count"]})
    if crypto.canonical_json(rows) != plaintext:
        raise _Reject("bad_payload", _("批次内容不是规范化 JSON。"))
    return rows


def _verify(batch: Batch) -> tuple[list[dict], bytes]:
    header = batch.header
    if not isinstance(header, dict):
        raise _Reject("header_invalid", _("批次头格式错误。"))
    try:
        claimed_id = uuid.UUID(str(header.get("batch_id")))
    except ValueError:
        claimed_id = None
    nonce = header.get("nonce")
    replay_q = Q(nonce=nonce) if isinstance(nonce, str) and nonce else Q(pk__in=[])
    if claimed_id is not None:
        replay_q |= Q(claimed_batch_id=claimed_id)
    earlier = InboxEntry.objects.filter(replay_q).exclude(batch_id=batch.pk).order_by("received_at").first()
    if earlier is not None:
        raise _Reject(
            "replay",
            _("重放：该批次号或随机数已于 %(at)s 被批次 %(other)s 使用，拒绝再次入库。")
            % {"at": timezone.localtime(earlier.received_at).strftime("%Y-%m-%d %H:%M:%S"), "other": earlier.batch_id},
            {"first_batch": str(earlier.batch_id)},
        )
    problems = _header_problems(batch, header)
    if problems:
        raise _Reject(
            "header_mismatch", _("批次头与批次记录不一致：%(fields)s。") % {"fields": ", ".join(problems)},
            {"fields": problems},
        )
    header_bytes = crypto.canonical_json(header)
    return _open(batch, header, header_bytes), header_bytes


def _receive(batch_id, attempt: int) -> str:
    batch = Batch.objects.select_for_update(of=("self",)).select_related("sender", "recipient").get(pk=batch_id)
    if batch.state != State.DELIVERING or batch.attempts != attempt:
        return "busy"  # the sweep reclaimed it and another attempt owns it now
    recipient = batch.recipient
    received_at = timezone.now()
    _event(batch.pk, Event.RECEIVED, organization_id=recipient.pk, attempt=attempt, at=received_at)
    try:
        rows, header_bytes = _verify(batch)
    except _Reject as reject:
        return _reject(batch, reject, attempt=attempt)
    spec = registry.get_kind(batch.kind)
    if spec is None:
        raise RuntimeError(f"no ingest handler is registered for batch kind {batch.kind!r}")
    _event(batch.pk, Event.VERIFIED, organization_id=recipient.pk, attempt=attempt,
           detail={"sender_key_id": batch.header["sender_key_id"]})

    suite = batch.header["suite"]
    family = crypto.family_of(suite)
    digest = crypto.sealed_digest(header_bytes, bytes(batch.ciphertext), bytes(batch.signature), suite)
    try:
        with transaction.atomic():
            case_refs = _clean_refs(spec.handler(batch, rows, received_at), what=_("案件编号"))
            InboxEntry.objects.create(
                batch=batch, recipient=recipient, claimed_batch_id=batch.pk, nonce=batch.header["nonce"],
                sealed_sha256=digest, received_at=received_at, ingested_at=timezone.now(), case_refs=case_refs,
            )
    except registry.IngestRejected as exc:
        return _reject(batch, _Reject(exc.code, exc.message), attempt=attempt)
    _event(batch.pk, Event.INGESTED, organization_id=recipient.pk, attempt=attempt,
           detail={"row_count": len(rows), "case_refs": case_refs[:50], "case_ref_count": len(case_refs)})

    receipt = {
        "format": crypto.RECEIPT_FORMAT,
        "batch_id": str(batch.pk),
        crypto.RECEIPT_DIGEST_FIELD[family]: digest,
        "kind": batch.kind,
        "sender_uscc": batch.sender.uscc,
        "recipient_uscc": recipient.uscc,
        "row_count": len(rows),
        "received_at": crypto.utc_stamp(received_at),
        "case_refs": case_refs,
    }
    batch.delivered_at = timezone.now()
    batch.next_attempt_at = None
    batch.last_error, batch.last_error_msg = "", {}
    audit_record(
        actor=receiving_actor(batch), action="exchange.batch_ingest", obj=batch, organization=recipient,
        detail={"kind": batch.kind, "sender": batch.sender_id, "received_at": receipt["received_at"],
                "case_ref_count": len(case_refs)},
    )
    if ownkeys.self_signing(recipient.pk):
        # the platform holds no key that may sign this party's receipt: its system signs it (receipt_sign)
        batch.receipt_pending = receipt
        batch.state = State.RECEIPT_PENDING
        batch.save(update_fields=["receipt_pending", "state", "delivered_at", "next_attempt_at", "last_error",
                                  "last_error_msg"])
        _event(batch.pk, Event.RECEIPT_REQUESTED, organization_id=recipient.pk, attempt=attempt,
               detail={"received_at": receipt["received_at"], "batch_sha256": digest})
        if batch.kind != log.HEADS_KIND:  # the periodic tree heads wait for the system without a message each
            notify_organization(
                organization=recipient, title=Text(gettext_noop("回执待本单位系统签署")),
                body=Text(gettext_noop("批次 %(id)s 已入库，请由本单位系统签署接收回执。"), id=str(batch.pk)),
                link=_link(batch.pk), kind="exchange.receipt_pending",
                dedup_key=f"exchange-receipt-pending-{batch.pk}",
            )
        return "receipt_pending"
    receipt_key = _current_key(recipient, Purpose.SIGNING, family)
    receipt["recipient_key_id"] = receipt_key.key_id
    receipt["recipient_key_custody"] = receipt_key.custody  # custodial: the platform signs in the party's name
    signature = crypto.sign(keys.private_raw(receipt_key), crypto.receipt_signing_message(receipt),
                            algorithm=receipt_key.algorithm, public_raw=receipt_key.public_raw)
    _issue_receipt(batch, receipt, signature, receipt_key, attempt=attempt)
    return "delivered"


def _issue_receipt(batch: Batch, receipt: dict, signature: bytes, key: OrganizationKey, *, attempt=None) -> None:
    """Write the signed receipt (whoever signed it) and run the sender's ``on_receipt``; the clocks start here."""
    batch.receipt = receipt
    batch.receipt_signature = signature
    batch.receipt_at = crypto.parse_utc_stamp(receipt["received_at"])
    batch.state = State.DELIVERED
    batch.save(update_fields=[
        "receipt", "receipt_signature", "receipt_at", "state", "delivered_at", "next_attempt_at", "last_error",
        "last_error_msg",
    ])
    _event(batch.pk, Event.RECEIPT_ISSUED, organization_id=batch.recipient_id, attempt=attempt,
           detail={"received_at": receipt["received_at"], "recipient_key_id": key.key_id,
                   "recipient_key_custody": key.custody,
                   "batch_sha256": receipt.get("batch_sha256") or receipt.get("batch_sm3")})
    spec = registry.get_kind(batch.kind)
    if spec is not None and spec.on_receipt is not None:
        spec.on_receipt(batch)
    transaction.on_commit(log.log_after_commit)  # the transparency log records the receipt and signs a head


# --- signatures made by a party's own system (through the API) -------------------------------------------------


def _signature_window(signed_at: str) -> dt.datetime:
    try:
        instant = crypto.parse_utc_stamp(signed_at)
    except (TypeError, ValueError) as exc:
        raise ApplicationError(_("签署时间格式错误（应为 UTC，如 2026-05-01T02:03:04.000000Z）。"),
                               code=ErrorCode.BAD_SIGNED_AT) from exc
    now = timezone.now()
    if not now - dt.timedelta(seconds=ownkeys.signature_window_seconds()) <= instant <= now + KEY_CLOCK_SKEW:
        raise ApplicationError(_("签署时间与平台时间相差过大，请重新获取待签内容。"), code=ErrorCode.BAD_SIGNED_AT)
    return instant


def _own_system(actor, organization_id, message: str) -> None:
    rights.require(actor, ownkeys.MANAGE_PERM, _("您没有以本单位密钥签名的权限。"))
    if getattr(actor, "organization_id", None) != organization_id:
        raise PermissionDeniedError(message)


def receipt_to_sign(*, batch: Batch, key: OrganizationKey | None = None, signed_at: dt.datetime | None = None) -> dict:
    """What the recipient's system signs for a ``receipt_pending`` batch: the receipt body naming its key (the
    newest valid one unless ``key``) and the signing instant, and the exact bytes to sign."""
    if batch.state != State.RECEIPT_PENDING or not batch.receipt_pending:
        raise ConflictError(_("该批次没有待签署的回执。"), code=ErrorCode.NO_PENDING_RECEIPT)
    family = crypto.family_of(batch.header.get("suite"))
    key = key or ownkeys.party_signing_key(batch.recipient_id, crypto.SIGNING_ALGORITHM[family])
    if key is None:
        raise ApplicationError(_("本单位没有有效的签名密钥：请先登记新密钥。"), code=ErrorCode.NO_SIGNING_KEY)
    body = dict(batch.receipt_pending, recipient_key_id=key.key_id, recipient_key_custody=key.custody,
                signed_at=crypto.utc_stamp(signed_at or timezone.now()))
    return {"receipt": body, "key_id": key.key_id, "algorithm": key.algorithm,
            "message": crypto.b64e(crypto.receipt_signing_message(body))}


@transaction.atomic
def receipt_sign(*, batch: Batch, actor, key_id: str, signed_at: str, signature: str) -> Batch:
    """Store the receipt signed by the recipient's own system (rule M3; the M12/J5 clock starts from its
    ``received_at``). Only the recipient's own users may; the signature must verify with its registered key
    valid at ``signed_at``. A refused signature changes nothing."""
    batch = Batch.objects.select_for_update(of=("self",)).select_related("sender", "recipient").get(pk=batch.pk)
    _own_system(actor, batch.recipient_id, _("只有接收方本单位的系统可以签署该回执。"))
    instant = _signature_window(signed_at)
    family = crypto.family_of(batch.header.get("suite"))
    key = OrganizationKey.objects.filter(
        key_id=key_id or "", organization_id=batch.recipient_id, custody=OrganizationKey.Custody.PARTY,
        purpose=Purpose.SIGNING, algorithm=crypto.SIGNING_ALGORITHM[family]).first()
    if key is None or not ownkeys.party_key_valid_at(key, instant) or not ownkeys.party_key_valid_at(key, timezone.now()):
        raise ApplicationError(_("签名密钥不是本单位登记的有效密钥（或已吊销、已过期）。"), code=ErrorCode.KEY_NOT_VALID)
    to_sign = receipt_to_sign(batch=batch, key=key, signed_at=instant)
    if to_sign["receipt"]["signed_at"] != signed_at:
        raise ApplicationError(_("签署时间格式错误（应为 UTC，如 2026-05-01T02:03:04.000000Z）。"), code=ErrorCode.BAD_SIGNED_AT)
    try:
        raw_signature = crypto.b64d(signature or "")
        crypto.verify(key.public_raw, raw_signature, crypto.b64d(to_sign["message"]), algorithm=key.algorithm)
    except (ValueError, TypeError, crypto.CryptoError) as exc:
        raise ApplicationError(_("回执签名校验失败。"), code=ErrorCode.BAD_SIGNATURE) from exc
    _issue_receipt(batch, to_sign["receipt"], raw_signature, key)
    audit_record(actor=actor, action="exchange.receipt_sign", obj=batch, organization=batch.recipient,
                 detail={"key_id": key.key_id, "signed_at": signed_at})
    return batch


def batch_to_sign(*, batch: Batch) -> dict:
    """What the sender's system signs for an ``awaiting_signature`` batch: the header (which names the key) and
    the hash of the ciphertext, as the exact bytes of the batch-signature message."""
    if batch.state != State.AWAITING_SIGNATURE:
        raise ConflictError(_("该批次不在待签名状态。"), code=ErrorCode.NOT_AWAITING_SIGNATURE)
    suite = batch.header.get("suite")
    ciphertext = bytes(batch.ciphertext)
    return {"header": batch.header, "key_id": batch.header["sender_key_id"],
            "ciphertext_digest": crypto.digest_hex(crypto.family_of(suite), ciphertext),
            "message": crypto.b64e(crypto.batch_signing_message(batch.header_bytes, ciphertext, suite))}


@transaction.atomic
def batch_sign(*, batch: Batch, actor, signature: str) -> Batch:
    """Store the sender's own signature over a sealed batch and release it for delivery. The key is the one the
    header names (the party's registered key valid when the batch was created, and still not revoked)."""
    batch = Batch.objects.select_for_update(of=("self",)).select_related("sender", "recipient").get(pk=batch.pk)
    _own_system(actor, batch.sender_id, _("只有发送方本单位的系统可以为该批次签名。"))
    to_sign = batch_to_sign(batch=batch)
    key = OrganizationKey.objects.filter(key_id=to_sign["key_id"], organization_id=batch.sender_id,
                                         custody=OrganizationKey.Custody.PARTY).first()
    now = timezone.now()
    if key is None or not ownkeys.party_key_valid_at(key, now) or not ownkeys.party_key_valid_at(key, batch.created_at):
        raise ApplicationError(_("批次头所列的签名密钥已失效或已吊销，该批次不能再签名。"), code=ErrorCode.KEY_NOT_VALID)
    try:
        raw_signature = crypto.b64d(signature or "")
        crypto.verify(key.public_raw, raw_signature, crypto.b64d(to_sign["message"]), algorithm=key.algorithm)
    except (ValueError, TypeError, crypto.CryptoError) as exc:
        raise ApplicationError(_("批次签名校验失败。"), code=ErrorCode.BAD_SIGNATURE) from exc
    suite = batch.header.get("suite")
    batch.signature = raw_signature
    batch.sealed_sha256 = crypto.sealed_digest(batch.header_bytes, bytes(batch.ciphertext), raw_signature, suite)
    batch.state = State.PENDING
    batch.next_attempt_at = now + dt.timedelta(seconds=conf.sweep_grace_seconds())
    batch.save(update_fields=["signature", "sealed_sha256", "state", "next_attempt_at"])
    _event(batch.pk, Event.SIGNED, organization_id=batch.sender_id,
           detail={"sender_key_id": key.key_id, "sender_key_custody": key.custody, "sealed_sha256": batch.sealed_sha256})
    audit_record(actor=actor, action="exchange.batch_sign", obj=batch, organization=batch.sender,
                 detail={"key_id": key.key_id})
    batch_id = batch.pk
    transaction.on_commit(lambda: _enqueue_after_commit(batch_id))
    transaction.on_commit(log.log_after_commit)
    return batch


def _reject(batch: Batch, reject: _Reject, *, attempt: int) -> str:
    batch.state = State.REJECTED
    batch.rejection_code = reject.code
    batch.rejected_reason = reject.message
    batch.next_attempt_at = None
    batch.last_error, batch.last_error_msg = "", {}
    batch.save(update_fields=["state", "rejection_code", "rejected_reason", "next_attempt_at", "last_error",
                              "last_error_msg"])
    _event(batch.pk, Event.REJECTED, organization_id=batch.recipient_id, attempt=attempt,
           detail={"code": reject.code, "reason": reject.message, **reject.detail})
    audit_record(
        actor=receiving_actor(batch), action="exchange.batch_reject", obj=batch, organization=batch.recipient,
        detail={"code": reject.code, "reason": reject.message, "sender": batch.sender_id},
    )
    notify_organization(
        organization=batch.sender, title=Text(gettext_noop("交换批次被拒收")),
        body=Text(gettext_noop("%(recipient)s 拒收了批次 %(id)s：%(reason)s"),
                  recipient=str(batch.recipient), id=str(batch.pk), reason=reject.message),
        link=_link(batch.pk), kind="exchange.rejected", dedup_key=f"exchange-rejected-{batch.pk}",
    )
    spec = registry.get_kind(batch.kind)
    if spec is not None and spec.on_rejected is not None:
        spec.on_rejected(batch)
    logger.warning("exchange: batch %s rejected (%s): %s", batch.pk, reject.code, reject.message)
    return "rejected"


def _give_up(batch: Batch, message: str | Text, *, job: str, attempt=None) -> None:
    """``message``: the error as raised (technical, kept as it is) or a :class:`Text` the platform wrote (the
    interruption of a dead worker), stored with its message and shown in the reader's language (issue 16)."""
    batch.state = State.FAILED
    batch.next_attempt_at = None
    quoted_error = message if isinstance(message, Text) else message[:300]
    message, batch.last_error_msg = stored(message)
    batch.last_error = message
    batch.save(update_fields=["state", "next_attempt_at", "last_error", "last_error_msg"])
    _event(batch.pk, Event.GAVE_UP, organization_id=batch.recipient_id, attempt=attempt,
           detail={"error": message, "attempts": batch.attempts})
    audit_record(actor=rights.SystemActor(job, organization=batch.sender), action="exchange.batch_gave_up", obj=batch,
                 organization=batch.sender,
                 detail={"attempts": batch.attempts, "error": message[:500]})
    notify_organization(
        organization=batch.sender, title=Text(gettext_noop("交换批次投递失败")),
        body=Text(gettext_noop("批次 %(id)s 经 %(n)d 次投递仍未成功，需人工处理：%(error)s"),
                  id=str(batch.pk), n=batch.attempts, error=quoted_error),
        link=_link(batch.pk), kind="exchange.failed", dedup_key=f"exchange-failed-{batch.pk}-{batch.attempts}",
    )


def _record_failure(*, batch_id, attempt: int, error: Exception) -> tuple[str, int | None]:
    message = f"{type(error).__name__}: {error}"[:2000]
    with transaction.atomic():
        batch = Batch.objects.select_for_update(of=("self",)).get(pk=batch_id)
        if batch.state != State.DELIVERING or batch.attempts != attempt:
            return "busy", None
        if batch.attempts >= conf.max_attempts():
            _give_up(batch, message, job=DELIVER_JOB, attempt=attempt)
            return "gave_up", None
        delay = conf.retry_delay(batch.attempts)
        batch.state = State.FAILED
        batch.next_attempt_at = timezone.now() + dt.timedelta(seconds=delay)
        batch.last_error, batch.last_error_msg = message, {}
        batch.save(update_fields=["state", "next_attempt_at", "last_error", "last_error_msg"])
        _event(batch.pk, Event.FAILED, organization_id=batch.recipient_id, attempt=attempt,
               detail={"error": message[:500], "retry_at": crypto.utc_stamp(batch.next_attempt_at)})
    return "failed", delay


# --- recovery -------------------------------------------------------------------------------------------------


def _reclaim_stale(now: dt.datetime) -> int:
    """Batches left in ``delivering`` by a worker that died: no live worker holds their row lock any more."""
    stale_before = now - dt.timedelta(seconds=conf.delivering_stale_seconds())
    with transaction.atomic():
        stuck = list(
            Batch.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(state=State.DELIVERING, last_attempt_at__lt=stale_before)
            .only("pk", "attempts", "sender_id", "recipient_id", "kind", "state")
            .order_by("last_attempt_at")[: conf.sweep_limit()]
        )
        # a platform text: shown in each reader's language (``Batch.display_last_error``, issue 16)
        interrupted = Text(gettext_noop("投递中断：工作进程在投递过程中退出，本次投递已整体回滚。"))
        message, message_msg = stored(interrupted)
        for batch in stuck:
            if batch.attempts >= conf.max_attempts():
                _give_up(batch, interrupted, job=SWEEP_JOB, attempt=batch.attempts)
                continue
            batch.state = State.FAILED
            batch.next_attempt_at = now
            batch.last_error, batch.last_error_msg = message, message_msg
            batch.save(update_fields=["state", "next_attempt_at", "last_error", "last_error_msg"])
            _event(batch.pk, Event.RECLAIMED, organization_id=batch.recipient_id, attempt=batch.attempts,
                   detail={"stale_seconds": conf.delivering_stale_seconds()})
    return len(stuck)


def batch_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Celery beat runs this every minute: reclaim batches lost by dead workers, re-enqueue every batch that is
    due (pending past its grace period, or failed and due for a retry). The outbox row is the truth; the queue
    is only a way to wake a worker. Stops at the first broker error (the next run tries again)."""
    now = now or timezone.now()
    reclaimed = _reclaim_stale(now)
    due = list(
        Batch.objects.filter(state__in=[State.PENDING, State.FAILED], next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", "next_attempt_at")[: conf.sweep_limit()]
    )
    requeued = errors = 0
    bumped = now + dt.timedelta(seconds=conf.requeue_seconds())
    for pk, was_due in due:
        claimable = Batch.objects.filter(pk=pk, state__in=[State.PENDING, State.FAILED], next_attempt_at=was_due)
        if not claimable.update(next_attempt_at=bumped):
            continue  # a worker or another sweep got there first
        error = _publish(pk)
        if error is not None:
            Batch.objects.filter(pk=pk, next_attempt_at=bumped).update(next_attempt_at=was_due)
            errors += 1
            break
        _event_quietly(pk, Event.REQUEUED)
        requeued += 1
    if reclaimed or requeued or errors:
        logger.info("exchange sweep: reclaimed=%s requeued=%s errors=%s", reclaimed, requeued, errors)
    return {"reclaimed": reclaimed, "requeued": requeued, "errors": errors}


def batch_may_retry(actor, batch: Batch) -> bool:
    """Whether ``actor`` may re-send the batch: the platform operator (``exchange.change_batch``), or the sender's
    own staff (who read their batches)."""
    if rights.may(actor, "exchange.change_batch"):
        return True
    return rights.may(actor, "exchange.view_batch") and actor.organization_id == batch.sender_id


@transaction.atomic
def batch_retry(*, batch: Batch, actor) -> Batch:
    """Send a failed batch again (after its automatic retries were used up, or at once)."""
    batch = Batch.objects.select_for_update(of=("self",)).get(pk=batch.pk)
    if not batch_may_retry(actor, batch):
        raise PermissionDeniedError(_("只有发送方或平台管理员可以重新投递该批次。"))
    if batch.state not in {State.FAILED, State.PENDING}:
        raise ConflictError(_("只有待投递或投递失败的批次可以重新投递。"), code=ErrorCode.NOT_RETRYABLE)
    previous = batch.attempts
    batch.state = State.PENDING
    batch.attempts = 0
    batch.next_attempt_at = timezone.now() + dt.timedelta(seconds=conf.sweep_grace_seconds())
    batch.save(update_fields=["state", "attempts", "next_attempt_at"])
    _event(batch.pk, Event.RETRIED, organization_id=getattr(actor, "organization_id", None),
           detail={"previous_attempts": previous, "by": str(actor)})
    audit_record(actor=actor, action="exchange.batch_retry", obj=batch, organization=batch.sender,
                 detail={"previous_attempts": previous})
    batch_id = batch.pk
    transaction.on_commit(lambda: _enqueue_after_commit(batch_id))
    return batch


# --- evidence -------------------------------------------------------------------------------------------------


def batch_archive_export(*, actor, batch: Batch, via: str) -> dict:
    """The evidence archive of a delivered batch (sealed batch + signed receipt + public keys), audited as an
    export (``via``: web, api or command). The caller has already found the batch in ``actor``'s audience."""
    from .selectors import batch_archive

    rights.require(actor, "exchange.view_batch", _("您没有查看交换批次的权限。"))
    if not batch.receipt:
        raise ConflictError(_("该批次尚无接收方回执，不能导出存证。"), code=ErrorCode.NO_RECEIPT)
    archive = batch_archive(batch=batch, actor=actor)
    audit_record(actor=actor, action="exchange.archive_export", obj=batch, detail={"via": via})
    return archive
