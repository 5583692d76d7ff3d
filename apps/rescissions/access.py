"""Audience rules for rescission cases (registered with apps.parties.access; 404 outside the audience).

* insurer: only its own cases (the case's ``insurer``), their events and notices;
* regulator and insurance association: every case (they watch that every insurer acts in time, rule M12);
* everybody else (transport, taxi association, taxi companies): none.
"""

from __future__ import annotations

from django.db.models import QuerySet

from apps.parties.access import audience
from apps.parties.models import OrganizationKind, User

from .models import RescissionCase, RescissionEvent, RescissionNotice

WATCHERS = frozenset({OrganizationKind.REGULATOR, OrganizationKind.INSURANCE_ASSOCIATION})


def _scoped(user: User, qs: QuerySet, insurer_field: str) -> QuerySet:
    if user.kind in WATCHERS:
        return qs
    if user.kind == OrganizationKind.INSURER:
        return qs.filter(**{insurer_field: user.organization_id})
    return qs.none()


@audience(RescissionCase)
def cases_visible(user: User, qs: QuerySet) -> QuerySet:
    return _scoped(user, qs, "insurer_id")


@audience(RescissionEvent)
def events_visible(user: User, qs: QuerySet) -> QuerySet:
    return _scoped(user, qs, "case__insurer_id")


@audience(RescissionNotice)
def notices_visible(user: User, qs: QuerySet) -> QuerySet:
    return _scoped(user, qs, "case__insurer_id")


def is_watcher(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.kind in WATCHERS)


def may_act(user, case: RescissionCase) -> bool:
    """Only staff of the case's own insurer record steps (rule M12: the insurer exercises the right)."""
    return bool(
        user is not None and user.is_authenticated and user.is_active
        and user.kind == OrganizationKind.INSURER and user.organization_id == case.insurer_id
    )
