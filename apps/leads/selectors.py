"""Reads of the leads app. Every list starts from ``apps.parties.access.visible`` (the one door to the data)."""

from __future__ import annotations

from collections import Counter

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from apps.credit.models import CreditProposal
from apps.exchange.models import Batch
from apps.parties import access
from apps.policies.models import Policy
from apps.rescissions.models import OPEN_STATUSES, RescissionCase, Trigger
from apps.vehicles.models import OperatingPermit, Vehicle

from .models import (
    Direction,
    Disposal,
    InsurerWorklistItem,
    LawfulListRun,
    Lead,
    LeadEvent,
    Penalty,
    RiskModelRun,
    ScreeningFinding,
    Source,
    Status,
)

LEAD_LIST_RELATED = ("vehicle", "origin", "sender", "recipient")


def _leads(user) -> QuerySet:
    return access.visible(user, Lead.objects.select_related(*LEAD_LIST_RELATED))


def lead_filter(qs: QuerySet, *, status: str = "", source: str = "", direction: str = "", q: str = "",
                finding: str = "") -> QuerySet:
    if status == "open":
        qs = qs.exclude(status=Status.DISPOSED)
    elif status:
        qs = qs.filter(status=status)
    if source:
        qs = qs.filter(source=source)
    if direction:
        qs = qs.filter(direction=direction)
    if finding:
        qs = qs.filter(finding=finding)
    q = (q or "").strip().upper()
    if q:
        qs = qs.filter(Q(plate__contains=q) | Q(vehicle__vin__contains=q) | Q(external_ref__icontains=q))
    return qs


def inbox(*, user, **filters) -> QuerySet:
    """Leads pushed to the user's organisation (the receiving side of rule M4), reports other parties raised for
    it to push (a taxi company's report held by the insurance association, rule M9), and its own leads on which
    the regulator requested its offline check (rules M2, M4)."""
    org = user.organization_id
    held = Q(sender_id=org, status=Status.NEW) & ~Q(origin_id=org)
    # rules M2, M4: transport's own leads on which the regulator requested its offline check
    requested = Q(sender_id=org, status=Status.OFFLINE_CHECK, check_requested_at__isnull=False)
    return lead_filter(_leads(user).filter(Q(recipient_id=org) | held | requested), **filters).order_by(
        F("received_at").desc(nulls_first=True), "-id")


def outbox(*, user, **filters) -> QuerySet:
    """Leads the user's organisation raised or pushes (drafts in ``new`` first)."""
    org = user.organization_id
    return lead_filter(_leads(user).filter(Q(sender_id=org) | Q(origin_id=org)), **filters).order_by("-created_at",
                                                                                                      "-id")


def inbox_counts(*, user) -> dict[str, int]:
    rows = (access.visible(user, Lead).filter(recipient_id=user.organization_id).values("status")
            .annotate(n=Count("id")).values_list("status", "n"))
    counts = dict(rows)
    counts[Status.OFFLINE_CHECK] = counts.get(Status.OFFLINE_CHECK, 0) + access.visible(user, Lead).filter(
        sender_id=user.organization_id, status=Status.OFFLINE_CHECK, check_requested_at__isnull=False).count()
    drafts = access.visible(user, Lead).filter(sender_id=user.organization_id, status=Status.NEW).count()
    return {"verified": counts.get(Status.VERIFIED, 0), "offline_check": counts.get(Status.OFFLINE_CHECK, 0),
            "confirmed": counts.get(Status.CONFIRMED, 0), "dismissed": counts.get(Status.DISMISSED, 0),
            "drafts": drafts}


def lead_get(*, user, pk) -> Lead:
    return access.get_for_user(user, Lead.objects.select_related(*LEAD_LIST_RELATED, "penalty", "checked_by",
                                                                 "push_batch"), pk=pk)


def lead_trail(*, user, lead: Lead) -> QuerySet:
    return (access.visible(user, LeadEvent).filter(lead=lead).select_related("actor", "organization")
            .order_by("at", "id"))


def lead_worklist_items(*, user, lead: Lead) -> QuerySet:
    return (access.visible(user, InsurerWorklistItem).filter(lead=lead)
            .select_related("insurer", "policy", "answered_by").order_by("kind", "insurer__name", "id"))


def lead_spawned_cases(*, user, lead: Lead) -> QuerySet:
    """The rescission cases this lead gave rise to (the lead's confirmation, or a penalty decided on it, relayed
    to the insurer), in the user's audience, with their live status."""

    return (access.visible(user, RescissionCase).filter(_spawned_cases_q(lead))
            .select_related("insurer", "policy").order_by("id"))


def _spawned_cases_q(lead: Lead) -> Q:
    """The rescission cases a lead gave rise to: its confirmation, or a penalty decided on it, relayed."""

    decisions = set(Penalty.objects.filter(lead=lead).values_list("decision_no", flat=True))
    if lead.penalty_id:
        decisions.add(lead.penalty.decision_no)
    return (Q(trigger=Trigger.LEAD_CONFIRMED, trigger_ref=lead.reference)
            | Q(trigger=Trigger.PENALTY, trigger_ref__in=decisions))


