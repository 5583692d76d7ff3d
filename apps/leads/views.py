"""Pages of the leads app (Chinese). Thin: read through ``selectors`` (audience from the access module), write
through ``services``; a refused action shows the service's message and changes nothing. Who may open a page is
the rights table (``rights.require``: 403); what a page offers asks the same table (``rights.may``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core.actions import form_action, refuse
from apps.core.deadlines import deadline_for
from apps.core.errors import ApplicationError
from apps.core.models import Deadline
from apps.core.pagination import BoundedPaginator
from apps.core.redirects import safe_next
from apps.parties import access, rights
from apps.parties.models import Organization, OrganizationKind
from apps.policies.services import ENDORSEMENT_RULE

from . import forms, risk, selectors, services
from . import screening as screening_services
from .models import (
    Direction,
    InsurerWorklistItem,
    LawfulListRun,
    Lead,
    LeadAttachment,
    Outcome,
    Penalty,
    RiskModelRun,
    RiskScore,
    ScreeningFinding,
    Status,
)
from .screening import lawful_list_push
from .uploads import parse_plate_list

PAGE = 50


def _page(request, qs, size: int = PAGE):
    """A page of a lead list: counts at most 10,000 rows, past them "下一页" moves by keyset (apps.core.pagination)."""
    return BoundedPaginator(qs, size).get_page(request.GET.get("page"))


def _next(request, default: str) -> str:
    return safe_next(request, default)


# --- lists ---------------------------------------------------------------------------------------------------------


def _lead_list(request, *, box: str):
    form = forms.LeadFilterForm(request.GET or None)
    select = selectors.inbox if box == "inbox" else selectors.outbox
    qs = select(user=request.user, **form.filters())
    return render(request, "leads/lead_list.html", {
        "box": box, "form": form, "page": _page(request, qs), "kind": request.user.kind,
        "counts": selectors.inbox_counts(user=request.user),
        "may_flag": services.may_act_as(request.user, "leads.flag_lead", OrganizationKind.TRANSPORT),
        "may_report": services.may_act_as(request.user, "leads.report_lead", OrganizationKind.TAXI_COMPANY),
        # rule M2: the regulator requests transport's offline check; transport checks, defines and closes
        "may_request": rights.may(request.user, "leads.request_offline_check"),
        "may_define": services.may_act_as(request.user, "leads.define_illegal_operation", OrganizationKind.TRANSPORT),
        # leads are pushed by their sender: transport's own, or the insurance association's
        "may_push": services.may_act_as(request.user, "leads.change_lead", OrganizationKind.TRANSPORT)
        or services.may_act_as(request.user, "leads.change_lead", OrganizationKind.INSURANCE_ASSOCIATION),
    })


@login_required
def inbox(request):
    rights.require(request.user, "leads.view_lead")
    return _lead_list(request, box="inbox")


@login_required
def outbox(request):
    rights.require(request.user, "leads.view_lead")
    return _lead_list(request, box="outbox")


@login_required
@require_POST
def bulk(request):
    """Bulk actions on selected leads (each lead through its service; one push = one batch)."""
    form = forms.BulkForm(request.POST)
    back = _next(request, reverse("leads:inbox"))
    if not form.is_valid() or not form.cleaned_data["ids"]:
        messages.error(request, _("请先勾选线索。"))
        return redirect(back)
    action = form.cleaned_data["action"]
    leads = list(access.visible(request.user, Lead).filter(pk__in=form.cleaned_data["ids"]).order_by("pk"))
    if len(leads) != len(set(form.cleaned_data["ids"])):
        raise Http404
    try:
        if action == "push":
            batch = services.lead_push(actor=request.user, leads=leads)
            messages.success(request, _("已将 %(n)d 条线索作为一个批次推送至%(to)s。") % {
                "n": len(leads), "to": batch.recipient.name})
        else:
            done = _bulk_each(request, action, leads, form.cleaned_data.get("reason") or "")
            messages.success(request, _("已处理 %(n)d 条线索。") % {"n": done})
    except ApplicationError as exc:
        refuse(request, exc)
    return redirect(back)


def _bulk_each(request, action: str, leads: list[Lead], reason: str) -> int:
    from django.db import transaction

    with transaction.atomic():  # all or nothing: a refused lead leaves the others unchanged too
        for lead in leads:
            if action == "request_check":
                services.lead_offline_check_request(actor=request.user, lead=lead, note=reason)
            elif action == "check_start":
                services.lead_check_start(actor=request.user, lead=lead)
            elif action == "dismiss":
                services.lead_check_record(actor=request.user, lead=lead, outcome=Outcome.DISMISSED,
                                           result=reason or _("批量排除"), reason=reason)
            elif action == "dispose":
                services.lead_dispose(actor=request.user, lead=lead)
    return len(leads)


# --- raising leads -------------------------------------------------------------------------------------------------


@login_required
def flag(request):
    """Rule M5: flag one vehicle."""
    services.acting_party(request.user, "leads.flag_lead", OrganizationKind.TRANSPORT,
                          _("只有交通运输部门可以标记疑似非法营运车辆。"))
    form = forms.FlagForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            lead = services.lead_flag(actor=request.user, plate=d["plate"], evidence=d["evidence"],
                                      attachments=d["attachments"], push=d["push"])
            messages.success(request, _("线索 %(ref)s 已创建%(pushed)s。") % {
                "ref": lead.reference, "pushed": _("并推送") if d["push"] else ""})
            return redirect("leads:detail", pk=lead.pk)
        except ApplicationError as exc:
            refuse(request, exc, form)
    return render(request, "leads/flag.html", {"form": form, "title": _("标记疑似非法营运车辆")})


@login_required
def report(request):
    """Rule M9: a taxi company reports a suspected vehicle."""
    services.acting_party(request.user, "leads.report_lead", OrganizationKind.TAXI_COMPANY,
                          _("只有出租汽车企业/平台可以上报疑似非法营运车辆。"))
    form = forms.ReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            lead = services.lead_report_by_company(actor=request.user, plate=d["plate"], evidence=d["evidence"],
                                                   attachments=d["attachments"])
            messages.success(request, _("已上报，线索编号 %(ref)s。") % {"ref": lead.reference})
            return redirect("leads:detail", pk=lead.pk)
        except ApplicationError as exc:
            refuse(request, exc, form)
    return render(request, "leads/flag.html", {"form": form, "title": _("上报疑似非法营运车辆")})


@login_required
def upload(request):
    """Rule M5: an uploaded list of plates → leads pushed as ONE batch."""
    services.acting_party(request.user, "leads.flag_lead", OrganizationKind.TRANSPORT,
                          _("只有交通运输部门可以标记疑似非法营运车辆。"))
    form = forms.UploadForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            parsed = parse_plate_list(form.cleaned_data["file"])
            errors = parsed.errors
            if errors:
                messages.error(request, _("清单有 %(n)d 行错误，未创建任何线索；请修改后重新上传。") % {"n": len(errors)})
            else:
                leads = services.lead_flag_many(actor=request.user, rows=parsed.rows, push=form.cleaned_data["push"])
                messages.success(request, _("已创建 %(n)d 条线索%(pushed)s。") % {
                    "n": len(leads), "pushed": _("，并作为一个批次推送") if form.cleaned_data["push"] else ""})
                return redirect("leads:outbox")
        except ApplicationError as exc:
            refuse(request, exc, form)
    return render(request, "leads/upload.html", {"form": form, "errors": errors})


# --- one lead ------------------------------------------------------------------------------------------------------


def _vehicle_penalties(user, lead: Lead):
    qs = access.visible(user, Penalty)
    return qs.filter(vehicle_id=lead.vehicle_id) if lead.vehicle_id else qs.none()


@login_required
def detail(request, pk: int):
    """One lead (404 outside the user's audience, whatever the role)."""
    return _detail_page(request, selectors.lead_get(user=request.user, pk=pk))


def _detail_page(request, lead: Lead, bound=None, status: int = 200):
    """The lead page; ``bound``: a refused action's submitted form, shown again in its place with the typed input
    and its errors."""
    user = request.user
    org = user.organization_id
    is_sender = org == lead.sender_id and rights.may(user, "leads.change_lead")
    # Rule M2: the regulator verifies insurance and may request the offline check; transport checks and defines.
    regulator_side = org == lead.recipient_id and lead.direction == Direction.TRANSPORT_TO_INSURANCE
    may_define = services.may_define(user, lead)
    penalties = _vehicle_penalties(user, lead).filter(organization_id=org)
    context = {
        "lead": lead,
        "trail": selectors.lead_trail(user=user, lead=lead),
        "attachments": access.visible(user, LeadAttachment).filter(lead=lead),
        "worklist_items": selectors.lead_worklist_items(user=user, lead=lead),
        "spawned_cases": selectors.lead_spawned_cases(user=user, lead=lead),
        "pending": selectors.lead_disposal_pending(lead),
        "picture": selectors.vehicle_picture(user=user, lead=lead),
        "vehicle_url": selectors.vehicle_url(lead.vehicle_id) if lead.vehicle_id else "",
        "labels": services.ACTION_LABELS,
        "may_push": is_sender and lead.status == Status.NEW,
        "may_verify": regulator_side and rights.may(user, "leads.verify_lead_insurance")
        and lead.status in (Status.VERIFIED, Status.OFFLINE_CHECK),
        "may_request": regulator_side and rights.may(user, "leads.request_offline_check")
        and lead.status == Status.VERIFIED,
        "may_start": may_define and lead.status == Status.VERIFIED,
        "may_check": may_define and lead.status == Status.OFFLINE_CHECK,
        "may_dispose": may_define and lead.status in (Status.CONFIRMED, Status.DISMISSED),
        "may_attach": (lead.status == Status.NEW and org in (lead.origin_id, lead.sender_id))
        or ((org == lead.recipient_id or may_define) and lead.status in (Status.VERIFIED, Status.OFFLINE_CHECK)),
        "check_clock": deadline_for(rule=services.OFFLINE_CHECK_RULE, subject=lead),
        "verify_form": forms.VerifyForm(),
        "request_form": forms.CheckRequestForm(),
        "check_form": forms.CheckForm(penalties=penalties),
        "dispose_form": forms.DisposeForm(penalties=penalties),
        "attach_form": forms.AttachForm(initial={"stage": LeadAttachment.Stage.EVIDENCE if lead.status == Status.NEW
                                                 else LeadAttachment.Stage.CHECK}),
    }
    if bound is not None:
        context[_FORM_KEYS[type(bound)]] = bound
    return render(request, "leads/lead_detail.html", context, status=status)


# The context key under which the lead page shows each action's form (a refused action's bound form takes its place).
_FORM_KEYS = {forms.VerifyForm: "verify_form", forms.CheckRequestForm: "request_form", forms.CheckForm: "check_form",
              forms.DisposeForm: "dispose_form", forms.AttachForm: "attach_form"}


def _lead_action(request, pk: int, form, call, success: str):
    """One action of the lead page (``apps.core.actions.form_action``): a refused one changes nothing and shows the
    page again with the typed input and the error beside its field; a bare button (``form=None``) is told so on
    the page it came from."""
    lead = selectors.lead_get(user=request.user, pk=pk)
    return form_action(
        request, form, lambda data: call(lead, data), success=success,
        redirect_to=reverse("leads:detail", args=[lead.pk]),
        page=None if form is None else lambda bound, status: _detail_page(
            request, selectors.lead_get(user=request.user, pk=pk), bound, status))


@login_required
@require_POST
def push(request, pk: int):
    return _lead_action(request, pk, None, lambda lead, d: services.lead_push(actor=request.user, leads=[lead]),
                        _("已推送。"))


@login_required
@require_POST
def verify(request, pk: int):
    """Rule M2: the regulator records its insurance verification."""
    return _lead_action(request, pk, forms.VerifyForm(request.POST),
                        lambda lead, d: services.lead_insurance_verify(actor=request.user, lead=lead, note=d["note"]),
                        _("已记录投保信息核验。"))


@login_required
@require_POST
def request_check(request, pk: int):
    """Rules M2, M4: the regulator asks transport for an offline check."""
    return _lead_action(request, pk, forms.CheckRequestForm(request.POST),
                        lambda lead, d: services.lead_offline_check_request(actor=request.user, lead=lead,
                                                                            note=d["note"]),
                        _("已请求交通运输部门线下核查。"))


@login_required
@require_POST
def check_start(request, pk: int):
    return _lead_action(request, pk, None, lambda lead, d: services.lead_check_start(actor=request.user, lead=lead),
                        _("已开始线下核查。"))


@login_required
@require_POST
def check_record(request, pk: int):
    """Rule M2: transport records its finding."""
    lead = selectors.lead_get(user=request.user, pk=pk)

    def call(lead, d):
        checked_at = d.get("checked_at")
        if checked_at is not None and timezone.is_naive(checked_at):
            checked_at = timezone.make_aware(checked_at)
        return services.lead_check_record(
            actor=request.user, lead=lead, outcome=d["outcome"], result=d["result"], checked_at=checked_at,
            attachments=d["attachments"], reason=d.get("reason") or "", penalty=d.get("penalty"))

    form = forms.CheckForm(request.POST, request.FILES, penalties=_vehicle_penalties(request.user, lead))
    return _lead_action(request, pk, form, call, _("已记录界定结论。"))


@login_required
@require_POST
def dispose(request, pk: int):
    lead = selectors.lead_get(user=request.user, pk=pk)
    form = forms.DisposeForm(request.POST, penalties=_vehicle_penalties(request.user, lead))
    return _lead_action(
        request, pk, form,
        lambda lead, d: services.lead_dispose(actor=request.user, lead=lead, penalty=d.get("penalty"),
                                              credit_record=d.get("credit_record", False), note=d.get("note") or ""),
        _("已办结。"),
    )


@login_required
@require_POST
def attach(request, pk: int):
    return _lead_action(
        request, pk, forms.AttachForm(request.POST, request.FILES),
        lambda lead, d: services.lead_attach(actor=request.user, lead=lead, files=d["files"], stage=d["stage"]),
        _("附件已上传。"),
    )


@login_required
def attachment(request, pk: int):
    item = access.get_for_user(request.user, LeadAttachment.objects.select_related("lead"), pk=pk)
    return FileResponse(item.file.open("rb"), as_attachment=True, filename=item.name)


# --- penalties -----------------------------------------------------------------------------------------------------


@login_required
def penalty_list(request):
    rights.require(request.user, "leads.view_penalty")
    qs = selectors.penalties(user=request.user, q=request.GET.get("q", ""))
    return render(request, "leads/penalty_list.html", {
        "page": _page(request, qs), "q": request.GET.get("q", ""),
        "may_add": services.may_act_as(request.user, "leads.add_penalty", OrganizationKind.TRANSPORT),
    })


@login_required
def penalty_new(request):
    """Rule M7: record a penalty decision; it is pushed to the regulator at once."""
    rights.require(request.user, "leads.add_penalty")
    companies = Organization.objects.filter(kind=OrganizationKind.TAXI_COMPANY, is_active=True).order_by("name")
    initial = {"plate": request.GET.get("plate", ""), "decided_on": timezone.localdate()}
    form = forms.PenaltyForm(request.POST or None, initial=initial, companies=companies)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        lead = None
        if request.GET.get("lead"):
            lead = access.get_for_user(request.user, Lead, pk=request.GET["lead"])
        try:
            penalty = services.penalty_record(
                actor=request.user, decision_no=d["decision_no"], decided_on=d["decided_on"], facts=d["facts"],
                plate=d.get("plate") or "", company=d.get("company"), amount=d.get("amount"), lead=lead)
            messages.success(request, _("处罚决定 %(no)s 已录入并推送至金融监管部门。") % {"no": penalty.decision_no})
            return redirect("leads:penalty", pk=penalty.pk)
        except ApplicationError as exc:
            refuse(request, exc, form)
    return render(request, "leads/penalty_form.html", {"form": form})


@login_required
def penalty_detail(request, pk: int):
    rights.require(request.user, "leads.view_penalty")
    penalty = access.get_for_user(request.user, Penalty.objects.select_related(
        "vehicle", "company", "organization", "recorded_by", "batch"), pk=pk)
    items = access.visible(request.user, InsurerWorklistItem).filter(penalty=penalty).select_related(
        "insurer", "policy")
    return render(request, "leads/penalty_detail.html", {"penalty": penalty, "items": items})


# --- insurers' worklists -------------------------------------------------------------------------------------------


def _with_clocks(page):
    """Each item of the page with its answer clock (M8) and, for an endorsement item, its endorsement clock (M6)."""
    from django.contrib.contenttypes.models import ContentType

    page.object_list = list(page.object_list)
    clocks = Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(InsurerWorklistItem),
        object_id__in=[str(item.pk) for item in page.object_list],
        rule__in=[services.WORKLIST_ANSWER_RULE, ENDORSEMENT_RULE])
    by_item = {(clock.rule, clock.object_id): clock for clock in clocks}
    for item in page.object_list:
        item.answer_clock = by_item.get((services.WORKLIST_ANSWER_RULE, str(item.pk)))
        item.endorsement_clock = by_item.get((ENDORSEMENT_RULE, str(item.pk)))
    return page


