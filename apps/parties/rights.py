"""The one table of who may do what (DESIGN.md "Who uses it", rule M2).

Row visibility has one door (``access.py``); actions have this one. Each app declares, in its own ``rights.py``,

    RIGHTS = {
        Role.INSURER_STAFF: ["policies.view_policy", "policies.add_policy", ...],
        SYSTEM: ["policies.change_policy"],      # what the platform's own jobs may do (see SystemActor)
    }

and this module collects them (``table()``) and is the only door to them:

* ``require(actor, perm, message)`` — raise ``PermissionDeniedError`` unless the actor holds ``perm``; every
  service calls it (or ``may``) with the actor it was given. There is no "no actor" and no flag that skips it:
  ``actor=None`` is a programming error and raises ``TypeError``.
* ``may(actor, perm)`` — the same answer as a boolean, for views deciding what to *show*.
* ``SystemActor(job, organization=None)`` — the platform acting by itself (a periodic job, the exchange, a
  management command). It holds the rights of its organisation's role (if it acts for one) plus the ``SYSTEM``
  row, and ``audit_record`` writes its job name into the audit event with no user.
* ``apply()`` — make every role group hold exactly the permissions of the table (grant what is missing, revoke
  what is not listed). It runs after every ``migrate`` (``post_migrate``, the mechanism by which Django itself
  creates permissions) and from ``manage.py rights --apply``; ``manage.py rights`` prints the whole matrix.

The table names Django model permissions (``app_label.codename``): ``view`` reads the model's pages and API (the
rows are narrowed by ``access.py``), ``add``/``change`` record and change it. Object rules that depend on *which*
row (an insurer changes only its own policies) stay in the service that owns the model, after ``require``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _

from apps.core.errors import ErrorCode as CoreErrorCode
from apps.core.errors import PermissionDeniedError

from .models import ROLE_FOR_KIND, Organization, Role

SYSTEM = "system"
"""The row of the table that holds what the platform's own jobs may do (beyond any organisation's role)."""

ROWS = [*Role.values, SYSTEM]


@cache
def table() -> dict[str, frozenset[str]]:
    """Role (or ``SYSTEM``) → the permissions every app's ``rights.py`` grants it, merged."""
    merged: dict[str, set[str]] = {row: set() for row in ROWS}
    for module in _modules():
        for row, perms in module.RIGHTS.items():
            if row not in merged:
                raise RuntimeError(f"{module.__name__}: unknown role {row!r} in RIGHTS")
            for perm in perms:
                if perm.count(".") != 1:
                    raise RuntimeError(f"{module.__name__}: {perm!r} is not 'app_label.codename'")
                merged[row].add(perm)
    return {row: frozenset(perms) for row, perms in merged.items()}


def _modules():
    import sys

    from django.apps import apps

    autodiscover_modules("rights")
    for config in apps.get_app_configs():
        module = sys.modules.get(f"{config.name}.rights")
        if module is not None and hasattr(module, "RIGHTS"):
            yield module


def rights_of(role: str | None) -> frozenset[str]:
    return table().get(role or "", frozenset())


# --- the actors ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SystemActor:
    """The platform acting by itself, named by its job (``"clock_sweep"``, ``"exchange.ingest"``, …).

    ``organization`` is the party on whose behalf it acts, when there is one (a lead pushed in the regulator's
    inbox by the platform's routing acts for the regulator); its rights are then that party's role row plus the
    ``SYSTEM`` row. It is audited as itself: no user, the job name in ``AuditEvent.system_job``.
    """

    job: str
    organization: Organization | None = None
    pk: None = field(default=None, init=False)
    id: None = field(default=None, init=False)
    is_authenticated = True
    is_active = True
    is_superuser = False
    is_staff = False
    is_system = True

    def __post_init__(self):
        if not self.job:
            raise ValueError("a system actor names its job")

    @property
    def system_job(self) -> str:
        return self.job

    @property
    def organization_id(self):
        return self.organization.pk if self.organization is not None else None

    @property
    def kind(self) -> str | None:
        return self.organization.kind if self.organization is not None else None

    @property
    def role(self) -> str | None:
        return ROLE_FOR_KIND.get(self.kind) if self.kind else None

    @property
    def username(self) -> str:
        return f"system:{self.job}"

    def has_perm(self, perm: str, obj=None) -> bool:
        return perm in rights_of(SYSTEM) or perm in rights_of(self.role)

    def has_perms(self, perms: Iterable[str], obj=None) -> bool:
        return all(self.has_perm(p) for p in perms)

    def get_all_permissions(self, obj=None) -> set[str]:
        return set(rights_of(SYSTEM) | rights_of(self.role))

    def __str__(self) -> str:
        return _("平台作业：%(job)s") % {"job": self.job}


def _check_actor(actor) -> None:
    if actor is None:
        raise TypeError("every service is called with an explicit actor; the platform acts as a SystemActor")


