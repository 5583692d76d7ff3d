"""The transparency log: every batch, receipt and notice hash appended to an append-only Merkle log (RFC 9162 manner),
tree heads signed by the platform root, sent to every party, and the proofs the offline verifier checks.

* ``log_sync`` appends what is not in the log yet, in one transaction holding the row lock of ``LogState``
  (positions are dense and never reused; the append reads only the frontier and writes the subtrees it completes,
  so its cost is O(log n) per entry, not a rebuild): a party's own key registrations and any key's revocation (first; ``crypto.key_*_digest``),
  batches (their sealed-batch hash), receipts (``crypto.receipt_item_digest``), and the notices
  of ``NOTICE_SOURCES`` (the rendered file's SHA-256; a re-rendered file is a new entry). It runs after each batch
  is sent and after each receipt (``log_after_commit``) and in the periodic ``exchange_log_heads`` task, so a
  failed append is caught up at the latest one interval later.
* ``log_sign_head`` signs the head ``{format, tree_size, root_hash, timestamp, root_key_id}`` with the platform
  root key: after each batch (when the tree grew) and at every interval.
* ``log_timestamp`` asks the RFC 3161 timestamp authority of ``EXCHANGE_TSA_URL`` (if any) for a token over the
  head's signature, after the head is stored and outside the lock; a TSA that fails leaves the head without a
  token and ``exchange_log_timestamps`` (and every interval) asks again.
* ``log_distribute`` sends the latest head to every active party as a batch of kind ``log_heads`` (so it is in
  the party's inbox, signed by the platform organisation and acknowledged by the party's receipt).
* ``log_proof`` is the bundle the verifier checks: signed heads, inclusion proofs of entries, and the consistency
  proof between an older head a party holds and the latest.
"""

from __future__ import annotations

import logging

from django.apps import apps as django_apps
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.parties import rights
from apps.parties.models import Organization, OrganizationKind

from . import conf, crypto, keys, merkle, tsa
from .models import Batch, LogEntry, LogNode, LogState, OrganizationKey, TreeHead, TreeHeadToken

logger = logging.getLogger(__name__)

Kind = LogEntry.Kind
HEADS_KIND = "log_heads"
HEADS_JOB = "exchange.log_heads"
SYNC_LIMIT = 5000

# (app label, model, ref prefix, time field): documents whose file hash ``sha256`` is logged.
NOTICE_SOURCES = [
    ("rescissions", "RescissionNotice", "rescission-notice", "created_at"),
    ("inspections", "InspectionNotice", "inspection-notice", "updated_at"),
    # the signed formal documents (PAdES, ``pdfsign``): decisions and refusal notices too; a rescission notice's
    # signed file is also its RescissionNotice entry above (same digest, its own ref)
    ("exchange", "SignedDocument", "signed-document", "signed_at"),
]


def _digest_algorithm(batch: Batch) -> str:
    return "SM3" if crypto.family_of((batch.header or {}).get("suite")) == crypto.FAMILY_SM else "SHA-256"


def entry_bytes(data: dict) -> bytes:
    """The bytes a leaf hashes: canonical JSON of the entry's data."""
    return crypto.canonical_json(data)


def _batch_data(batch: Batch) -> dict:
    return {
        "format": crypto.LOG_ENTRY_FORMAT, "kind": Kind.BATCH, "ref": str(batch.pk),
        "digest": batch.sealed_sha256, "digest_algorithm": _digest_algorithm(batch),
        "sender_uscc": batch.sender.uscc, "recipient_uscc": batch.recipient.uscc,
        "at": crypto.utc_stamp(batch.created_at),
    }


def _receipt_data(batch: Batch) -> dict:
    return {
        "format": crypto.LOG_ENTRY_FORMAT, "kind": Kind.RECEIPT, "ref": str(batch.pk),
        "digest": crypto.receipt_item_digest(batch.receipt, bytes(batch.receipt_signature)),
        "digest_algorithm": "SHA-256", "sender_uscc": batch.sender.uscc, "recipient_uscc": batch.recipient.uscc,
        "at": batch.receipt["received_at"],
    }