@login_required
def worklist(request):
    rights.require(request.user, "leads.view_insurerworklistitem")
    form = forms.WorklistFilterForm(request.GET or None)
    qs = selectors.worklist(user=request.user, **form.filters())
    return render(request, "leads/worklist.html", {
        "form": form, "page": _with_clocks(_page(request, qs)), "answer_form": forms.AnswerForm(),
        "may_answer": services.may_act_as(request.user, "leads.change_insurerworklistitem", OrganizationKind.INSURER),
    })


@login_required
@require_POST
def worklist_answer(request, pk: int):
    item = access.get_for_user(request.user, InsurerWorklistItem, pk=pk)
    form = forms.AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.worklist_item_answer(actor=request.user, item=item, answer=form.cleaned_data["answer"],
                                          note=form.cleaned_data.get("note") or "")
            messages.success(request, _("已答复。"))
        except ApplicationError as exc:
            refuse(request, exc)
    else:
        messages.error(request, _("请选择答复内容。"))
    return redirect(_next(request, reverse("leads:worklist")))


# --- lawful list screening -----------------------------------------------------------------------------------------


@login_required
def screening(request):
    rights.require(request.user, "leads.view_lawfullistrun")
    return render(request, "leads/screening_list.html", {
        "page": _page(request, selectors.screening_runs(user=request.user)),
        "may_push": services.may_act_as(request.user, "leads.add_lawfullistrun", OrganizationKind.TRANSPORT),
    })


