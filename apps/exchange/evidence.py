"""Evidence archives of the exchange: build one, and verify one OFFLINE — no database, no settings, only the file.

This module imports nothing from Django, so a regulator (or a court's expert) can check an archive on any machine
with Python and ``cryptography`` (and ``rfc3161-client`` to check the timestamp tokens of tree heads that carry
one)::

    python -m apps.exchange.evidence verify batch-<id>.json --root <platform root public key, or a file holding it>

(the root is pinned only by ``--root``: the verifier reads no environment). ``manage.py exchange_archive verify <file>`` runs the same check
with the platform's own root. What is verified:

0. that each key in the archive is endorsed by a pinned platform root key (``manage.py exchange_root_key`` prints
   it, so a party records it once, independently of any archive). Keys that travel in the archive cannot vouch
   for themselves: anyone can re-sign a receipt with a key of their own and append that key. Without a pinned
   root the verifier says so — "密钥未核实 / KEYS NOT VOUCHED FOR", exit status 3 — and never "核验通过";
1. the sender's signature over the sealed batch (header + hash of the ciphertext) — Ed25519 and SHA-256, or, for
   a batch of the 国密 suite (the header's ``suite``), SM2 and SM3;
2. the recipient's signature over its receipt (the same algorithm);
3. that the receipt acknowledges exactly this batch: its ``batch_sha256`` equals the hash of the sealed batch
   (header, ciphertext and signature as found in the archive) and its batch id, sender and recipient match;
4. that each key in the archive really has the id it claims (the id is derived from the public key) and belongs
   to the party named in the header.

5. who held each signing key (the registry entry's ``custody``, endorsed with it): a **custodial** key
   (``platform``) is held by the platform, so its signature proves only that the platform signed in the party's
   name — the verdict says so for each signature; a **registered** key (``party``) was registered by the party's
   own system with a proof of possession (its signature over a platform challenge, checked here too) and the
   platform never had its private half. Old archives without the field date from when the platform held every
   key and are reported custodial;
6. revocation: a signature dated after its key's ``revoked_at`` fails; one dated before still verifies and is
   reported with the revocation and its reason;
7. a tree head that carries an RFC 3161 timestamp token (``tsa_token``): the token is over that head's signature
   and, with ``--tsa-cert`` (the timestamp authority's root certificate, pinned by the verifier), signed by that
   TSA (``apps/exchange/tsa.py``, ``rfc3161-client``).

The verdict prints the key ids too, which can be compared with the organisations' registered keys
(``/api/v1/exchange-keys/`` on the platform, or its root-signed registry ``/api/v1/exchange-keys/registry/``).

Exit status: 0 verified, 1 a check failed, 2 usage, 3 every check passed but no root was pinned to vouch for the keys.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from . import crypto, merkle, tsa

SHANGHAI = ZoneInfo("Asia/Shanghai")
EXIT_VERIFIED, EXIT_FAILED, EXIT_USAGE, EXIT_UNVERIFIED_KEYS = 0, 1, 2, 3


@dataclass
class Check:
    label_zh: str
    label_en: str
    ok: bool
    detail: str = ""


@dataclass
class Verdict:
    checks: list[Check] = field(default_factory=list)
    batch_id: str = ""
    kind: str = ""
    sender: str = ""
    recipient: str = ""
    created_at: dt.datetime | None = None
    received_at: dt.datetime | None = None
    case_refs: list[str] = field(default_factory=list)
    sender_key_id: str = ""
    receipt_key_id: str = ""
    suite: str = ""
    root_key_ids: list[str] = field(default_factory=list)
    sender_custody: str = ""
    receipt_custody: str = ""
    receipt_signed_at: dt.datetime | None = None
    revocations: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def custodial(self) -> list[str]:
        """Which signatures were made with a platform-held (custodial) key: "sender", "recipient"."""
        return [who for who, custody in (("sender", self.sender_custody), ("recipient", self.receipt_custody))
                if custody == crypto.CUSTODY_PLATFORM]

    @property
    def checks_ok(self) -> bool:
        return bool(self.checks) and all(check.ok for check in self.checks)

    @property
    def keys_vouched(self) -> bool:
        """Whether the keys were checked against a pinned platform root (not merely against themselves)."""
        return bool(self.root_key_ids)

    @property
    def ok(self) -> bool:
        return self.checks_ok and self.keys_vouched

    @property
    def exit_code(self) -> int:
        if not self.checks_ok:
            return EXIT_FAILED
        return EXIT_VERIFIED if self.keys_vouched else EXIT_UNVERIFIED_KEYS

    def add(self, label_zh: str, label_en: str, ok: bool, detail: str = "") -> bool:
        self.checks.append(Check(label_zh, label_en, ok, detail))
        return ok


def build_archive(
    *, header: dict, ciphertext: bytes, signature: bytes, receipt: dict | None, receipt_signature: bytes | None,
    keys: list[dict], parties: dict, exported_at: dt.datetime, log: dict | None = None,
    documents: dict | None = None,
) -> dict:
    archive = {
        "format": crypto.ARCHIVE_FORMAT,
        "title": "柳州市客运车辆保险联合监管平台 数据交换存证 / Liuzhou joint supervision platform — exchange evidence",
        "exported_at": crypto.utc_stamp(exported_at),
        "batch": {
            "header": header,
            "ciphertext": crypto.b64e(ciphertext),
            "signature": crypto.b64e(signature),
            "sealed_sha256": crypto.sealed_digest(crypto.canonical_json(header), ciphertext, signature,
                                                  header.get("suite")),
        },
        "receipt": None if receipt is None else {
            "body": receipt,
            "signature": crypto.b64e(receipt_signature or b""),
        },
        "keys": keys,
        "parties": parties,
        "how_to_verify": "python -m apps.exchange.evidence verify <file>  |  manage.py exchange_archive verify <file>",
    }
    if log is not None:
        archive["log"] = log
    if documents is not None:
        archive["documents"] = documents
    return archive


DOCUMENT_CA_PREFIX = b"lz-exchange/1 document-ca\n"


def document_ca_message(ca_pem: str) -> bytes:
    """What the platform root signs to vouch for a document CA certificate (its PEM text's SHA-256, hex)."""
    return DOCUMENT_CA_PREFIX + crypto.sha256_hex(ca_pem.encode("ascii")).encode("ascii")


def check_documents(data: dict, roots: list[bytes], verdict: Verdict) -> None:
    """The signed PDFs the archive carries (the notices of the case the batch belongs to): each file's SHA-256 as
    listed, and — with pyHanko installed — its PAdES signature valid under a document CA the pinned root vouched
    for, signed by the organisation listed. Without pyHanko the signatures are reported as not checked."""
    from . import pdfverify

    section = data.get("documents")
    if not isinstance(section, dict):
        return
    pinned = {crypto.key_id(crypto.ED25519, raw): raw for raw in roots}
    cas = []
    for entry in section.get("ca_certificates") or []:
        endorsement = entry.get("endorsement") or {}
        kid = endorsement.get("root_key_id")
        ok = kid in pinned
        if ok:
            try:
                crypto.verify(pinned[kid], crypto.b64d(endorsement.get("signature") or ""),
                              document_ca_message(entry.get("pem") or ""))
            except (crypto.CryptoError, ValueError, TypeError):
                ok = False
        if roots:
            verdict.add("文书签名 CA 经平台根密钥背书", "document CA endorsed by the pinned root", ok, kid or "")
        if ok or not roots:
            cas.append(entry.get("pem") or "")
    checkable = pdfverify.available()
    for item in section.get("items") or []:
        label = f"{item.get('title', '')} {item.get('doc_no', '')}".strip()
        try:
            content = crypto.b64d(item.get("pdf") or "")
        except (ValueError, TypeError):
            content = b""
        verdict.add(f"文书文件摘要 {label}", f"document hash {item.get('doc_no', '')}",
                    crypto.sha256_hex(content) == item.get("sha256"), item.get("sha256", ""))
        if not checkable:
            verdict.notes.append(f"{label}: PDF signature not checked (pyHanko not installed) / 未核验 PDF 签名")
            continue
        result = pdfverify.verify_bytes(content, cas)
        verdict.add(f"文书签名 {label}", f"document signature {item.get('doc_no', '')}",
                    result.ok and result.organization == item.get("issuer"),
                    f"{result.organization} {'custodial' if result.custodial else 'own key'} "
                    f"{result.signed_at.isoformat() if result.signed_at else ''} "
                    f"{pdfverify.PROBLEMS_EN.get(result.problem_code, '')}".strip())


def _party(data: dict, role: str, uscc: str) -> str:
    name = ((data.get("parties") or {}).get(role) or {}).get("name") or ""
    return f"{name}（{uscc}）" if name else uscc


def _endorsed(key: dict, roots: dict[str, bytes]) -> tuple[bool, str]:
    """Whether ``key`` carries a valid endorsement by one of the pinned ``roots`` (key id -> public key)."""
    endorsement = key.get("endorsement")
    if not isinstance(endorsement, dict):
        return False, "no endorsement by the platform root"
    root_kid = endorsement.get("root_key_id")
    if root_kid not in roots:
        return False, f"endorsed by {root_kid}, which is not a pinned root"
    try:
        crypto.verify(roots[root_kid], crypto.b64d(endorsement.get("signature") or ""),
                      crypto.endorsement_message(key))
    except (crypto.CryptoError, ValueError, TypeError):
        return False, f"the endorsement by {root_kid} does not verify"
    return True, root_kid


def _find_key(data: dict, kid: str, *, algorithm: str, uscc: str, verdict: Verdict, who_zh: str, who_en: str,
              roots: dict[str, bytes]):
    """The archive's key with id ``kid``, checked to be what it claims (and, when roots are pinned, endorsed by
    one of them); None (and a failed check) otherwise."""
    key = next((k for k in data.get("keys") or [] if isinstance(k, dict) and k.get("key_id") == kid), None)
    if key is None:
        verdict.add(f"{who_zh}公钥", f"{who_en} public key", False, f"missing {kid}")
        return None
    try:
        raw = crypto.b64d(key.get("public_key") or "")
    except ValueError:
        verdict.add(f"{who_zh}公钥", f"{who_en} public key", False, "not base64")
        return None
    if crypto.key_id(algorithm, raw) != kid:
        verdict.add(f"{who_zh}公钥", f"{who_en} public key", False, f"the key does not match its id {kid}")
        return None
    if key.get("organization_uscc") != uscc:
        verdict.add(f"{who_zh}公钥", f"{who_en} public key", False,
                    f"{kid} belongs to {key.get('organization_uscc')}, not {uscc}")
        return None
    verdict.add(f"{who_zh}公钥", f"{who_en} public key", True, kid)
    if roots:
        endorsed, detail = _endorsed(key, roots)
        if not verdict.add(f"{who_zh}公钥经平台根密钥背书", f"{who_en} key endorsed by the platform root", endorsed,
                           detail):
            return None
    return key, raw


def _in_window(key: dict, instant: dt.datetime | None) -> bool:
    if instant is None:
        return False
    try:
        valid_from = crypto.parse_utc_stamp(key["valid_from"])
        retired_at = crypto.parse_utc_stamp(key["retired_at"]) if key.get("retired_at") else None
        revoked_at = crypto.parse_utc_stamp(key["revoked_at"]) if key.get("revoked_at") else None
    except (KeyError, TypeError, ValueError):
        return False
    skew = dt.timedelta(seconds=60)
    return (valid_from <= instant + skew and (retired_at is None or instant < retired_at + skew)
            and (revoked_at is None or instant < revoked_at))


def _custody(key: dict, claimed, verdict: Verdict, *, who_zh: str, who_en: str, raw: bytes, algorithm: str) -> str:
    """Who held the key (from its endorsed registry entry); the header's or receipt's own statement must agree,
    and a registered key's proof of possession must verify. Returns ``platform`` or ``party``."""
    custody = key.get("custody") or crypto.CUSTODY_PLATFORM  # archives from before custody: the platform held all
    if claimed is not None:
        verdict.add(f"{who_zh}签名密钥保管方式与登记一致", f"{who_en} key custody as registered", claimed == custody,
                    f"{claimed} / {custody}")
    if custody == crypto.CUSTODY_PARTY:
        proof = key.get("proof") or {}
        try:
            message = crypto.possession_message(challenge=str(proof.get("challenge") or ""),
                                                organization_uscc=str(key.get("organization_uscc") or ""),
                                                algorithm=algorithm, public_key=str(key.get("public_key") or ""))
            crypto.verify(raw, crypto.b64d(proof.get("signature") or ""), message, algorithm=algorithm)
            ok = proof.get("format") == crypto.POSSESSION_FORMAT
        except (crypto.CryptoError, ValueError, TypeError):
            ok = False
        verdict.add(f"{who_zh}持有私钥的证明（本方密钥）", f"{who_en} proof of possession (own key)", ok,
                    "signed the platform's challenge" if ok else "does not verify")
        if proof.get("registered_by") == crypto.CUSTODY_PLATFORM:
            verdict.notes.append(f"{who_zh}密钥由平台运维代为登记 / the {who_en} key was registered by the platform "
                                 f"operator on the party's behalf ({key.get('key_id')})")
    elif custody != crypto.CUSTODY_PLATFORM:
        verdict.add(f"{who_zh}签名密钥保管方式", f"{who_en} key custody", False, f"unknown custody {custody!r}")
    return custody


def _revocation_note(key: dict, verdict: Verdict, who_en: str) -> None:
    if key.get("revoked_at"):
        verdict.revocations.append(
            f"{who_en} key {key.get('key_id')} revoked at {key.get('revoked_at')}: {key.get('revocation_reason') or '—'}")


def verify_archive(data: dict, *, roots: list[bytes] | None = None, registry: dict | None = None,
                   tsa_certs: list | None = None) -> Verdict:
    """Verify an archive as loaded from its JSON file, against the pinned platform ``roots`` (public keys) and,
    when given, a key ``registry`` the verifier obtained itself (``lz-key-registry/1``)."""
    if not isinstance(data, dict) or data.get("format") != crypto.ARCHIVE_FORMAT:
        verdict = Verdict()
        verdict.add("存证格式", "archive format", False, f"expected {crypto.ARCHIVE_FORMAT}")
        return verdict
    batch = data.get("batch") or {}
    receipt_part = data.get("receipt")
    try:
        ciphertext = crypto.b64d(batch.get("ciphertext") or "")
        signature = crypto.b64d(batch.get("signature") or "")
        receipt_signature = (
            crypto.b64d(receipt_part.get("signature") or "") if isinstance(receipt_part, dict) else None
        )
    except (ValueError, TypeError, AttributeError) as exc:
        verdict = Verdict()
        verdict.add("批次内容", "batch content", False, f"not base64: {exc}")
        return verdict
    verdict = verify_sealed(
        header=batch.get("header"), ciphertext=ciphertext, signature=signature,
        receipt=receipt_part.get("body") if isinstance(receipt_part, dict) else None,
        receipt_signature=receipt_signature, keys=data.get("keys") or [], parties=data.get("parties") or {},
        roots=roots,
    )
    if isinstance(data.get("log"), dict):
        _check_archive_log(data, ciphertext, signature, receipt_signature, verdict, roots or [], tsa_certs)
    if registry is not None:
        check_registry(data, registry, roots=roots or [], verdict=verdict)
    check_documents(data, roots or [], verdict)
    return verdict


def check_registry(data: dict, registry: dict, *, roots: list[bytes], verdict: Verdict) -> None:
    """Each signing key of the archive must be, as it is, in the key registry the verifier obtained independently
    (``/api/v1/exchange-keys/registry/`` saved to a file, its entries endorsed by a pinned root). A registry newer
    than the archive also brings a later revocation: a signature dated after it fails."""
    pinned = {crypto.key_id(crypto.ED25519, raw): raw for raw in roots}
    if not isinstance(registry, dict) or registry.get("format") != crypto.KEY_REGISTRY_FORMAT:
        verdict.add("密钥登记簿格式", "key registry format", False, f"expected {crypto.KEY_REGISTRY_FORMAT}")
        return
    entries = {entry.get("key_id"): entry for entry in registry.get("keys") or []
               if isinstance(entry, dict) and _endorsed(entry, pinned)[0]}
    keys = {k.get("key_id"): k for k in data.get("keys") or [] if isinstance(k, dict)}
    for who_zh, who_en, kid, instant in (("发送方", "sender", verdict.sender_key_id, verdict.created_at),
                                         ("接收方", "recipient", verdict.receipt_key_id, verdict.receipt_signed_at)):
        if not kid:
            continue
        entry, key = entries.get(kid), keys.get(kid) or {}
        same = entry is not None and all(entry.get(name) == key.get(name) for name in (
            "public_key", "algorithm", "purpose", "organization_uscc", "custody", "valid_from"))
        verdict.add(f"{who_zh}公钥见于独立获取的密钥登记簿", f"{who_en} key as in the independently obtained registry",
                    same, kid if entry is not None else f"{kid} not in the registry (or not endorsed by a pinned root)")
        if same and entry.get("revoked_at") and entry.get("revoked_at") != key.get("revoked_at"):
            try:
                ok = instant is not None and instant < crypto.parse_utc_stamp(entry["revoked_at"])
            except (TypeError, ValueError):
                ok = False
            verdict.add(f"{who_zh}签名早于登记簿所载吊销", f"{who_en} signature before the revocation in the registry", ok,
                        str(entry.get("revoked_at")))
            _revocation_note(entry, verdict, who_en)


def _check_archive_log(data: dict, ciphertext: bytes, signature: bytes, receipt_signature, verdict: Verdict,
                       roots: list[bytes], tsa_certs: list | None = None) -> None:
    """The archive's log section: its entries name exactly this batch and receipt, and are included in a head
    signed by a pinned root."""
    header = (data.get("batch") or {}).get("header") or {}
    receipt = (data.get("receipt") or {}).get("body")
    bundle = data["log"]
    verify_log_bundle(bundle, roots=roots, verdict=verdict, tsa_certs=tsa_certs)
    entries = {item.get("data", {}).get("kind"): item.get("data", {}) for item in bundle.get("inclusion") or []
               if isinstance(item, dict) and isinstance(item.get("data"), dict)}
    try:
        batch_digest = crypto.sealed_digest(crypto.canonical_json(header), ciphertext, signature, header.get("suite"))
    except (TypeError, ValueError):
        batch_digest = None
    batch_entry = entries.get("batch") or {}
    verdict.add("批次已登记于透明日志", "batch recorded in the transparency log",
                batch_entry.get("ref") == header.get("batch_id") and batch_entry.get("digest") == batch_digest,
                str(batch_entry.get("ref", "missing")))
    if isinstance(receipt, dict):
        receipt_entry = entries.get("receipt") or {}
        expected = crypto.receipt_item_digest(receipt, receipt_signature or b"")
        verdict.add("回执已登记于透明日志", "receipt recorded in the transparency log",
                    receipt_entry.get("ref") == header.get("batch_id") and receipt_entry.get("digest") == expected,
                    str(receipt_entry.get("ref", "missing")))
    _check_logged_keys(data, bundle, verdict)


def _check_logged_keys(data: dict, bundle: dict, verdict: Verdict) -> None:
    """A party's own signing key must be in the log as registered (its registry entry, proof of possession
    included) before what it signed; a revocation the archive shows must be in the log as well."""
    items = [item for item in bundle.get("inclusion") or [] if isinstance(item, dict) and isinstance(item.get("data"), dict)]
    position = {item["data"].get("kind"): item.get("index") for item in items
                if item["data"].get("kind") in {"batch", "receipt"}}
    keys = {k.get("key_id"): k for k in data.get("keys") or [] if isinstance(k, dict)}
    header = (data.get("batch") or {}).get("header") or {}
    receipt = (data.get("receipt") or {}).get("body") or {}
    for who_zh, who_en, kid, signed in (("发送方", "sender", header.get("sender_key_id"), "batch"),
                                        ("接收方", "recipient", receipt.get("recipient_key_id"), "receipt")):
        key = keys.get(kid)
        if not key:
            continue
        if key.get("custody") == crypto.CUSTODY_PARTY:
            entry = next((i for i in items if i["data"].get("kind") == "key" and i["data"].get("ref") == kid), None)
            ok = (entry is not None and entry["data"].get("digest") == crypto.key_registration_digest(key)
                  and isinstance(entry.get("index"), int) and isinstance(position.get(signed), int)
                  and entry["index"] < position[signed])
            verdict.add(f"{who_zh}本方密钥登记于透明日志（早于其签名）",
                        f"{who_en} own key registration logged before what it signed", ok,
                        f"#{entry.get('index')}" if entry else "missing")
        if key.get("revoked_at"):
            entry = next((i for i in items if i["data"].get("kind") == "key_revocation"
                          and i["data"].get("ref") == kid), None)
            verdict.add(f"{who_zh}密钥吊销登记于透明日志", f"{who_en} key revocation logged",
                        entry is not None and entry["data"].get("digest") == crypto.key_revocation_digest(key),
                        f"#{entry.get('index')}" if entry else "missing")


def _head_ok(head: dict, roots: dict[str, bytes]) -> tuple[bool, str]:
    if not isinstance(head, dict) or head.get("format") != crypto.LOG_HEAD_FORMAT:
        return False, "not a tree head"
    body = {k: v for k, v in head.items() if k not in ("signature", "tsa_token")}  # the token is the TSA's
    kid = body.get("root_key_id")
    if not roots:  # like the keys without a pinned root: checked for consistency only, the verdict is "not vouched"
        return True, f"signed by {kid}; no root pinned, so the signature is not vouched for"
    if kid not in roots:
        return False, f"signed by {kid}, which is not a pinned root"
    try:
        crypto.verify(roots[kid], crypto.b64d(head.get("signature") or ""), crypto.tree_head_message(body))
    except (crypto.CryptoError, ValueError, TypeError):
        return False, "the root's signature does not verify"
    return True, f"{body.get('tree_size')} entries, root {str(body.get('root_hash'))[:16]}…"


def verify_log_bundle(bundle: dict, *, roots: list[bytes], verdict: Verdict | None = None,
                      tsa_certs: list | None = None) -> Verdict:
    """A transparency-log proof bundle (``lz-log-proof/1``): each head signed by a pinned root; each inclusion proof
    leads from its entry to the root of the head of its size; each consistency proof shows the older head's tree is
    a prefix of the newer one (so no entry of the older tree was changed, removed or reordered). A head carrying an
    RFC 3161 token (``tsa_token``): the token is over this head's signature and, with ``tsa_certs`` (the TSA's root
    certificates), signed by that TSA."""
    verdict = verdict or Verdict()
    pinned = {crypto.key_id(crypto.ED25519, raw): raw for raw in roots}
    verdict.root_key_ids = verdict.root_key_ids or sorted(pinned)
    if not isinstance(bundle, dict) or bundle.get("format") != crypto.LOG_PROOF_FORMAT:
        verdict.add("日志证明格式", "log proof format", False, f"expected {crypto.LOG_PROOF_FORMAT}")
        return verdict
    roots_by_size: dict[int, bytes] = {}
    for head in bundle.get("heads") or []:
        ok, detail = _head_ok(head, pinned)
        verdict.add("树头经平台根密钥签名", "tree head signed by the platform root", ok, detail)
        if isinstance(head, dict) and head.get("tsa_token"):
            _check_head_token(head, tsa_certs, verdict)
        if ok:
            try:
                roots_by_size[int(head["tree_size"])] = bytes.fromhex(head["root_hash"])
            except (KeyError, TypeError, ValueError):
                verdict.add("树头内容", "tree head content", False, "unreadable")
    for item in bundle.get("inclusion") or []:
        try:
            size, index = int(item["tree_size"]), int(item["index"])
            leaf = merkle.leaf_hash(crypto.canonical_json(item["data"]))
            path = [bytes.fromhex(p) for p in item["path"]]
        except (KeyError, TypeError, ValueError):
            verdict.add("条目包含证明", "entry inclusion proof", False, "unreadable")
            continue
        ok = size in roots_by_size and merkle.verify_inclusion(index, size, leaf, path, roots_by_size[size])
        data = item.get("data") or {}
        verdict.add("条目包含于签名树头", "entry included under the signed head", ok,
                    f"#{index} {data.get('kind')} {data.get('ref')}")
    for item in bundle.get("consistency") or []:
        try:
            old, new = int(item["old_size"]), int(item["new_size"])
            proof = [bytes.fromhex(p) for p in item["proof"]]
        except (KeyError, TypeError, ValueError):
            verdict.add("树头一致性证明", "consistency proof", False, "unreadable")
            continue
        ok = (old in roots_by_size and new in roots_by_size
              and merkle.verify_consistency(old, new, roots_by_size[old], roots_by_size[new], proof))
        verdict.add("新旧树头一致（历史未被改写）", "heads consistent (history not rewritten)", ok, f"{old} → {new}")
    return verdict


def _check_head_token(head: dict, tsa_certs: list | None, verdict: Verdict) -> None:
    try:
        token, signature = crypto.b64d(head["tsa_token"]), crypto.b64d(head.get("signature") or "")
    except (ValueError, TypeError):
        ok, detail = False, "not base64"
    else:
        ok, detail = tsa.verify(token, signature, tsa_certs)
    verdict.add("树头时间戳（RFC 3161）", "tree head timestamp (RFC 3161)", ok,
                f"{head.get('tree_size')} entries: {detail}")


def verify_sealed(  # noqa: C901 - one linear list of checks reads best
    *, header, ciphertext: bytes, signature: bytes, receipt, receipt_signature: bytes | None, keys: list,
    parties: dict, roots: list[bytes] | None = None,
) -> Verdict:
    """The checks themselves, on decoded parts (the platform calls this directly for its detail page).

    ``roots`` are the pinned platform root public keys; without any, the keys are checked only against
    themselves and the verdict is never ``ok`` (``keys_vouched`` is false)."""
    verdict = Verdict()
    pinned = {crypto.key_id(crypto.ED25519, raw): raw for raw in roots or []}
    verdict.root_key_ids = sorted(pinned)
    data = {"keys": keys, "parties": parties}
    if not isinstance(header, dict):
        verdict.add("批次头", "batch header", False, "missing")
        return verdict
    try:
        header_bytes = crypto.canonical_json(header)
    except (ValueError, TypeError) as exc:
        verdict.add("批次头", "batch header", False, str(exc))
        return verdict
    verdict.batch_id = str(header.get("batch_id", ""))
    verdict.kind = str(header.get("kind", ""))
    verdict.sender = _party(data, "sender", str(header.get("sender_uscc", "")))
    verdict.recipient = _party(data, "recipient", str(header.get("recipient_uscc", "")))
    verdict.sender_key_id = str(header.get("sender_key_id", ""))
    try:
        verdict.created_at = crypto.parse_utc_stamp(header.get("created_at", ""))
    except (TypeError, ValueError):
        verdict.add("批次生成时间", "batch creation time", False, "unreadable")

    suite = header.get("suite")
    family = crypto.family_of(suite)
    algorithm = crypto.SIGNING_ALGORITHM[family]
    signature_name = crypto.SIGNATURE_NAME[family]
    verdict.suite = str(suite or "")
    verdict.add("算法套件", "algorithm suite", header.get("signature_algorithm") == signature_name,
                f"{suite} / {header.get('signature_algorithm')}")
    found = _find_key(data, verdict.sender_key_id, algorithm=algorithm, uscc=header.get("sender_uscc"),
                      verdict=verdict, who_zh="发送方", who_en="sender", roots=pinned)
    if found:
        sender_key, raw = found
        try:
            crypto.verify(raw, signature, crypto.batch_signing_message(header_bytes, ciphertext, suite),
                          algorithm=algorithm)
            verdict.add("发送方批次签名", "sender's batch signature", True, signature_name)
        except crypto.CryptoError:
            verdict.add("发送方批次签名", "sender's batch signature", False, "does not verify")
        verdict.add("发送方密钥有效期", "sender key validity", _in_window(sender_key, verdict.created_at),
                    "valid (and not revoked) when the batch was created")
        verdict.sender_custody = _custody(sender_key, header.get("sender_key_custody"), verdict, who_zh="发送方",
                                          who_en="sender", raw=raw, algorithm=algorithm)
        _revocation_note(sender_key, verdict, "sender")

    if not isinstance(receipt, dict):
        verdict.add("接收方回执", "recipient's receipt", False, "no receipt in the archive")
        return verdict
    try:
        receipt_bytes = crypto.receipt_signing_message(receipt)
    except (ValueError, TypeError) as exc:
        verdict.add("接收方回执", "recipient's receipt", False, str(exc))
        return verdict
    verdict.receipt_key_id = str(receipt.get("recipient_key_id", ""))
    verdict.case_refs = [str(ref) for ref in receipt.get("case_refs") or []]
    try:
        verdict.received_at = crypto.parse_utc_stamp(receipt.get("received_at", ""))
    except (TypeError, ValueError):
        verdict.add("回执时间", "receipt time", False, "unreadable")
    verdict.add("回执格式", "receipt format", receipt.get("format") == crypto.RECEIPT_FORMAT, crypto.RECEIPT_FORMAT)

    signed_at = verdict.received_at
    verdict.receipt_signed_at = signed_at
    if receipt.get("signed_at") is not None:  # a receipt the recipient's own system signed, later than receipt
        try:
            signed_at = verdict.receipt_signed_at = crypto.parse_utc_stamp(receipt["signed_at"])
            verdict.add("回执签署时间", "receipt signing time",
                        verdict.received_at is not None and signed_at >= verdict.received_at, receipt["signed_at"])
        except (TypeError, ValueError):
            signed_at = None
            verdict.add("回执签署时间", "receipt signing time", False, "unreadable")
    found = _find_key(data, verdict.receipt_key_id, algorithm=algorithm, uscc=header.get("recipient_uscc"),
                      verdict=verdict, who_zh="接收方", who_en="recipient", roots=pinned)
    if found:
        receipt_key, raw = found
        try:
            crypto.verify(raw, receipt_signature or b"", receipt_bytes, algorithm=algorithm)
            verdict.add("接收方回执签名", "recipient's receipt signature", True, signature_name)
        except crypto.CryptoError:
            verdict.add("接收方回执签名", "recipient's receipt signature", False, "does not verify")
        verdict.add("接收方密钥有效期", "recipient key validity", _in_window(receipt_key, signed_at),
                    "valid (and not revoked) when the receipt was signed")
        verdict.receipt_custody = _custody(receipt_key, receipt.get("recipient_key_custody"), verdict,
                                           who_zh="接收方", who_en="recipient", raw=raw, algorithm=algorithm)
        _revocation_note(receipt_key, verdict, "recipient")

    digest = crypto.sealed_digest(header_bytes, ciphertext, signature, suite)
    verdict.add("回执所确认的批次摘要", "receipt hash matches the batch",
                receipt.get(crypto.RECEIPT_DIGEST_FIELD[family]) == digest, digest)
    same = (
        receipt.get("batch_id") == header.get("batch_id")
        and receipt.get("sender_uscc") == header.get("sender_uscc")
        and receipt.get("recipient_uscc") == header.get("recipient_uscc")
        and receipt.get("kind") == header.get("kind")
    )
    verdict.add("回执与批次对应", "receipt names this batch and its parties", same)
    if verdict.created_at and verdict.received_at:
        verdict.add("时间顺序", "received after it was sent", verdict.received_at >= verdict.created_at)
    return verdict


def _when(instant: dt.datetime | None) -> str:
    if instant is None:
        return "—"
    local = instant.astimezone(SHANGHAI)
    return f"{local:%Y-%m-%d %H:%M:%S.%f} 北京时间 (UTC+8)  =  {instant.astimezone(dt.UTC):%Y-%m-%dT%H:%M:%S.%fZ}"


def render(verdict: Verdict) -> str:
    lines = []
    if verdict.ok:
        lines.append("核验通过 / VERIFIED")
        lines.append("该存证中的批次由发送方签名，接收方已签发回执确认收到该批次（逐字节一致）；双方密钥均经平台根密钥背书。")
        lines.append("The batch in this archive was signed by the sender and the recipient's signed receipt "
                     "acknowledges exactly this batch; both keys are endorsed by the pinned platform root.")
    elif verdict.checks_ok:
        lines.append("密钥未核实 / KEYS NOT VOUCHED FOR")
        lines.append("签名与存证内的公钥一致，但未指定平台根公钥，无法证明这些公钥属于双方（存证内的公钥不能为自己担保）。"
                     "请用 --root 指定平台根公钥后重新核验。")
        lines.append("The signatures match the keys in the archive, but no platform root key was pinned, so nothing "
                     "ties those keys to the parties (keys in an archive cannot vouch for themselves). Verify again "
                     "with --root.")
    else:
        lines.append("核验失败 / VERIFICATION FAILED")
        lines.append("该存证不能证明接收方收到了该批次，失败项见下。")
        lines.append("This archive does not prove that the recipient received this batch; see the failed checks.")
    lines.append("")
    lines.append(f"批次 Batch:                 {verdict.batch_id}  ({verdict.kind})")
    lines.append(f"发送方 Sender:              {verdict.sender}")
    lines.append(f"接收方 Recipient:           {verdict.recipient}")
    lines.append(f"生成时间 Created:           {_when(verdict.created_at)}")
    lines.append(f"接收方知悉时间 Receipt time: {_when(verdict.received_at)}")
    if verdict.case_refs:
        lines.append(f"案件编号 Case references:   {', '.join(verdict.case_refs)}")
    lines.append(f"发送方签名密钥 Sender key:   {verdict.sender_key_id or '—'}{_custody_text(verdict.sender_custody)}")
    lines.append(f"接收方签名密钥 Receipt key:  {verdict.receipt_key_id or '—'}{_custody_text(verdict.receipt_custody)}")
    lines.append(f"算法套件 Suite:             {verdict.suite or '—'}")
    lines.append(f"平台根公钥 Pinned root:      {', '.join(verdict.root_key_ids) or '— (未指定 none pinned)'}")
    for note in verdict.revocations:
        lines.append(f"密钥已吊销 Revoked:          {note}")
    for note in verdict.notes:
        lines.append(f"注意 Note:                  {note}")
    if verdict.custodial:
        lines.append("")
        lines.append("托管签名 / CUSTODIAL SIGNATURE: " + ", ".join(verdict.custodial))
        lines.append("上述签名由平台托管的密钥作出：只证明平台以该方名义签名，不证明该方本人（其系统）签名。")
        lines.append("These signatures were made with keys the platform holds: they prove the platform signed in the "
                     "party's name, not that the party itself (its own system) signed.")
    lines.append("")
    for check in verdict.checks:
        mark = "✓ 通过 OK  " if check.ok else "✗ 失败 FAIL"
        detail = f" — {check.detail}" if check.detail else ""
        lines.append(f"  {mark}  {check.label_zh} / {check.label_en}{detail}")
    lines.append("")
    lines.append("请将上述密钥编号与平台登记的单位公钥核对。 Compare the key ids with the parties' registered keys.")
    return "\n".join(lines)


def _custody_text(custody: str) -> str:
    if custody == crypto.CUSTODY_PLATFORM:
        return "  [平台托管密钥 / custodial: held by the platform]"
    if custody == crypto.CUSTODY_PARTY:
        return "  [本方密钥 / the party's own key: the platform has no private key]"
    return ""


def render_log(verdict: Verdict) -> str:
    lines = ["核验通过 / VERIFIED" if verdict.ok else "核验失败 / VERIFICATION FAILED", ""]
    for check in verdict.checks:
        mark = "✓ 通过 OK  " if check.ok else "✗ 失败 FAIL"
        detail = f" — {check.detail}" if check.detail else ""
        lines.append(f"  {mark}  {check.label_zh} / {check.label_en}{detail}")
    return "\n".join(lines)


def load(path: str | Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def dump(archive: dict, path: str | Path) -> None:
    Path(path).write_text(json.dumps(archive, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def verify_file(path: str | Path, *, roots: list[bytes] | None = None, registry: str | Path | None = None,
                tsa_certs: list | None = None) -> Verdict:
    try:
        data = load(path)
        registry_data = load(registry) if registry else None
    except (OSError, ValueError) as exc:
        verdict = Verdict()
        verdict.add("读取存证文件", "read the archive", False, str(exc))
        return verdict
    return verify_archive(data, roots=roots, registry=registry_data, tsa_certs=tsa_certs)


def root_file_text(root: crypto.KeyMaterial) -> str:
    """The root public key as a small text file a party keeps (``exchange_root_key`` writes it)."""
    return (
        "# 柳州市客运车辆保险联合监管平台 数据交换根公钥 / exchange platform root public key (Ed25519)\n"
        f"# key id: {root.key_id}\n"
        f"{crypto.b64e(root.public_raw)}\n"
    )


def parse_roots(value: str) -> list[bytes]:
    """Root public keys from ``value``: base64 keys (comma- or space-separated), or the path of a file holding them
    (lines starting with ``#`` are comments). Raises ValueError for anything that is not a 32-byte key."""
    text = value
    if Path(value).is_file():
        text = Path(value).read_text(encoding="utf-8")
    tokens = [
        token for line in text.splitlines() if not line.strip().startswith("#")
        for token in line.replace(",", " ").split()
    ]
    roots = []
    for token in tokens:
        raw = crypto.b64d(token)
        if len(raw) != 32:
            raise ValueError(f"not an Ed25519 public key: {token}")
        roots.append(raw)
    if not roots:
        raise ValueError("no root public key given")
    return roots


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m apps.exchange.evidence")
    sub = parser.add_subparsers(dest="action", required=True)
    verify = sub.add_parser("verify", help="verify an evidence archive offline")
    verify.add_argument("archive")
    verify.add_argument("--root", action="append", default=[],
                        help="platform root public key (base64) or a file holding it; repeatable")
    verify.add_argument("--registry", default=None,
                        help="a key registry (lz-key-registry/1) obtained independently, e.g. saved from "
                             "/api/v1/exchange-keys/registry/: the archive's keys must be in it as they are")
    verify_log = sub.add_parser("verify-log", help="verify a transparency-log proof bundle offline")
    verify_log.add_argument("archive")
    verify_log.add_argument("--root", action="append", default=[])
    for command in (verify, verify_log):
        command.add_argument("--tsa-cert", action="append", default=[],
                             help="PEM file of the timestamp authority's root certificate: the RFC 3161 tokens of "
                                  "the tree heads must be signed by that TSA; repeatable")
    try:
        args = parser.parse_args(argv)
    except SystemExit:
        return EXIT_USAGE
    values = args.root
    roots: list[bytes] = []
    try:
        for value in values:
            roots.extend(parse_roots(value))
    except (OSError, ValueError) as exc:
        print(f"平台根公钥无法读取 / cannot read the root public key: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        tsa_certs = [cert for value in args.tsa_cert for cert in tsa.load_certificates(Path(value).read_bytes())]
    except (OSError, ValueError) as exc:
        print(f"时间戳机构证书无法读取 / cannot read the TSA certificate: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.action == "verify-log":
        if not roots:
            print("透明日志核验必须指定平台根公钥 / a pinned root is required", file=sys.stderr)
            return EXIT_USAGE
        try:
            verdict = verify_log_bundle(load(args.archive), roots=roots, tsa_certs=tsa_certs)
        except (OSError, ValueError) as exc:
            verdict = Verdict()
            verdict.add("读取证明文件", "read the proof file", False, str(exc))
        print(render_log(verdict))
        return verdict.exit_code
    verdict = verify_file(args.archive, roots=roots, registry=args.registry, tsa_certs=tsa_certs)
    print(render(verdict))
    return verdict.exit_code


if __name__ == "__main__":
    sys.exit(main())
