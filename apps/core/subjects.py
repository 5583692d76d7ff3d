"""What a generic reference (a clock's subject: content type + object id) is, as users read it.

Pages never show ``<model> #<id>``: each kind of subject is registered here with its business label (RC…, XS…,
报案号, 受理编号, 文号, …) and its page. ``for_deadlines(user, deadlines)`` resolves a page of clocks with one query
per kind of subject, only among the subjects the user may see (``apps.parties.access``); a subject outside the
user's audience, or of a kind not registered, reads as its kind's name, without an id and without a link.

An app registers its own kinds with ``register("app_label.modelname", label=..., url=..., queryset=...)``;
``queryset(user)`` defaults to ``access.visible(user, Model)`` (give one for a model whose audience is its
parent's, e.g. a complaint's handling period).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet
from django.urls import reverse

from apps.parties import access

from .registry import Registry


@dataclass(frozen=True)
class Subject:
    label: str
    url: str | None = None


@dataclass(frozen=True)
class _Kind:
    label: Callable[[Model], str]
    url: Callable[[Model], str] | None
    related: tuple[str, ...]
    queryset: Callable[[object], QuerySet] | None


_KINDS: Registry[_Kind] = Registry("subject kinds")


def register(model: str, *, label: Callable[[Model], str], url: Callable[[Model], str] | None = None,
             related: Iterable[str] = (), queryset: Callable[[object], QuerySet] | None = None) -> None:
    """Register a kind of subject by its ``app_label.modelname`` (lower case)."""
    _KINDS.register(model.lower(), _Kind(label=label, url=url, related=tuple(related), queryset=queryset))


def _parent_visible(model: str, parent_field: str, parent_model: str) -> Callable[[object], QuerySet]:
    """Rows of ``model`` whose ``parent_field`` the user may see (a model without its own audience rule)."""

    def queryset(user) -> QuerySet:
        return apps.get_model(model).objects.filter(
            **{f"{parent_field}__in": access.visible(user, apps.get_model(parent_model)).values("pk")})

    return queryset


def _defaults() -> None:
    if _KINDS:
        return
    register("parties.organization", label=lambda o: o.name)
    register("rescissions.rescissioncase", label=lambda o: o.number, url=lambda o: reverse("rescissions:case", args=[o.pk]))
    register("rescissions.rescissionevent", label=lambda o: o.case.number, related=["case"],
             url=lambda o: reverse("rescissions:case", args=[o.case_id]))
    register("rescissions.casepolicy", label=lambda o: f"{o.case.number} · {o.policy.number}",
             related=["case", "policy"], url=lambda o: reverse("rescissions:case", args=[o.case_id]),
             queryset=_parent_visible("rescissions.CasePolicy", "case", "rescissions.RescissionCase"))
    register("claims.claim", label=lambda o: o.number, url=lambda o: reverse("claims-detail", args=[o.pk]))
    register("claims.claimprogressnotice", label=lambda o: o.claim.number, related=["claim"],
             url=lambda o: reverse("claims-detail", args=[o.claim_id]))
    register("claims.focusedchecklist", label=str, related=["company"],
             url=lambda o: reverse("claims-check-detail", args=[o.pk]))
    register("complaints.complaint", label=lambda o: o.tracking_no,
             url=lambda o: reverse("complaints:staff_detail", args=[o.pk]))
    register("complaints.handlingperiod", label=lambda o: o.complaint.tracking_no, related=["complaint"],
             url=lambda o: reverse("complaints:staff_detail", args=[o.complaint_id]),
             queryset=_parent_visible("complaints.HandlingPeriod", "complaint", "complaints.Complaint"))
    register("credit.supervisoryaction", label=lambda o: o.reference_no or str(o), related=["target"],
             url=lambda o: reverse("credit:action", args=[o.pk]))
    register("credit.urgingitem", label=lambda o: o.number, url=lambda o: reverse("credit:urging_item", args=[o.pk]))
    register("leads.lead", label=lambda o: o.reference, url=lambda o: reverse("leads:detail", args=[o.pk]))
    register("leads.insurerworklistitem", label=str, url=lambda o: reverse("leads:worklist"))
    register("inspections.inspectionnotice", label=lambda o: o.number,
             url=lambda o: reverse("inspections:notice", args=[o.pk]))


def _kind_name(content_type: ContentType) -> str:
    model = content_type.model_class()
    return str(model._meta.verbose_name) if model is not None else str(content_type)


def resolve(user, refs: Iterable[tuple[ContentType, str]]) -> dict[tuple[int, str], Subject]:
    """{(content type id, object id): Subject} for the given references, one query per kind of subject."""
    _defaults()
    wanted: dict[int, set[int]] = defaultdict(set)
    types: dict[int, ContentType] = {}
    out: dict[tuple[int, str], Subject] = {}
    for content_type, object_id in refs:
        types[content_type.pk] = content_type
        out[(content_type.pk, str(object_id))] = Subject(_kind_name(content_type))
        if str(object_id).isdigit():
            wanted[content_type.pk].add(int(object_id))
    for type_id, ids in wanted.items():
        content_type = types[type_id]
        kind = _KINDS.get(f"{content_type.app_label}.{content_type.model}")
        model = content_type.model_class()
        if kind is None or model is None:
            continue
        qs = kind.queryset(user) if kind.queryset else access.visible(user, model)
        for obj in qs.select_related(*kind.related).filter(pk__in=ids):
            out[(type_id, str(obj.pk))] = Subject(str(kind.label(obj)), kind.url(obj) if kind.url else None)
    return out


def for_deadlines(user, deadlines) -> dict[int, Subject]:
    """{deadline id: Subject} for a page of clocks (``select_related("content_type")`` on them)."""
    deadlines = list(deadlines)
    found = resolve(user, ((d.content_type, d.object_id) for d in deadlines))
    return {d.pk: found[(d.content_type_id, str(d.object_id))] for d in deadlines}