def _key_data(key: OrganizationKey, kind: str) -> dict:
    """A party's own key registration, or any key's revocation: the registry entry's digest (``crypto``)."""
    from .selectors import key_entry

    entry = key_entry(key)
    revocation = kind == Kind.KEY_REVOCATION
    return {
        "format": crypto.LOG_ENTRY_FORMAT, "kind": kind, "ref": key.key_id,
        "digest": crypto.key_revocation_digest(entry) if revocation else crypto.key_registration_digest(entry),
        "digest_algorithm": "SHA-256", "organization_uscc": key.organization.uscc,
        "at": crypto.utc_stamp(key.revoked_at if revocation else key.valid_from),
    }


def _key_items() -> list[tuple[str, str, dict]]:
    logged = set(LogEntry.objects.filter(kind__in=[Kind.KEY, Kind.KEY_REVOCATION]).values_list("kind", "ref"))
    items = []
    registered = (OrganizationKey.objects.filter(custody=OrganizationKey.Custody.PARTY).select_related("organization")
                  .order_by("valid_from", "id"))
    items += [(Kind.KEY, key.key_id, _key_data(key, Kind.KEY)) for key in registered
              if (Kind.KEY, key.key_id) not in logged]
    revoked = (OrganizationKey.objects.filter(revoked_at__isnull=False).select_related("organization")
               .order_by("revoked_at", "id"))
    items += [(Kind.KEY_REVOCATION, key.key_id, _key_data(key, Kind.KEY_REVOCATION)) for key in revoked
              if (Kind.KEY_REVOCATION, key.key_id) not in logged]
    return items


def _notice_items(logged: set[str]) -> list[tuple[str, dict]]:
    items = []
    for app_label, model_name, prefix, time_field in NOTICE_SOURCES:
        try:
            model = django_apps.get_model(app_label, model_name)
        except LookupError:
            continue
        for pk, sha256, at in model.objects.exclude(sha256="").values_list("pk", "sha256", time_field):
            ref = f"{prefix}:{pk}:{sha256}"
            if ref in logged or at is None:
                continue
            items.append((ref, {
                "format": crypto.LOG_ENTRY_FORMAT, "kind": Kind.NOTICE, "ref": ref, "digest": sha256,
                "digest_algorithm": "SHA-256", "at": crypto.utc_stamp(at),
            }))
    return sorted(items, key=lambda item: item[1]["at"])


def _frontier(state: LogState) -> list[bytes]:
    return [bytes.fromhex(value) for value in state.frontier or []]


def _store(state: LogState, frontier: list[bytes], size: int, nodes: list[tuple[int, int, bytes]]) -> None:
    LogNode.objects.bulk_create([LogNode(level=level, index=index, hash=value.hex()) for level, index, value in nodes],
                                batch_size=5000)
    state.tree_size, state.frontier = size, [value.hex() for value in frontier]
    state.root_hash = merkle.frontier_root(frontier).hex()
    state.save(update_fields=["tree_size", "frontier", "root_hash"])


def log_rebuild() -> LogState:
    """Recompute the subtree hashes and the state from every leaf (one pass): the state of a log whose state row is
    missing (a database restored without it). Never needed on a normal append."""
    with transaction.atomic():
        LogState.objects.get_or_create(pk=1)
        state = LogState.objects.select_for_update().get(pk=1)
        stored = set(LogNode.objects.values_list("level", "index"))
        frontier: list[bytes] = []
        nodes: list[tuple[int, int, bytes]] = []
        size = 0
        for leaf in LogEntry.objects.order_by("index").values_list("leaf_hash", flat=True).iterator():
            frontier, created = merkle.frontier_append(frontier, size, bytes.fromhex(leaf))
            nodes += [node for node in created if node[:2] not in stored]
            size += 1
        _store(state, frontier, size, nodes)
        return state


