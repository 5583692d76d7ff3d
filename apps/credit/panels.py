"""Home-page panels of the two associations' own work (rule M2, M12, M17): the 督促 items the insurance association
handles, the credit proposals an association decides, the companies' credit files the taxi association keeps.
Each panel reads a fixed number of queries, whatever the number of rows."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q
from django.utils import timezone

from apps.core.models import Deadline
from apps.parties import access, rights

from . import selectors, services
from .models import CreditProposal, SubjectKind, UrgingItem

PANEL_ROWS = 5
_SOME_COMPANY = -1  # competent_associations asks only whether the subject belongs to a company


def urging_panel(request) -> dict:
    """督促 items not yet closed (rules M12, M17), the oldest first, each with its clock (one query for them)."""
    user = request.user
    qs = access.visible(user, UrgingItem)
    counts = dict(qs.exclude(status=UrgingItem.Status.CLOSED).order_by().values_list("status")
                  .annotate(n=Count("id")))
    items = list(qs.exclude(status=UrgingItem.Status.CLOSED).select_related("insurer").order_by("created_at", "id")
                 [:PANEL_ROWS])
    clocks: dict[str, Deadline] = {}
    if items:
        for clock in Deadline.objects.filter(
                rule=services.URGING_RULE, content_type=ContentType.objects.get_for_model(UrgingItem),
                object_id__in=[str(item.pk) for item in items]).order_by("-id"):
            clocks.setdefault(clock.object_id, clock)
    now = timezone.now()
    rows = []
    for item in items:
        clock = clocks.get(str(item.pk))
        rows.append({"item": item, "due_at": clock.due_at if clock else None,
                     "late": bool(clock and clock.met_at is None and clock.due_at < now)})
    return {"open_count": counts.get(UrgingItem.Status.OPEN, 0), "urged_count": counts.get(UrgingItem.Status.URGED, 0),
            "rows": rows}


def decidable(kind) -> Q:
    """The proposals an association of ``kind`` decides: the subjects whose file it keeps (``competent_associations``,
    rule M2) — a driver of a company for the taxi association, every driver for the insurance association."""
    q = Q(pk__in=[])
    for subject_kind in SubjectKind:
        if kind in services.competent_associations(subject_kind, None):
            q |= Q(subject_kind=subject_kind)
        elif kind in services.competent_associations(subject_kind, _SOME_COMPANY):
            q |= Q(subject_kind=subject_kind, subject_organization__isnull=False)
    return q


def proposals_panel(request) -> dict:
    """Credit proposals waiting for this association's decision (rule M2), the oldest first."""
    user = request.user
    if not rights.may(user, "credit.decide_creditproposal"):
        return {"may_decide": False, "count": 0, "rows": []}
    qs = access.visible(user, CreditProposal).filter(decidable(user.kind), status=CreditProposal.Status.PENDING)
    return {"may_decide": True, "count": qs.count(),
            "rows": list(qs.select_related("proposed_by_organization").order_by("created_at", "id")[:PANEL_ROWS])}


def company_files_panel(request) -> dict:
    """The taxi companies' credit files (rule M2): the companies with records, most points first."""
    rows = selectors.subjects_overview(user=request.user, kind=SubjectKind.TAXI_COMPANY)
    return {"count": len(rows), "rows": rows[:PANEL_ROWS], "kind": SubjectKind.TAXI_COMPANY.value}
