"""Pages of the claims app: the insurer's claims by nearest deadline, a claim with its clocks and next steps, the
service-level table with chart, export and drill-down (rule M13, J11), the claims analytics and focused checks (M14).
Pages parse input and call the same services as the API."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.claims.errors import ErrorCode
from apps.core import calendar, exports
from apps.core.actions import form_action, refuse
from apps.core.audit import reveal
from apps.core.deadlines import deadline_for
from apps.core.documents import pdf_response
from apps.core.errors import ApplicationError, ConflictError
from apps.core.models import Deadline
from apps.core.pagination import BoundedPaginator
from apps.parties import access, rights
from apps.parties.models import Organization, OrganizationKind
from apps.policies.access import may_reveal_policyholder

from . import analytics, charts, clocks, refusal_notice, selectors, services
from .access import may_read_analytics
from .forms import (
    ACTION_FORMS,
    CheckResultForm,
    ClaimCreateForm,
    PeriodForm,
    ThresholdsForm,
    action_facts,
    available_actions,
    default_period,
)
from .models import AnalyticsRun, AnalyticsThresholds, Claim, FocusedCheck, FocusedCheckList

# --- claims --------------------------------------------------------------------------------------------------------


@login_required
def claim_list(request):
    user = request.user
    rights.require(user, "claims.view_claim")
    view = request.GET.get("view") or "open"
    filters = {k: request.GET.get(k, "") for k in ("q", "status", "insurer", "flagged")}
    qs = selectors.claims_for_user(user, open_only=view == "open", filters=filters)
    qs = selectors.order_by_due(qs) if view == "open" else selectors.with_next_due(qs).order_by("-reported_at", "-id")
    page = BoundedPaginator(qs, 50).get_page(request.GET.get("page"))
    clock_map = selectors.clocks_for_claims(page.object_list)
    now = timezone.now()
    rows = [{"claim": c, "nearest": selectors.nearest_clock(clock_map[c.pk]), "clocks": clock_map[c.pk]}
            for c in page.object_list]
    return render(request, "claims/claim_list.html", {
        "page": page, "rows": rows, "now": now, "view": view, "filters": filters,
        "statuses": Claim.Status.choices,
        "insurers": Organization.objects.filter(kind=OrganizationKind.INSURER).order_by("name")
        if user.kind != OrganizationKind.INSURER else [],
        "can_add": services.may_record_claims(user),
        "calendar_warning": calendar.missing_years_warning(now.year, now.year + 1),
    })


@login_required
def claim_create(request):
    user = request.user
    services.require_claim_recorder(user)  # the page itself is the insurer's
    form = ClaimCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            claim = services.claim_create_from_page(actor=user, data=data)
        except ApplicationError as exc:
            refuse(request, exc, form)
        else:
            messages.success(request, _("已登记报案 %(number)s，查勘调度和告知材料时限已开始计时。") % {"number": claim.number})
            return redirect("claims-detail", pk=claim.pk)
    return render(request, "claims/claim_form.html", {"form": form})


@login_required
def claim_detail(request, pk: int):
    rights.require(request.user, "claims.view_claim")
    return _claim_page(request, _claim(request, pk))


def _claim(request, pk: int) -> Claim:
    return access.get_for_user(request.user, Claim.objects.select_related("insurer", "vehicle", "policy", "driver"),
                               pk=pk)


def _claim_page(request, claim: Claim, bound=None, status: int = 200):
    """The claim page; ``bound``: a refused action's submitted form (its prefix names the action), shown again in
    its place with the typed input and its errors."""
    user = request.user
    deadlines = selectors.claim_clocks(claim)
    for deadline in deadlines:  # closed as withdrawn (撤案), said so — never a bare "已撤销"
        deadline.withdrawn = claim.is_withdrawn and deadline.status == deadline.Status.CANCELLED
    can_edit = services.may_change_claim(user, claim)
    actions = []
    if can_edit:
        for name in available_actions(claim):
            form_class, label = ACTION_FORMS[name]
            form = bound if bound is not None and bound.prefix == name else form_class(prefix=name)
            actions.append({"name": name, "label": label, "form": form})
    return render(request, "claims/claim_detail.html", {
        "claim": claim, "deadlines": deadlines, "now": timezone.now(), "actions": actions, "can_edit": can_edit,
        "notices": claim.progress_notices.exclude(sent_at=None).order_by("sent_at"),
        "pauses": [p for d in deadlines for p in d.pauses.all()],
        "timeline": _timeline(claim, deadlines),
        "operating_consequence": claim.operating_consequence if claim.operating_flag else "",
        "refusal_notice_url": reverse("claims-refusal-notice", args=[claim.pk])
        if refusal_notice.available(claim) and may_reveal_policyholder(user, claim.policy) else "",
    }, status=status)


@login_required
def claim_refusal_notice(request, pk: int):
    """The refusal notice of a refused claim (rule J11) as a PDF, for those who read the claim and may read the
    policyholder's name it is addressed to (the insurer, the regulator; rule M3); others get 403/404 as for the claim."""
    user = request.user
    rights.require(user, "claims.view_claim")
    claim = access.get_for_user(user, Claim.objects.select_related("insurer", "vehicle", "policy"), pk=pk)
    if not refusal_notice.available(claim) or not may_reveal_policyholder(user, claim.policy):
        raise Http404
    claimant = reveal(actor=user, obj=claim.policy, field="policyholder_name",
                      reason=f"claim refusal notice {claim.number}")
    return pdf_response(refusal_notice.render_pdf(claim, claimant=claimant), f"{refusal_notice.doc_no(claim)}.pdf")


