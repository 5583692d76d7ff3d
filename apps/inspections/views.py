"""Pages of joint inspections (rule M17) and training (rules M2, M17). Who may open a page asks the rights table;
every object comes through the access module (outside the audience: 404); the writes are the services'."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core.actions import apply_errors, form_action
from apps.core.audit import audit_record
from apps.core.errors import ApplicationError
from apps.core.errors import ErrorCode as CoreErrorCode
from apps.credit.models import CreditProposal
from apps.parties import access, rights
from apps.parties.models import OrganizationKind

from . import notices, selectors, services
from .forms import CloseForm, FindingForm, InspectionForm, NoticeForm, ReportForm, TrainingForm
from .models import (
    INSPECTED_KINDS,
    Conclusion,
    Inspection,
    InspectionFinding,
    InspectionNotice,
    InspectionStatus,
    NoticeStatus,
    RectificationResult,
    Training,
)

VIEW_INSPECTION = "inspections.view_inspection"
VIEW_NOTICE = "inspections.view_inspectionnotice"
VIEW_TRAINING = "inspections.view_training"
PAGE_SIZE = 50


def _is_inspected(user) -> bool:
    return getattr(user, "kind", None) in INSPECTED_KINDS


# --- joint inspections -------------------------------------------------------------------------------------


@login_required
def inspection_list(request):
    rights.require(request.user, VIEW_INSPECTION)
    qs = selectors.inspections_for(request.user)
    status = request.GET.get("status", "")
    if status in InspectionStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs.order_by("-planned_start", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "inspections/inspection_list.html", {
        "page": page, "status": status, "statuses": InspectionStatus.choices,
        "can_plan": services.may_plan(request.user), "inspected_view": _is_inspected(request.user), "tab": "inspections",
    })


@login_required
def inspection_create(request):
    rights.require(request.user, "inspections.add_inspection", _("只有交通运输局、金融监管分局和两个行业协会可以组织联合检查。"))
    organization = getattr(request.user, "organization", None)
    form = InspectionForm(request.POST or None, organization=organization)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                inspection = services.inspection_plan(
                    actor=request.user, scope=data["scope"], planned_start=data["planned_start"],
                    planned_end=data["planned_end"], participants=list(data["participants"]),
                    inspected_parties=list(data["inspected_parties"]))
            except ApplicationError as exc:
                if exc.status_code != 400:
                    raise
                apply_errors(form, exc, summary=True)
            else:
                messages.success(request, _("联合检查 %(no)s 已制定计划。") % {"no": inspection.number})
                return redirect("inspections:detail", inspection.pk)
        status = 400
    return render(request, "inspections/inspection_form.html", {"form": form}, status=status)


def _inspection(request, pk: int) -> Inspection:
    rights.require(request.user, VIEW_INSPECTION)
    return access.get_for_user(request.user, Inspection.objects.select_related("organizer", "created_by"), pk=pk)


def _detail_context(request, inspection: Inspection, *, finding_form=None, notice_forms=None) -> dict:
    user = request.user
    findings = list(access.visible(user, InspectionFinding).filter(inspection=inspection).select_related(
        "party", "recorded_by_organization", "recorded_by", "notice"))
    rows = []
    for finding in findings:
        notice = getattr(finding, "notice", None)  # same audience as the finding (access.py)
        can_notify = (notice is None and finding.conclusion == Conclusion.PROBLEMS_FOUND
                      and services.may_issue_notice(user, finding))
        form = (notice_forms or {}).get(finding.pk) or (NoticeForm(initial={"problems": finding.problems})
                                                        if can_notify else None)
        rows.append({"finding": finding, "notice": notice, "can_notify": can_notify, "notice_form": form})
    inspected = list(inspection.inspected_parties.order_by("name"))
    if _is_inspected(user):  # an inspected party sees its own part only (rule M17)
        inspected = [o for o in inspected if o.pk == user.organization_id]
    can_record = services.may_record_finding(user, inspection) and len(findings) < inspection.inspected_parties.count()
    return {
        "inspection": inspection, "rows": rows, "inspected": inspected,
        "participants": list(inspection.participants.order_by("name")),
        "can_record": can_record,
        "finding_form": finding_form or (FindingForm(inspection=inspection, initial={
            "inspected_on": timezone.localdate().isoformat()}) if can_record else None),
        "inspected_view": _is_inspected(user), "days": services.conf.rectification_days(), "tab": "inspections",
    }


@login_required
def inspection_detail(request, pk: int):
    inspection = _inspection(request, pk)
    return render(request, "inspections/inspection_detail.html", _detail_context(request, inspection))


@login_required
@require_POST
def finding_record(request, pk: int):
    """One action of the inspection page (``apps.core.actions.form_action``, as every action below): a refused one
    changes nothing and shows the page again with the typed input and the error beside its field (400, or the
    service's 403 / 409)."""
    inspection = _inspection(request, pk)

    def call(data):
        return services.finding_record(actor=request.user, inspection=inspection,
                                       party=data["party"] or request.POST.get("party"),
                                       inspected_on=data["inspected_on"], conclusion=data["conclusion"],
                                       problems=data["problems"])

    return form_action(
        request, FindingForm(request.POST, inspection=inspection), call,
        success=lambda finding: _("已记录%(p)s的检查结果。") % {"p": finding.party.name},
        redirect_to=reverse("inspections:detail", args=[inspection.pk]),
        page=lambda form, status: render(request, "inspections/inspection_detail.html", _detail_context(
            request, _inspection(request, pk), finding_form=form), status=status))


@login_required
@require_POST
def notice_issue(request, pk: int):
    rights.require(request.user, VIEW_INSPECTION)
    finding = access.get_for_user(request.user, InspectionFinding.objects.select_related("inspection", "party"), pk=pk)
    return form_action(
        request, NoticeForm(request.POST),
        lambda data: services.notice_issue(actor=request.user, finding=finding, requirement=data["requirement"],
                                           problems=data["problems"]),
        success=lambda notice: _("已出具通报 %(no)s，整改期限 %(n)d 日。") % {"no": notice.number,
                                                                      "n": notice.rectification_days},
        redirect_to=lambda notice: reverse("inspections:notice", args=[notice.pk]) if notice is not None
        else reverse("inspections:detail", args=[finding.inspection_id]),
        page=lambda form, status: render(request, "inspections/inspection_detail.html", _detail_context(
            request, _inspection(request, finding.inspection_id), notice_forms={finding.pk: form}), status=status))


# --- notices and rectification -----------------------------------------------------------------------------


@login_required
def notice_list(request):
    rights.require(request.user, VIEW_NOTICE)
    qs = selectors.notices_for(request.user)
    status = request.GET.get("status", "")
    if status in NoticeStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs.order_by("-issued_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    deadlines = selectors.deadlines_of(page.object_list)
    rows = [{"n": n, "deadline": deadlines.get(str(n.pk))} for n in page.object_list]
    return render(request, "inspections/notice_list.html", {
        "page": page, "rows": rows, "status": status, "statuses": NoticeStatus.choices, "now": timezone.now(),
        "tab": "notices",
    })


def _notice(request, pk: int) -> InspectionNotice:
    rights.require(request.user, VIEW_NOTICE)
    return access.get_for_user(request.user, InspectionNotice.objects.select_related(
        "inspection", "party", "issued_by", "issued_by_user", "reported_by", "closed_by", "finding"), pk=pk)


def _notice_context(request, notice: InspectionNotice, *, report_form=None, close_form=None) -> dict:
    user = request.user
    open_ = notice.status != NoticeStatus.CLOSED
    can_report = open_ and services.may_report(user, notice)
    can_close = open_ and services.may_close(user, notice)
    results = services.lawful_results(notice) if can_close else []
    return {
        "notice": notice, "deadline": notice.rectification_deadline, "now": timezone.now(),
        "can_report": can_report, "can_close": can_close and bool(results),
        "close_pending": can_close and not results,
        "report_form": report_form or (ReportForm(initial={"report": notice.report}) if can_report else None),
        "close_form": close_form or (CloseForm(results=results) if can_close else None), "tab": "notices",
        "credit_proposal": _credit_proposal(user, notice),
    }


def _credit_proposal(user, notice: InspectionNotice):
    """The credit proposal a notice closed as not rectified made (rule M2), if the user may see it."""
    from django.contrib.contenttypes.models import ContentType

    if notice.result != RectificationResult.NOT_RECTIFIED or not rights.may(user, "credit.view_creditproposal"):
        return None
    return access.visible(user, CreditProposal).filter(
        source_content_type=ContentType.objects.get_for_model(InspectionNotice),
        source_object_id=str(notice.pk)).first()


@login_required
def notice_detail(request, pk: int):
    notice = _notice(request, pk)
    return render(request, "inspections/notice_detail.html", _notice_context(request, notice))


@login_required
@require_POST
def notice_report(request, pk: int):
    notice = _notice(request, pk)
    return form_action(
        request, ReportForm(request.POST),
        lambda data: services.notice_report(actor=request.user, notice=notice, report=data["report"]),
        success=_("整改情况已报送%(org)s。") % {"org": notice.issued_by.name},
        redirect_to=reverse("inspections:notice", args=[notice.pk]),
        page=lambda form, status: render(request, "inspections/notice_detail.html", _notice_context(
            request, _notice(request, pk), report_form=form), status=status))


@login_required
@require_POST
def notice_close(request, pk: int):
    notice = _notice(request, pk)
    return form_action(
        request, CloseForm(request.POST, results=services.lawful_results(notice)),
        lambda data: services.notice_close(actor=request.user, notice=notice, result=request.POST.get("result", ""),
                                           note=data["note"]),
        success=_("通报 %(no)s 的整改跟踪已结束。") % {"no": notice.number},
        redirect_to=reverse("inspections:notice", args=[notice.pk]),
        page=lambda form, status: render(request, "inspections/notice_detail.html", _notice_context(
            request, _notice(request, pk), close_form=form), status=status))


@login_required
def notice_print(request, pk: int):
    """The printable notice as issued (the same template as its PDF)."""
    notice = _notice(request, pk)
    return HttpResponse(notices.render_html(notice, extra={
        "pdf_url": reverse("inspections:notice-pdf", args=[notice.pk]),
        "back_url": reverse("inspections:notice", args=[notice.pk])}))


@login_required
def notice_pdf(request, pk: int):
    notice = _notice(request, pk)
    if not notice.file:
        raise Http404
    with notice.file.open("rb") as handle:
        content = handle.read()
    if notices.sha256(content) != notice.sha256:
        audit_record(actor=request.user, action="inspection.notice_integrity_failure", obj=notice,
                     organization=notice.issued_by, detail={"sha256": notice.sha256})
        raise ApplicationError(_("通报文件与登记的摘要不一致，已记录。请联系平台管理员。"), code=CoreErrorCode.INTEGRITY)
    response = FileResponse(ContentFile(content), content_type="application/pdf", filename=f"{notice.number}.pdf")
    response["X-Content-SHA256"] = notice.sha256
    return response


# --- training ----------------------------------------------------------------------------------------------


@login_required
def training_list(request):
    rights.require(request.user, VIEW_TRAINING)
    qs = selectors.trainings_for(request.user)
    page = Paginator(qs.order_by("-held_on", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "inspections/training_list.html", {
        "page": page, "can_record": services.may_record_training(request.user),
        "company_view": request.user.kind == OrganizationKind.TAXI_COMPANY, "tab": "trainings",
    })


@login_required
def training_create(request):
    rights.require(request.user, "inspections.add_training", _("只有出租汽车行业协会可以登记行业培训。"))
    form = TrainingForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                training = services.training_record(
                    actor=request.user, held_on=data["held_on"], topic=data["topic"], trainer=data["trainer"],
                    companies=list(data["companies"]), drivers_count=data["drivers_count"],
                    location=data["location"])
            except ApplicationError as exc:
                if exc.status_code != 400:
                    raise
                apply_errors(form, exc, summary=True)
            else:
                messages.success(request, _("培训 %(no)s 已登记。") % {"no": training.number})
                return redirect("inspections:training", training.pk)
        status = 400
    return render(request, "inspections/training_form.html", {"form": form}, status=status)


@login_required
def training_detail(request, pk: int):
    rights.require(request.user, VIEW_TRAINING)
    training = access.get_for_user(request.user, Training.objects.select_related("organizer", "created_by"), pk=pk)
    companies = list(training.companies.order_by("name"))
    if request.user.kind == OrganizationKind.TAXI_COMPANY:  # a company sees its own attendance, not the others'
        companies = [c for c in companies if c.pk == request.user.organization_id]
    return render(request, "inspections/training_detail.html", {
        "training": training, "companies": companies, "company_count": training.companies.count(), "tab": "trainings"})
