"""The figures of the dashboards and of the joint report, each read through the access module or the owning app's
own selector (the rescission compliance table, the claims SLA table), for a user and a period of whole months.

Every function takes the reader first: what it returns is what that reader's audience holds — an insurer's figures
are its own, a taxi company's its own, the supervisors' city-wide (DESIGN.md "Who uses it", rules M2, M3).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, DateField, F, Max, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.claims.selectors import sla_table, withdrawn_clocks_q
from apps.complaints.models import Complaint, Finding, Hotline
from apps.complaints.models import Status as ComplaintStatus
from apps.complaints.services import breached_complaint_ids
from apps.core import subjects
from apps.core.deadlines import SHANGHAI, end_of_day
from apps.core.models import Deadline
from apps.credit.models import ActionKind, SupervisoryAction
from apps.leads.models import Direction, LawfulListRun, Lead, Outcome, Penalty, ScreeningFinding
from apps.parties import access
from apps.parties.models import OrganizationKind
from apps.rescissions.access import is_watcher
from apps.rescissions.models import DECIDED_STATUSES, OPEN_STATUSES, RescissionCase
from apps.rescissions.models import Status as CaseStatus
from apps.rescissions.selectors import ComplianceRow, Epoch, Median, compliance_rows

from .periods import Period


def audience_open(user, model) -> bool:
    """Whether the access module gives ``user`` any of ``model`` at all (False: its rule answers ``none()``)."""
    return not access.visible(user, model).query.is_empty()


# --- the lead funnel (rules M4, M5, M8) ----------------------------------------------------------------------


@dataclass
class FunnelRow:
    """Leads identified in ``month`` (by the day they were raised) and how far they have come since."""

    month: dt.date
    direction: str
    identified: int = 0
    verified: int = 0
    checked: int = 0
    confirmed: int = 0
    dismissed: int = 0
    disposed: int = 0

    @property
    def direction_label(self) -> str:
        return str(Direction(self.direction).label)

    @property
    def closed_rate(self) -> float | None:
        return round(100 * self.disposed / self.identified, 1) if self.identified else None


FUNNEL_STAGES = (
    ("identified", gettext_lazy("发现")), ("verified", gettext_lazy("已核验")),
    ("checked", gettext_lazy("已线下核查")), ("disposed", gettext_lazy("已处置")),
)


def lead_funnel(user, period: Period) -> list[FunnelRow]:
    """Per month and direction: leads raised, then verified (insurance checked on receipt), checked offline
    (confirmed or dismissed) and disposed (the loop closed, rule M4). Zero-filled for every month and direction."""

    qs = access.visible(user, Lead).filter(created_at__gte=period.start, created_at__lt=period.end)
    figures = {
        (r["month"], r["direction"]): r for r in qs.annotate(
            month=TruncMonth("created_at", tzinfo=SHANGHAI, output_field=DateField()),
        ).values("month", "direction").annotate(
            identified=Count("id"),
            verified=Count("id", filter=Q(verified_at__isnull=False)),
            checked=Count("id", filter=Q(checked_at__isnull=False)),
            confirmed=Count("id", filter=Q(outcome=Outcome.CONFIRMED)),
            dismissed=Count("id", filter=Q(outcome=Outcome.DISMISSED)),
            disposed=Count("id", filter=Q(disposed_at__isnull=False)),
        ).order_by()
    }
    rows = []
    for month in period.months:
        for direction in Direction.values:
            f = figures.get((month, direction), {})
            rows.append(FunnelRow(month, direction, **{k: f.get(k, 0) for k in (
                "identified", "verified", "checked", "confirmed", "dismissed", "disposed")}))
    return rows


# --- rescission timeliness per insurer (rules M12, J5) ------------------------------------------------------


def rescission_timeliness(user, period: Period) -> list:
    """Per insurer: cases opened in the period (by the day the insurer knew), decided in time, late, open, lapsed.

    The regulator and the insurance association get the rescissions app's own compliance table; an insurer gets
    its own row only (same definitions, over the cases in its audience)."""

    if is_watcher(user):
        return compliance_rows(user, date_from=period.start_date, date_to=period.end_date)
    if getattr(user, "kind", None) == OrganizationKind.INSURER:
        return [_own_compliance_row(user, period)]
    return []


def _own_compliance_row(user, period: Period):
    """The insurer's own row of the compliance table (apps.rescissions.selectors.compliance_rows only answers the
    watchers), with the same counts over the cases the access module gives the insurer."""
    from django.db.models import DurationField, ExpressionWrapper

    qs = access.visible(user, RescissionCase).filter(known_at__gte=period.start, known_at__lt=period.end)
    duration = ExpressionWrapper(F("decided_at") - F("known_at"), output_field=DurationField())
    decided = Q(status__in=DECIDED_STATUSES)
    f = qs.aggregate(
        opened=Count("id"),
        open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        decided=Count("id", filter=decided),
        decided_in_time=Count("id", filter=decided & Q(decision_recorded_at__lte=F("deadline_at"))),
        lapsed=Count("id", filter=Q(status=CaseStatus.LAPSED)),
        rescinded=Count("id", filter=Q(status=CaseStatus.RESCINDED)),
        median_seconds=Median(Epoch(duration), filter=decided),
    )
    seconds = f.pop("median_seconds")
    return ComplianceRow(insurer=user.organization, **f,
                         median_days=round(seconds / 86400, 1) if seconds is not None else None)


# --- claims service levels per insurer (rules M13, J11) -----------------------------------------------------


def claims_sla(user, period: Period) -> list:
    """The claims app's SLA table for clocks started in the period (an insurer: its own row; the taxi
    association and the supervisors of claims: every insurer's)."""

    return sla_table(user=user, start=period.start_date, end=period.end_date)


