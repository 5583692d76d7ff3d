"""Pages of the dashboard app: the charts page, each chart's CSV, the list of clocks behind the home page's numbers,
the joint monthly report (page, PDF, XLSX), and the home page (``home``, at ``/``), which takes its numbers from
``tiles.py``."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.claims.selectors import closed_as_withdrawn
from apps.core import calendar, exports
from apps.core.audit import audit_record
from apps.core.errors import ApplicationError
from apps.core.home import panels_for
from apps.core.rules import rule_label
from apps.core.templatetags.lz import deadline_css
from apps.parties.models import OrganizationKind, Role

from . import charts, due, report, selectors, tiles
from .periods import default_period, period_from


def chart_urls(key: str, period) -> dict[str, str]:
    query = "from={from}&to={to}".format(**period.as_query())
    return {
        "data": f"{reverse('api-dashboard-chart', args=[key])}?{query}",
        "csv": f"{reverse('dashboard:chart-csv', args=[key])}?{query}",
    }


@login_required
def chart_page(request):
    """The mechanism's health in charts, for the period chosen (whole months)."""
    specs = charts.charts_for(request.user)
    if not specs:
        raise Http404
    try:
        period = period_from(request.GET)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        period = default_period()
    return render(request, "dashboard/charts.html", {
        "period": period,
        "charts": [{"spec": spec, **chart_urls(spec.key, period)} for spec in specs],
        "may_report": report.may_read(request.user),
    })


@login_required
def chart_csv(request, key: str):
    """The table behind one chart as CSV (the same rows as the JSON endpoint), audited as an export."""
    spec = charts.chart_for(request.user, key)
    if spec is None:
        raise Http404
    try:
        period = period_from(request.GET)
    except ApplicationError as exc:
        return HttpResponseBadRequest(exc.message, content_type="text/plain; charset=utf-8")
    data = spec.build(request.user, period)
    columns = [exports.Column(label, lambda row, k=k: row.get(k)) for k, label in data.columns]
    fmt = request.GET.get("format") or "csv"
    if fmt not in exports.FORMATS:
        return HttpResponseBadRequest(_("导出格式只能是 CSV 或 XLSX。"), content_type="text/plain; charset=utf-8")
    return exports.export_response(
        user=request.user, queryset=data.rows, columns=columns, fmt=fmt,
        basename=f"{spec.basename}_{period.as_query()['from']}_{period.as_query()['to']}",
        filters={"chart": key, **period.as_query()}, title=str(spec.title),
    )


@login_required
def deadlines(request):
    """The clocks behind the home page's numbers: breached / due today / due soon, own or watched."""
    when = request.GET.get("when", "all")
    when = when if when in selectors.WHEN_CHOICES else "all"
    watcher = request.user.is_superuser or request.user.kind in {
        OrganizationKind.REGULATOR, OrganizationKind.INSURANCE_ASSOCIATION}
    scope = request.GET.get("scope", "mine")
    scope = scope if scope in ("mine", "others", "all") and watcher else "mine"
    rule = request.GET.get("rule", "")[:60]
    now = timezone.now()
    qs = selectors.deadlines_due(request.user, when=when, scope=scope, rule=rule, now=now)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    links = selectors.subject_links(request.user, page.object_list)
    withdrawn = closed_as_withdrawn(page.object_list)
    rules = sorted({r for r in selectors.deadlines_due(request.user, scope=scope, now=now)
                    .order_by().values_list("rule", flat=True).distinct()}, key=lambda r: str(rule_label(r)))
    return render(request, "dashboard/deadlines.html", {
        "page": page, "rows": [_deadline_row(d, links.get(d.pk), now, d.pk in withdrawn) for d in page.object_list], "now": now,
        "when": when,
        "scope": scope, "rule": rule, "watcher": watcher,
        "whens": [("breached", _("已超期")), ("today", _("今日到期")), ("soon", _("近期到期")), ("all", _("全部未完成")),
                  ("withdrawn", _("因撤案终止"))],
        "rules": [(r, rule_label(r)) for r in rules],
        "calendar_warnings": calendar.missing_years_warning(now.year),
    })


def _deadline_row(deadline, link, now, withdrawn: bool = False) -> dict:
    """A clock as the list shows it: past due counts as breached even before the beat scan records it; a clock
    closed because its claim was withdrawn says so (因撤案终止), never the kernel's bare 已撤销."""

    if withdrawn:
        return {"d": deadline, "link": link, "css": "", "status": _("因撤案终止"), "closed": True}
    overdue = deadline.met_at is None and deadline.due_at < now
    return {
        "d": deadline, "link": link, "css": "bad" if overdue else deadline_css(deadline, now),
        "status": _("已超期") if overdue and not deadline.breached_at else deadline.get_status_display(),
    }


# --- the joint monthly report (rule M17) ---------------------------------------------------------------------


def _report_for(request):
    if not report.may_read(request.user):
        raise Http404
    month = report.month_from(request.GET.get("month"))
    return report.compile_report(user=request.user, month=month)


@login_required
def report_page(request):
    if not report.may_read(request.user):
        raise Http404
    try:
        joint = _report_for(request)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        joint = report.compile_report(user=request.user, month=report.default_month())
    return render(request, "dashboard/report.html", {
        "report": joint, "months": report.report_months(),
        "document": report.render_html(joint, for_pdf=False),
    })


def _download(request, fmt: str):
    try:
        joint = _report_for(request)
    except ApplicationError as exc:
        return HttpResponseBadRequest(exc.message, content_type="text/plain; charset=utf-8")
    if fmt == "pdf":
        body, content_type = report.render_pdf(joint), "application/pdf"
    else:
        body, content_type = report.render_xlsx(joint), \
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    audit_record(actor=request.user, action="dashboard.report_download",
                 detail={"month": joint.month_label, "format": fmt, "bytes": len(body)})
    response = HttpResponse(body, content_type=content_type)
    filename = f"{_('联合监管月报')}_{joint.month_label}.{fmt}"
    response["Content-Disposition"] = (f'attachment; filename="joint_report_{joint.month_label}.{fmt}"; '
                                       f"filename*=UTF-8''{quote(filename)}")
    return response


@login_required
def report_pdf(request):
    return _download(request, "pdf")


@login_required
def report_xlsx(request):
    return _download(request, "xlsx")


@login_required
def home(request):
    """The home page (``/``, URL name ``home``), the role's dashboard: first the organisation's clocks past due or
    due soonest (``due.py``), then what it must act on today as numbers linking to the filtered lists
    (``tiles.py``), links to the charts the user may see, then the panels the apps registered."""
    role = request.user.role
    return render(request, "dashboard/home.html", {
        "role": role,
        "role_label": Role(role).label if role else "",
        "today": timezone.localdate(),
        "due": due.due_panel(request.user) if request.user.organization_id else None,
        "tiles": tiles.tiles_for(request.user),
        "charts": charts.charts_for(request.user),
        "may_report": report.may_read(request.user),
        "panels": panels_for(request),
    })
