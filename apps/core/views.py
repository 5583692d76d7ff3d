from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from apps.parties import access

from . import calendar
from .models import Deadline


@login_required
def due(request):
    """What is due: open clocks in the user's audience, nearest first; breached ones stay listed until met."""
    qs = (
        access.visible(request.user, Deadline)
        .filter(status__in=[Deadline.Status.OPEN, Deadline.Status.PAUSED, Deadline.Status.BREACHED], met_at__isnull=True)
        .select_related("responsible", "content_type")
        .order_by("due_at")
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    now = timezone.now()
    # Warn about the current year, and about every year a listed clock had to count Monday–Friday in.
    years = {timezone.localdate(now).year}
    years |= set(qs.filter(used_fallback_calendar=True).order_by().values_list("due_at__year", flat=True).distinct())
    return render(request, "core/due.html", {
        "page": page, "now": now, "calendar_warnings": calendar.missing_years_warning(*sorted(years)),
    })
