"""The monthly joint report of the transport bureau and the insurance regulator (rule M17: joint inspections; the
associations notify problems and urge correction), as PDF (WeasyPrint) and XLSX (openpyxl, one sheet per section).

The report is the one document both sides bring to the joint meeting, so it holds the same figures whoever opens
it: counts for the whole city, across both sides' audiences (the transport bureau alone does not see rescission
cases or 12378 reports, the regulator not the 12328 ones). That is why it is compiled with ``JOINT_READER`` — the
access module's platform-wide view — and why it holds **counts only**: per month, direction, hotline, insurer and
kind of measure; never a plate, a person, a case or the text of a report. Only the parties that supervise
(transport, the regulator, the insurance association — ``READERS``) may open it.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError, PermissionDeniedError
from apps.core.exports import cells
from apps.credit.models import ActionKind
from apps.dashboard.errors import ErrorCode
from apps.inspections.selectors import month_summary
from apps.leads.models import Direction, Lead
from apps.parties import access
from apps.parties.models import OrganizationKind
from apps.rescissions.models import OPEN_STATUSES, RescissionCase
from apps.ridehailing.metrics import compliance_rates

from . import conf, selectors, svg
from .charts import BAD, FUNNEL_COLOURS, LATE, OK, OPEN, PALETTE
from .periods import Period, add_months, current_month, month_period, parse_month

READERS = frozenset({OrganizationKind.TRANSPORT, OrganizationKind.REGULATOR, OrganizationKind.INSURANCE_ASSOCIATION})


class _JointReader:
    """The reader the report is compiled as: the platform-wide view of the access module and of the apps' selectors
    (``is_superuser``), with no organisation, no permission and no way to sign in. Used for counts only."""

    is_authenticated = True
    is_active = True
    is_superuser = True
    is_anonymous = False
    pk = id = None
    organization = organization_id = None
    kind = role = None

    def __str__(self) -> str:
        return "joint-report"


JOINT_READER = _JointReader()


def may_read(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and (user.is_superuser or user.kind in READERS))


def report_months() -> list[dt.date]:
    """The months a report can be made for: from the mechanism's first month to the current one, newest first."""
    first, last = conf.report_first_month(), current_month()
    months, month = [], last
    while month >= first:
        months.append(month)
        month = add_months(month, -1)
    return months


def default_month() -> dt.date:
    """The last complete month (or the first month of the mechanism, while that is still running)."""
    return max(add_months(current_month(), -1), conf.report_first_month())


def month_from(value: str | None) -> dt.date:
    if not value:
        return default_month()
    month = parse_month(value)
    if month > current_month():
        raise ApplicationError(_("不能为尚未开始的月份生成月报。"), code=ErrorCode.MONTH_IN_FUTURE)
    if month < conf.report_first_month():
        raise ApplicationError(_("联合监管机制自 %(m)s 起实施，之前的月份没有月报。")
                               % {"m": f"{conf.report_first_month():%Y-%m}"}, code=ErrorCode.MONTH_BEFORE_MECHANISM)
    return month


# --- the figures --------------------------------------------------------------------------------------------


@dataclass
class Headline:
    label: str
    value: Any  # a number, or None for "no figure"
    note: str = ""
    css: str = ""
    unit: str = ""

    @property
    def display(self) -> str:
        return "—" if self.value is None else f"{self.value}{self.unit}"


