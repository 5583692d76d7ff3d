"""Reads of the claims app: claim lists ordered by their nearest clock, a claim's clocks, the service-level (SLA)
table computed in SQL (rule M13, J11), and the breaches behind it."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import CharField, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast, Least
from django.utils import timezone

from apps.core.deadlines import SHANGHAI
from apps.core.models import Deadline
from apps.parties import access
from apps.parties.models import Organization, OrganizationKind

from . import clocks
from .access import SLA_READERS
from .models import Claim, ClaimProgressNotice

RUNNING = (Deadline.Status.OPEN, Deadline.Status.BREACHED)


# --- claims and their clocks ----------------------------------------------------------------------------------


def _unmet_clocks() -> QuerySet:
    return Deadline.objects.filter(met_at__isnull=True, status__in=RUNNING)


def with_next_due(qs: QuerySet) -> QuerySet:
    """Annotate ``next_due``: the due instant of the claim's nearest unmet clock (breached ones included)."""
    claim_ct, notice_ct = clocks.claim_content_type(), clocks.notice_content_type()
    own = Subquery(
        _unmet_clocks().filter(content_type=claim_ct, object_id=Cast(OuterRef("pk"), CharField()))
        .order_by("due_at").values("due_at")[:1]
    )
    open_period = ClaimProgressNotice.objects.filter(claim=OuterRef(OuterRef("pk")), sent_at__isnull=True).values("pk")[:1]
    progress = Subquery(
        _unmet_clocks().filter(content_type=notice_ct, object_id=Cast(Subquery(open_period), CharField()))
        .values("due_at")[:1]
    )
    # PostgreSQL's LEAST ignores NULLs: a claim without a progress clock gets its own nearest clock.
    return qs.annotate(next_due=Least(own, progress))