def _locked_state() -> LogState:
    """The log-state row, locked for the rest of the transaction (the only lock an append takes)."""
    state = LogState.objects.select_for_update().filter(pk=1).first()
    if state is None:
        state = log_rebuild()
        state = LogState.objects.select_for_update().get(pk=1)
    return state


@transaction.atomic
def log_sync(*, limit: int = SYNC_LIMIT) -> int:
    """Append every batch, receipt and notice not in the log yet; returns how many entries were appended. Holds
    the log-state row lock (positions dense, never reused); reads only the frontier, never the earlier leaves."""
    state = _locked_state()
    next_index = state.tree_size
    pending: list[tuple[str, str, Batch | None, dict]] = []
    # keys first: a key registered before a batch or receipt it signs precedes it in the log
    pending += [(kind, ref, None, data) for kind, ref, data in _key_items()]
    new_batches = (Batch.objects.exclude(pk__in=LogEntry.objects.filter(kind=Kind.BATCH).values("batch_id"))
                   .exclude(state=Batch.State.AWAITING_SIGNATURE)  # not sealed until its sender's system signs
                   .select_related("sender", "recipient").order_by("created_at", "id")[:limit])
    pending += [(Kind.BATCH, str(b.pk), b, _batch_data(b)) for b in new_batches]
    new_receipts = (Batch.objects.filter(receipt__isnull=False)
                    .exclude(pk__in=LogEntry.objects.filter(kind=Kind.RECEIPT).values("batch_id"))
                    .select_related("sender", "recipient").order_by("receipt_at", "id")[:limit])
    pending += [(Kind.RECEIPT, str(b.pk), b, _receipt_data(b)) for b in new_receipts]
    logged_notices = set(LogEntry.objects.filter(kind=Kind.NOTICE).values_list("ref", flat=True))
    pending += [(Kind.NOTICE, ref, None, data) for ref, data in _notice_items(logged_notices)[:limit]]
    now = timezone.now()
    entries = [
        LogEntry(index=next_index + offset, kind=kind, ref=ref, batch=batch, data=data,
                 leaf_hash=merkle.leaf_hash(entry_bytes(data)).hex(), appended_at=now)
        for offset, (kind, ref, batch, data) in enumerate(pending)
    ]
    if not entries:
        return 0
    LogEntry.objects.bulk_create(entries)
    frontier, size, nodes = _frontier(state), state.tree_size, []
    for entry in entries:
        frontier, created = merkle.frontier_append(frontier, size, bytes.fromhex(entry.leaf_hash))
        nodes += created
        size += 1
    _store(state, frontier, size, nodes)
    return len(entries)


