"""A party's own signing keys: challenge, registration with proof of possession, rotation with overlap, revocation,
and the signatures its system makes through the API (the sealed batches it sends, the receipts it returns).

Rule M3 and the receipt clock of M12/J5: the receipt is the evidence of when an insurer knew. A party that connects
its own system registers its public key and keeps the private key; from then on the platform holds no private key
that can sign in that party's name and **refuses to sign for it** in every flow:

* a batch the party sends (from any page or job) is sealed but left ``awaiting_signature`` until its system
  fetches the signing message and posts its signature (``batch_sign``);
* a batch it receives is verified and ingested as before (the handlers start their clocks from the inbox
  instant, ``received_at``), but the receipt is left ``receipt_pending`` until its system signs it
  (``receipt_sign``); ``receipt_at`` is then that same ``received_at``, now confirmed by the party's signature.

A party is *self-signing* as soon as it has registered one key (``custody = party``), whether that key is still
valid or not: revoking its last key does not hand signing back to the platform — the party registers a new one.
Parties that never registered a key keep custodial keys (held by the platform, sealed under ``PLATFORM_KEY``) and
every signature made with them is marked custodial in the header or receipt, on screen and in the archive.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.audit import acting_user, audit_record
from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from apps.core.errors import ErrorCode as CoreErrorCode
from apps.exchange.errors import ErrorCode
from apps.parties import rights

from . import conf, crypto, log
from .models import KeyChallenge, OrganizationKey

Custody = OrganizationKey.Custody
Purpose = OrganizationKey.Purpose
REGISTERABLE = (crypto.ED25519, crypto.SM2)
MANAGE_PERM = "exchange.add_organizationkey"  # a party's own staff or system: its keys and signatures
PLATFORM_PERM = "exchange.change_organizationkey"  # the operator (admin): for any party, with the party's proof
SKEW = dt.timedelta(seconds=60)


key_overlap_seconds = conf.key_overlap_seconds
key_challenge_seconds = conf.key_challenge_seconds
signature_window_seconds = conf.signature_window_seconds


def self_signing(organization_id) -> bool:
    """Whether the party has ever registered its own signing key: the platform then never signs in its name."""
    return OrganizationKey.objects.filter(organization_id=organization_id, custody=Custody.PARTY).exists()


def party_key_valid_at(key: OrganizationKey, instant: dt.datetime) -> bool:
    """A registered key signs validly at ``instant``: within its window (60 s skew at the edges of rotation),
    strictly before any revocation."""
    return (key.valid_from <= instant + SKEW and (key.retired_at is None or instant < key.retired_at + SKEW)
            and (key.revoked_at is None or instant < key.revoked_at))


def party_signing_key(organization_id, algorithm: str, at: dt.datetime | None = None) -> OrganizationKey | None:
    """The party's newest registered signing key of ``algorithm`` valid at ``at`` (now by default)."""
    at = at or timezone.now()
    candidates = OrganizationKey.objects.filter(organization_id=organization_id, custody=Custody.PARTY,
                                                purpose=Purpose.SIGNING, algorithm=algorithm).order_by("-valid_from")
    return next((key for key in candidates if party_key_valid_at(key, at)), None)


def may_manage(actor, organization) -> None:
    """The party's own users (its system's API user) manage its keys; the operator only through the admin, and
    only with the party's own proof of possession."""
    if rights.may(actor, PLATFORM_PERM):
        return
    rights.require(actor, MANAGE_PERM, _("您没有管理本单位交换签名密钥的权限。"))
    if getattr(actor, "organization_id", None) != organization.pk:
        raise PermissionDeniedError(_("只能管理本单位的签名密钥。"))


@transaction.atomic
def key_challenge_issue(*, organization, actor) -> KeyChallenge:
    """A fresh challenge (nonce) for one key registration by ``organization``."""
    may_manage(actor, organization)
    now = timezone.now()
    challenge = KeyChallenge.objects.create(
        nonce=secrets.token_hex(32), organization=organization, created_by=acting_user(actor), created_at=now,
        expires_at=now + dt.timedelta(seconds=key_challenge_seconds()),
    )
    audit_record(actor=actor, action="exchange.key_challenge", obj=challenge, organization=organization,
                 detail={"expires_at": crypto.utc_stamp(challenge.expires_at)})
    return challenge


