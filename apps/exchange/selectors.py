"""Reads of the exchange: lists for the monitor, receipt time, receipt check, decrypted rows, evidence archive."""

from __future__ import annotations

import datetime as dt
import json

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.errors import PermissionDeniedError
from apps.parties import access
from apps.parties.models import Organization, OrganizationKind

from . import crypto, evidence, keys
from .models import Batch, BatchEvent, LogEntry, OrganizationKey

# Parties that watch the whole flow on the monitor (the regulator, rule M3; the platform operator).
WHOLE_FLOW = frozenset({OrganizationKind.REGULATOR, OrganizationKind.PLATFORM})

DIRECTION_SENT = "sent"
DIRECTION_RECEIVED = "received"

LIST_FIELDS_DEFERRED = ("ciphertext", "signature", "receipt_signature", "header", "receipt")


def batch_list(*, user, state: str = "", kind: str = "", direction: str = "", ref: str = "") -> QuerySet:
    """Batches the user may see, newest first, filtered as on the monitor (without the heavy columns)."""
    qs = access.visible(user, Batch).select_related("sender", "recipient").defer(*LIST_FIELDS_DEFERRED)
    return batch_filter(qs, user=user, state=state, kind=kind, direction=direction, ref=ref).order_by("-created_at")


def batch_filter(qs: QuerySet, *, user, state: str = "", kind: str = "", direction: str = "", ref: str = "") -> QuerySet:
    if state == "attention":
        qs = qs.filter(state__in=[Batch.State.FAILED, Batch.State.REJECTED, Batch.State.AWAITING_SIGNATURE,
                                  Batch.State.RECEIPT_PENDING])
    elif state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    if direction == DIRECTION_SENT:
        qs = qs.filter(sender_id=user.organization_id)
    elif direction == DIRECTION_RECEIVED:
        qs = qs.filter(recipient_id=user.organization_id)
    if ref:
        qs = qs.filter(refs__contains=[ref])
    return qs


def batch_state_counts(qs: QuerySet) -> dict[str, int]:
    rows = qs.order_by().values("state").annotate(n=Count("pk"))
    counts = {state: 0 for state in Batch.State.values}
    counts.update({row["state"]: row["n"] for row in rows})
    return counts


def batch_events(*, batch: Batch) -> QuerySet:
    return BatchEvent.objects.filter(batch=batch).select_related("organization").order_by("at", "id")


def batches_for_ref(*, ref: str, kind: str | None = None) -> QuerySet:
    """Batches whose sender named ``ref`` (e.g. a lead number) in ``batch_send(refs=...)``; newest first."""
    qs = Batch.objects.filter(refs__contains=[ref]).defer(*LIST_FIELDS_DEFERRED[:3])
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-created_at")


def batch_receipt_time(batch: Batch) -> dt.datetime | None:
    """The moment the recipient knew (its signed receipt's ``received_at``), or None before delivery.

    Later clocks start from it, e.g. the 30-day rescission clock (rule M12/J5)."""
    if batch.receipt_at is not None:
        return batch.receipt_at
    receipt = batch.receipt or {}
    return crypto.parse_utc_stamp(receipt["received_at"]) if receipt.get("received_at") else None


def organization_current_key(*, organization: Organization, purpose: str,
                             family: str = crypto.FAMILY_INTL) -> OrganizationKey | None:
    return OrganizationKey.objects.filter(organization=organization, purpose=purpose, retired_at__isnull=True,
                                          algorithm=OrganizationKey.ALGORITHMS[family][purpose]).first()


def organization_keys(*, organization: Organization) -> QuerySet:
    return OrganizationKey.objects.filter(organization=organization).order_by("purpose", "-valid_from")


def _keys_for(batch: Batch) -> list[OrganizationKey]:
    ids = {(batch.header or {}).get("sender_key_id"), (batch.receipt or {}).get("recipient_key_id")}
    return list(OrganizationKey.objects.filter(key_id__in=[i for i in ids if i]).select_related("organization"))