def may(actor, perm: str) -> bool:
    """Whether ``actor`` (a user or a ``SystemActor``) holds ``perm`` by the table."""
    _check_actor(actor)
    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_active", False):
        return False
    if isinstance(actor, SystemActor):
        return actor.has_perm(perm)
    if actor.is_superuser:
        return True
    # an account of a deactivated organisation has no rights (sessions are also ended by ActiveAccountMiddleware)
    if actor.organization_id is None or not actor.organization.is_active:
        return False
    return actor.has_perm(perm)


def require(actor, perm: str, message: str | None = None) -> None:
    """Raise ``PermissionDeniedError`` (HTTP 403, ``message`` shown to the user) unless ``actor`` holds ``perm``."""
    if not may(actor, perm):
        raise PermissionDeniedError(message or _("您没有执行此操作的权限。"), code=CoreErrorCode.PERMISSION_DENIED)


# --- applying the table ----------------------------------------------------------------------------------------


def apply(*, verbosity: int = 1, stdout=None) -> dict[str, tuple[int, int]]:
    """Make each role group hold exactly its row of the table. Returns role → (granted, revoked)."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission
    from django.db import transaction

    for config in global_apps.get_app_configs():
        create_permissions(config, verbosity=0)
    wanted_all = {p for row in Role.values for p in rights_of(row)} | set(rights_of(SYSTEM))
    known = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.values_list("pk", "content_type__app_label", "codename")
    }
    unknown = sorted(wanted_all - known.keys())
    if unknown:
        raise RuntimeError(f"the rights table names permissions that do not exist: {', '.join(unknown)}")
    result = {}
    with transaction.atomic():
        for role in Role.values:
            group, _created = Group.objects.get_or_create(name=role)
            wanted = {known[p] for p in rights_of(role)}
            held = set(group.permissions.values_list("pk", flat=True))
            if wanted != held:
                group.permissions.set(wanted)
            result[role] = (len(wanted - held), len(held - wanted))
            if verbosity >= 2 and stdout is not None and result[role] != (0, 0):
                stdout.write(f"rights: {role} +{result[role][0]} -{result[role][1]}\n")
    return result


def apply_after_migrate(sender, *, using="default", verbosity=1, plan=None, **kwargs) -> None:
    """``post_migrate`` receiver (connected for the parties app only, so it runs once per ``migrate``)."""
    if using != "default":
        return
    apply(verbosity=verbosity)


def matrix() -> list[tuple[str, dict[str, bool]]]:
    """Every permission of the table, with which rows hold it: [(perm, {row: bool})], sorted by permission."""
    t = table()
    perms = sorted({p for held in t.values() for p in held})
    return [(perm, {row: perm in t[row] for row in ROWS}) for perm in perms]


def matrix_text() -> str:
    """The whole table as text, one line per permission, a column per role (✓ held, · not held)."""
    short = {
        Role.TRANSPORT_OFFICER: "交通", Role.REGULATOR_STAFF: "监管", Role.INSURANCE_ASSOCIATION_STAFF: "保协",
        Role.TAXI_ASSOCIATION_STAFF: "出协", Role.TAXI_COMPANY_STAFF: "企业", Role.INSURER_STAFF: "保司",
        Role.PLATFORM_ADMIN: "运维", SYSTEM: "系统",
    }
    rows = matrix()
    width = max((len(p) for p, _held in rows), default=10)
    lines = [" " * width + "  " + "  ".join(short[r] for r in ROWS)]
    for perm, held in rows:
        lines.append(perm.ljust(width) + "  " + "  ".join(" ✓  " if held[r] else " ·  " for r in ROWS).rstrip())
    return "\n".join(lines) + "\n"


# --- this app's rows, and the kernel's (apps.core has no roles of its own) ------------------------------------------

_EVERYONE = ["parties.view_organization", "core.view_deadline"]
RIGHTS = {
    Role.TRANSPORT_OFFICER: [*_EVERYONE, "parties.view_user"],
    # The regulator and the insurance association read the audit trail of what they supervise.
    Role.REGULATOR_STAFF: [*_EVERYONE, "parties.view_user", "core.view_auditevent"],
    Role.INSURANCE_ASSOCIATION_STAFF: [*_EVERYONE, "parties.view_user", "core.view_auditevent"],
    Role.TAXI_ASSOCIATION_STAFF: [*_EVERYONE, "parties.view_user"],
    Role.TAXI_COMPANY_STAFF: [*_EVERYONE, "parties.view_user"],
    Role.INSURER_STAFF: [*_EVERYONE, "parties.view_user"],
    # The operator administers organisations, accounts, API keys and the work calendar.
    Role.PLATFORM_ADMIN: [
        *_EVERYONE, "core.view_auditevent", "core.add_workcalendarday", "core.change_workcalendarday",
        "core.delete_workcalendarday", "core.add_workcalendaryear", "core.change_workcalendaryear",
        "parties.add_organization", "parties.change_organization", "parties.view_user", "parties.add_user",
        "parties.change_user", "parties.view_apikey", "parties.add_apikey", "parties.change_apikey",
    ],
    # The demo seeder and the city generator register the parties and their accounts as the platform.
    SYSTEM: ["parties.add_organization", "parties.add_user"],
}
