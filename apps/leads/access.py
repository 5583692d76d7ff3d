"""Audience rules for the leads app (registered with apps.parties.access; 404 outside the audience).

Leads (rules M4, M5, M8): each side sees every lead of its own direction and what the other side pushed to it.
* transport: all transport → insurance leads (including those a company reported), and insurance → transport
  leads once pushed;
* regulator and insurance association (the insurance side): all insurance → transport leads, and
  transport → insurance leads once pushed;
* taxi company: the leads it reported itself (rule M9);
* insurers do not read leads: they see their own worklist rows only (rule M8).
The trail and attachments follow the lead.

Worklist rows: an insurer sees only its own rows; the regulator and the insurance association see all; transport
sees the rows that answer its own leads and penalties.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from apps.parties.access import SUPERVISORS, audience, visible
from apps.parties.models import OrganizationKind, User

from .models import (
    Direction,
    InsurerWorklistItem,
    LawfulListRun,
    Lead,
    LeadAttachment,
    LeadEvent,
    Penalty,
    RiskModelRun,
    RiskModelWeights,
    RiskScore,
    ScreeningFinding,
)

INSURANCE_SIDE = frozenset({OrganizationKind.REGULATOR, OrganizationKind.INSURANCE_ASSOCIATION})


def _pushed() -> Q:
    return Q(recipient__isnull=False)


@audience(Lead)
def leads_visible(user: User, qs: QuerySet) -> QuerySet:
    kind, org = user.kind, user.organization_id
    if kind == OrganizationKind.TRANSPORT:
        return qs.filter(Q(direction=Direction.TRANSPORT_TO_INSURANCE) | _pushed() | Q(origin_id=org))
    if kind in INSURANCE_SIDE:
        return qs.filter(Q(direction=Direction.INSURANCE_TO_TRANSPORT) | _pushed() | Q(origin_id=org))
    if kind == OrganizationKind.TAXI_COMPANY:
        return qs.filter(origin_id=org)
    return qs.none()


@audience(LeadEvent)
def lead_events_visible(user: User, qs: QuerySet) -> QuerySet:
    return qs.filter(lead__in=visible(user, Lead).values("pk"))


@audience(LeadAttachment)
def lead_attachments_visible(user: User, qs: QuerySet) -> QuerySet:
    return qs.filter(lead__in=visible(user, Lead).values("pk"))


@audience(InsurerWorklistItem)
def worklist_visible(user: User, qs: QuerySet) -> QuerySet:
    kind, org = user.kind, user.organization_id
    if kind == OrganizationKind.INSURER:
        return qs.filter(insurer_id=org)
    if kind in INSURANCE_SIDE:
        return qs
    if kind == OrganizationKind.TRANSPORT:
        return qs.filter(Q(lead__sender_id=org) | Q(penalty__organization_id=org))
    return qs.none()


@audience(Penalty)
def penalties_visible(user: User, qs: QuerySet) -> QuerySet:
    kind, org = user.kind, user.organization_id
    if kind in SUPERVISORS or kind == OrganizationKind.TAXI_ASSOCIATION:
        return qs
    if kind == OrganizationKind.TAXI_COMPANY:
        return qs.filter(Q(company_id=org) | Q(vehicle__company_id=org))
    if kind == OrganizationKind.INSURER:
        return qs.filter(Exists(InsurerWorklistItem.objects.filter(penalty_id=OuterRef("pk"), insurer_id=org)))
    return qs.none()


@audience(LawfulListRun)
def lawful_list_runs_visible(user: User, qs: QuerySet) -> QuerySet:
    return qs if user.kind in SUPERVISORS else qs.none()


@audience(ScreeningFinding)
def screening_findings_visible(user: User, qs: QuerySet) -> QuerySet:
    if user.kind in SUPERVISORS:
        return qs
    if user.kind == OrganizationKind.INSURER:
        # rule M6: an insurer learns of a finding only once the regulator reviewed it and sent it
        return qs.filter(insurer_id=user.organization_id, dispatched_at__isnull=False)
    return qs.none()


@audience(RiskModelWeights)
def risk_weights_visible(user: User, qs: QuerySet) -> QuerySet:
    return qs if user.kind in INSURANCE_SIDE else qs.none()


@audience(RiskModelRun)
def risk_runs_visible(user: User, qs: QuerySet) -> QuerySet:
    return qs if user.kind in INSURANCE_SIDE else qs.none()


@audience(RiskScore)
def risk_scores_visible(user: User, qs: QuerySet) -> QuerySet:
    return qs if user.kind in INSURANCE_SIDE else qs.none()