def key_entry(key: OrganizationKey) -> dict:
    """One key registry entry as the archive and the signed registry carry it: the public key, its window, who
    holds the private half (``custody``: ``platform`` = custodial, ``party`` = the party's own), its revocation and,
    for a registered key, the party's proof of possession (its signature over the platform's challenge)."""
    return {
        "key_id": key.key_id,
        "algorithm": key.algorithm,
        "purpose": key.purpose,
        "organization_uscc": key.organization.uscc,
        "organization_name": key.organization.name,
        "public_key": key.public_key,
        "valid_from": crypto.utc_stamp(key.valid_from),
        "retired_at": crypto.utc_stamp(key.retired_at) if key.retired_at else None,
        "custody": key.custody,
        "revoked_at": crypto.utc_stamp(key.revoked_at) if key.revoked_at else None,
        "revocation_reason": key.revocation_reason,
        "proof": dict(key.proof or {}),
    }


def key_registry(*, uscc: str | None = None) -> dict:
    """The key registry (every party's signing and encryption keys, or one party's), each entry endorsed by the
    platform root: what a verifier obtains independently of an archive and pins."""
    qs = OrganizationKey.objects.select_related("organization").order_by("organization_id", "purpose", "valid_from")
    if uscc:
        qs = qs.filter(organization__uscc=uscc)
    root = keys.root()
    return {"format": crypto.KEY_REGISTRY_FORMAT, "root_key_id": root.key_id, "generated_at": crypto.utc_stamp(timezone.now()),
            "keys": [crypto.endorse(key_entry(key), root) for key in qs]}


def key_custody(batch: Batch) -> dict[str, str]:
    """key id -> custody (``platform`` / ``party``) of the keys that signed the batch and its receipt."""
    return {key.key_id: key.custody for key in _keys_for(batch)}


def _key_dicts(batch: Batch) -> list[dict]:
    """The batch's public keys, each endorsed by the platform root (an archive's keys cannot vouch for
    themselves: a verifier pins the root and accepts only keys it endorsed)."""
    root = keys.root()
    return [crypto.endorse(key_entry(key), root) for key in _keys_for(batch)]


def _parties(batch: Batch) -> dict:
    return {
        "sender": {"uscc": batch.sender.uscc, "name": batch.sender.name},
        "recipient": {"uscc": batch.recipient.uscc, "name": batch.recipient.name},
    }


def batch_archive(*, batch: Batch, actor=None) -> dict:
    """The evidence archive of a batch: sealed batch, receipt, signatures and the public keys to check them — and,
    for ``actor``, the signed notices (and endorsement forms) of the rescission cases the batch's references opened
    that ``actor`` may read, with the document CA certificate (vouched for by the platform root)."""
    return evidence.build_archive(
        header=batch.header,
        ciphertext=bytes(batch.ciphertext),
        signature=bytes(batch.signature),
        receipt=batch.receipt,
        receipt_signature=bytes(batch.receipt_signature) if batch.receipt_signature is not None else None,
        keys=_key_dicts(batch),
        parties=_parties(batch),
        exported_at=timezone.now(),
        log=_log_section(batch),
        documents=_documents_section(batch, actor) if actor is not None else None,
    )


def _documents_section(batch: Batch, actor) -> dict | None:
    """The signed notices of the cases opened on this batch's references (a penalty's decision number, a lead's
    reference …), as far as ``actor`` may read them (the rescissions app's notice audience), and the documents the
    apps' ``registry.ARCHIVE_DOCUMENTS`` providers add (the endorsement forms that closed those cases); ``None`` if
    none."""
    from django.apps import apps as django_apps

    from . import pdfsign
    from .models import SignedDocument
    from .registry import ARCHIVE_DOCUMENTS

    refs = [ref for ref in (batch.refs or []) if isinstance(ref, str) and ref]
    if not refs:
        return None
    sources = []
    try:
        notice_model = django_apps.get_model("rescissions", "RescissionNotice")
    except LookupError:
        notice_model = None
    if notice_model is not None:
        visible = access.visible(actor, notice_model.objects.filter(case__trigger_ref__in=refs))
        sources += [f"rescission-notice:{doc_no}" for doc_no in visible.values_list("doc_no", flat=True)]
    for provider in ARCHIVE_DOCUMENTS.values():  # e.g. the endorsement forms (批改单) that closed those cases
        sources += provider(actor, refs)
    documents = list(SignedDocument.objects.filter(source__in=sources).select_related("organization")
                     .order_by("signed_at", "id"))
    if not documents:
        return None
    root = keys.root()
    cas = [{"pem": pem, "endorsement": {"root_key_id": root.key_id, "signature": crypto.b64e(crypto.sign(
        root.private_raw, evidence.document_ca_message(pem)))}} for pem in pdfsign.trust_roots_pem()]
    return {
        "ca_certificates": cas,
        "items": [{"title": d.title, "doc_no": d.doc_no, "case_ref": d.case_ref, "issuer": d.organization.name,
                   "issuer_uscc": d.organization.uscc, "sha256": d.sha256, "signed_at": crypto.utc_stamp(d.signed_at),
                   "pdf": crypto.b64e(pdfsign.signed_content(d))} for d in documents],
    }


