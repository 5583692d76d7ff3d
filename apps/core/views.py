from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.parties import access

from . import calendar, subjects
from .models import Deadline
from .pagination import BoundedPaginator
from .redirects import safe_next


def bad_request(request, exception=None):
    """400 page (``handler400``): the message of an ``ApplicationError`` that is also a ``BadRequest`` (a list's
    invalid page cursor), else a general one; never the text of another exception."""
    from .errors import ApplicationError

    message = exception.message if isinstance(exception, ApplicationError) else None
    return render(request, "400.html", {"message": message}, status=400)


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
    subject_of = subjects.for_deadlines(request.user, page.object_list)
    return render(request, "core/due.html", {
        "page": page, "rows": [(d, subject_of[d.pk]) for d in page.object_list], "now": now, "calendar_warnings": calendar.missing_years_warning(*sorted(years)),
    })


@login_required
def notifications(request):
    """Everything the platform told this user, newest first; unread ones highlighted."""
    from .models import Notification

    qs = Notification.objects.filter(user=request.user).order_by("-created_at", "-id")
    show = request.GET.get("show", "all")
    if show == "unread":
        qs = qs.filter(read_at__isnull=True)
    page = BoundedPaginator(qs, 50).get_page(request.GET.get("page"))  # past 10,000: by cursor
    unread = Notification.objects.filter(user=request.user, read_at__isnull=True).count()
    return render(request, "core/notifications.html", {"page": page, "show": show, "unread": unread})


@require_POST
@login_required
def notifications_mark_read(request):
    """Mark one (``id``) or all of the user's notifications read; only the user's own rows can be touched."""
    from .models import Notification

    qs = Notification.objects.filter(user=request.user, read_at__isnull=True)
    if request.POST.get("id"):
        qs = qs.filter(pk=request.POST["id"]) if request.POST["id"].isdigit() else qs.none()
    qs.update(read_at=timezone.now())
    return redirect(safe_next(request, reverse("notifications")))
