"""Home-page panels: an insurer's cases due soon; the regulator's and association's overview."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Min
from django.utils import timezone

from . import conf
from .clock import Clock
from .models import Status
from .selectors import case_list, compliance_rows, row_css

PANEL_ROWS = 6


def insurer_panel(request) -> dict:
    now = timezone.now()
    cases = list(case_list(request.user, state="open")[:200])
    rows = [{"case": c, "css": row_css(c, now), "days_left": Clock(c.known_at).days_left(now)} for c in cases]
    return {
        "rows": rows[:PANEL_ROWS],
        "open_count": len(rows),
        "warn_count": sum(1 for r in rows if r["css"] == "warn"),
        "bad_count": sum(1 for r in rows if r["css"] == "bad"),
    }


def watcher_panel(request) -> dict:
    now = timezone.now()
    rows = compliance_rows(request.user)
    since = now - dt.timedelta(days=30)
    recent_lapsed = case_list(request.user, state="all", status=Status.LAPSED).filter(lapsed_at__gte=since).count()
    return {
        "open_count": sum(r.open for r in rows),
        "lapsed_count": sum(r.lapsed for r in rows),
        "recent_lapsed": recent_lapsed,
        "worst": sorted([r for r in rows if r.lapsed], key=lambda r: -r.lapsed)[:5],
    }


def lapsing_panel(request) -> dict:
    """The regulator's home (rules M12, J5): open cases whose decision clock is due within
    ``RESCISSION_LAPSING_PANEL_DAYS`` days (or already past due), by insurer, soonest first — one query whatever
    the number of cases or insurers."""
    days = conf.lapsing_panel_days()
    qs = case_list(request.user, state="open", due_within_days=days).order_by()
    groups = list(qs.values("insurer_id", "insurer__name")
                  .annotate(count=Count("id"), first_due=Min("deadline_at"))
                  .order_by("first_due", "insurer__name"))
    return {"days": days, "groups": groups, "total": sum(g["count"] for g in groups)}
