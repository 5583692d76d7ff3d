"""Reads of rescission cases: lists, the clock as pages show it, the next allowed actions, compliance figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, DurationField, ExpressionWrapper, F, FloatField, Func, Q, QuerySet
from django.db.models.aggregates import Aggregate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.calendar import day_name
from apps.core.crypto import mask_name
from apps.core.deadlines import SHANGHAI, end_of_day, local_date
from apps.parties import access, rights
from apps.parties.models import Organization, OrganizationKind
from apps.policies.models import PolicyKind

from . import conf
from .access import is_watcher, may_act
from .clock import Clock, decision_fits
from .models import DECIDED_STATUSES, OPEN_STATUSES, Decision, Path, RescissionCase, Status
from .notices import DEFAULT_REASON, NoticeData, NoticeKind, PolicyLine

WEEKDAYS = [
    gettext_lazy("星期一"), gettext_lazy("星期二"), gettext_lazy("星期三"), gettext_lazy("星期四"),
    gettext_lazy("星期五"), gettext_lazy("星期六"), gettext_lazy("星期日"),
]


# --- lists ---------------------------------------------------------------------------------------------------


def case_list(user, *, state: str = "open", insurer_id: int | None = None, status: str = "",
              trigger: str = "", q: str = "", lapsed_only: bool = False, path: str = "",
              due_within_days: int | None = None) -> QuerySet:
    """Cases in the user's audience, nearest deadline first (= fewest days left first); ``due_within_days``: only
    those whose decision clock is due by the end of the ``due_within_days``-th day after today (or already past due)."""
    qs = access.visible(user, RescissionCase).select_related("insurer", "vehicle", "policy")
    if state == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif state == "closed":
        qs = qs.exclude(status__in=OPEN_STATUSES)
    if status:
        qs = qs.filter(status=status)
    if lapsed_only:
        qs = qs.filter(status=Status.LAPSED)
    if insurer_id:
        qs = qs.filter(insurer_id=insurer_id)
    if trigger:
        qs = qs.filter(trigger=trigger)
    if due_within_days is not None:
        qs = qs.filter(deadline_at__lte=end_of_day(local_date(timezone.now()) + dt.timedelta(days=due_within_days)))
    if path:
        qs = qs.filter(path="" if path == "none" else path)
    if q:
        q = q.strip().upper()
        qs = qs.filter(Q(vehicle__plate__icontains=q) | Q(policy__number__icontains=q) | Q(trigger_ref__icontains=q)
                       | Q(case_policies__policy__number__icontains=q)
                       | Q(case_policies__policy__vehicle__plate__icontains=q)).distinct()
    return qs.order_by("deadline_at", "id")


def case_get(user, pk) -> RescissionCase:
    """One case, or 404 outside the user's audience (an id reveals nothing)."""
    return access.get_for_user(user, RescissionCase.objects.select_related("insurer", "vehicle", "policy"), pk=pk)


# --- the clock as shown ----------------------------------------------------------------------------------------


@dataclass
class ClockView:
    day: int
    days_left: int
    deadline_at: dt.datetime
    deadline_date: dt.date
    last_notice_date: dt.date
    last_notice_day: int
    progress: int
    css: str
    deadline_note: str
    warnings: list[str] = field(default_factory=list)


def _holiday_note(c: Clock) -> str:
    """Rule T1: say so when day 30 was a rest day and the period ends on the next working day."""
    if not c.rolled_over:
        return ""
    day = c.nominal_deadline_date
    label = day_name(day) or str(WEEKDAYS[day.weekday()])
    return _("第 %(days)d 日 %(day)s 是%(label)s（法定休假日），期限顺延至其后第一个工作日 %(date)s 24 时止"
             "（民法典第二百零三条）。") % {"days": conf.rescission_days(), "day": day.isoformat(), "label": label,
                                   "date": c.deadline_date.isoformat()}