@login_required
@require_POST
def screening_push(request):
    rights.require(request.user, "leads.add_lawfullistrun")
    try:
        run = lawful_list_push(actor=request.user)
        messages.success(request, _("已推送合法营运车辆清单（%(n)d 辆）。") % {"n": run.vehicle_count})
    except ApplicationError as exc:
        refuse(request, exc)
    return redirect("leads:screening")


@login_required
def screening_run(request, pk: int):
    rights.require(request.user, "leads.view_lawfullistrun")
    run = access.get_for_user(request.user, LawfulListRun.objects.select_related("sender", "recipient", "batch"),
                              pk=pk)
    kind = request.GET.get("kind", "")
    findings = selectors.screening_findings(user=request.user, run=run, kind=kind, q=request.GET.get("q", ""))
    insurers = Organization.objects.in_bulk([int(k) for k in (run.summary or {}).get("per_insurer", {})])
    per_insurer = [(insurers.get(int(k)), n) for k, n in (run.summary or {}).get("per_insurer", {}).items()]
    review = request.GET.get("review", "")
    if review in ScreeningFinding.Review.values:
        findings = findings.filter(review=review)
    may_review = (rights.may(request.user, screening_services.REVIEW_PERM)
                  and request.user.organization_id == run.recipient_id)
    return render(request, "leads/screening_run.html", {
        "run": run, "page": _page(request, findings), "kind": kind, "q": request.GET.get("q", ""),
        "review": review, "reviews": ScreeningFinding.Review.choices,
        "kinds": ScreeningFinding.Kind.choices, "per_insurer": per_insurer,
        "answers": selectors.screening_answers(user=request.user, run=run),
        "may_review": may_review,
        "preview": screening_services.screening_dispatch_preview(actor=request.user, run=run) if may_review else None,
        "review_form": forms.ScreeningReviewForm(),
    })


