"""Home-page panels: the insurer's claims due soonest; the regulator's and association's breaches this month."""

from django.utils import timezone

from . import selectors


def due_soonest(request) -> dict:
    claims = list(selectors.claims_open_by_due(request.user)[:6])
    clock_map = selectors.clocks_for_claims(claims)
    return {"now": timezone.now(),
            "rows": [{"claim": c, "nearest": selectors.nearest_clock(clock_map[c.pk])} for c in claims]}


def breaches_this_month(request) -> dict:
    total, ranked = selectors.breaches_this_month(request.user)
    return {"total": total, "ranked": ranked}
