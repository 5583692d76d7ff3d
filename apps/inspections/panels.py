"""Home-page panels of the associations (rules M17, M2): the joint inspections their organisation takes part in and
the taxi association's training records — a fixed number of queries whatever the number of rows."""

from __future__ import annotations

from django.db.models import Count, Q

from apps.parties import access

from .models import Inspection, InspectionStatus, Training

PANEL_ROWS = 5


def inspections_panel(request) -> dict:
    """Inspections the user's organisation leads or joins that are not completed, the earliest start first."""
    org_id = request.user.organization_id
    qs = (access.visible(request.user, Inspection)
          .filter(Q(organizer_id=org_id) | Q(pk__in=Inspection.participants.through.objects.filter(
              organization_id=org_id).values("inspection_id")))
          .exclude(status=InspectionStatus.COMPLETED))
    return {"count": qs.count(),
            "rows": list(qs.select_related("organizer").order_by("planned_start", "id")[:PANEL_ROWS])}


def trainings_panel(request) -> dict:
    """The latest training sessions (rules M2, M17), with the number of companies that attended."""
    qs = access.visible(request.user, Training)
    return {"count": qs.count(),
            "rows": list(qs.annotate(company_count=Count("companies")).order_by("-held_on", "-id")[:PANEL_ROWS])}