@login_required
@require_POST
def screening_review(request, pk: int):
    """Rule M6: the regulator confirms findings or excludes them with a reason (nothing is sent here)."""
    rights.require(request.user, "leads.view_lawfullistrun")
    run = access.get_for_user(request.user, LawfulListRun, pk=pk)
    form = forms.ScreeningReviewForm(request.POST)
    if not form.is_valid() or not form.cleaned_data["ids"]:
        messages.error(request, _("请先勾选比对发现并选择审核结论。"))
        return redirect("leads:screening-run", pk=run.pk)
    try:
        n = screening_services.screening_findings_review(actor=request.user, run=run, finding_ids=form.cleaned_data["ids"],
                                                decision=form.cleaned_data["decision"],
                                                reason=form.cleaned_data.get("reason") or "")
        messages.success(request, _("已审核 %(n)d 条比对发现；确认的发现须在下方预览并确认后才下发保险公司。") % {"n": n})
    except ApplicationError as exc:
        refuse(request, exc)
    return redirect("leads:screening-run", pk=run.pk)


@login_required
@require_POST
def screening_dispatch(request, pk: int):
    """Rule M6: confirm the previewed dispatch — exactly the previewed rows go to the insurers' worklists."""
    rights.require(request.user, "leads.view_lawfullistrun")
    run = access.get_for_user(request.user, LawfulListRun, pk=pk)
    form = forms.ConfirmForm(request.POST)
    try:
        batches = screening_services.screening_dispatch(actor=request.user, run=run,
                                               digest=form.cleaned_data["digest"] if form.is_valid() else "")
        messages.success(request, _("已向 %(n)d 家保险公司下发批改核查清单。") % {"n": len(batches)})
    except ApplicationError as exc:
        refuse(request, exc)
    return redirect("leads:screening-run", pk=run.pk)


