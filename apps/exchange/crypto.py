"""The exchange's cryptography, free of Django so an archive can be verified with nothing but this file.

Everything that is signed or hashed is defined here, byte for byte (docs/exchange.md repeats it):

* **Canonical JSON** (``canonical_json``): keys sorted, no whitespace, UTF-8 (no ``\\u`` escapes for non-ASCII),
  ``Decimal`` as a plain decimal string (``"1.50"``, never an exponent), ``date`` as ``YYYY-MM-DD``, aware
  ``datetime`` in UTC as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``, ``UUID`` as its string; naive datetimes, NaN/inf,
  sets, bytes and keys of mixed types are refused (use string keys).
* **Encryption**: HPKE (RFC 9180) base mode, suite DHKEM(X25519, HKDF-SHA256) + HKDF-SHA256 + AES-256-GCM — a
  fresh ephemeral X25519 key per batch. The canonical header bytes are bound as HPKE ``info`` (RFC 9180 §8.1:
  single-shot APIs carry their associated data there), so a changed header makes decryption fail exactly like a
  bad AEAD tag. When ``cryptography`` has no HPKE module, the same construction is built by hand (ephemeral
  X25519, HKDF-SHA256 over the shared secret with the header in ``info``, AES-256-GCM with the header as AAD) —
  the suite name in the header says which one sealed the batch.
* **Batch signature** — over the *sealed envelope*, so anyone holding the public keys can check it without
  decrypting: ``Ed25519(sender, b"lz-exchange/1 batch-signature\\n" + header + b"\\n" + hex(SHA-256(ciphertext)))``.
  The header names the sender, the recipient and both key ids and is bound into the ciphertext, so the signature
  cannot be stripped and replaced by another party's without breaking decryption.
* **Sealed-batch hash** (what a receipt acknowledges): ``SHA-256(b"lz-exchange/1 sealed\\n" + len‖header +
  len‖ciphertext + len‖signature)`` with each ``len`` an 8-byte big-endian length.
* **Receipt signature**: ``Ed25519(recipient, b"lz-exchange/1 receipt-signature\\n" + canonical_json(receipt))``.
* **Key id**: ``"<algorithm>:" + first 32 hex digits of SHA-256(raw public key)`` (``ed25519:…``, ``x25519:…``),
  so an id can always be recomputed from the key it names.
* **Platform root key and key endorsements**: the platform's root Ed25519 key is derived from ``PLATFORM_KEY``
  (HKDF-SHA256, ``info=b"lz exchange root signing key v1"``, the 32 bytes are the private seed). It endorses each
  organisation key it puts in an archive: ``Ed25519(root, b"lz-exchange/1 key-endorsement\n" +
  canonical_json({field: key[field] for field in ENDORSED_FIELDS}))``. A verifier that pins the root's public key
  (``manage.py exchange_root_key`` prints it) accepts an archive's keys only when they carry such an endorsement:
  keys that travel in the archive cannot vouch for themselves.
* **The 国密 suite** (``SUITE_SM``, ``gm.py``): the batch is signed with SM2 (``SM2-with-SM3``, signature
  ``r ‖ s``), SM3 replaces SHA-256 in the batch-signature message, the sealed-batch hash and the key id, and the
  rows are encrypted with SM4-GCM under a fresh 128-bit content key that is itself SM2-encrypted to the
  recipient's SM2 encryption key (GB/T 32918.4, ``C1 ‖ C3 ‖ C2``) — the digital envelope of GM/T 0010 / GB/T
  35275. Ciphertext = ``SM2(content key) (113 bytes) ‖ nonce (12) ‖ SM4-GCM ciphertext ‖ tag (16)`` with the
  same associated data as HPKE's ``info``. The receipt names the sealed-batch hash as ``batch_sm3``. The header's
  ``suite`` and ``signature_algorithm`` say which suite a batch uses; both verify offline.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from decimal import Decimal

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from . import gm

try:  # cryptography >= 47
    from cryptography.hazmat.primitives import hpke as _hpke
except ImportError:  # pragma: no cover - depends on the installed cryptography
    _hpke = None

FORMAT = "lz-exchange/1"
RECEIPT_FORMAT = "lz-exchange-receipt/1"
ARCHIVE_FORMAT = "lz-exchange-archive/1"
KEY_REGISTRY_FORMAT = "lz-key-registry/1"
SUITE_HPKE = "HPKE-base/DHKEM(X25519,HKDF-SHA256)/HKDF-SHA256/AES-256-GCM"
SUITE_MANUAL = "X25519/HKDF-SHA256/AES-256-GCM"
SUITE_SM = "SM2-encrypt/SM4-128-GCM/SM3"
SIGNATURE_ALGORITHM = "Ed25519"
SIGNATURE_SM2 = "SM2-with-SM3"
ED25519 = "ed25519"
X25519 = "x25519"
SM2 = "sm2"

# Suite families: "intl" (Ed25519 / X25519 / AES-256-GCM / SHA-256) and "sm" (SM2 / SM4 / SM3).
FAMILY_INTL = "intl"
FAMILY_SM = "sm"
FAMILIES = (FAMILY_INTL, FAMILY_SM)
SIGNING_ALGORITHM = {FAMILY_INTL: ED25519, FAMILY_SM: SM2}
ENCRYPTION_ALGORITHM = {FAMILY_INTL: X25519, FAMILY_SM: SM2}
SIGNATURE_NAME = {FAMILY_INTL: SIGNATURE_ALGORITHM, FAMILY_SM: SIGNATURE_SM2}
RECEIPT_DIGEST_FIELD = {FAMILY_INTL: "batch_sha256", FAMILY_SM: "batch_sm3"}

_INFO_PREFIX = b"lz-exchange/1 batch\n"
_SIG_PREFIX = b"lz-exchange/1 batch-signature\n"
_SEALED_PREFIX = b"lz-exchange/1 sealed\n"
_RECEIPT_PREFIX = b"lz-exchange/1 receipt-signature\n"
_ENDORSEMENT_PREFIX = b"lz-exchange/1 key-endorsement\n"
ENDORSED_FIELDS = (
    "key_id", "algorithm", "purpose", "organization_uscc", "organization_name", "public_key", "valid_from",
    "retired_at",
)
# Endorsed too when the entry carries them (every entry exported since keys may be the parties' own): who holds the
# private half, the revocation and the proof of possession. Removing one changes the signed message, so an
# endorsement cannot be stripped of them.
ENDORSED_OPTIONAL_FIELDS = ("custody", "revoked_at", "revocation_reason", "proof")
CUSTODY_PLATFORM = "platform"  # the platform holds the private half (sealed under PLATFORM_KEY): custodial
CUSTODY_PARTY = "party"  # the party's own system holds it; the platform has only the public half
POSSESSION_FORMAT = "lz-key-possession/1"
_POSSESSION_PREFIX = b"lz-exchange/1 key-possession\n"


class CryptoError(Exception):
    """A signature, tag or key did not check out; ``code`` says which (used as the rejection reason code)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


