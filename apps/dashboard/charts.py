"""The charts of the mechanism's health: one definition per chart gives who may see it, its table (the CSV) and the
Chart.js panels drawn from that table. The JSON endpoint, the CSV download and the page all read from here.

A chart is offered to a user only when the access module gives that user the data behind it (``available``); the
figures are the user's audience's (an insurer's own, a company's own, the supervisors' city-wide).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.claims.selectors import sla_insurers_for
from apps.complaints.models import Complaint
from apps.credit.models import SupervisoryAction
from apps.leads.models import Direction, Lead, Penalty, ScreeningFinding
from apps.parties.models import OrganizationKind
from apps.rescissions.models import RescissionCase
from apps.ridehailing.metrics import compliance_rates

from . import selectors
from .periods import Period, month_label

# Colours: semantic ones for good / late / open / bad, then a qualitative palette.
OK, LATE, OPEN, BAD, GREY = "#1b7f3b", "#e0a100", "#5b8def", "#b42318", "#9aa5b1"
FUNNEL_COLOURS = ["#0b5cab", "#4a86c8", "#8db4e2", "#1b7f3b"]  # identified → verified → checked → disposed
PALETTE = ["#0b5cab", "#2fa36b", "#e0a100", "#b42318", "#7a4fb5", "#00838f", "#c2185b", "#6d4c41", "#9aa5b1"]


@dataclass
class ChartData:
    columns: list[tuple[str, str]]  # (key, header)
    rows: list[dict[str, Any]]
    panels: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""


@dataclass(frozen=True)
class ChartSpec:
    key: str
    title: Any
    description: Any
    available: Callable[[Any], bool]
    build: Callable[[Any, Period], ChartData]
    basename: Any = ""


def _panel(title, labels, datasets, *, kind="bar", stacked=False, horizontal=False, y_label="") -> dict:
    return {"title": str(title), "type": kind, "labels": [str(x) for x in labels], "datasets": datasets,
            "stacked": stacked, "horizontal": horizontal, "y_label": str(y_label)}


def _dataset(label, data, colour, **extra) -> dict:
    return {"label": str(label), "data": data, "backgroundColor": colour, "borderColor": colour, **extra}


def _pct(value: float | None) -> float | str:
    return "" if value is None else round(value, 1)


# --- lead funnel ---------------------------------------------------------------------------------------------


def _funnel_available(user) -> bool:
    return selectors.audience_open(user, Lead)


def _funnel(user, period: Period) -> ChartData:
    rows = selectors.lead_funnel(user, period)
    table = [{
        "month": month_label(r.month), "direction": r.direction_label, "identified": r.identified,
        "verified": r.verified, "checked": r.checked, "confirmed": r.confirmed, "dismissed": r.dismissed,
        "disposed": r.disposed, "closed_rate": _pct(r.closed_rate),
    } for r in rows]
    columns = [("month", _("月份")), ("direction", _("方向")), ("identified", _("发现")), ("verified", _("已核验")),
               ("checked", _("已线下核查")), ("confirmed", _("其中确认")), ("dismissed", _("其中排除")),
               ("disposed", _("已处置")), ("closed_rate", _("闭环率（%）"))]
    months = [month_label(m) for m in period.months]
    with_data = [d for d in Direction.values if any(r.identified for r in rows if r.direction == d)]
    panels = []
    for direction in with_data or Direction.values:
        mine = [r for r in rows if r.direction == direction]
        datasets = [
            _dataset(label, [getattr(r, key) for r in mine], FUNNEL_COLOURS[i])
            for i, (key, label) in enumerate(selectors.FUNNEL_STAGES)
        ]
        panels.append(_panel(Direction(direction).label, months, datasets, y_label=_("线索数")))
    return ChartData(columns, table, panels, note=_("按线索发现的月份统计其后续进展。"))


# --- rescission timeliness -------------------------------------------------------------------------------------


def _rescissions_available(user) -> bool:
    return selectors.audience_open(user, RescissionCase)


def _rescissions(user, period: Period) -> ChartData:
    rows = selectors.rescission_timeliness(user, period)
    table = [{
        "insurer": r.insurer.short_name or r.insurer.name, "opened": r.opened, "decided_in_time": r.decided_in_time,
        "decided_late": r.decided - r.decided_in_time, "open": r.open, "lapsed": r.lapsed, "rescinded": r.rescinded,
        "in_time_rate": _pct(r.in_time_rate), "median_days": "" if r.median_days is None else r.median_days,
    } for r in rows]
    columns = [("insurer", _("保险公司")), ("opened", _("立案")), ("decided_in_time", _("按时决定")),
               ("decided_late", _("逾期决定")), ("open", _("办理中")), ("lapsed", _("超期失权")),
               ("rescinded", _("其中解除合同")), ("in_time_rate", _("按时率（%）")), ("median_days", _("决定用时中位数（天）"))]
    shown = [t for t in table if t["opened"]]
    labels = [t["insurer"] for t in shown]
    datasets = [
        _dataset(_("按时决定"), [t["decided_in_time"] for t in shown], OK, stack="s"),
        _dataset(_("逾期决定"), [t["decided_late"] for t in shown], LATE, stack="s"),
        _dataset(_("办理中"), [t["open"] for t in shown], OPEN, stack="s"),
        _dataset(_("超期失权"), [t["lapsed"] for t in shown], BAD, stack="s"),
    ]
    return ChartData(columns, table, [_panel(_("合同解除案件（按知道解除事由的时间立案）"), labels, datasets,
                                             stacked=True, horizontal=True, y_label=_("案件数"))],
                     note=_("30 日解除权时限（规则 M12、J5）；按时 = 在解除权消灭前登记决定。"))


# --- claims SLA ----------------------------------------------------------------------------------------------


def _claims_available(user) -> bool:
    return sla_insurers_for(user) != []


def _claims(user, period: Period) -> ChartData:
    table_rows = selectors.claims_sla(user, period)
    table = []
    for row in table_rows:
        for cell in row.ordered_cells():
            table.append({"insurer": row.insurer_name, "rule": cell.label, "total": cell.total, "met": cell.met,
                          "breached": cell.breached, "running": cell.running, "special": cell.special,
                          "share": _pct(cell.share_met * 100 if cell.share_met is not None else None)})
        table.append({"insurer": row.insurer_name, "rule": _("合计"), "total": sum(c.total for c in row.cells.values()),
                      "met": row.met, "breached": row.breached,
                      "running": sum(c.running for c in row.cells.values()),
                      "special": sum(c.special for c in row.cells.values()),
                      "share": _pct(row.share_met * 100 if row.share_met is not None else None)})
    columns = [("insurer", _("保险公司")), ("rule", _("时限")), ("total", _("起算数")), ("met", _("按时完成")),
               ("breached", _("超期")), ("running", _("进行中")), ("special", _("特殊情况暂停")),
               ("share", _("按时率（%）"))]
    shown = [r for r in table_rows if r.cells]
    labels = [r.insurer_name for r in shown]
    datasets = [
        _dataset(_("按时完成"), [r.met for r in shown], OK, stack="s"),
        _dataset(_("超期"), [r.breached for r in shown], BAD, stack="s"),
        _dataset(_("进行中"), [sum(c.running for c in r.cells.values()) for r in shown], OPEN, stack="s"),
    ]
    return ChartData(columns, table, [_panel(_("理赔时限（查勘调度、告知材料、核定、拒赔通知、支付、结案、进度通知）"),
                                             labels, datasets, stacked=True, horizontal=True, y_label=_("时限数"))],
                     note=_("按时限起算时间统计（规则 M13、J11）。"))


# --- complaints ------------------------------------------------------------------------------------------------


def _complaints_available(user) -> bool:
    return selectors.audience_open(user, Complaint)


def _complaints(user, period: Period) -> ChartData:
    summary = selectors.complaint_summary(user, period)
    keys = [k for k in selectors.outcome_keys() if any(s.outcomes.get(k) for s in summary)]
    table = []
    for s in summary:
        for k in selectors.outcome_keys():
            if s.outcomes.get(k):
                table.append({"hotline": s.hotline, "outcome": selectors.outcome_label(k), "count": s.outcomes[k]})
    columns = [("hotline", _("热线")), ("outcome", _("办理结果")), ("count", _("件数"))]
    colours = {"substantiated": BAD, "partly": LATE, "unsubstantiated": OK, "out_of_scope": GREY, "": PALETTE[4],
               selectors.IN_PROGRESS: OPEN}
    datasets = [_dataset(selectors.outcome_label(k), [s.outcomes.get(k, 0) for s in summary], colours.get(k, GREY),
                         stack="s") for k in keys]
    return ChartData(columns, table, [_panel(_("按热线和办理结果"), [s.hotline_label for s in summary], datasets,
                                             stacked=True, y_label=_("件数"))],
                     note=_("按受理时间统计（规则 M16）。"))


# --- screening findings ----------------------------------------------------------------------------------------


def _screening_available(user) -> bool:
    return selectors.audience_open(user, ScreeningFinding)


def _screening(user, period: Period) -> ChartData:
    rows = selectors.screening_over_time(user, period)
    sees_runs = bool(rows) and rows[0].runs is not None
    table = []
    for r in rows:
        item = {"month": month_label(r.month)}
        if sees_runs:
            item.update({"runs": r.runs, "listed": r.listed})
        item.update({"non_operating": r.non_operating, "uninsured": r.uninsured, "vehicles": r.vehicles})
        table.append(item)
    columns = [("month", _("月份"))]
    if sees_runs:
        columns += [("runs", _("比对次数")), ("listed", _("清单车辆数（最多）"))]
    columns += [("non_operating", _("按非营运投保（辆）")), ("uninsured", _("无有效保单（辆）")), ("vehicles", _("合计（辆）"))]
    datasets = [
        _dataset(_("持有效运输证但按非营运投保"), [r.non_operating for r in rows], LATE, stack="s"),
        _dataset(_("持有效运输证但无有效保单"), [r.uninsured for r in rows], BAD, stack="s"),
    ]
    return ChartData(columns, table, [_panel(_("合法营运车辆清单比对发现（按月去重车辆）"),
                                             [month_label(m) for m in period.months], datasets, stacked=True,
                                             y_label=_("车辆数"))],
                     note=_("规则 M6：定期推送的合法营运车辆清单与保单比对。"))


# --- sanctions -----------------------------------------------------------------------------------------------


def _sanctions_available(user) -> bool:
    return selectors.audience_open(user, SupervisoryAction) or selectors.audience_open(user, Penalty)


def _sanctions(user, period: Period) -> ChartData:
    rows = selectors.sanctions_over_time(user, period)
    kinds = selectors.sanction_kinds()
    table = [{"month": month_label(r.month), **{k: r.counts.get(k, 0) for k, _label in kinds}, "total": r.total}
             for r in rows]
    columns = [("month", _("月份")), *kinds, ("total", _("合计"))]
    datasets = [_dataset(label, [r.counts.get(k, 0) for r in rows], PALETTE[i % len(PALETTE)], stack="s")
                for i, (k, label) in enumerate(kinds)]
    return ChartData(columns, table, [_panel(_("监管措施与行政处罚（按月）"), [month_label(m) for m in period.months],
                                             datasets, stacked=True, y_label=_("件数"))],
                     note=_("规则 M15、M17：责令整改、暂停业务、行业自律惩戒及交通运输行政处罚。"))


# --- ride-hailing compliance ----------------------------------------------------------------------------------


def _ridehailing_available(user) -> bool:
    return bool(user.is_superuser or user.kind in (OrganizationKind.TRANSPORT, OrganizationKind.REGULATOR))


def _ridehailing(user, period: Period) -> ChartData:
    rows = compliance_rates(period.first, period.last)
    table = [{"month": month_label(r.month), "company": r.company, "company_id": r.company_id,
              "vehicles": r.vehicles, "compliant_vehicles": r.compliant_vehicles, "vehicle_share": _pct(
                  None if r.vehicle_share is None else float(r.vehicle_share)),
              "trips": r.trips, "compliant_trips": r.compliant_trips,
              "trip_share": _pct(None if r.trip_share is None else float(r.trip_share))} for r in rows]
    columns = [("month", _("月份")), ("company", _("平台公司")), ("company_id", _("公司标识")),
               ("vehicles", _("有订单车辆")), ("compliant_vehicles", _("其中合规车辆")), ("vehicle_share", _("车辆合规率（%）")),
               ("trips", _("订单数")), ("compliant_trips", _("合规车辆完成订单")), ("trip_share", _("订单合规率（%）"))]
    companies = sorted({(r.company_id, r.company) for r in rows})
    months = period.months
    by_key = {(r.month, r.company_id): r for r in rows}
    datasets = [
        _dataset(f"{name}（{code}）", [_pct(None if (m, code) not in by_key or by_key[(m, code)].vehicle_share is None
                                          else float(by_key[(m, code)].vehicle_share)) for m in months],
                 PALETTE[i % len(PALETTE)])
        for i, (code, name) in enumerate(companies)]
    return ChartData(columns, table, [_panel(_("网约车车辆合规率（持有效网约车运输证且按营运投保）"),
                                             [month_label(m) for m in months], datasets, kind="line",
                                             y_label=_("%"))],
                     note=_("规则 M5、M6、M9：有订单当日持有效网络预约出租汽车运输证且有按营运性质承保的有效保单。"))


CHARTS: dict[str, ChartSpec] = {spec.key: spec for spec in (
    ChartSpec("funnel", gettext_lazy("线索闭环漏斗"), gettext_lazy("发现 → 核验 → 线下核查 → 处置，按方向和月份（规则 M4）"),
              _funnel_available, _funnel, gettext_lazy("线索闭环漏斗")),
    ChartSpec("rescissions", gettext_lazy("合同解除时效"), gettext_lazy("各保险公司 30 日内行使解除权的情况（规则 M12）"),
              _rescissions_available, _rescissions, gettext_lazy("合同解除时效")),
    ChartSpec("claims", gettext_lazy("理赔时效达标"), gettext_lazy("各保险公司理赔时限按时完成情况（规则 M13）"),
              _claims_available, _claims, gettext_lazy("理赔时效达标")),
    ChartSpec("complaints", gettext_lazy("投诉举报"), gettext_lazy("12328 / 12378 举报按热线和办理结果（规则 M16）"),
              _complaints_available, _complaints, gettext_lazy("投诉举报")),
    ChartSpec("screening", gettext_lazy("清单比对发现"), gettext_lazy("合法营运车辆清单比对发现的车辆，按月（规则 M6）"),
              _screening_available, _screening, gettext_lazy("清单比对发现")),
    ChartSpec("sanctions", gettext_lazy("监管措施"), gettext_lazy("监管措施与行政处罚，按月和类型（规则 M15）"),
              _sanctions_available, _sanctions, gettext_lazy("监管措施")),
    ChartSpec("ridehailing", gettext_lazy("网约车合规率"),
              gettext_lazy("各平台公司有订单车辆持证并按营运投保的比例，按月（规则 M5、M6、M9）"),
              _ridehailing_available, _ridehailing, gettext_lazy("网约车合规率")),
)}


def charts_for(user) -> list[ChartSpec]:
    if not getattr(user, "is_authenticated", False):
        return []
    return [spec for spec in CHARTS.values() if spec.available(user)]


def chart_for(user, key: str) -> ChartSpec | None:
    spec = CHARTS.get(key)
    if spec is None or not getattr(user, "is_authenticated", False) or not spec.available(user):
        return None
    return spec


def payload(spec: ChartSpec, data: ChartData, period: Period, *, csv_url: str = "") -> dict:
    """The JSON the page's script draws (and any client may read)."""
    return {
        "key": spec.key, "title": str(spec.title), "description": str(spec.description), "note": str(data.note),
        "period": {**period.as_query(), "label": period.label},
        "columns": [{"key": k, "label": str(label)} for k, label in data.columns],
        "rows": data.rows, "charts": data.panels, "csv": csv_url,
    }