def _timeline(claim: Claim, deadlines=()) -> list[tuple[dt.datetime, str]]:
    events = [(claim.occurred_at, _("出险")), (claim.reported_at, _("报案"))]
    for field in ("special_circumstances_at", *services.TIMESTAMPS):
        value = getattr(claim, field)
        if value and not (field == "closed_at" and claim.is_withdrawn):
            events.append((value, str(Claim._meta.get_field(field).verbose_name).replace("时间", "")))
    for notice in claim.progress_notices.exclude(sent_at=None):
        events.append((notice.sent_at, _("进度通知")))
    if claim.is_withdrawn:
        events.append((claim.withdrawn_at, _("撤案：%(reason)s") % {"reason": claim.withdrawal_reason}))
        for deadline in deadlines:
            if getattr(deadline, "withdrawn", False):
                events.append((claim.withdrawn_at, _("时限因撤案终止：%(rule)s") % {
                    "rule": clocks.CLOCKS[deadline.rule].label}))
    return sorted(events, key=lambda e: e[0])


@login_required
@require_POST
def claim_action(request, pk: int, action: str):
    """One action of the claim page (``apps.core.actions.form_action``): a refused one changes nothing and shows
    the page again with the typed input and the error beside its field (400, or the service's 403 / 409)."""
    user = request.user
    rights.require(user, "claims.change_claim", _("只有承办的保险公司可以录入和更新本公司的理赔案件。"))
    claim = access.get_for_user(user, Claim, pk=pk)
    back = reverse("claims-detail", args=[claim.pk])
    if action == "recheck":  # a bare button: a refusal is a message on the page it came from
        return form_action(request, None, lambda d: services.claim_operating_recheck(claim=claim, actor=user),
                           success=_("已重新核查出险时的营运情况。"), redirect_to=back)
    if action not in ACTION_FORMS:
        raise Http404
    form_class, label = ACTION_FORMS[action]

    def call(data):
        if action == "withdraw":
            return _withdraw(request, claim, data)
        return services.claim_advance(claim=claim, actor=user, facts=action_facts(action, data))

    def success(changed) -> str:
        if action == "withdraw":
            return _("案件已撤案，进行中的时限已因撤案终止。")
        return _("%(label)s：已记录。") % {"label": label} if changed else _("没有变化。")

    return form_action(
        request, form_class(request.POST, prefix=action), call, success=success, redirect_to=back,
        page=lambda form, status: _claim_page(request, _claim(request, pk), form, status))