# --- canonical JSON -------------------------------------------------------------------------------------------


def _render(value):
    """``json.dumps(default=…)``: the non-JSON types the platform uses, rendered one way only."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("canonical JSON refuses a non-finite Decimal")
        return format(value, "f")
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("canonical JSON refuses a naive datetime")
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise ValueError(f"canonical JSON cannot render {type(value).__name__}")


def canonical_json(value) -> bytes:
    """The one byte rendering of ``value`` that is signed, hashed and encrypted (see the module docstring).

    Uses the C JSON encoder (100,000 rows render in well under a second). Keys must be strings; keys of mixed
    types are refused.
    """
    try:
        text = json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_render
        )
    except TypeError as exc:  # e.g. keys that cannot be sorted together
        raise ValueError(f"canonical JSON: {exc}") from exc
    return text.encode("utf-8")


def utc_stamp(instant: dt.datetime) -> str:
    return _render(instant)


def parse_utc_stamp(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)


def b64e(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64d(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def family_of(suite: str | None) -> str:
    """The family of a header's ``suite`` (anything but the 国密 suite is the international one)."""
    return FAMILY_SM if suite == SUITE_SM else FAMILY_INTL


def digest_hex(family: str, data: bytes) -> str:
    """The family's hash (SHA-256 or SM3), hex."""
    return gm.sm3_hex(data) if family == FAMILY_SM else sha256_hex(data)