def claims_for_user(user, *, open_only: bool = False, filters: dict | None = None) -> QuerySet:
    qs = access.visible(user, Claim).select_related("insurer", "vehicle", "policy")
    filters = filters or {}
    if open_only:
        qs = qs.filter(closed_at__isnull=True)
    if filters.get("insurer"):
        qs = qs.filter(insurer_id=filters["insurer"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("flagged"):
        qs = qs.filter(operating_flag=True)
    if filters.get("q"):
        q = filters["q"].strip()
        qs = qs.filter(Q(number__icontains=q) | Q(vehicle__plate__icontains=q.upper()))
    return qs


def order_by_due(qs: QuerySet) -> QuerySet:
    """Nearest deadline first (overdue ones on top); claims with no running clock last."""
    return with_next_due(qs).order_by(F("next_due").asc(nulls_last=True), "-reported_at", "-id")


def claims_open_by_due(user) -> QuerySet:
    """The insurer's work list: its open claims, nearest deadline first."""
    return order_by_due(claims_for_user(user, open_only=True))


def withdrawn_clocks_q() -> Q:
    """The clocks closed because their claim was withdrawn (撤案): cancelled clocks of a withdrawn claim or of one of
    its progress notices. Pages show them as 因撤案终止 (issue 14: never a bare 已撤销)."""
    claim_ct, notice_ct = clocks.claim_content_type(), clocks.notice_content_type()
    claim_ids = Claim.objects.filter(withdrawn_at__isnull=False).annotate(
        key=Cast("pk", CharField())).values("key")
    notice_ids = ClaimProgressNotice.objects.filter(claim__withdrawn_at__isnull=False).annotate(
        key=Cast("pk", CharField())).values("key")
    return Q(status=Deadline.Status.CANCELLED) & (
        Q(content_type=claim_ct, object_id__in=claim_ids) | Q(content_type=notice_ct, object_id__in=notice_ids))


def closed_as_withdrawn(deadlines) -> set[int]:
    """Of ``deadlines`` (any rules), the ids of those closed because their claim was withdrawn — one query."""
    claim_ct, notice_ct = clocks.claim_content_type(), clocks.notice_content_type()
    ids = [d.pk for d in deadlines if d.status == Deadline.Status.CANCELLED
           and d.content_type_id in (claim_ct.pk, notice_ct.pk)]
    if not ids:
        return set()
    return set(Deadline.objects.filter(withdrawn_clocks_q(), pk__in=ids).values_list("pk", flat=True))


def claim_clocks(claim: Claim) -> list[Deadline]:
    """Every clock of a claim, including its progress-notice periods, in order of start."""
    return clocks_for_claims([claim])[claim.pk]


def clocks_for_claims(claims) -> dict[int, list[Deadline]]:
    claims = list(claims)
    result: dict[int, list[Deadline]] = {c.pk: [] for c in claims}
    if not claims:
        return result
    claim_ct, notice_ct = clocks.claim_content_type(), clocks.notice_content_type()
    notice_claim = dict(
        ClaimProgressNotice.objects.filter(claim__in=claims).values_list("pk", "claim_id")
    )
    deadlines = Deadline.objects.filter(
        content_type=claim_ct, object_id__in=[str(c.pk) for c in claims]
    ) | Deadline.objects.filter(content_type=notice_ct, object_id__in=[str(pk) for pk in notice_claim])
    for deadline in deadlines.prefetch_related("pauses").order_by("starts_at", "id"):
        if deadline.content_type_id == claim_ct.pk:
            claim_id = int(deadline.object_id)
        else:
            claim_id = notice_claim[int(deadline.object_id)]
        result[claim_id].append(deadline)
    return result


def nearest_clock(deadlines: list[Deadline]) -> Deadline | None:
    running = [d for d in deadlines if d.met_at is None and d.status in RUNNING]
    return min(running, key=lambda d: d.due_at) if running else None


# --- service levels (SLA table) -------------------------------------------------------------------------------


@dataclass
class SlaCell:
    rule: str
    total: int = 0
    met: int = 0
    breached: int = 0
    running: int = 0
    cancelled: int = 0
    special: int = 0
    median_seconds: float | None = None
    p90_seconds: float | None = None
    withdrawn: int = 0  # closed as withdrawn (撤案): cancelled clocks of withdrawn claims, not yet due then

    @property
    def decided(self) -> int:
        return self.met + self.breached

    @property
    def share_met(self) -> float | None:
        return self.met / self.decided if self.decided else None

    @property
    def label(self) -> str:
        return str(clocks.CLOCKS[self.rule].label)


@dataclass
class SlaRow:
    insurer_id: int
    insurer_name: str
    cells: dict[str, SlaCell] = field(default_factory=dict)

    @property
    def met(self) -> int:
        return sum(c.met for c in self.cells.values())

    @property
    def breached(self) -> int:
        return sum(c.breached for c in self.cells.values())

    @property
    def share_met(self) -> float | None:
        decided = self.met + self.breached
        return self.met / decided if decided else None

    def ordered_cells(self) -> list[SlaCell]:
        return [self.cells.get(rule) or SlaCell(rule) for rule in clocks.RULES]


def sla_insurers_for(user) -> list[int] | None:
    """The insurers whose service levels ``user`` may see: ``None`` = all, ``[]`` = none."""
    if not user.is_authenticated:
        return []
    if user.is_superuser or user.kind in SLA_READERS:
        return None
    if user.kind == OrganizationKind.INSURER:
        return [user.organization_id]
    return []


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, end+1 00:00) in Asia/Shanghai."""
    return (dt.datetime.combine(start, dt.time.min, tzinfo=SHANGHAI),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI))


_SLA_SQL = """
WITH c AS (
    SELECT d.id, d.rule, d.responsible_id, d.status, d.met_at, d.breached_at, d.due_at,
           EXTRACT(EPOCH FROM (d.met_at - d.starts_at)) AS seconds,
           (d.breached_at IS NOT NULL
            OR (d.met_at IS NULL AND d.status = 'open' AND d.due_at < %(now)s)) AS late,
           EXISTS (SELECT 1 FROM core_deadlinepause p WHERE p.deadline_id = d.id) AS special,
           (d.status = 'cancelled' AND EXISTS (
                SELECT 1 FROM claims_claim cl
                WHERE cl.withdrawn_at IS NOT NULL
                  AND cl.id = CASE WHEN d.content_type_id = %(claim_ct)s THEN d.object_id::bigint
                                   ELSE (SELECT n.claim_id FROM claims_claimprogressnotice n
                                         WHERE n.id = d.object_id::bigint) END)) AS withdrawn
    FROM core_deadline d
    WHERE d.content_type_id IN (%(claim_ct)s, %(notice_ct)s)
      AND d.starts_at >= %(start)s AND d.starts_at < %(end)s
      {insurer_filter}
)
SELECT responsible_id, rule,
       count(*) AS total,
       count(*) FILTER (WHERE met_at IS NOT NULL AND NOT late) AS met,
       count(*) FILTER (WHERE late) AS breached,
       count(*) FILTER (WHERE NOT late AND met_at IS NULL AND status IN ('open', 'paused')) AS running,
       count(*) FILTER (WHERE status = 'cancelled' AND NOT late) AS cancelled,
       count(*) FILTER (WHERE special) AS special,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS median_seconds,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds) AS p90_seconds,
       count(*) FILTER (WHERE withdrawn AND NOT late) AS withdrawn