def _withdraw(request, claim: Claim, data: dict):
    """撤案 in two steps: the form (reason, instant) leads to a confirmation page that names the clocks the
    withdrawal closes (answered as it is); only its confirmation (``confirm=1``) withdraws the claim. A withdrawal
    the claim's state does not allow is refused on the claim page (409) with the typed reason kept."""
    refusal = services.withdrawal_refusal(claim)
    if refusal:
        raise ConflictError(refusal, code=ErrorCode.NOT_WITHDRAWABLE)
    if request.POST.get("confirm") != "1":
        return render(request, "claims/claim_withdraw_confirm.html", {
            "claim": claim, "reason": data["reason"], "at": data["at"],
            "at_input": timezone.localtime(data["at"]).strftime("%Y-%m-%dT%H:%M"),
            "closing": services.withdrawal_preview(claim, data["at"]),
        })
    return services.claim_withdraw(claim=claim, actor=request.user, reason=data["reason"], at=data["at"],
                                   confirm=True)


# --- service levels -------------------------------------------------------------------------------------------------


def _period(request) -> tuple[PeriodForm, dt.date, dt.date]:
    start, end = default_period()
    form = PeriodForm(request.GET or None, initial={"start": start, "end": end})
    if request.GET and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    return form, start, end


def _sla_columns() -> list[exports.Column]:
    columns = [exports.Column(_("保险公司"), lambda r: r["insurer"]), exports.Column(_("时限"), lambda r: r["label"])]
    for header, key in (
        (_("起算数"), "total"), (_("按时完成"), "met"), (_("超期"), "breached"), (_("进行中"), "running"),
        (_("特殊情况暂停"), "special"), (_("因撤案终止"), "withdrawn"), (_("按时率（%）"), "share"), (_("中位用时（小时）"), "median_hours"),
        (_("90 分位用时（小时）"), "p90_hours"),
    ):
        columns.append(exports.Column(header, lambda r, k=key: r[k]))
    return columns


def _sla_export_rows(table) -> list[dict]:
    out = []
    for row in table:
        for cell in row.ordered_cells():
            out.append({
                "insurer": row.insurer_name, "label": cell.label, "total": cell.total, "met": cell.met,
                "breached": cell.breached, "running": cell.running, "special": cell.special,
                "withdrawn": cell.withdrawn, "share": round(cell.share_met * 100, 1) if cell.share_met is not None else "",
                "median_hours": round(cell.median_seconds / 3600, 2) if cell.median_seconds is not None else "",
                "p90_hours": round(cell.p90_seconds / 3600, 2) if cell.p90_seconds is not None else "",
            })
    return out


@login_required
def sla(request):
    user = request.user
    if selectors.sla_insurers_for(user) == []:
        raise PermissionDenied
    form, start, end = _period(request)
    table = selectors.sla_table(user=user, start=start, end=end)
    fmt = request.GET.get("format")
    if fmt in exports.FORMATS:
        return exports.export_response(
            user=user, queryset=_sla_export_rows(table), columns=_sla_columns(), basename=_("理赔服务时效"),
            fmt=fmt, filters={"start": start.isoformat(), "end": end.isoformat()},
        )
    return render(request, "claims/sla.html", {
        "form": form, "start": start, "end": end, "table": table, "rules": [clocks.CLOCKS[r] for r in clocks.RULES],
        "chart": charts.sla_bars(table), "can_drill": user.has_perm("claims.view_claim"),
        "calendar_warning": calendar.missing_years_warning(start.year, end.year),
    })


@login_required
def sla_breaches(request):
    user = request.user
    rights.require(user, "claims.view_claim")
    form, start, end = _period(request)
    insurer_id = request.GET.get("insurer") or None
    rule = request.GET.get("rule") or None
    if rule and rule not in clocks.CLOCKS:
        raise Http404
    qs = selectors.breached_clocks(user=user, start=start, end=end, insurer_id=int(insurer_id) if insurer_id and
                                   insurer_id.isdigit() else None, rule=rule)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    claims = selectors.claims_of_clocks(page.object_list)
    return render(request, "claims/sla_breaches.html", {
        "form": form, "page": page, "rows": [(d, claims.get(d.pk)) for d in page.object_list], "rule": rule,
        "insurer": Organization.objects.filter(pk=insurer_id).first() if insurer_id and insurer_id.isdigit() else None,
        "start": start, "end": end, "now": timezone.now(),
    })


# --- analytics and focused checks (rule M14) -------------------------------------------------------------------------