# --- keys -----------------------------------------------------------------------------------------------------


def key_id(algorithm: str, public_raw: bytes) -> str:
    """``"<algorithm>:"`` + the first 32 hex digits of SHA-256 (SM3 for an SM2 key) of the raw public key."""
    digest = gm.sm3_hex(public_raw) if algorithm == SM2 else sha256_hex(public_raw)
    return f"{algorithm}:{digest[:32]}"


def _raw_public(key) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _raw_private(key) -> bytes:
    return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())


@dataclass(frozen=True)
class KeyMaterial:
    algorithm: str
    key_id: str
    public_raw: bytes
    private_raw: bytes


def generate_key(algorithm: str) -> KeyMaterial:
    if algorithm == ED25519:
        private = ed25519.Ed25519PrivateKey.generate()
    elif algorithm == X25519:
        private = x25519.X25519PrivateKey.generate()
    elif algorithm == SM2:
        private_raw, public_raw = gm.generate()
        return KeyMaterial(algorithm, key_id(algorithm, public_raw), public_raw, private_raw)
    else:
        raise ValueError(f"unknown key algorithm {algorithm}")
    public_raw = _raw_public(private.public_key())
    return KeyMaterial(algorithm, key_id(algorithm, public_raw), public_raw, _raw_private(private))


def root_key(platform_key: str) -> KeyMaterial:
    """The platform's root signing key (Ed25519), derived from the platform key: nothing else to store or back up."""
    if not platform_key:
        raise RuntimeError("PLATFORM_KEY is empty")
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"lz exchange root signing key v1").derive(
        platform_key.encode("utf-8")
    )
    public_raw = _raw_public(ed25519.Ed25519PrivateKey.from_private_bytes(seed).public_key())
    return KeyMaterial(ED25519, key_id(ED25519, public_raw), public_raw, seed)


def endorsement_message(key: dict) -> bytes:
    """What the platform root signs for one organisation key (its public half and what it is valid for)."""
    fields = {name: key.get(name) for name in ENDORSED_FIELDS}
    fields.update({name: key[name] for name in ENDORSED_OPTIONAL_FIELDS if name in key})
    return _ENDORSEMENT_PREFIX + canonical_json(fields)


# What the transparency log records of a key registry entry: its registration (a party's own key, with its proof
# of possession) and, separately, its revocation.
KEY_LOGGED_FIELDS = ("key_id", "algorithm", "purpose", "organization_uscc", "public_key", "custody", "valid_from",
                     "proof")
KEY_REVOCATION_LOGGED_FIELDS = ("key_id", "revoked_at", "revocation_reason")


def key_registration_digest(key: dict) -> str:
    return sha256_hex(canonical_json({name: key.get(name) for name in KEY_LOGGED_FIELDS}))


def key_revocation_digest(key: dict) -> str:
    return sha256_hex(canonical_json({name: key.get(name) for name in KEY_REVOCATION_LOGGED_FIELDS}))


def possession_message(*, challenge: str, organization_uscc: str, algorithm: str, public_key: str) -> bytes:
    """What a party's system signs with the private key it registers (its proof of possession): the
    platform-issued challenge bound to the party and to the key."""
    raw = b64d(public_key)
    return _POSSESSION_PREFIX + canonical_json({
        "format": POSSESSION_FORMAT, "challenge": challenge, "organization_uscc": organization_uscc,
        "algorithm": algorithm, "public_key": public_key, "key_id": key_id(algorithm, raw),
    })


def check_public_key(algorithm: str, public_raw: bytes) -> None:
    """Raise ValueError unless ``public_raw`` is a well-formed signing public key of ``algorithm``."""
    if algorithm == ED25519:
        if len(public_raw) != 32:
            raise ValueError("an Ed25519 public key is 32 bytes")
        ed25519.Ed25519PublicKey.from_public_bytes(public_raw)
    elif algorithm == SM2:
        if len(public_raw) != 65 or public_raw[0] != 4:
            raise ValueError("an SM2 public key is 65 bytes 0x04 ‖ x ‖ y")
        x, y = int.from_bytes(public_raw[1:33], "big"), int.from_bytes(public_raw[33:], "big")
        if not gm.on_curve(gm.SM2P256V1, x, y):
            raise ValueError("the SM2 public key is not on the curve")
    else:
        raise ValueError(f"not a signing algorithm: {algorithm}")