FROM c
GROUP BY responsible_id, rule
"""


def sla_table(*, user, start: dt.date, end: dt.date, insurer_id: int | None = None) -> list[SlaRow]:
    """Per insurer and clock, for clocks started in [start, end] (Asia/Shanghai dates): how many were met on time,
    breached (recorded, or overdue and not yet scanned), still running, cancelled — of which closed as withdrawn
    (撤案) —, or paused for special circumstances; median and 90th-percentile time to meet them (PostgreSQL ``percentile_cont``)."""
    allowed = sla_insurers_for(user)
    if allowed == []:
        return []
    ids = allowed if allowed is not None else None
    if insurer_id is not None:
        if ids is not None and insurer_id not in ids:
            return []
        ids = [insurer_id]
    lo, hi = period_bounds(start, end)
    params = {
        "claim_ct": clocks.claim_content_type().pk, "notice_ct": clocks.notice_content_type().pk,
        "start": lo, "end": hi, "now": timezone.now(),
    }
    insurer_filter = ""
    if ids is not None:
        insurer_filter = "AND d.responsible_id = ANY(%(ids)s)"
        params["ids"] = list(ids)
    with connection.cursor() as cursor:
        cursor.execute(_SLA_SQL.format(insurer_filter=insurer_filter), params)
        rows = cursor.fetchall()
    insurers = Organization.objects.filter(kind=OrganizationKind.INSURER)
    if ids is not None:
        insurers = insurers.filter(pk__in=ids)
    table = {org.pk: SlaRow(org.pk, org.short_name or org.name) for org in insurers.order_by("name")}
    for responsible_id, rule, total, met, breached, running, cancelled, special, median, p90, withdrawn in rows:
        if rule not in clocks.CLOCKS:
            continue
        row = table.get(responsible_id)
        if row is None:
            continue
        row.cells[rule] = SlaCell(rule, total, met, breached, running, cancelled, special,
                                  float(median) if median is not None else None,
                                  float(p90) if p90 is not None else None, withdrawn=withdrawn)
    return list(table.values())


def breached_clocks(*, user, start: dt.date, end: dt.date, insurer_id: int | None = None,
                    rule: str | None = None) -> QuerySet:
    """The breached clocks behind the SLA table (drill-down), each resolvable to its claim."""
    lo, hi = period_bounds(start, end)
    late = Q(breached_at__isnull=False) | Q(met_at__isnull=True, status=Deadline.Status.OPEN, due_at__lt=timezone.now())
    qs = access.visible(user, Deadline).filter(
        late, content_type__in=[clocks.claim_content_type(), clocks.notice_content_type()],
        starts_at__gte=lo, starts_at__lt=hi,
    )
    allowed = sla_insurers_for(user)
    if allowed is not None:
        qs = qs.filter(responsible_id__in=allowed)
    if insurer_id:
        qs = qs.filter(responsible_id=insurer_id)
    if rule:
        qs = qs.filter(rule=rule)
    return qs.select_related("responsible").order_by("-due_at", "-id")


def claims_of_clocks(deadlines) -> dict[int, Claim]:
    """{deadline id: claim} for clocks on claims or on their progress-notice periods (one query each)."""
    claim_ct = clocks.claim_content_type()
    by_claim, by_notice = {}, {}
    for d in deadlines:
        (by_claim if d.content_type_id == claim_ct.pk else by_notice)[d.pk] = int(d.object_id)
    notices = dict(ClaimProgressNotice.objects.filter(pk__in=by_notice.values()).values_list("pk", "claim_id"))
    wanted = set(by_claim.values()) | set(notices.values())
    claims = Claim.objects.select_related("insurer", "vehicle").in_bulk(wanted)
    out = {}
    for deadline_id, claim_id in by_claim.items():
        if claim_id in claims:
            out[deadline_id] = claims[claim_id]
    for deadline_id, notice_id in by_notice.items():
        claim = claims.get(notices.get(notice_id))
        if claim is not None:
            out[deadline_id] = claim
    return out


def breaches_this_month(user, *, limit: int = 8) -> tuple[int, list[tuple[str, int]]]:
    """(breaches of claim clocks due this month, [(insurer, count)] worst first) — the regulator's home panel."""
    today = timezone.localdate()
    start = today.replace(day=1)
    lo, hi = period_bounds(start, today)
    qs = access.visible(user, Deadline).filter(
        content_type__in=[clocks.claim_content_type(), clocks.notice_content_type()],
        breached_at__gte=lo, breached_at__lt=hi,
    )
    counts = defaultdict(int)
    for name, short in qs.values_list("responsible__name", "responsible__short_name"):
        counts[short or name] += 1
    ranked = sorted(counts.items(), key=lambda item: -item[1])
    return sum(counts.values()), ranked[:limit]