# --- complaints (rule M16) ----------------------------------------------------------------------------------


IN_PROGRESS = "in_progress"


@dataclass
class ComplaintSummary:
    hotline: str
    received: int = 0
    in_progress: int = 0
    resolved: int = 0
    feedback_given: int = 0
    feedback_late: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)  # finding (or IN_PROGRESS / "") → count

    @property
    def hotline_label(self) -> str:
        return str(Hotline(self.hotline).label)


def outcome_label(outcome: str) -> str:
    if outcome == IN_PROGRESS:
        return _("办理中")
    if outcome in Finding.values:
        return str(Finding(outcome).label)
    return _("已办结（未填结论）")


def outcome_keys() -> list[str]:
    return [*Finding.values, "", IN_PROGRESS]


def complaint_summary(user, period: Period) -> list[ComplaintSummary]:
    """Per hotline, reports received in the period: how many are still in progress, resolved (by finding),
    answered to the reporter, and answered after the feedback deadline (rule M16). Only hotlines with reports."""

    qs = access.visible(user, Complaint).filter(received_at__gte=period.start, received_at__lt=period.end)
    done = (ComplaintStatus.RESOLVED, ComplaintStatus.FEEDBACK_GIVEN)
    by_hotline: dict[str, ComplaintSummary] = {}
    for hotline, status, finding, n in qs.values_list("hotline", "status", "finding").annotate(n=Count("id")).order_by():
        row = by_hotline.setdefault(hotline, ComplaintSummary(hotline))
        row.received += n
        if status in done:
            row.resolved += n
            row.outcomes[finding or ""] = row.outcomes.get(finding or "", 0) + n
        else:
            row.in_progress += n
            row.outcomes[IN_PROGRESS] = row.outcomes.get(IN_PROGRESS, 0) + n
        if status == ComplaintStatus.FEEDBACK_GIVEN:
            row.feedback_given += n
    # the 12328 feedback clock (M16) or a 12378 handling period's clock (T4)
    late = qs.filter(pk__in=breached_complaint_ids(access.visible(user, Deadline)))
    for hotline, n in late.values_list("hotline").annotate(n=Count("id")).order_by():
        by_hotline[hotline].feedback_late = n
    return [by_hotline[h] for h in sorted(by_hotline)]


# --- lawful-list screening findings (rule M6) ---------------------------------------------------------------