def _subtrees(wanted: set[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """The stored hashes of complete subtrees ``(level, index)``: leaves from the entries, the rest from
    ``LogNode`` (two indexed reads whatever the size of the log)."""
    found: dict[tuple[int, int], bytes] = {}
    leaf_indexes = [index for level, index in wanted if level == 0]
    if leaf_indexes:
        for index, value in LogEntry.objects.filter(index__in=leaf_indexes).values_list("index", "leaf_hash"):
            found[(0, index)] = bytes.fromhex(value)
    inner = [(level, index) for level, index in wanted if level > 0]
    if inner:
        condition = Q()
        for level, index in inner:
            condition |= Q(level=level, index=index)
        for level, index, value in LogNode.objects.filter(condition).values_list("level", "index", "hash"):
            found[(level, index)] = bytes.fromhex(value)
    return found


def inclusion_path(index: int, size: int) -> list[bytes]:
    """PATH(index, D[size]) from the O(log n) stored subtrees it needs."""
    return merkle.hashes_for(merkle.inclusion_ranges(index, size), _subtrees)


def consistency_proof(old_size: int, size: int) -> list[bytes]:
    """PROOF(old_size, D[size]) from the O(log n) stored subtrees it needs."""
    return merkle.hashes_for(merkle.consistency_ranges(old_size, size), _subtrees)


def head_dict(head: TreeHead) -> dict:
    """A signed head as it travels: its body plus the root's signature (base64) and, once the TSA has given it,
    the RFC 3161 timestamp token over the signature (``tsa_token``, base64 ``TimeStampResp``; not signed by the
    root — the TSA signs it)."""
    travel = dict(head.body, signature=crypto.b64e(bytes(head.signature)))
    token = TreeHeadToken.objects.filter(head=head).first()
    if token is not None:
        travel["tsa_token"] = crypto.b64e(bytes(token.token))
    return travel


def log_timestamp(head: TreeHead) -> TreeHeadToken | None:
    """Ask the configured TSA for a token over ``head`` and store it; None when no TSA is configured, the head has
    one already, or the TSA failed (logged: the head stands without a token and the retry task asks again)."""
    url = conf.tsa_url()
    if not url:
        return None
    existing = TreeHeadToken.objects.filter(head=head).first()
    if existing is not None:
        return existing
    try:
        der = tsa.request(url, bytes(head.signature), certificates=conf.tsa_certificates(),
                          timeout=conf.tsa_timeout_seconds())
    except (tsa.TSAError, OSError, ValueError) as exc:
        logger.warning("exchange: no timestamp token for tree head %s yet: %s", head.tree_size, exc)
        return None
    token, _created = TreeHeadToken.objects.get_or_create(
        head=head, defaults={"token": der, "tsa_url": url[:300], "gen_time": tsa.gen_time(der)})
    return token


def log_timestamp_or_retry(head: TreeHead | None) -> None:
    """After a head is signed (outside the log lock): its token now, or the retry task later."""
    if head is None or not conf.tsa_url() or log_timestamp(head) is not None:
        return
    try:
        from .tasks import exchange_log_timestamps

        exchange_log_timestamps.apply_async(countdown=conf.tsa_retry_seconds())
    except Exception:  # noqa: BLE001 - the broker being down must not fail the log; the periodic task catches up
        logger.exception("exchange: could not schedule the timestamp retry")


def log_timestamp_pending(*, limit: int = 100) -> dict:
    """Heads still without a token (newest first), asked for again; stops at the first failure (the TSA is
    down). Returns how many got one and how many are still waiting."""
    if not conf.tsa_url():
        return {"stamped": 0, "waiting": 0}
    waiting = TreeHead.objects.filter(timestamp_token__isnull=True)
    stamped = 0
    for head in waiting.order_by("-tree_size", "-signed_at")[:limit]:
        if log_timestamp(head) is None:
            break
        stamped += 1
    return {"stamped": stamped, "waiting": waiting.count()}


def latest_head() -> TreeHead | None:
    return TreeHead.objects.order_by("-tree_size", "-signed_at", "-id").first()


@transaction.atomic
def log_sign_head(*, trigger: str, only_if_grown: bool = True) -> TreeHead | None:
    """Sign the current tree head with the platform root (None when the tree did not grow and ``only_if_grown``)."""
    state = _locked_state()  # heads are signed one at a time, over the state's size and root
    size = state.tree_size
    last = latest_head()
    if only_if_grown and last is not None and last.tree_size == size:
        return None
    root = keys.root()
    now = timezone.now()
    body = {"format": crypto.LOG_HEAD_FORMAT, "tree_size": size,
            "root_hash": state.root_hash or merkle.frontier_root([]).hex(),
            "timestamp": crypto.utc_stamp(now), "root_key_id": root.key_id}
    return TreeHead.objects.create(
        tree_size=size, root_hash=body["root_hash"], body=body, trigger=trigger, signed_at=now,
        signature=crypto.sign(root.private_raw, crypto.tree_head_message(body)),
    )


def log_update(*, trigger: str = TreeHead.Trigger.BATCH) -> TreeHead | None:
    log_sync()
    head = log_sign_head(trigger=trigger, only_if_grown=trigger == TreeHead.Trigger.BATCH)
    log_timestamp_or_retry(head)
    return head


def log_after_commit() -> None:
    """After a batch or a receipt committed: append it and sign a head. A failure is logged, never raised (the
    periodic task catches up)."""
    try:
        log_update(trigger=TreeHead.Trigger.BATCH)
    except Exception:  # noqa: BLE001 - the business transaction has committed; the interval task catches up
        logger.exception("exchange: could not update the transparency log")


def log_distribute() -> int:
    """Send the latest signed head to every active party that has not received it yet; returns how many batches."""
    from .selectors import batches_for_ref
    from .services import batch_send

    head = latest_head()
    platform = Organization.objects.filter(kind=OrganizationKind.PLATFORM, is_active=True).order_by("pk").first()
    if head is None or platform is None:
        return 0
    # a head sent before its timestamp token arrived is sent again with it (another reference)
    stamped = TreeHeadToken.objects.filter(head=head).exists()
    ref = f"STH-{head.tree_size}-{head.root_hash[:16]}" + ("-TST" if stamped else "")
    done = set(batches_for_ref(ref=ref, kind=HEADS_KIND).values_list("recipient_id", flat=True))
    actor = rights.SystemActor(HEADS_JOB, organization=platform)
    sent = 0
    with transaction.atomic():
        for org in Organization.objects.filter(is_active=True).exclude(pk=platform.pk).order_by("pk"):
            if org.pk in done:
                continue
            batch_send(kind=HEADS_KIND, sender=platform, recipient=org, rows=[head_dict(head)], refs=[ref],
                       actor=actor)
            sent += 1
    return sent


def log_heads_periodic() -> dict:
    """The interval task: catch up the log, sign a head, send the latest head to the parties."""
    appended = log_sync()
    head = log_sign_head(trigger=TreeHead.Trigger.INTERVAL, only_if_grown=False)
    stamps = log_timestamp_pending()  # this head and any the TSA missed before
    return {"appended": appended, "tree_size": head.tree_size if head else None, "timestamps": stamps,
            "sent": log_distribute()}


def ingest_heads(batch, rows, receipt_at) -> list[str]:
    """Recipient side of ``log_heads``: the head stays in the party's inbox (the batch); its references name it."""
    return [f"STH-{row.get('tree_size')}" for row in rows]


def log_proof(*, batches=(), from_size: int | None = None) -> dict:
    """The proof bundle for the latest head: inclusion of the entries of ``batches`` (batch and receipt), and the
    consistency of the head of ``from_size`` entries (a head the party holds) with the latest."""
    head = latest_head()
    if head is None:
        raise LookupError(_("透明日志尚无签名树头。"))
    bundle = {"format": crypto.LOG_PROOF_FORMAT, "heads": [head_dict(head)], "inclusion": [], "consistency": []}
    for batch in batches:
        key_ids = [kid for kid in ((batch.header or {}).get("sender_key_id"), (batch.receipt or {}).get("recipient_key_id"))
                   if kid]
        entries = LogEntry.objects.filter(Q(batch=batch) | Q(kind__in=[Kind.KEY, Kind.KEY_REVOCATION], ref__in=key_ids),
                                          index__lt=head.tree_size)
        for entry in entries.order_by("index"):
            bundle["inclusion"].append({
                "index": entry.index, "tree_size": head.tree_size, "data": entry.data,
                "path": [p.hex() for p in inclusion_path(entry.index, head.tree_size)],
            })
    if from_size is not None and from_size != head.tree_size:
        older = TreeHead.objects.filter(tree_size=from_size).order_by("signed_at").first()
        if older is None:
            raise LookupError(_("没有 %(n)d 个条目的签名树头。") % {"n": from_size})
        bundle["heads"].insert(0, head_dict(older))
        bundle["consistency"].append({
            "old_size": from_size, "new_size": head.tree_size,
            "proof": [p.hex() for p in consistency_proof(from_size, head.tree_size)],
        })
    return bundle


def entry_for(batch: Batch, kind: str) -> LogEntry | None:
    return LogEntry.objects.filter(batch=batch, kind=kind).first()