def case_clock(case: RescissionCase, now: dt.datetime | None = None, *, with_note: bool = True) -> ClockView:
    """The clock as pages show it; ``with_note=False`` skips the calendar lookup (lists: no query per row)."""
    now = now or timezone.now()
    c = Clock.of(case)
    today = local_date(now)
    day, left = c.day_of(now), c.days_left(now)
    warnings: list[str] = []
    css = ""
    if case.status == Status.LAPSED:
        css = "bad"
        warnings.append(_("解除权已于 %(at)s 消灭（自知道解除事由之日起超过 %(days)d 日未行使，规则 J5）。")
                        % {"at": _local(case.deadline_at), "days": conf.rescission_days()})
    elif case.is_open:
        if now > case.deadline_at:
            css = "bad"
            warnings.append(_("已超过解除权消灭时间 %(at)s，案件将被标记为超期。") % {"at": _local(case.deadline_at)})
        else:
            if day >= conf.warn_day():
                css = "warn"
                warnings.append(_("已到第 %(day)d 天，距解除权消灭还剩 %(left)d 天（%(at)s 止）。")
                                % {"day": day, "left": left, "at": _local(case.deadline_at)})
            if left <= 2:
                css = "bad"
            if case.notice_received_at is None and today > c.last_receipt_date:
                css = "bad"
                warnings.append(
                    _("已过最后通知日 %(date)s（第 %(n)d 天）：现在送达通知，投保人的 %(d)d 日如实告知期将超出 %(days)d 日期限，"
                      "已无法在期限内依法解除合同。") % {"date": c.last_notice_date.isoformat(), "n": c.last_notice_day,
                                           "d": conf.disclosure_days(), "days": conf.rescission_days()})
            elif case.notice_sent_at is None and today == c.last_notice_date:
                css = css or "warn"
                warnings.append(_("今天是最后通知日：须在今天发出并送达未履行如实告知义务通知书（附件三）。"))
            if case.disclosure_due_at and not decision_fits(case.disclosure_due_at, case.deadline_at):
                css = "bad"
                warnings.append(
                    _("通知于第 %(n)d 天送达，%(d)d 日如实告知期至 %(due)s，晚于解除权消灭时间 %(at)s："
                      "%(d)d 日已无法在 %(days)d 日内届满，不能在期限内依法解除合同。")
                    % {"n": c.day_of(case.notice_received_at), "d": conf.disclosure_days(),
                       "due": _local(case.disclosure_due_at), "at": _local(case.deadline_at),
                       "days": conf.rescission_days()})
    return ClockView(
        day=day, days_left=left, deadline_at=case.deadline_at, deadline_date=c.deadline_date,
        last_notice_date=c.last_notice_date, last_notice_day=c.last_notice_day,
        progress=c.progress_percent(now), css=css,
        deadline_note=_holiday_note(c) if with_note else "", warnings=warnings,
    )