@transaction.atomic
def party_key_register(*, organization, actor, algorithm: str, public_key: str, challenge: str,
                       signature: str) -> OrganizationKey:
    """Register the party's own signing key (public half only) after checking its proof of possession: a valid
    ``signature`` (base64) by that key over ``crypto.possession_message`` of an unused, unexpired ``challenge``
    issued to this party. A refused registration changes nothing.

    Rotation: the party's custodial signing keys retire at once (the platform stops signing for it); a previous
    registered key of the same algorithm stays valid ``EXCHANGE_KEY_OVERLAP_SECONDS`` more, then expires."""
    may_manage(actor, organization)
    if algorithm not in REGISTERABLE:
        raise ApplicationError(_("不支持的签名算法：%(alg)s（可用 ed25519 或 sm2）。") % {"alg": algorithm},
                               code=ErrorCode.BAD_ALGORITHM)
    try:
        raw = crypto.b64d(public_key or "")
        crypto.check_public_key(algorithm, raw)
        proof_signature = crypto.b64d(signature or "")
    except (ValueError, TypeError) as exc:
        raise ApplicationError(_("公钥或签名格式错误：%(error)s") % {"error": exc}, code=ErrorCode.BAD_KEY) from exc
    now = timezone.now()
    pending = (KeyChallenge.objects.select_for_update()
               .filter(nonce=challenge or "", organization=organization).first())
    if pending is None or pending.used_at is not None or pending.expires_at <= now:
        raise ApplicationError(_("挑战值无效、已使用或已过期，请重新申请挑战值。"), code=ErrorCode.BAD_CHALLENGE)
    public_b64 = crypto.b64e(raw)
    message = crypto.possession_message(challenge=pending.nonce, organization_uscc=organization.uscc,
                                        algorithm=algorithm, public_key=public_b64)
    try:
        crypto.verify(raw, proof_signature, message, algorithm=algorithm)
    except crypto.CryptoError as exc:
        raise ApplicationError(_("私钥持有证明校验失败：签名不是该公钥对挑战值的签名。"), code=ErrorCode.BAD_PROOF) from exc
    kid = crypto.key_id(algorithm, raw)
    if OrganizationKey.objects.filter(key_id=kid).exists():
        raise ConflictError(_("该公钥已登记。"), code=ErrorCode.KEY_EXISTS)
    overlap_end = now + dt.timedelta(seconds=key_overlap_seconds())
    replaced = []
    for current in OrganizationKey.objects.select_for_update().filter(
            organization=organization, purpose=Purpose.SIGNING, retired_at__isnull=True):
        if current.custodial:
            current.retired_at = now
        elif current.algorithm == algorithm:
            current.retired_at = overlap_end
        else:
            continue
        current.save(update_fields=["retired_at"])
        replaced.append({"key_id": current.key_id, "until": crypto.utc_stamp(current.retired_at)})
    pending.used_at = now
    pending.save(update_fields=["used_at"])
    key = OrganizationKey.objects.create(
        key_id=kid, organization=organization, purpose=Purpose.SIGNING, algorithm=algorithm, public_key=public_b64,
        custody=Custody.PARTY, private_key_sealed=None, valid_from=now, registered_by=acting_user(actor),
        proof={"format": crypto.POSSESSION_FORMAT, "challenge": pending.nonce, "signature": crypto.b64e(proof_signature),
               "verified_at": crypto.utc_stamp(now),
               # who submitted it: one of the party's own users, or the operator on its behalf (admin)
               "registered_by": "party" if getattr(actor, "organization_id", None) == organization.pk else "platform"},
    )
    audit_record(actor=actor, action="exchange.key_register", obj=key, organization=organization,
                 detail={"key_id": kid, "algorithm": algorithm, "replaced": replaced})
    transaction.on_commit(log.log_after_commit)  # the transparency log records the registration
    return key


@transaction.atomic
def key_revoke(*, key: OrganizationKey, actor, reason: str) -> OrganizationKey:
    """Revoke a signing key with a reason: signatures dated after ``revoked_at`` fail, earlier ones still verify
    (and are reported as made with a key revoked later)."""
    key = OrganizationKey.objects.select_for_update().select_related("organization").get(pk=key.pk)
    may_manage(actor, key.organization)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("吊销密钥必须说明原因。"), code=CoreErrorCode.REASON_REQUIRED)
    if key.revoked_at is not None:
        raise ConflictError(_("该密钥已于 %(at)s 吊销。") % {"at": timezone.localtime(key.revoked_at)}, code=ErrorCode.REVOKED)
    now = timezone.now()
    key.revoked_at, key.revocation_reason, key.revoked_by = now, reason[:2000], acting_user(actor)
    fields = ["revoked_at", "revocation_reason", "revoked_by"]
    if key.retired_at is None:
        key.retired_at = now
        fields.append("retired_at")
    key.save(update_fields=fields)
    audit_record(actor=actor, action="exchange.key_revoke", obj=key, organization=key.organization,
                 detail={"key_id": key.key_id, "reason": reason[:500]})
    transaction.on_commit(log.log_after_commit)  # and the revocation
    return key


def signer_for(organization, family: str):
    """Who signs for ``organization`` in ``family``: ``(key, True)`` — its current custodial key (the platform
    signs, marked custodial) — or ``(key, False)`` — its registered key, which only its system can use. Raises
    when a self-signing party has no valid key of that algorithm (its system must register one first)."""
    algorithm = crypto.SIGNING_ALGORITHM[family]
    if self_signing(organization.pk):
        key = party_signing_key(organization.pk, algorithm)
        if key is None:
            raise ApplicationError(
                _("%(org)s 使用本方签名密钥，但没有有效的 %(alg)s 签名密钥：请由其系统先登记新密钥。")
                % {"org": organization, "alg": algorithm}, code=ErrorCode.NO_SIGNING_KEY)
        return key, False
    return None, True
