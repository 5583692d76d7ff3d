"""Audience rules for the policies app (registered with apps.parties.access; 404 outside the audience).

* transport, regulator, insurance association (SUPERVISORS): every policy (rules M5, M6: they verify insurance);
* insurer: only its own policies and their coverages, endorsements, cancellations and status history (the same
  audience as the policy: supervisors see every policy's);
* everybody signed in: the coverage standard (rule M10: it is published for all parties).
"""

from __future__ import annotations

from django.db.models import QuerySet

from apps.parties.access import SUPERVISORS, audience
from apps.parties.models import OrganizationKind, User

from .models import (
    Cancellation,
    Coverage,
    CoverageRequirement,
    CoverageStandard,
    Endorsement,
    Policy,
    PolicyStatusChange,
)


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


@audience(Endorsement)
def endorsements_visible(user: User, qs: QuerySet) -> QuerySet:
    return _by_policy(user, qs)


@audience(Cancellation)
def cancellations_visible(user: User, qs: QuerySet) -> QuerySet:
    return _by_policy(user, qs)


@audience(PolicyStatusChange)
def status_changes_visible(user: User, qs: QuerySet) -> QuerySet:
    """The status history follows its policy: supervisors (the regulator among them) see every policy's — every
    status change of every policy that had a rescission case, with its path; an insurer its own policies'."""
    return _by_policy(user, qs)


def _by_policy(user: User, qs: QuerySet) -> QuerySet:
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
