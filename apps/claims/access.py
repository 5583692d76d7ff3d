"""Audience rules for claims (DESIGN.md "Who uses it"): an insurer sees only its own claims; the regulator and the
insurance association read every claim and clock (service levels, rule M13) — as the kernel lets them watch every
clock; the taxi association reads the aggregate service-level table only (``SLA_READERS``, no claim rows); a
platform company sees its own focused checks (M14)."""

from django.db.models import QuerySet

from apps.parties.access import audience
from apps.parties.models import OrganizationKind

from .models import (
    AnalyticsRun,
    AnalyticsThresholds,
    Claim,
    ClaimProgressNotice,
    FocusedCheck,
    FocusedCheckList,
)

CLAIM_READERS = frozenset({OrganizationKind.REGULATOR, OrganizationKind.INSURANCE_ASSOCIATION})
SLA_READERS = CLAIM_READERS | {OrganizationKind.TAXI_ASSOCIATION}
ANALYTICS_READERS = SLA_READERS | {OrganizationKind.TRANSPORT}


def may_read_analytics(user) -> bool:
    """Who reads the claims analytics page (thresholds, runs, focused checks; rule M14)."""
    return bool(user.is_superuser or user.kind in ANALYTICS_READERS)


@audience(Claim)
def _claims(user, qs: QuerySet) -> QuerySet:
    if user.kind in CLAIM_READERS:
        return qs
    if user.kind == OrganizationKind.INSURER:
        return qs.filter(insurer_id=user.organization_id)
    return qs.none()


@audience(ClaimProgressNotice)
def _notices(user, qs: QuerySet) -> QuerySet:
    if user.kind in CLAIM_READERS:
        return qs
    if user.kind == OrganizationKind.INSURER:
        return qs.filter(claim__insurer_id=user.organization_id)
    return qs.none()


@audience(AnalyticsThresholds)
def _thresholds(user, qs: QuerySet) -> QuerySet:
    return qs if user.kind in ANALYTICS_READERS else qs.none()


@audience(AnalyticsRun)
def _runs(user, qs: QuerySet) -> QuerySet:
    return qs if user.kind in ANALYTICS_READERS else qs.none()


@audience(FocusedCheckList)
def _lists(user, qs: QuerySet) -> QuerySet:
    if user.kind in ANALYTICS_READERS:
        return qs
    if user.kind == OrganizationKind.TAXI_COMPANY:
        return qs.filter(company_id=user.organization_id)
    return qs.none()


@audience(FocusedCheck)
def _checks(user, qs: QuerySet) -> QuerySet:
    if user.kind in ANALYTICS_READERS:
        return qs
    if user.kind == OrganizationKind.TAXI_COMPANY:
        return qs.filter(company_id=user.organization_id)
    return qs.none()
