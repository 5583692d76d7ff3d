"""Kinds of batch and their ingest handlers, registered by the apps that send and receive them.

    from apps.exchange.registry import register_kind, IngestRejected

    def ingest_penalties(batch, rows, receipt_at):   # runs inside the recipient's ingest transaction
        ...create the recipient's records; raise IngestRejected("…") to refuse the batch for good...
        return [f"PEN-{n}" for n in numbers]          # case references, copied into the signed receipt

    register_kind("penalties", ingest_penalties, label=_("处罚决定"))   # in AppConfig.ready()

A handler must be idempotent in effect only through the exchange: the exchange guarantees it is called at most
once per batch that commits (a redelivered or replayed batch never reaches it twice).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from apps.core.registry import Registry, dotted_name

if TYPE_CHECKING:  # pragma: no cover
    from .models import Batch

Handler = Callable[["Batch", list[dict], dt.datetime], list[str] | None]
Callback = Callable[["Batch"], None]


class IngestRejected(Exception):  # noqa: N818 - reads as a verdict: raise IngestRejected("…")
    """Raised by a handler to refuse a batch for good (it is marked rejected with this message, never retried).

    Any other exception from a handler is treated as transient: the ingest transaction rolls back and the
    delivery is retried with back-off.
    """

    def __init__(self, message: str, *, code: str = "handler_rejected"):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class BatchKind:
    kind: str
    label: str
    handler: Handler
    on_receipt: Callback | None = None
    on_rejected: Callback | None = None


# Labels of the kinds the mechanism names (DESIGN.md "Exchange"), shown even before their app registers them.
KNOWN_LABELS = {
    "leads": _("违规线索"),
    "lawful_list": _("合规营运车辆清单"),
    "penalties": _("处罚决定"),
    "screening_findings": _("比对结果"),
    "worklist": _("核查工作清单"),
    "check_results": _("核查处置结果"),
}

BATCH_KINDS: Registry[BatchKind] = Registry("batch kinds")


def register_kind(
    kind: str,
    handler: Handler,
    *,
    label: str | None = None,
    on_receipt: Callback | None = None,
    on_rejected: Callback | None = None,
    replace: bool = False,
) -> BatchKind:
    """Register ``kind`` with the recipient-side ``handler(batch, rows, receipt_at) -> list[str]``.

    ``on_receipt(batch)`` runs on the sender's side in the same transaction, right after the receipt is issued
    (e.g. to mark the leads of the batch as delivered); ``on_rejected(batch)`` when the batch is refused.
    """
    if not kind or len(kind) > 40 or not kind.replace("_", "").isalnum():
        raise ValueError(f"invalid batch kind {kind!r}")
    spec = BatchKind(kind, label or KNOWN_LABELS.get(kind, kind), handler, on_receipt, on_rejected)
    existing = BATCH_KINDS.get(kind)
    if replace or (existing is not None and existing.handler is handler):
        # the same handler again (its label or callbacks restated), or a replacement said explicitly
        return BATCH_KINDS.replace(kind, spec)
    return BATCH_KINDS.register(kind, spec)  # another handler for a registered kind: DuplicateEntry


def unregister_kind(kind: str) -> None:
    BATCH_KINDS.unregister(kind)


def get_kind(kind: str) -> BatchKind | None:
    return BATCH_KINDS.get(kind)


def is_registered(kind: str) -> bool:
    return kind in BATCH_KINDS


def kind_label(kind: str) -> str:
    spec = BATCH_KINDS.get(kind)
    return str(spec.label if spec else KNOWN_LABELS.get(kind, kind))


def kind_choices() -> list[tuple[str, str]]:
    names = sorted(set(BATCH_KINDS) | set(KNOWN_LABELS))
    return [(name, kind_label(name)) for name in names]


# --- signed documents an evidence archive carries beyond the rescission notices ----------------------------------

DocumentSources = Callable[[object, list[str]], list[str]]
"""``provider(actor, refs) -> sources``: the ``SignedDocument.source`` of each signed document that belongs to a
case opened on one of the batch's ``refs`` and that ``actor`` may read (signing, through ``pdfsign.signed_for``,
what was not signed yet)."""

ARCHIVE_DOCUMENTS: Registry[DocumentSources] = Registry("archive documents", key=dotted_name)


def register_archive_documents(provider: DocumentSources) -> DocumentSources:
    """Register ``provider`` (in ``AppConfig.ready()``); e.g. the endorsement forms of the rescission cases."""
    return ARCHIVE_DOCUMENTS.add(provider)