def _log_section(batch: Batch) -> dict | None:
    """Inclusion proofs of the batch and its receipt under the latest signed tree head (the log is brought up to
    date and a head signed first when the latest head does not cover them yet)."""
    from . import log

    head = log.latest_head()
    wanted = 2 if batch.receipt else 1
    covered = LogEntry.objects.filter(batch=batch, index__lt=head.tree_size).count() if head else 0
    own = [key for key in _keys_for(batch) if key.custody == OrganizationKey.Custody.PARTY or key.revoked_at]
    wanted += sum(1 + (key.revoked_at is not None) - (key.custody != OrganizationKey.Custody.PARTY) for key in own)
    covered += LogEntry.objects.filter(kind__in=[LogEntry.Kind.KEY, LogEntry.Kind.KEY_REVOCATION],
                                       ref__in=[key.key_id for key in own],
                                       index__lt=head.tree_size).count() if head else 0
    if covered < wanted:
        log.log_update()
    try:
        return log.log_proof(batches=[batch])
    except LookupError:
        return None


def batch_verify(*, batch: Batch) -> evidence.Verdict:
    """Check the batch signature, the receipt signature and the receipt hash with the registered public keys
    (the same checks as an offline archive verification)."""
    return evidence.verify_sealed(
        header=batch.header,
        ciphertext=bytes(batch.ciphertext),
        signature=bytes(batch.signature),
        receipt=batch.receipt,
        receipt_signature=bytes(batch.receipt_signature) if batch.receipt_signature is not None else None,
        keys=_key_dicts(batch),
        parties=_parties(batch),
        roots=[keys.root().public_raw],
    )


def batch_rows(*, batch: Batch, organization: Organization) -> list[dict]:
    """Decrypt a batch's rows for its recipient (only the recipient's key opens it); signature checked first."""
    if organization.pk != batch.recipient_id:
        raise PermissionDeniedError(_("只有接收方可以解密该批次。"))
    header_bytes = crypto.canonical_json(batch.header)
    sender_key = OrganizationKey.objects.get(key_id=batch.header["sender_key_id"], organization_id=batch.sender_id)
    crypto.verify(sender_key.public_raw, bytes(batch.signature),
                  crypto.batch_signing_message(header_bytes, bytes(batch.ciphertext), batch.header["suite"]),
                  algorithm=sender_key.algorithm)
    recipient_key = OrganizationKey.objects.get(key_id=batch.header["recipient_key_id"], organization_id=batch.recipient_id)
    plaintext = crypto.open_sealed(bytes(batch.ciphertext), keys.private_raw(recipient_key), header_bytes,
                                   batch.header["suite"])
    return json.loads(plaintext)


def attention_count(*, user) -> int:
    """Batches in the user's audience that need a person (or a party's system): failed for good, rejected, or
    waiting for a signature only the party's own system can give."""
    return access.visible(user, Batch).filter(
        Q(state__in=[Batch.State.REJECTED, Batch.State.AWAITING_SIGNATURE, Batch.State.RECEIPT_PENDING])
        | Q(state=Batch.State.FAILED, next_attempt_at__isnull=True)
    ).count()


def custody_label(custody: str | None) -> str:
    """平台托管密钥 / 本方密钥 for a header's or receipt's custody field (absent = before custody was recorded, when
    the platform held every key)."""
    return str(OrganizationKey.Custody(custody or OrganizationKey.Custody.PLATFORM).label)
