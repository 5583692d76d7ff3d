"""Home-page panels, registered by each app: the home page shows the panels of the user's role."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from apps.parties.models import Role

from .registry import Registry


@dataclass(frozen=True)
class Panel:
    key: str
    template: str
    context: Callable  # (request) -> dict
    roles: frozenset[str] | None
    order: int


_PANELS: Registry[Panel] = Registry("home panels")


def register(key: str, template: str, context: Callable, *, roles=None, order: int = 100) -> None:
    """A panel of the home page (``apps.core.registry``: the same key twice is an error unless it is the same panel)."""
    _PANELS.register(key, Panel(key, template, context, frozenset(roles) if roles else None, order))


def panels_for(request) -> list[dict]:
    """The panels registered for the user's role. A superuser of no organisation is the platform operator
    (``platform_admin``); superusers get their own role's panels, not every role's (not e.g. a credit file of
    the platform itself)."""

    user = request.user
    role = user.role or (Role.PLATFORM_ADMIN.value if user.is_superuser else None)
    out = []
    for panel in sorted(_PANELS.values(), key=lambda p: p.order):
        if panel.roles is not None and role not in panel.roles:
            continue
        out.append({"key": panel.key, "template": panel.template, **panel.context(request)})
    return out