def _local(at: dt.datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


def row_css(case: RescissionCase, now: dt.datetime | None = None) -> str:
    """Colour of a list row without extra queries: .bad (lapsed / ≤ 2 days / too late to notify) or .warn."""
    now = now or timezone.now()
    if case.status == Status.LAPSED:
        return "bad"
    if not case.is_open:
        return ""
    c = Clock.of(case)
    if now > case.deadline_at or c.days_left(now) <= 2:
        return "bad"
    if case.notice_received_at is None and local_date(now) > c.last_receipt_date:
        return "bad"
    if case.disclosure_due_at and not decision_fits(case.disclosure_due_at, case.deadline_at):
        return "bad"
    if c.is_warning(now):
        return "warn"
    return ""


# --- what the user may do next ------------------------------------------------------------------------------


def next_actions(case: RescissionCase, user, now: dt.datetime | None = None) -> list[str]:
    """Only the steps allowed now, for the user (insurer staff of the case) — pages show nothing else."""
    now = now or timezone.now()
    if not may_act(user, case) or not rights.may(user, "rescissions.change_rescissioncase"):
        return []
    if not case.is_open or now > case.deadline_at:
        return []
    from .services import lawful_outcomes

    actions: list[str] = []
    links = [link for link in case.case_policies.select_related("policy").order_by("id") if not link.outcome]
    outcomes = {o for link in links for o in lawful_outcomes(case, link)}
    if case.status == Status.OPEN and len(links) == case.case_policies.count():
        actions.append("path")  # nothing done yet: the path may still be recorded or changed
    if Decision.ENDORSED in outcomes:
        actions.append("endorse")
    if case.path == Path.RISK_INCREASE:
        # art. 52 terminates commercial policies once the case's 交强险 are endorsed (J13: never rescinded)
        if links and not any(link.compulsory for link in links) and Decision.RESCINDED in outcomes:
            actions.append("terminate")
        return actions
    if not case.path:
        if case.status == Status.OPEN:
            actions.append("policy_add")
        actions.append("conditions_not_met")
        return actions
    if case.status == Status.OPEN:
        actions.append("policy_add")
        actions.append("notice_send")
    elif case.status == Status.NOTICE_SENT:
        actions.append("notice_receive")
    elif case.status == Status.AWAITING_DISCLOSURE:
        disclosed_in_time = case.disclosed_at is not None and case.disclosed_at <= case.disclosure_due_at
        if case.disclosed_at is None:
            actions.append("disclosure")
        if not disclosed_in_time and now > case.disclosure_due_at and case.policy.status == case.policy.Status.ACTIVE:
            actions.append("rescind")
        if case.disclosed_at is not None:
            actions.append("not_rescinded")
    actions.append("conditions_not_met")
    if case.notice_sent_at is not None:
        actions.append("correct")
    return actions


def correctable_events(case: RescissionCase):
    from .models import EventKind

    return [e for e in case.events.filter(kind__in=[EventKind.NOTICE_SENT, EventKind.NOTICE_RECEIVED,
                                                     EventKind.DISCLOSED, EventKind.CORRECTION])
            .prefetch_related("corrections").order_by("recorded_at")
            if not e.corrections.all() and (e.kind != EventKind.CORRECTION or (e.data or {}).get("field"))]


# --- notices -------------------------------------------------------------------------------------------------


def notice_data(case: RescissionCase, kind: str, *, issued_on: dt.date | None, doc_no: str = "",
                masked: bool = False) -> NoticeData:
    """The data a notice shows, from the case, its policy and vehicle (policyholder name decrypted)."""

    policy, vehicle = case.policy, case.vehicle
    holder = policy.policyholder_name or vehicle.owner_name or ""
    links = list(case.case_policies.select_related("policy", "policy__vehicle").order_by("id"))
    if kind in (NoticeKind.RESCISSION, NoticeKind.RISK_INCREASE_TERMINATION) and case.decision == Decision.RESCINDED:
        links = [link for link in links if link.outcome == Decision.RESCINDED]
    elif kind == NoticeKind.VEHICLE_ADMIN:  # 附件七 reports rescinded 交强险 contracts
        links = [link for link in links if link.compulsory and link.outcome in ("", Decision.RESCINDED)]
    lines = tuple(PolicyLine(number=link.policy.number, plate=link.policy.vehicle.label,
                             kind_label=link.policy.get_kind_display(), compulsory=link.compulsory,
                             applied_on=local_date(link.policy.starts_at)) for link in links)
    if lines:
        policy = next(link.policy for link in links)
    return NoticeData(
        kind=kind,
        policyholder=mask_name(holder) if masked else holder,
        plate=policy.vehicle.label,
        policy_number=policy.number,
        insurer_name=case.insurer.name,
        applied_on=case.applied_on or local_date(policy.starts_at),
        compulsory=policy.kind == PolicyKind.COMPULSORY,
        insurance_label=policy.get_kind_display(),
        matter=case.matter,
        issued_on=issued_on,
        contact_name=case.notice_contact_name,
        contact_phone=case.notice_contact_phone,
        vehicle_admin=conf.vehicle_admin_name(),
        reason=DEFAULT_REASON,
        doc_no=doc_no,
        policies=lines,
    )


def latest_notices(case: RescissionCase) -> dict[str, object]:
    """The latest issued PDF of each kind."""
    out = {}
    for notice in case.notices.order_by("created_at", "id"):
        out[notice.kind] = notice
    return out


def notice_available(case: RescissionCase, kind: str) -> bool:
    """附件三 can be previewed on the non-disclosure path (J5) or before a path is recorded; 附件四/七 once the case
    is rescinded on it (附件七 only with a 交强险 among the policies); the art. 52 notice once a commercial policy
    was terminated on the risk-increase path."""
    if kind == NoticeKind.DISCLOSURE_REQUEST:
        return case.path != Path.RISK_INCREASE
    if case.decision != Decision.RESCINDED:
        return False
    if kind == NoticeKind.RISK_INCREASE_TERMINATION:
        return case.path == Path.RISK_INCREASE
    if case.path == Path.RISK_INCREASE:
        return False
    if kind == NoticeKind.VEHICLE_ADMIN:
        return case.case_policies.filter(policy__kind="compulsory").exists() or not case.case_policies.exists()
    return True


# --- compliance (regulator, insurance association) ----------------------------------------------------------


class Median(Aggregate):
    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


class Epoch(Func):
    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


@dataclass
class ComplianceRow:
    insurer: Organization
    opened: int = 0
    open: int = 0
    decided: int = 0
    decided_in_time: int = 0
    lapsed: int = 0
    rescinded: int = 0
    median_days: float | None = None

    @property
    def closed(self) -> int:
        return self.decided + self.lapsed

    @property
    def in_time_rate(self) -> float | None:
        return round(100 * self.decided_in_time / self.closed, 1) if self.closed else None

    @property
    def css(self) -> str:
        return "bad" if self.lapsed else ""


def compliance_rows(user, *, date_from: dt.date | None = None, date_to: dt.date | None = None) -> list[ComplianceRow]:
    """Per insurer: cases opened (by the day the insurer knew), decided in time, lapsed, median days to decision."""
    if not is_watcher(user):
        return []
    qs = access.visible(user, RescissionCase)
    if date_from:
        qs = qs.filter(known_at__gte=_start_of(date_from))
    if date_to:
        qs = qs.filter(known_at__lt=_start_of(date_to + dt.timedelta(days=1)))
    duration = ExpressionWrapper(F("decided_at") - F("known_at"), output_field=DurationField())
    decided = Q(status__in=DECIDED_STATUSES)
    figures = {
        r["insurer_id"]: r for r in qs.values("insurer_id").annotate(
            opened=Count("id"),
            open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
            decided=Count("id", filter=decided),
            decided_in_time=Count("id", filter=decided & Q(decision_recorded_at__lte=F("deadline_at"))),
            lapsed=Count("id", filter=Q(status=Status.LAPSED)),
            rescinded=Count("id", filter=Q(status=Status.RESCINDED)),
            median_seconds=Median(Epoch(duration), filter=decided),
        ).order_by()
    }
    rows = []
    for insurer in Organization.objects.filter(Q(kind=OrganizationKind.INSURER) | Q(pk__in=list(figures))).order_by("name"):
        f = figures.get(insurer.pk, {})
        seconds = f.get("median_seconds")
        rows.append(ComplianceRow(
            insurer=insurer, opened=f.get("opened", 0), open=f.get("open", 0), decided=f.get("decided", 0),
            decided_in_time=f.get("decided_in_time", 0), lapsed=f.get("lapsed", 0), rescinded=f.get("rescinded", 0),
            median_days=round(seconds / 86400, 1) if seconds is not None else None,
        ))
    return rows


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=SHANGHAI)