# --- risk model ----------------------------------------------------------------------------------------------------


@login_required
def risk_page(request):
    rights.require(request.user, "leads.view_riskmodelweights")
    version = risk.weights_in_use()
    weights, threshold = risk.effective_weights(version)
    may_edit = services.may_act_as(request.user, "leads.add_riskmodelweights", OrganizationKind.INSURANCE_ASSOCIATION)
    form = forms.WeightsForm(request.POST or None, features=risk.features(), weights=weights,
                             initial={"threshold": threshold})
    if request.method == "POST":
        services.acting_party(request.user, "leads.add_riskmodelweights", OrganizationKind.INSURANCE_ASSOCIATION,
                              _("只有保险行业协会可以修改风险模型权重。"))
        if form.is_valid():
            try:
                saved = services.risk_weights_update(actor=request.user, weights=form.weights(),
                                                     threshold=form.cleaned_data["threshold"],
                                                     note=form.cleaned_data.get("note") or "")
                messages.success(request, _("已保存权重第 %(v)d 版。") % {"v": saved.version})
                return redirect("leads:risk")
            except ApplicationError as exc:
                refuse(request, exc, form)
    from .models import RiskModelWeights

    return render(request, "leads/risk.html", {
        "version": version, "weights": weights, "threshold": threshold, "features": risk.features(),
        "form": form, "may_edit": may_edit,
        "may_run": services.may_act_as(request.user, "leads.add_riskmodelrun", OrganizationKind.INSURANCE_ASSOCIATION),
        "versions": access.visible(request.user, RiskModelWeights).select_related("created_by")[:20],
        "runs": selectors.risk_runs(user=request.user)[:20],
        "quality": risk.precision_recall(),
    })