@login_required
def analytics_overview(request):
    user = request.user
    if not may_read_analytics(user):
        raise PermissionDenied
    current = analytics.thresholds_current()
    can_edit = rights.may(user, "claims.add_analyticsthresholds")
    form = ThresholdsForm(instance=current, initial={"note": ""}) if can_edit else None
    runs = access.visible(user, AnalyticsRun).select_related("thresholds")[:10]
    checks = access.visible(user, FocusedCheck).select_related("vehicle", "driver", "company", "run")
    result = request.GET.get("result", "")
    if result:
        checks = checks.filter(result=result)
    page = Paginator(checks.order_by("-created_at", "-id"), 50).get_page(request.GET.get("page"))
    return render(request, "claims/analytics.html", {
        "current": current, "history": access.visible(user, AnalyticsThresholds)[:10], "form": form,
        "can_edit": can_edit, "runs": runs, "page": page, "result": result, "results": FocusedCheck.Result.choices,
    })


@login_required
@require_POST
def thresholds_update(request):
    user = request.user
    form = ThresholdsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("阈值填写有误：%(errors)s") % {
            "errors": "；".join(f"{form.fields[f].label if f in form.fields else ''}{' '.join(e)}"
                              for f, e in form.errors.items())})
        return redirect("claims-analytics")
    try:
        new = analytics.thresholds_update(actor=user, **form.cleaned_data)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("理赔分析阈值已更新为第 %(v)d 版。") % {"v": new.version})
    return redirect("claims-analytics")


@login_required
@require_POST
def analytics_run_now(request):
    try:
        run = analytics.analytics_run(actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("分析完成：列入车辆 %(v)d 辆、驾驶员 %(d)d 人，生成核查清单 %(l)d 份。") % {
            "v": run.vehicles_flagged, "d": run.drivers_flagged, "l": run.lists_created})
    return redirect("claims-analytics")


@login_required
def check_list(request):
    user = request.user
    rights.require(user, "claims.view_focusedcheck")
    checks = access.visible(user, FocusedCheck).select_related("vehicle", "driver", "company", "run", "check_list")
    list_id = request.GET.get("list", "")
    if list_id.isdigit():
        checks = checks.filter(check_list_id=int(list_id))
    result = request.GET.get("result", "pending" if user.kind == OrganizationKind.TAXI_COMPANY else "")
    if result:
        checks = checks.filter(result=result)
    page = Paginator(checks.order_by("result", "-created_at", "-id"), 50).get_page(request.GET.get("page"))
    lists = list(access.visible(user, FocusedCheckList).select_related("company", "run")[:20])
    clocks = {clock.object_id: clock for clock in Deadline.objects.filter(
        rule=analytics.FOCUSED_CHECK_RULE, content_type=ContentType.objects.get_for_model(FocusedCheckList),
        object_id__in=[str(check_list.pk) for check_list in lists])}
    for check_list in lists:
        check_list.clock = clocks.get(str(check_list.pk))  # rule M14: the company's period for the results
    return render(request, "claims/check_list.html", {
        "page": page, "result": result, "results": FocusedCheck.Result.choices, "lists": lists,
    })


@login_required
def check_detail(request, pk: int):
    user = request.user
    rights.require(user, "claims.view_focusedcheck")
    check = access.get_for_user(
        user, FocusedCheck.objects.select_related("vehicle", "driver", "company", "run", "check_list", "checked_by"),
        pk=pk,
    )
    can_record = (check.company_id == user.organization_id and check.result == FocusedCheck.Result.PENDING
                  and rights.may(user, "claims.change_focusedcheck"))
    form = CheckResultForm(request.POST or None) if can_record else None
    if request.method == "POST":
        if not can_record:
            raise PermissionDenied
        if form.is_valid():
            try:
                analytics.focused_check_record(
                    actor=user, check=check, result=form.cleaned_data["result"], note=form.cleaned_data["note"],
                    report_lead=request.POST.get("report_lead") == "on",
                )
            except ApplicationError as exc:
                refuse(request, exc, form)
            else:
                messages.success(request, _("核查结果已录入。"))
                return redirect("claims-check-detail", pk=check.pk)
    clock = (deadline_for(rule=analytics.FOCUSED_CHECK_RULE, subject=check.check_list)
             if check.check_list_id else None)
    return render(request, "claims/check_detail.html", {"check": check, "form": form, "clock": clock})