@dataclass
class Bar:
    label: str
    y: int
    segments: list[dict]
    total: int


def compliance_chart(rows: list[ComplianceRow], *, width: int = 640, bar_height: int = 22, gap: int = 10,
                     label_width: int = 190) -> dict:
    """Geometry of a stacked horizontal bar chart (decided in time / decided late / open / lapsed) for inline SVG."""
    rows = [r for r in rows if r.opened]
    scale_max = max((r.opened for r in rows), default=0) or 1
    plot = width - label_width - 50
    bars = []
    for index, r in enumerate(rows):
        x = label_width
        segments = []
        late = r.decided - r.decided_in_time
        for value, css, label in ((r.decided_in_time, "ok", _("按时决定")), (late, "late", _("逾期决定")),
                                  (r.open, "open", _("办理中")), (r.lapsed, "bad", _("超期失权"))):
            if not value:
                continue
            w = max(2, round(plot * value / scale_max))
            segments.append({"x": x, "w": w, "css": css, "value": value, "label": label})
            x += w
        bars.append(Bar(label=r.insurer.short_name or r.insurer.name, y=index * (bar_height + gap),
                        segments=segments, total=r.opened))
    height = max(1, len(bars)) * (bar_height + gap) + 30
    return {"bars": bars, "width": width, "height": height, "bar_height": bar_height, "label_width": label_width,
            "legend_y": height - 10}