@dataclass
class ScreeningRow:
    """Vehicles found by the screenings of the lawful operating list run in ``month`` (distinct vehicles)."""

    month: dt.date
    runs: int | None = None  # lists screened (None: the reader does not see the lists themselves)
    listed: int | None = None  # most vehicles on one list that month
    non_operating: int = 0
    uninsured: int = 0
    vehicles: int = 0


def screening_over_time(user, period: Period) -> list[ScreeningRow]:
    Kind = ScreeningFinding.Kind
    findings = access.visible(user, ScreeningFinding).filter(
        run__listed_on__gte=period.start_date, run__listed_on__lte=period.end_date)
    per_kind = {
        (r["month"], r["kind"]): r["n"] for r in findings.annotate(month=TruncMonth("run__listed_on"))
        .values("month", "kind").annotate(n=Count("vehicle", distinct=True)).order_by()
    }
    per_month = dict(findings.annotate(month=TruncMonth("run__listed_on")).values("month")
                     .annotate(n=Count("vehicle", distinct=True)).order_by().values_list("month", "n"))
    runs = {
        r["month"]: r for r in access.visible(user, LawfulListRun).filter(
            listed_on__gte=period.start_date, listed_on__lte=period.end_date,
        ).annotate(month=TruncMonth("listed_on")).values("month").annotate(
            runs=Count("id"), listed=Max("vehicle_count")).order_by()
    }
    sees_runs = audience_open(user, LawfulListRun)
    rows = []
    for month in period.months:
        r = runs.get(month, {})
        rows.append(ScreeningRow(
            month=month,
            runs=r.get("runs", 0) if sees_runs else None,
            listed=r.get("listed") or 0 if sees_runs else None,
            non_operating=per_kind.get((month, Kind.INSURED_AS_NON_OPERATING), 0),
            uninsured=per_kind.get((month, Kind.UNINSURED), 0),
            vehicles=per_month.get(month, 0),
        ))
    return rows


@dataclass
class ScreeningInsurerRow:
    insurer: str
    non_operating: int = 0


def screening_by_insurer(user, period: Period) -> list[ScreeningInsurerRow]:
    """Vehicles on the lawful list insured as non-operating, per insurer of the policy (rule M6, M8)."""

    rows = (access.visible(user, ScreeningFinding)
            .filter(run__listed_on__gte=period.start_date, run__listed_on__lte=period.end_date,
                    kind=ScreeningFinding.Kind.INSURED_AS_NON_OPERATING, insurer__isnull=False)
            .values("insurer__name", "insurer__short_name").annotate(n=Count("vehicle", distinct=True))
            .order_by("-n", "insurer__name"))
    return [ScreeningInsurerRow(r["insurer__short_name"] or r["insurer__name"], r["n"]) for r in rows]


# --- sanctions (rules M14, M15, M17) ------------------------------------------------------------------------

TRANSPORT_PENALTY = "transport_penalty"


def sanction_kinds() -> list[tuple[str, str]]:
    return [*((k, str(label)) for k, label in ActionKind.choices), (TRANSPORT_PENALTY, _("交通运输行政处罚决定"))]


@dataclass
class SanctionRow:
    month: dt.date
    counts: dict[str, int] = field(default_factory=dict)  # sanction kind → number issued

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def sanctions_over_time(user, period: Period) -> list[SanctionRow]:
    """Supervisory actions issued (recorded) per month and kind, and transport's penalty decisions by the month
    they were decided (rules M7, M15)."""

    counts: dict[tuple[dt.date, str], int] = defaultdict(int)
    for month, kind, n in (
        access.visible(user, SupervisoryAction).filter(created_at__gte=period.start, created_at__lt=period.end)
        .annotate(month=TruncMonth("created_at", tzinfo=SHANGHAI, output_field=DateField()))
        .values_list("month", "kind").annotate(n=Count("id")).order_by()
    ):
        counts[(month, kind)] += n
    for month, n in (
        access.visible(user, Penalty).filter(decided_on__gte=period.start_date, decided_on__lte=period.end_date)
        .annotate(month=TruncMonth("decided_on")).values_list("month").annotate(n=Count("id")).order_by()
    ):
        counts[(month, TRANSPORT_PENALTY)] += n
    keys = [k for k, _label in sanction_kinds()]
    return [SanctionRow(month, {k: counts.get((month, k), 0) for k in keys}) for month in period.months]


