"""The one place that decides what each party may see (DESIGN.md "Who uses it", rule M2/M3).

Every app registers one *audience rule* per model in its own ``access.py`` with ``@audience(Model)``; this
module collects them (``autodiscover``) and is the only door to them:

* ``visible(user, Model or queryset)`` — the queryset narrowed to the user's audience; a model without a rule
  is visible to nobody (default deny).
* ``get_for_user(user, Model or queryset, **lookup)`` — one object, or ``Http404`` when it is outside the
  audience, so an id reveals nothing about other parties' data.
* ``ScopedViewSet`` / ``ScopedPageMixin`` take their queryset only from here and forbid subclasses from
  overriding ``get_queryset`` / ``get_object``.
* ``granted_q(user, Model, perm)`` — objects shared with the user's organisation or the user through
  django-guardian's direct-foreign-key permission tables (``<Model>OrganizationGrant`` style models declared by
  the app that owns the object), for rules that combine ownership with grants.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.module_loading import autodiscover_modules

from apps.core.registry import Registry

from .models import Organization, OrganizationKind, User

Rule = Callable[[User, QuerySet], QuerySet]
_RULES: Registry[Rule] = Registry("audience rules")  # by model

# Parties that read city-wide registers (they supervise everyone): transport, the regulator, the insurance
# association. The taxi association sees companies and drivers; companies and insurers see their own.
SUPERVISORS = frozenset({OrganizationKind.TRANSPORT, OrganizationKind.REGULATOR, OrganizationKind.INSURANCE_ASSOCIATION})


def audience(model: type[Model]) -> Callable[[Rule], Rule]:
    return _RULES.register(model)  # two different rules for one model: DuplicateEntry


def autodiscover() -> None:
    autodiscover_modules("access")


def _queryset(model_or_qs) -> QuerySet:
    return model_or_qs.all() if isinstance(model_or_qs, QuerySet) else model_or_qs._default_manager.all()


def visible(user, model_or_qs) -> QuerySet:
    qs = _queryset(model_or_qs)
    if user is None or not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_superuser:
        return qs
    rule = _RULES.get(qs.model)
    if rule is None or not user.organization_id:
        return qs.none()
    return rule(user, qs)


def get_for_user(user, model_or_qs, **lookup) -> Model:
    try:
        return visible(user, model_or_qs).get(**lookup)
    except (visible(user, model_or_qs).model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def is_visible(user, obj: Model) -> bool:
    return visible(user, type(obj)).filter(pk=obj.pk).exists()


def is_supervisor(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.kind in SUPERVISORS)


def granted_q(user, model: type[Model], perm: str, *, field: str = "pk") -> Q:
    """Q matching objects granted to ``user`` or its organisation's users via guardian direct-FK tables.

    The owning app declares ``<Model>UserObjectPermission(UserObjectPermissionBase)`` with
    ``content_object = ForeignKey(Model)``; guardian then stores grants in that table (indexed FK, no generic
    relation scan on big tables).
    """
    from guardian.shortcuts import get_objects_for_user

    ids = get_objects_for_user(user, perm, klass=model, accept_global_perms=False, with_superuser=False)
    return Q(**{f"{field}__in": ids.values("pk")})


# --- rules for this app's own models -------------------------------------------------------------------------


@audience(Organization)
def _organizations(user: User, qs: QuerySet) -> QuerySet:
    # Names of the parties are not secret: everyone needs to pick an insurer or company from a list.
    return qs


@audience(User)
def _users(user: User, qs: QuerySet) -> QuerySet:
    return qs.filter(organization_id=user.organization_id)