def lead_disposal_pending(lead: Lead) -> dict:
    """What a disposed lead still waits for: its rescission cases not yet decided by their insurers (rule M12) and
    its credit proposal not yet decided by the association (rule M2). Counts only, whoever reads the lead: the
    lead's sender pushed those consequences and may know whether they are done, not what the cases contain."""

    if lead.status != Status.DISPOSED:
        return {"cases": 0, "proposals": 0, "undelivered": 0, "any": False}
    cases = RescissionCase.objects.filter(_spawned_cases_q(lead), status__in=OPEN_STATUSES).count()
    proposals = CreditProposal.objects.filter(
        source_content_type__app_label="leads", source_content_type__model="lead", source_object_id=str(lead.pk),
        status=CreditProposal.Status.PENDING).count()
    undelivered = 0
    if Disposal.RESCISSION in (lead.disposals or []):  # the finding pushed towards the insurers: not yet arrived?
        sent = [batch for event in lead.events.filter(action="disposed")
                for batch in (event.detail or {}).get("check_result_batches", [])]
        undelivered = Batch.objects.filter(pk__in=sent).exclude(state=Batch.State.DELIVERED).count()
    return {"cases": cases, "proposals": proposals, "undelivered": undelivered,
            "any": bool(cases or proposals or undelivered)}


def vehicle_picture(*, user, lead: Lead) -> dict:
    """What the platform knows about the lead's vehicle, each part narrowed to the user's audience."""

    if lead.vehicle_id is None:
        return {"known": False}
    vehicle = access.visible(user, Vehicle).select_related("company").filter(pk=lead.vehicle_id).first()
    now = timezone.now()
    permits = access.visible(user, OperatingPermit).filter(vehicle_id=lead.vehicle_id).order_by("-valid_to")
    policies = (access.visible(user, Policy).filter(Policy.in_force_q(now), vehicle_id=lead.vehicle_id)
                .select_related("insurer").order_by("kind", "starts_at"))
    penalties = access.visible(user, Penalty).filter(vehicle_id=lead.vehicle_id).order_by("-decided_on")[:10]
    other_leads = _leads(user).filter(vehicle_id=lead.vehicle_id).exclude(pk=lead.pk).order_by("-created_at")[:10]
    return {"known": True, "vehicle": vehicle, "permits": list(permits), "policies": list(policies),
            "penalties": list(penalties), "other_leads": list(other_leads), "now": now}


def vehicle_url(vehicle_id: int) -> str:
    """The vehicles app's page of a vehicle, if it has one."""
    from django.urls import NoReverseMatch, reverse

    for name in ("vehicles:detail", "vehicles:vehicle", "vehicles:vehicle-detail", "vehicle-detail"):
        try:
            return reverse(name, args=[vehicle_id])
        except NoReverseMatch:
            continue
    return ""


def worklist(*, user, state: str = "", kind: str = "", q: str = "") -> QuerySet:
    qs = access.visible(user, InsurerWorklistItem.objects.select_related("insurer", "policy", "lead", "answered_by"))
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    q = (q or "").strip().upper()
    if q:
        qs = qs.filter(Q(plate__contains=q) | Q(policy__number__icontains=q))
    return qs.order_by("state", "-received_at", "-id")


def worklist_open_count(*, user) -> int:
    return access.visible(user, InsurerWorklistItem).filter(state=InsurerWorklistItem.State.OPEN).count()


def penalties(*, user, q: str = "") -> QuerySet:
    qs = access.visible(user, Penalty.objects.select_related("vehicle", "company", "organization", "batch"))
    q = (q or "").strip().upper()
    if q:
        qs = qs.filter(Q(plate__contains=q) | Q(decision_no__icontains=q))
    return qs.order_by("-decided_on", "-id")


def screening_runs(*, user) -> QuerySet:
    return access.visible(user, LawfulListRun.objects.select_related("sender", "recipient", "batch")).order_by(
        "-pushed_at", "-id")


def screening_findings(*, user, run: LawfulListRun, kind: str = "", insurer: str = "", q: str = "") -> QuerySet:
    qs = access.visible(user, ScreeningFinding.objects.select_related("insurer", "policy", "permit")).filter(run=run)
    if kind:
        qs = qs.filter(kind=kind)
    if insurer:
        qs = qs.filter(insurer_id=insurer)
    q = (q or "").strip().upper()
    if q:
        qs = qs.filter(plate__contains=q)
    return qs.order_by("kind", "plate", "id")


def screening_answers(*, user, run: LawfulListRun) -> dict[str, int]:
    rows = (access.visible(user, InsurerWorklistItem).filter(screening_finding__run=run)
            .values_list("state", flat=True))
    return dict(Counter(rows))


def risk_runs(*, user) -> QuerySet:
    return access.visible(user, RiskModelRun.objects.select_related("weights", "run_by")).order_by("-started_at")


def risk_leads_outcomes(*, user) -> dict:
    qs = access.visible(user, Lead).filter(source=Source.RISK_MODEL, direction=Direction.INSURANCE_TO_TRANSPORT)
    return dict(Counter(qs.values_list("outcome", flat=True)))
