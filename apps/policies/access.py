"""Audience rules for the policies app (registered with apps.parties.access; 404 outside the audience).

* transport, regulator, insurance association (SUPERVISORS): every policy (rules M5, M6: they verify insurance);
* insurer: only its own policies and their coverages;
* everybody signed in: the coverage standard (rule M10: it is published for all parties).
"""

from __future__ import annotations

from django.db.models import QuerySet

from apps.parties.access import SUPERVISORS, audience
from apps.parties.models import OrganizationKind, User

from .models import Coverage, CoverageRequirement, CoverageStandard, Policy


@audience(Policy)
def policies_visible(user: User, qs: QuerySet) -> QuerySet:
    if user.kind in SUPERVISORS:
        return qs
    if user.kind == OrganizationKind.INSURER:
        return qs.filter(insurer_id=user.organization_id)
    return qs.none()


@audience(Coverage)
def coverages_visible(user: User, qs: QuerySet) -> QuerySet:
    if user.kind in SUPERVISORS:
        return qs
    if user.kind == OrganizationKind.INSURER:
        return qs.filter(policy__insurer_id=user.organization_id)
    return qs.none()


@audience(CoverageStandard)
def standards_visible(user: User, qs: QuerySet) -> QuerySet:
    return qs


@audience(CoverageRequirement)
def requirements_visible(user: User, qs: QuerySet) -> QuerySet:
    return qs


def may_reveal_policyholder(user: User, policy: Policy) -> bool:
    """The issuing insurer, transport and the regulator may reveal the policyholder's name."""
    if user.is_superuser:
        return True
    if user.kind in (OrganizationKind.TRANSPORT, OrganizationKind.REGULATOR):
        return True
    return user.kind == OrganizationKind.INSURER and policy.insurer_id == user.organization_id