def endorse(key: dict, root: KeyMaterial) -> dict:
    """``key`` (an archive key entry) with the root's endorsement added."""
    return dict(key, endorsement={
        "root_key_id": root.key_id, "signature": b64e(sign(root.private_raw, endorsement_message(key))),
    })


# --- messages -------------------------------------------------------------------------------------------------


def _lp(data: bytes) -> bytes:
    return len(data).to_bytes(8, "big") + data


def batch_signing_message(header_bytes: bytes, ciphertext: bytes, suite: str | None = None) -> bytes:
    return _SIG_PREFIX + header_bytes + b"\n" + digest_hex(family_of(suite), ciphertext).encode("ascii")


def sealed_digest(header_bytes: bytes, ciphertext: bytes, signature: bytes, suite: str | None = None) -> str:
    """SHA-256 (SM3 for the 国密 suite), hex, of the exact sealed batch: the value a receipt acknowledges."""
    return digest_hex(family_of(suite), _SEALED_PREFIX + _lp(header_bytes) + _lp(ciphertext) + _lp(signature))


def receipt_signing_message(receipt: dict) -> bytes:
    return _RECEIPT_PREFIX + canonical_json(receipt)


def sign(private_raw: bytes, message: bytes, *, algorithm: str = ED25519, public_raw: bytes | None = None) -> bytes:
    """Ed25519, or SM2 (``r ‖ s``, default identifier; pass ``public_raw`` to spare deriving it)."""
    if algorithm == SM2:
        return gm.sign(private_raw, message, public=public_raw)
    return ed25519.Ed25519PrivateKey.from_private_bytes(private_raw).sign(message)


def verify(public_raw: bytes, signature: bytes, message: bytes, *, algorithm: str = ED25519,
           code: str = "bad_signature") -> None:
    if algorithm == SM2:
        if not gm.verify(public_raw, signature, message):
            raise CryptoError(code, "SM2 signature does not verify")
        return
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(public_raw).verify(signature, message)
    except (InvalidSignature, ValueError) as exc:
        raise CryptoError(code, "Ed25519 signature does not verify") from exc


# --- sealing --------------------------------------------------------------------------------------------------


def default_suite() -> str:
    return SUITE_HPKE if _hpke is not None else SUITE_MANUAL


def _manual_key(shared: bytes, enc: bytes, recipient_public: bytes, header_bytes: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=enc + recipient_public, info=_INFO_PREFIX + header_bytes
    ).derive(shared)


_SM_WRAPPED = 65 + 32 + 16  # SM2 ciphertext of a 16-byte SM4 key: C1 ‖ C3 ‖ C2


def seal(plaintext: bytes, recipient_public_raw: bytes, header_bytes: bytes, suite: str) -> bytes:
    """Encrypt ``plaintext`` for the recipient; returns ``enc (32 bytes) ‖ AEAD ciphertext`` (the 国密 suite:
    ``SM2(content key) ‖ nonce ‖ SM4-GCM``)."""
    if suite == SUITE_SM:
        content_key, nonce = os.urandom(16), os.urandom(12)
        wrapped = gm.encrypt(recipient_public_raw, content_key)
        return wrapped + nonce + gm.sm4_gcm_encrypt(content_key, nonce, plaintext, _INFO_PREFIX + header_bytes)
    public = x25519.X25519PublicKey.from_public_bytes(recipient_public_raw)
    if suite == SUITE_HPKE:
        if _hpke is None:  # pragma: no cover
            raise CryptoError("unsupported_suite", "this cryptography has no HPKE")
        hpke_suite = _hpke.Suite(_hpke.KEM.X25519, _hpke.KDF.HKDF_SHA256, _hpke.AEAD.AES_256_GCM)
        return hpke_suite.encrypt(plaintext, public, info=_INFO_PREFIX + header_bytes)
    if suite == SUITE_MANUAL:
        ephemeral = x25519.X25519PrivateKey.generate()
        enc = _raw_public(ephemeral.public_key())
        key = _manual_key(ephemeral.exchange(public), enc, recipient_public_raw, header_bytes)
        return enc + AESGCM(key).encrypt(b"\x00" * 12, plaintext, header_bytes)  # one key per batch: fixed nonce
    raise CryptoError("unsupported_suite", f"unknown suite {suite}")