@dataclass
class JointReport:
    month: dt.date
    period: Period
    generated_at: dt.datetime
    complete: bool
    headline: list[Headline] = field(default_factory=list)
    funnel: list = field(default_factory=list)
    leads_disposed: int = 0
    rescissions: list = field(default_factory=list)
    rescissions_lapsed: int = 0
    rescissions_open_now: int = 0
    claims: list = field(default_factory=list)
    claim_breaches: int = 0
    complaints: list = field(default_factory=list)
    screening: Any = None
    screening_insurers: list = field(default_factory=list)
    sanctions: list = field(default_factory=list)
    sanction_counts: dict = field(default_factory=dict)
    penalties: dict = field(default_factory=dict)
    inspections: Any = None  # apps.inspections.selectors.MonthSummary: joint inspections and training (M17, M2)
    ridehailing: list = field(default_factory=list)  # apps.ridehailing.metrics.ComplianceRow per platform company

    @property
    def title(self) -> str:
        return _("柳州市客运车辆保险联合监管月报（%(y)d 年 %(m)d 月）") % {"y": self.month.year, "m": self.month.month}

    @property
    def month_label(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def claims_share(self) -> float | None:
        met = sum(r.met for r in self.claims)
        decided = met + sum(r.breached for r in self.claims)
        return round(100 * met / decided, 1) if decided else None


def compile_report(*, user, month: dt.date) -> JointReport:
    """The figures of ``month`` for the joint report; ``user`` must be one of the READERS (checked here)."""
    if not may_read(user):
        raise PermissionDeniedError(_("只有交通运输局、金融监管分局和保险行业协会可以查看联合监管月报。"))

    reader = JOINT_READER
    period = month_period(month)
    now = timezone.now()
    report = JointReport(month=month, period=period, generated_at=now, complete=period.end <= now)

    report.funnel = selectors.lead_funnel(reader, period)
    report.leads_disposed = access.visible(reader, Lead).filter(
        disposed_at__gte=period.start, disposed_at__lt=period.end).count()
    report.rescissions = [r for r in selectors.rescission_timeliness(reader, period)]
    cases = access.visible(reader, RescissionCase)
    report.rescissions_lapsed = cases.filter(lapsed_at__gte=period.start, lapsed_at__lt=period.end).count()
    report.rescissions_open_now = cases.filter(status__in=OPEN_STATUSES).count()
    report.claims = selectors.claims_sla(reader, period)
    report.claim_breaches = sum(r.breached for r in report.claims)  # late clocks among those started this month
    report.complaints = selectors.complaint_summary(reader, period)
    report.screening = selectors.screening_over_time(reader, period)[0]
    report.screening_insurers = selectors.screening_by_insurer(reader, period)
    report.sanctions = list(selectors.sanctions_issued(reader, period))
    report.sanction_counts = selectors.sanctions_over_time(reader, period)[0].counts
    report.penalties = selectors.penalties_decided(reader, period)

    report.inspections = month_summary(reader, period)

    report.ridehailing = compliance_rates(month, month)

    by_direction = {r.direction: r for r in report.funnel}
    t2i, i2t = by_direction[Direction.TRANSPORT_TO_INSURANCE], by_direction[Direction.INSURANCE_TO_TRANSPORT]
    opened = sum(r.opened for r in report.rescissions)
    complaints = {c.hotline: c for c in report.complaints}
    share = report.claims_share
    report.headline = [
        Headline(_("新发现非法营运线索"), t2i.identified + i2t.identified,
                 _("交通→保险 %(a)d，保险→交通 %(b)d") % {"a": t2i.identified, "b": i2t.identified}),
        Headline(_("本月处置（闭环）线索"), report.leads_disposed, _("含以前月份发现的线索")),
        Headline(_("新立合同解除案件"), opened, _("当前办理中 %(n)d 件") % {"n": report.rescissions_open_now}),
        Headline(_("本月解除权超期失权"), report.rescissions_lapsed, _("规则 M12、J5"),
                 "bad" if report.rescissions_lapsed else ""),
        Headline(_("理赔时限按时率"), share, _("本月起算的时限中超期 %(n)d 项") % {"n": report.claim_breaches},
                 "" if share is None else ("ok" if share >= 95 else "warn" if share >= 80 else "bad"), unit="%"),
        Headline(_("投诉举报受理"), sum(c.received for c in report.complaints),
                 _("12328：%(a)d，12378：%(b)d") % {
                     "a": complaints["12328"].received if "12328" in complaints else 0,
                     "b": complaints["12378"].received if "12378" in complaints else 0}),
        Headline(_("清单比对发现车辆"), report.screening.vehicles,
                 _("按非营运投保 %(a)d，无有效保单 %(b)d") % {"a": report.screening.non_operating,
                                                        "b": report.screening.uninsured}),
        Headline(_("监管措施与行政处罚"), len(report.sanctions) + (report.penalties.get("total") or 0),
                 _("监管措施 %(a)d，行政处罚决定 %(b)d") % {"a": len(report.sanctions),
                                                   "b": report.penalties.get("total") or 0}),
        Headline(_("联合检查发现问题并通报"), report.inspections.notices_issued,
                 _("本月检查单位 %(a)d 家次，发现问题 %(b)d 家次；逾期未整改 %(c)d 件") % {
                     "a": report.inspections.parties_inspected, "b": report.inspections.parties_with_problems,
                     "c": report.inspections.notices_overdue_now},
                 "bad" if report.inspections.notices_overdue_now else ""),
        Headline(_("行业培训"), report.inspections.trainings,
                 _("参训企业 %(a)d 家，驾驶员 %(b)d 人次") % {"a": report.inspections.training_companies,
                                                      "b": report.inspections.training_drivers}),
    ]
    return report


# --- charts of the printed report ----------------------------------------------------------------------------


def report_charts(report: JointReport) -> dict[str, str]:
    funnel_groups = []
    for direction in Direction.values:
        row = next(r for r in report.funnel if r.direction == direction)
        funnel_groups.append(svg.Group(str(Direction(direction).label), [
            svg.Bar(str(label), [(getattr(row, key), FUNNEL_COLOURS[i])], str(getattr(row, key)))
            for i, (key, label) in enumerate(selectors.FUNNEL_STAGES)
        ]))
    rescission_bars = [
        svg.Bar(r.insurer.short_name or r.insurer.name,
                [(r.decided_in_time, OK), (r.decided - r.decided_in_time, LATE), (r.open, OPEN), (r.lapsed, BAD)],
                f"{r.opened}" + (f" · {r.in_time_rate}%" if r.in_time_rate is not None else ""))
        for r in report.rescissions if r.opened
    ]
    claims_bars = [
        svg.Bar(r.insurer_name, [(r.met, OK), (r.breached, BAD), (sum(c.running for c in r.cells.values()), OPEN)],
                f"{r.met + r.breached}" + (f" · {round(r.share_met * 100, 1)}%" if r.share_met is not None else ""))
        for r in report.claims if r.cells
    ]
    outcome_colours = {"substantiated": BAD, "partly": LATE, "unsubstantiated": OK, "out_of_scope": "#9aa5b1",
                       "": PALETTE[4], selectors.IN_PROGRESS: OPEN}
    complaint_bars = [
        svg.Bar(c.hotline, [(c.outcomes.get(k, 0), outcome_colours[k]) for k in selectors.outcome_keys()],
                str(c.received))
        for c in report.complaints
    ]
    return {
        "funnel": svg.hbars(funnel_groups, aria_label=_("线索闭环漏斗")),
        "rescissions": svg.hbars([svg.Group("", rescission_bars)], aria_label=_("合同解除时效"), legend=[
            (_("按时决定"), OK), (_("逾期决定"), LATE), (_("办理中"), OPEN), (_("超期失权"), BAD)]),
        "claims": svg.hbars([svg.Group("", claims_bars)], aria_label=_("理赔时效"), legend=[
            (_("按时完成"), OK), (_("超期"), BAD), (_("进行中"), OPEN)]),
        "complaints": svg.hbars([svg.Group("", complaint_bars)], aria_label=_("投诉举报"), label_width=60, legend=[
            (selectors.outcome_label(k), outcome_colours[k]) for k in selectors.outcome_keys()
            if any(c.outcomes.get(k) for c in report.complaints)]),
    }


def rescission_rows(report: JointReport) -> list[dict]:
    return [{
        "insurer": r.insurer.short_name or r.insurer.name, "opened": r.opened, "decided_in_time": r.decided_in_time,
        "decided_late": r.decided - r.decided_in_time, "open": r.open, "lapsed": r.lapsed, "rescinded": r.rescinded,
        "in_time_rate": r.in_time_rate, "median_days": r.median_days,
    } for r in report.rescissions]


def rescission_total(rows: list[dict]) -> dict | None:
    """The city-wide row of the rescission table (None when no insurer had a case)."""
    if not any(r["opened"] for r in rows):
        return None
    total = {k: sum(r[k] for r in rows) for k in ("opened", "decided_in_time", "decided_late", "open", "lapsed",
                                                  "rescinded")}
    closed = total["decided_in_time"] + total["decided_late"] + total["lapsed"]
    total["in_time_rate"] = round(100 * total["decided_in_time"] / closed, 1) if closed else None
    return total


def claims_total(rows: list[dict]) -> dict | None:
    """The city-wide row of the claims table (None when no clock started)."""
    if not rows:
        return None
    total = {k: sum(r[k] for r in rows) for k in ("total", "met", "breached", "running", "special")}
    decided = total["met"] + total["breached"]
    total["share"] = round(100 * total["met"] / decided, 1) if decided else None
    return total


def claims_rows(report: JointReport, *, per_rule: bool = False) -> list[dict]:
    """Per insurer (with clocks in the month) the totals over every claim clock; ``per_rule`` adds a row per clock
    before each insurer's total."""
    out = []
    for row in report.claims:
        if not row.cells and not per_rule:
            continue
        if per_rule:
            for cell in row.ordered_cells():
                out.append({"insurer": row.insurer_name, "rule": cell.label, "total": cell.total, "met": cell.met,
                            "breached": cell.breached, "running": cell.running, "special": cell.special,
                            "share": round(cell.share_met * 100, 1) if cell.share_met is not None else None})
        out.append({"insurer": row.insurer_name, "rule": _("合计"), "total": sum(c.total for c in row.cells.values()),
                    "met": row.met, "breached": row.breached, "running": sum(c.running for c in row.cells.values()),
                    "special": sum(c.special for c in row.cells.values()),
                    "share": round(row.share_met * 100, 1) if row.share_met is not None else None})
    return out


def render_html(report: JointReport, *, for_pdf: bool) -> str:
    return render_to_string("dashboard/report_document.html", {
        "report": report, "charts": report_charts(report), "for_pdf": for_pdf,
        "rescission_rows": rescission_rows(report), "claims_rows": claims_rows(report),
        "rescission_total": rescission_total(rescission_rows(report)),
        "claims_total": claims_total(claims_rows(report)),
        "sanction_kinds": [(label, report.sanction_counts.get(k, 0)) for k, label in ActionKind.choices],
    })


def render_pdf(report: JointReport) -> bytes:
    from weasyprint import HTML  # imported lazily: loading pango/cairo is slow

    return HTML(string=render_html(report, for_pdf=True)).write_pdf()


# --- XLSX: one sheet per section -------------------------------------------------------------------------------


def render_xlsx(report: JointReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    bold, head_fill = Font(bold=True), PatternFill("solid", fgColor="EEF1F4")

    def sheet(title: str, header: list[str], rows: list[list], note: str = ""):
        ws = workbook.create_sheet(title=title[:31])
        ws.append(cells([f"{report.title} — {title}"]))
        ws["A1"].font = Font(bold=True, size=13)
        ws.append(cells([_("统计月份"), report.month_label, _("生成时间"),
                         timezone.localtime(report.generated_at).strftime("%Y-%m-%d %H:%M")]))
        if note:
            ws.append(cells([note]))
        ws.append([])
        ws.append(cells(header))
        header_row = ws.max_row
        for cell in ws[header_row]:
            cell.font, cell.fill = bold, head_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in rows:
            ws.append(cells(row))  # no formulas: names of companies and insurers are user input
        for index, name in enumerate(header, start=1):
            longest = max([len(str(name))] + [len(str(r[index - 1])) for r in rows if index - 1 < len(r)])
            ws.column_dimensions[get_column_letter(index)].width = min(60, max(10, longest * 2 + 2))
        ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
        return ws

    sheet(_("概况"), [_("指标"), _("数值"), _("单位"), _("说明")],
          [[h.label, h.value, h.unit, h.note] for h in report.headline],
          note=_("本月报仅含统计数，不含车辆号牌、个人信息和举报内容。") if report.complete
          else _("本月尚未结束：数字截至生成时间。"))
    sheet(_("线索闭环"), [_("方向"), _("发现"), _("已核验"), _("已线下核查"), _("其中确认"), _("其中排除"), _("已处置"),
                        _("闭环率（%）")],
          [[r.direction_label, r.identified, r.verified, r.checked, r.confirmed, r.dismissed, r.disposed,
            r.closed_rate] for r in report.funnel],
          note=_("本月发现的线索及其截至生成时的进展（规则 M4、M5、M8）。"))
    sheet(_("合同解除时效"), [_("保险公司"), _("立案"), _("按时决定"), _("逾期决定"), _("办理中"), _("超期失权"),
                          _("其中解除合同"), _("按时率（%）"), _("决定用时中位数（天）")],
          [[r["insurer"], r["opened"], r["decided_in_time"], r["decided_late"], r["open"], r["lapsed"],
            r["rescinded"], r["in_time_rate"], r["median_days"]] for r in rescission_rows(report)]
          + [[_("全市合计"), t["opened"], t["decided_in_time"], t["decided_late"], t["open"], t["lapsed"],
              t["rescinded"], t["in_time_rate"], None] for t in [rescission_total(rescission_rows(report))] if t],
          note=_("本月知道解除事由立案的案件（规则 M12、J5）；本月超期失权（含以前月份立案）：%(n)d 件。")
          % {"n": report.rescissions_lapsed})
    sheet(_("理赔时效"), [_("保险公司"), _("时限"), _("起算数"), _("按时完成"), _("超期"), _("进行中"), _("特殊情况暂停"),
                        _("按时率（%）")],
          [[r["insurer"], r["rule"], r["total"], r["met"], r["breached"], r["running"], r["special"], r["share"]]
           for r in claims_rows(report, per_rule=True)]
          + [[_("全市合计"), _("合计"), t["total"], t["met"], t["breached"], t["running"], t["special"], t["share"]]
             for t in [claims_total(claims_rows(report))] if t],
          note=_("本月起算的理赔时限（规则 M13、J11）。"))
    outcome_keys = [k for k in selectors.outcome_keys() if k != selectors.IN_PROGRESS]
    sheet(_("投诉举报"), [_("热线"), _("受理"), _("办理中"), _("已办结"), _("已反馈"), _("反馈超期"),
                        *[selectors.outcome_label(k) for k in outcome_keys]],
          [[c.hotline_label, c.received, c.in_progress, c.resolved, c.feedback_given, c.feedback_late,
            *[c.outcomes.get(k, 0) for k in outcome_keys]] for c in report.complaints],
          note=_("本月受理的举报（规则 M16）。"))
    s = report.screening
    sheet(_("清单比对"), [_("项目"), _("数值")],
          [[_("比对次数"), s.runs], [_("清单车辆数（最多）"), s.listed], [_("按非营运投保（辆）"), s.non_operating],
           [_("无有效保单（辆）"), s.uninsured], [_("合计（辆）"), s.vehicles], [],
           [_("保险公司"), _("按非营运投保（辆）")], *[[r.insurer, r.non_operating] for r in report.screening_insurers]],
          note=_("本月推送的合法营运车辆清单的比对发现，按车辆去重（规则 M6）。"))
    sheet(_("监管措施"), [_("作出日期"), _("措施类型"), _("事由"), _("对象单位"), _("作出单位"), _("文号"), _("状态")],
          [[a.starts_on.isoformat(), a.get_kind_display(), a.get_ground_display(), a.target.name, a.issued_by.name,
            a.reference_no, a.get_status_display()] for a in report.sanctions]
          + [[], [_("按类型合计")], *[[str(label), report.sanction_counts.get(k, 0)] for k, label in ActionKind.choices],
             [_("交通运输行政处罚决定"), report.penalties.get("total") or 0],
             [_("其中针对车辆"), report.penalties.get("on_vehicles") or 0],
             [_("其中针对企业"), report.penalties.get("on_companies") or 0],
             [_("罚款金额合计（元）"), report.penalties.get("amount") or 0]],
          note=_("本月登记的监管措施（规则 M15、M17）和交通运输行政处罚决定（规则 M7）。"))
    m = report.inspections
    sheet(_("联合检查与培训"), [_("项目"), _("数值")],
          [[_("本月计划开始的联合检查（次）"), m.inspections_planned], [_("本月检查单位（家次）"), m.parties_inspected],
           [_("其中发现问题（家次）"), m.parties_with_problems], [_("本月出具通报（件）"), m.notices_issued],
           [_("本月结束跟踪：已整改到位（件）"), m.notices_closed_rectified],
           [_("本月结束跟踪：逾期未整改到位（件）"), m.notices_closed_not_rectified],
           [_("督促整改中（件，截至生成时）"), m.notices_open_now], [_("其中已逾整改期限（件）"), m.notices_overdue_now],
           [_("本月行业培训（场）"), m.trainings], [_("参训企业（家，去重）"), m.training_companies],
           [_("参训驾驶员（人次）"), m.training_drivers], [],
           [_("检查编号"), _("计划日期"), _("牵头单位"), _("被检查单位（家）"), _("发现问题（家）"), _("状态")],
           *[[r.number, f"{r.planned_start:%Y-%m-%d} — {r.planned_end:%Y-%m-%d}", r.organizer, r.inspected,
              r.problems, r.status_label] for r in m.inspection_rows], [],
           [_("培训编号"), _("培训日期"), _("培训主题"), _("参训企业（家）"), _("参训驾驶员（人）")],
           *[[r.number, r.held_on.isoformat(), r.topic, r.companies, r.drivers] for r in m.training_rows]],
          note=_("本月的联合检查、问题通报与督促改正（规则 M17）和出租汽车行业协会的行业培训（规则 M2、M17）。"))
    sheet(_("网约车合规率"), [_("平台公司"), _("公司标识"), _("有订单车辆"), _("其中合规车辆"), _("车辆合规率（%）"),
                          _("订单数"), _("合规车辆完成订单"), _("订单合规率（%）")],
          [[r.company, r.company_id, r.vehicles, r.compliant_vehicles, r.vehicle_share, r.trips, r.compliant_trips,
            r.trip_share] for r in report.ridehailing],
          note=_("网约车监管数据：有订单当日持有效网络预约出租汽车运输证且有按营运性质承保的有效保单（规则 M5、M6、M9）。"))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
