"""Reads of joint inspections and training: list pages (a fixed number of queries whatever the number of rows)
and the monthly joint report's section (rule M17)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Prefetch, Q, Sum
from django.utils import timezone

from apps.core.models import Deadline
from apps.parties import access

from .models import (
    Conclusion,
    Inspection,
    InspectionFinding,
    InspectionNotice,
    NoticeStatus,
    RectificationResult,
    Training,
)
from .services import RECTIFICATION_RULE


def inspections_for(user):
    """The inspections ``user`` sees, with what the list shows (organiser, parties, counts) joined or prefetched;
    an inspected party's counts are of its own finding and notice only."""
    findings = access.visible(user, InspectionFinding)
    notices = access.visible(user, InspectionNotice)
    return access.visible(user, Inspection).select_related("organizer").prefetch_related(
        "participants", "inspected_parties",
    ).annotate(
        finding_count=Count("findings", filter=Q(findings__in=findings.values("pk")), distinct=True),
        problem_count=Count("findings", filter=Q(findings__in=findings.filter(
            conclusion=Conclusion.PROBLEMS_FOUND).values("pk")), distinct=True),
        notice_count=Count("notices", filter=Q(notices__in=notices.values("pk")), distinct=True),
    )


def notices_for(user):
    return access.visible(user, InspectionNotice).select_related("inspection", "party", "issued_by")


def deadlines_of(notices) -> dict[str, Deadline]:
    """Rectification clocks of ``notices`` by notice id (one query)."""
    notices = list(notices)
    if not notices:
        return {}
    ct = ContentType.objects.get_for_model(InspectionNotice)
    return {d.object_id: d for d in Deadline.objects.filter(
        rule=RECTIFICATION_RULE, content_type=ct, object_id__in=[str(n.pk) for n in notices])}


def trainings_for(user):
    return access.visible(user, Training).select_related("organizer").prefetch_related(
        Prefetch("companies"))


# --- the monthly joint report (rule M17) ----------------------------------------------------------------------


@dataclass
class InspectionRow:
    number: str
    scope: str
    organizer: str
    planned_start: object
    planned_end: object
    status_label: str
    inspected: int
    problems: int


@dataclass
class TrainingRow:
    number: str
    held_on: object
    topic: str
    companies: int
    drivers: int


@dataclass
class MonthSummary:
    inspections_planned: int = 0
    parties_inspected: int = 0
    parties_with_problems: int = 0
    notices_issued: int = 0
    notices_closed_rectified: int = 0
    notices_closed_not_rectified: int = 0
    notices_open_now: int = 0
    notices_overdue_now: int = 0
    trainings: int = 0
    training_drivers: int = 0
    training_companies: int = 0
    inspection_rows: list = field(default_factory=list)
    training_rows: list = field(default_factory=list)


def month_summary(reader, period) -> MonthSummary:
    """Counts for the month ``period`` (an aware [start, end) span): inspections planned to start, parties
    inspected and found with problems, notices issued and closed (by result), open and overdue notices now,
    training sessions held with the companies and drivers they reached. No person's name, no text of a finding."""
    start_day, last_day = period.start_date, period.end_date
    s = MonthSummary()
    inspections = access.visible(reader, Inspection)
    findings = access.visible(reader, InspectionFinding).filter(inspected_on__gte=start_day, inspected_on__lte=last_day)
    notices = access.visible(reader, InspectionNotice)
    planned = inspections.filter(planned_start__gte=start_day, planned_start__lte=last_day).select_related(
        "organizer").annotate(
        n_inspected=Count("inspected_parties", distinct=True),
        n_problems=Count("findings", filter=Q(findings__conclusion=Conclusion.PROBLEMS_FOUND), distinct=True),
    ).order_by("planned_start", "pk")
    s.inspection_rows = [InspectionRow(i.number, i.scope[:60], i.organizer.short_name or i.organizer.name,
                                       i.planned_start, i.planned_end, i.get_status_display(), i.n_inspected,
                                       i.n_problems) for i in planned]
    s.inspections_planned = len(s.inspection_rows)
    s.parties_inspected = findings.count()
    s.parties_with_problems = findings.filter(conclusion=Conclusion.PROBLEMS_FOUND).count()
    s.notices_issued = notices.filter(issued_at__gte=period.start, issued_at__lt=period.end).count()
    closed = notices.filter(closed_at__gte=period.start, closed_at__lt=period.end)
    s.notices_closed_rectified = closed.filter(result=RectificationResult.RECTIFIED).count()
    s.notices_closed_not_rectified = closed.filter(result=RectificationResult.NOT_RECTIFIED).count()
    open_notices = notices.exclude(status=NoticeStatus.CLOSED)
    s.notices_open_now = open_notices.count()
    ct = ContentType.objects.get_for_model(InspectionNotice)
    s.notices_overdue_now = Deadline.objects.filter(
        rule=RECTIFICATION_RULE, content_type=ct, met_at__isnull=True, due_at__lt=timezone.now(),
        object_id__in=[str(pk) for pk in open_notices.values_list("pk", flat=True)]).count()
    trainings = access.visible(reader, Training).filter(held_on__gte=start_day, held_on__lte=last_day)
    rows = trainings.annotate(n_companies=Count("companies", distinct=True)).order_by("held_on", "pk")
    s.training_rows = [TrainingRow(t.number, t.held_on, t.topic, t.n_companies, t.drivers_count) for t in rows]
    s.trainings = len(s.training_rows)
    s.training_drivers = trainings.aggregate(n=Sum("drivers_count"))["n"] or 0
    s.training_companies = Training.companies.through.objects.filter(
        training__in=trainings.values("pk")).values("organization_id").distinct().count()
    return s