def open_sealed(ciphertext: bytes, recipient_private_raw: bytes, header_bytes: bytes, suite: str) -> bytes:
    if suite == SUITE_SM:
        try:
            content_key = gm.decrypt(recipient_private_raw, ciphertext[:_SM_WRAPPED])
            nonce, body = ciphertext[_SM_WRAPPED:_SM_WRAPPED + 12], ciphertext[_SM_WRAPPED + 12:]
            return gm.sm4_gcm_decrypt(content_key, nonce, body, _INFO_PREFIX + header_bytes)
        except gm.GMError as exc:
            raise CryptoError("decrypt_failed", "SM2/SM4-GCM authentication failed") from exc
    private = x25519.X25519PrivateKey.from_private_bytes(recipient_private_raw)
    try:
        if suite == SUITE_HPKE:
            if _hpke is None:  # pragma: no cover
                raise CryptoError("unsupported_suite", "this cryptography has no HPKE")
            hpke_suite = _hpke.Suite(_hpke.KEM.X25519, _hpke.KDF.HKDF_SHA256, _hpke.AEAD.AES_256_GCM)
            return hpke_suite.decrypt(ciphertext, private, info=_INFO_PREFIX + header_bytes)
        if suite == SUITE_MANUAL:
            enc, body = ciphertext[:32], ciphertext[32:]
            shared = private.exchange(x25519.X25519PublicKey.from_public_bytes(enc))
            key = _manual_key(shared, enc, _raw_public(private.public_key()), header_bytes)
            return AESGCM(key).decrypt(b"\x00" * 12, body, header_bytes)
    except (InvalidTag, ValueError) as exc:
        raise CryptoError("decrypt_failed", "AEAD authentication failed") from exc
    raise CryptoError("unsupported_suite", f"unknown suite {suite}")


# --- private keys at rest -------------------------------------------------------------------------------------

_WRAP_VERSION = b"\x01"


def wrapping_key(platform_key: str) -> bytes:
    """The AES-256-GCM key that protects private keys at rest, derived from the platform key with HKDF."""
    if not platform_key:
        raise RuntimeError("PLATFORM_KEY is empty")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"lz exchange private keys v1").derive(
        platform_key.encode("utf-8")
    )


def wrap_private(private_raw: bytes, *, kid: str, wrap_key: bytes) -> bytes:
    nonce = os.urandom(12)
    return _WRAP_VERSION + nonce + AESGCM(wrap_key).encrypt(nonce, private_raw, kid.encode("utf-8"))


def unwrap_private(sealed: bytes, *, kid: str, wrap_key: bytes) -> bytes:
    sealed = bytes(sealed)
    if sealed[:1] != _WRAP_VERSION:
        raise CryptoError("bad_private_key", "unknown private-key wrapping version")
    try:
        return AESGCM(wrap_key).decrypt(sealed[1:13], sealed[13:], kid.encode("utf-8"))
    except InvalidTag as exc:
        raise CryptoError("bad_private_key", "private key cannot be unwrapped with the platform key") from exc


# --- transparency log -----------------------------------------------------------------------------------------

LOG_ENTRY_FORMAT = "lz-log-entry/1"
LOG_HEAD_FORMAT = "lz-log-head/1"
LOG_PROOF_FORMAT = "lz-log-proof/1"
_HEAD_PREFIX = b"lz-exchange/1 tree-head\n"


def tree_head_message(body: dict) -> bytes:
    """What the platform root signs for a tree head: ``b"lz-exchange/1 tree-head\\n" + canonical_json(body)``."""
    return _HEAD_PREFIX + canonical_json(body)


def receipt_item_digest(receipt: dict, signature: bytes) -> str:
    """The hash of a signed receipt as the log records it: SHA-256 of canonical JSON of body and signature."""
    return sha256_hex(canonical_json({"receipt": receipt, "signature": b64e(signature)}))