def sanctions_issued(user, period: Period):
    """The supervisory actions recorded in the period, with their target and issuer (organisations only)."""

    return (access.visible(user, SupervisoryAction).filter(created_at__gte=period.start, created_at__lt=period.end)
            .select_related("target", "issued_by").order_by("created_at", "id"))


def penalties_decided(user, period: Period) -> dict:
    """Transport's penalty decisions in the period: how many, on vehicles / companies, and the fines' total."""
    from django.db.models import Sum

    qs = access.visible(user, Penalty).filter(decided_on__gte=period.start_date, decided_on__lte=period.end_date)
    return qs.aggregate(
        total=Count("id"), on_vehicles=Count("id", filter=Q(vehicle__isnull=False)),
        on_companies=Count("id", filter=Q(vehicle__isnull=True)), amount=Sum("amount"),
    )


# --- what is due (the kernel's clocks, rule: every clock is a Deadline row) ---------------------------------

UNMET = (Deadline.Status.OPEN, Deadline.Status.PAUSED, Deadline.Status.BREACHED)
WHEN_CHOICES = ("breached", "today", "soon", "all", "withdrawn")


def deadlines_due(user, *, when: str = "all", scope: str = "mine", rule: str = "", now: dt.datetime | None = None):
    """Unmet clocks in the user's audience: ``breached`` (past due, recorded or not yet scanned), ``today`` (due
    before the end of today, not yet past), ``soon`` (due within DASHBOARD_DUE_SOON_DAYS) or ``all``; ``withdrawn``
    lists instead the clocks closed because their claim was withdrawn (撤案, issue 14: closed as withdrawn, visible
    to the regulator); ``scope="mine"`` keeps the clocks the user's organisation answers for, ``"others"`` the ones
    it watches."""

    from . import conf

    now = now or timezone.now()
    if when == "withdrawn":
        qs = access.visible(user, Deadline).filter(withdrawn_clocks_q())
    else:
        qs = access.visible(user, Deadline).filter(status__in=UNMET, met_at__isnull=True)
    if scope == "mine":
        qs = qs.filter(responsible_id=user.organization_id)
    elif scope == "others":
        qs = qs.exclude(responsible_id=user.organization_id)
    late = Q(status=Deadline.Status.BREACHED) | Q(due_at__lt=now)
    if when == "breached":
        qs = qs.filter(late)
    elif when == "today":
        qs = qs.exclude(late).filter(due_at__lte=end_of_day(timezone.localdate(now)))
    elif when == "soon":
        qs = qs.exclude(late).filter(due_at__lte=now + dt.timedelta(days=conf.due_soon_days()))
    if rule:
        qs = qs.filter(rule=rule)
    return qs.select_related("responsible", "content_type").order_by("due_at", "id")


def deadline_counts(user, *, now: dt.datetime | None = None) -> dict[str, int]:
    """The home page's clock figures in one query: own breached / due today / due soon; others' breached."""
    from . import conf

    now = now or timezone.now()
    org = user.organization_id
    qs = access.visible(user, Deadline).filter(status__in=UNMET, met_at__isnull=True)
    late = Q(status=Deadline.Status.BREACHED) | Q(due_at__lt=now)
    mine = Q(responsible_id=org)
    return qs.aggregate(
        breached=Count("id", filter=mine & late),
        today=Count("id", filter=mine & ~late & Q(due_at__lte=end_of_day(timezone.localdate(now)))),
        soon=Count("id", filter=mine & ~late & Q(due_at__lte=now + dt.timedelta(days=conf.due_soon_days()))),
        others_breached=Count("id", filter=~mine & late),
    )


def subject_links(user, deadlines) -> dict[int, tuple[str, str | None]]:
    """{deadline id: (label, url or None)}: each clock's subject by its business number, linked when the user may
    open it (``apps.core.subjects``; one query per kind of subject)."""

    return {pk: (s.label, s.url) for pk, s in subjects.for_deadlines(user, deadlines).items()}
