"""Menu entries, registered by each app in its AppConfig.ready(); the base template shows those a role may use.

Entries of the same ``group`` (one of ``GROUPS``) are shown as one drop-down menu, so a supervisor's dozen pages fit
on one line; a group a role has only one page of is shown as that page's link.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .registry import Registry

GROUPS = {
    "overview": _("看板与月报"),
    "registers": _("登记册"),  # vehicles, permits, drivers, policies, standard, premiums, imports
    "leads": _("线索"),
    "cases": _("解除与理赔"),
    "oversight": _("投诉与信用"),
    "exchange": _("数据交换与存证"),  # the batches, the signed-document check
}


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str] | None = None  # None: every signed-in user
    order: int = 100
    group: str | None = None


_ITEMS: Registry[NavItem] = Registry("navigation")  # by url_name


def register(label, url_name: str, *, roles=None, order: int = 100, group: str | None = None) -> None:
    """A menu entry, by its URL name (``apps.core.registry``: the same page twice is an error unless it is the
    same entry)."""
    if group is not None and group not in GROUPS:
        raise ValueError(f"unknown navigation group {group!r}")
    _ITEMS.register(url_name, NavItem(label, url_name, frozenset(roles) if roles else None, order, group))


def items_for(user, path: str = "") -> list[dict]:
    """The menu of ``user``: links ``{"label", "url", "active"}`` and groups ``{"label", "links", "active"}`` in
    the order of their first page."""
    if not user.is_authenticated:
        return []
    role = getattr(user, "role", None)
    entries: list[dict] = []
    groups: dict[str, dict] = {}
    for item in sorted(_ITEMS.values(), key=lambda i: i.order):
        if item.roles is not None and role not in item.roles and not user.is_superuser:
            continue
        try:
            link = {"label": item.label, "url": reverse(item.url_name), "url_name": item.url_name}
        except NoReverseMatch:
            continue
        link["active"] = link["url"] == path
        if item.group is None:
            entries.append(link)
        elif item.group in groups:
            groups[item.group]["links"].append(link)
        else:
            groups[item.group] = {"label": GROUPS[item.group], "links": [link]}
            entries.append(groups[item.group])
    for group in groups.values():
        group["active"] = any(link["active"] for link in group["links"])
    return [e["links"][0] if "links" in e and len(e["links"]) == 1 else e for e in entries]