@login_required
@require_POST
def risk_run_now(request):
    rights.require(request.user, "leads.add_riskmodelrun")
    try:
        run = risk.risk_model_run(actor=request.user)
        messages.success(request, _("模型已运行：评分 %(s)d 辆，超过阈值 %(f)d 辆。尚未推送：请核对预览后确认推送。") % {
            "s": run.vehicles_scored, "f": run.flagged})
        return redirect("leads:risk-run", pk=run.pk)
    except ApplicationError as exc:
        refuse(request, exc)
    return redirect("leads:risk")


@login_required
def risk_run(request, pk: int):
    rights.require(request.user, "leads.view_riskmodelrun")
    run = access.get_for_user(request.user, RiskModelRun.objects.select_related("weights", "run_by"), pk=pk)
    scores = access.visible(request.user, RiskScore).filter(run=run).select_related("vehicle", "lead")
    if request.GET.get("flagged"):
        scores = scores.filter(flagged=True)
    may_confirm = (run.state == RiskModelRun.State.PREVIEW and run.organization_id == request.user.organization_id
                   and services.may_act_as(request.user, "leads.add_riskmodelrun",
                                           OrganizationKind.INSURANCE_ASSOCIATION))
    return render(request, "leads/risk_run.html", {"run": run, "page": _page(request, scores.order_by("-score", "id")),
                                                    "flagged": request.GET.get("flagged", ""),
                                                    "preview": risk.risk_model_preview(run)
                                                    if run.state == RiskModelRun.State.PREVIEW else None,
                                                    "may_confirm": may_confirm})


@login_required
@require_POST
def risk_run_confirm(request, pk: int):
    """Rule M8: confirm the previewed run — exactly the previewed vehicles become leads pushed to transport."""
    rights.require(request.user, "leads.view_riskmodelrun")
    run = access.get_for_user(request.user, RiskModelRun, pk=pk)
    form = forms.ConfirmForm(request.POST)
    try:
        run = risk.risk_model_run_confirm(actor=request.user, run=run,
                                          digest=form.cleaned_data["digest"] if form.is_valid() else "")
        messages.success(request, _("已将 %(n)d 条线索作为一个批次推送至交通运输部门。") % {"n": run.leads_created})
    except ApplicationError as exc:
        refuse(request, exc)
    return redirect("leads:risk-run", pk=run.pk)

