"""Menu entries, registered by each app in its AppConfig.ready(); the base template shows those a role may use."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str] | None = None  # None: every signed-in user
    order: int = 100


_ITEMS: list[NavItem] = []


def register(label, url_name: str, *, roles=None, order: int = 100) -> None:
    item = NavItem(label, url_name, frozenset(roles) if roles else None, order)
    if item.url_name not in {i.url_name for i in _ITEMS}:
        _ITEMS.append(item)


def items_for(user) -> list[dict]:
    if not user.is_authenticated:
        return []
    role = getattr(user, "role", None)
    result = []
    for item in sorted(_ITEMS, key=lambda i: i.order):
        if item.roles is not None and role not in item.roles and not user.is_superuser:
            continue
        try:
            result.append({"label": item.label, "url": reverse(item.url_name), "url_name": item.url_name})
        except NoReverseMatch:
            continue
    return result
