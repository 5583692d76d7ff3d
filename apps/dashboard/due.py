"""The first panel of every home page: the clocks the user's organisation answers for that are past due or due
soonest, each with its subject by business number, so that what must be done first is seen first (also on a
phone, before the numbers and the other panels)."""

from __future__ import annotations

from django.utils import timezone

from . import selectors

DUE_PANEL_ROWS = 5


def due_panel(user, *, limit: int = DUE_PANEL_ROWS) -> dict:
    """``{"rows": [...], "counts": {...}, "more": n}``: the organisation's unmet clocks, past due first, then the
    nearest (rows as the 时限清单 shows them)."""
    from .views import _deadline_row

    now = timezone.now()
    counts = selectors.deadline_counts(user, now=now)
    qs = selectors.deadlines_due(user, when="all", scope="mine", now=now)
    deadlines = list(qs[:limit])
    links = selectors.subject_links(user, deadlines)
    total = qs.count() if len(deadlines) == limit else len(deadlines)
    return {
        "rows": [_deadline_row(d, links.get(d.pk), now) for d in deadlines],
        "counts": counts,
        "more": max(total - len(deadlines), 0),
        "now": now,
    }
