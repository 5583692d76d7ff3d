"""Pages of the credit file and of supervisory actions. They call the same services as the API; who may open a
page asks the rights table (``rights.may``), and every lookup of a subject goes through the access module, so a
vehicle, driver or organisation outside the user's audience reads exactly like one that does not exist."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core.actions import apply_errors, form_action
from apps.core.crypto import blind_index
from apps.core.deadlines import deadline_for
from apps.core.documents import pdf_response
from apps.core.errors import ApplicationError
from apps.core.models import Deadline
from apps.core.validators import normalize_plate
from apps.parties import access, rights
from apps.parties.models import Organization, OrganizationKind
from apps.vehicles.models import Driver, Vehicle

from . import decisions, selectors, services
from .access import file_visible
from .forms import (
    CloseActionForm,
    CorrectionForm,
    CreditRecordForm,
    ProposalDecisionForm,
    SupervisoryActionForm,
    UrgingCloseForm,
    UrgingNoteForm,
)
from .models import ActionKind, CreditProposal, CreditRecord, SubjectKind, SupervisoryAction, UrgingItem


def _subject_or_404(kind: str, pk: int):
    if kind == "org":
        subject = get_object_or_404(Organization, pk=pk,
                                    kind__in=[OrganizationKind.TAXI_COMPANY, OrganizationKind.INSURER])
    elif kind == "vehicle":
        subject = get_object_or_404(Vehicle, pk=pk)
    elif kind == "driver":
        subject = get_object_or_404(Driver, pk=pk)
    else:
        raise Http404
    return subject


def file_url(record: CreditRecord) -> str:
    from django.urls import reverse

    if record.vehicle_id:
        return reverse("credit:file", args=["vehicle", record.vehicle_id])
    if record.driver_id:
        return reverse("credit:file", args=["driver", record.driver_id])
    return reverse("credit:file", args=["org", record.organization_id])



@login_required
def index(request):
    user = request.user
    if not rights.may(user, "credit.view_creditrecord"):
        raise Http404
    if user.kind in (OrganizationKind.TAXI_COMPANY, OrganizationKind.INSURER) and not request.GET.get("kind"):
        return redirect("credit:file", "org", user.organization_id)
    kinds = [k for k in SubjectKind if user.kind != OrganizationKind.TAXI_ASSOCIATION or k != SubjectKind.INSURER]
    kind = request.GET.get("kind") or kinds[0].value
    if kind not in [k.value for k in kinds]:
        kind = kinds[0].value
    query = request.GET.get("q", "")[:40]
    rows = selectors.subjects_overview(user=user, kind=kind, query=query)
    url_kind = {"vehicle": "vehicle", "driver": "driver"}.get(kind, "org")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "credit/index.html", {
        "kinds": kinds, "kind": kind, "query": query, "page": page, "url_kind": url_kind,
        "can_add": services.can_keep_records(user), "rules": selectors.explain_rules(),
    })


@login_required
def subject_file(request, kind: str, pk: int):
    subject = _subject_or_404(kind, pk)
    if not rights.may(request.user, "credit.view_creditrecord") or not file_visible(request.user, subject):
        raise Http404
    context = selectors.credit_file(user=request.user, subject=subject)
    subject_kind = services.subject_describe(subject)["subject_kind"] if kind != "org" or subject.kind in (
        OrganizationKind.TAXI_COMPANY, OrganizationKind.INSURER) else None
    context.update({"kind": kind, "can_correct": services.can_keep_records(request.user, subject_kind,
                                                                          getattr(subject, "company_id", None)),
                    "subject_kind_label": SubjectKind(subject_kind).label if subject_kind else ""})
    return render(request, "credit/file.html", context)


def _visible_vehicle(user, plate: str):
    """The vehicle of ``plate`` the user sees in the register (rule M2), or None: an unseen one reads as not
    registered, so no page tells whether a plate outside the user's audience exists."""

    return access.visible(user, Vehicle).filter(plate=plate).first()


def _find_subject(form, user) -> object | None:
    """The subject named on the record form, looked up in the user's audience only (``apps.parties.access``):
    whatever lies outside it gets the same answer as what does not exist, and the file rule
    (``file_visible``) then decides — the same rule as the file page's."""
    data = form.cleaned_data
    kind = data["subject_kind"]
    if kind in (SubjectKind.TAXI_COMPANY, SubjectKind.INSURER):
        org = data.get("organization")
        expected = OrganizationKind.TAXI_COMPANY if kind == SubjectKind.TAXI_COMPANY else OrganizationKind.INSURER
        if org is not None:
            org = access.visible(user, Organization).filter(pk=org.pk, kind=expected).first()
        if org is None:
            form.add_error("organization", _("请选择%(k)s。") % {"k": SubjectKind(kind).label})
            return None
        return org
    if kind == SubjectKind.VEHICLE:
        try:
            plate = normalize_plate(data.get("plate") or "")
        except ValidationError as exc:
            form.add_error("plate", exc.messages[0])
            return None
        vehicle = _visible_vehicle(user, plate)
        if vehicle is None or not file_visible(user, vehicle):
            form.add_error("plate", _("车辆登记库中没有号牌为 %(p)s 的车辆。") % {"p": plate})
            return None
        return vehicle

    id_no = (data.get("driver_id_no") or "").strip().upper()
    driver = access.visible(user, Driver).filter(id_no_bidx=blind_index(id_no)).first() if id_no else None
    if driver is None or not file_visible(user, driver):
        form.add_error("driver_id_no", _("驾驶员台账中没有该身份证号码的驾驶员。"))
        return None
    return driver


@login_required
def record_add(request):
    if not services.can_keep_records(request.user):
        raise Http404
    form = CreditRecordForm(request.POST or None, initial={"occurred_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        subject = _find_subject(form, request.user)
        if subject is not None:
            data = form.cleaned_data
            try:
                record = services.credit_record_add(
                    actor=request.user, subject=subject, event=data["event"], severity=data["severity"],
                    occurred_on=data["occurred_on"], expires_on=data["expires_on"],
                    evidence_link=data["evidence_link"], detail=data["detail"])
            except ApplicationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("信用记录已录入。"))
                return redirect(file_url(record))
    return render(request, "credit/record_form.html", {"form": form})


@login_required
def record_correct(request, pk: int):
    record = access.get_for_user(request.user, CreditRecord, pk=pk)
    if not services.can_keep_records(request.user, record.subject_kind, record.subject_organization_id):
        raise Http404
    initial = {"event": record.event, "severity": record.severity, "occurred_on": record.occurred_on,
               "expires_on": record.expires_on, "detail": record.detail}
    form = CorrectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.credit_record_correct(
                actor=request.user, record=record, reason=data["reason"], withdraw=data["withdraw"],
                event=data["event"] or None, severity=data["severity"], occurred_on=data["occurred_on"],
                expires_on=data["expires_on"], detail=data["detail"])
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已登记更正（原记录保留）。"))
            return redirect(file_url(record))
    return render(request, "credit/correct_form.html", {"form": form, "record": record})


# --- supervisory actions -------------------------------------------------------------------------------------


@login_required
def action_list(request):
    if not rights.may(request.user, "credit.view_supervisoryaction"):
        raise Http404
    qs = access.visible(request.user, SupervisoryAction).select_related("target", "issued_by")
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    if kind in ActionKind.values:
        qs = qs.filter(kind=kind)
    if status in SupervisoryAction.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    today = timezone.localdate()
    return render(request, "credit/actions.html", {
        "page": page, "kinds": ActionKind.choices, "statuses": SupervisoryAction.Status.choices, "kind": kind,
        "status": status, "today": today, "can_issue": services.can_issue_actions(request.user),
    })


@login_required
def action_new(request):
    if not services.can_issue_actions(request.user):
        raise Http404
    options = services.action_options(request.user)
    form = SupervisoryActionForm(request.POST or None, options=options,
                                 initial={"starts_on": timezone.localdate(), "target": request.GET.get("target")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        vehicle = None
        if data["plate"]:
            try:
                vehicle = _visible_vehicle(request.user, normalize_plate(data["plate"]))
            except ValidationError as exc:
                form.add_error("plate", exc.messages[0])
            else:
                if vehicle is None:
                    form.add_error("plate", _("车辆登记库中没有该号牌的车辆。"))
        if not form.errors:
            try:
                action = services.supervisory_action_issue(
                    actor=request.user, target=data["target"], kind=data["kind"], ground=data["ground"],
                    facts=data["facts"], requirement=data["requirement"], reference_no=data["reference_no"],
                    starts_on=data["starts_on"], ends_on=data["ends_on"], vehicle=vehicle)
            except ApplicationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("监管措施已作出，已通知对象单位；信用档案记入由主管行业协会决定。")
                                 if action.credit_record_id is None else _("监管措施已作出，已通知对象单位并记入信用档案。"))
                return redirect("credit:action", action.pk)
    return render(request, "credit/action_form.html", {"form": form, "options": options})


@login_required
def action_detail(request, pk: int):
    return _action_page(request, _action(request, pk))


def _action(request, pk: int) -> SupervisoryAction:
    return access.get_for_user(request.user, SupervisoryAction.objects.select_related(
        "target", "issued_by", "issued_by_user", "closed_by", "vehicle", "credit_record"), pk=pk)


def _action_page(request, action: SupervisoryAction, close_form=None, status: int = 200):
    """The measure's page; ``close_form``: a refused 结案 form, shown again with the typed input and its errors."""

    return render(request, "credit/action_detail.html", {
        "action": action, "deadline": deadline_for(rule=services.FOLLOWUP_RULE, subject=action),
        "can_close": action.status == SupervisoryAction.Status.OPEN
        and request.user.organization_id == action.issued_by_id
        and rights.may(request.user, "credit.change_supervisoryaction"),
        "close_form": close_form or CloseActionForm(), "today": timezone.localdate(), "now": timezone.now(),
        "decision_url": reverse("credit:action_decision_pdf", args=[action.pk])
        if decisions.has_document(action) and action.reference_no else "",
    }, status=status)


@login_required
def action_decision_pdf(request, pk: int):
    """The decision document (责令整改通知书, 暂停网约车保险业务决定书) of a measure, to the audience of its page;
    other kinds of measure have none (404)."""
    action = access.get_for_user(request.user, SupervisoryAction.objects.select_related(
        "target", "issued_by", "vehicle"), pk=pk)
    if not decisions.has_document(action) or not action.reference_no:
        raise Http404
    return pdf_response(decisions.document_pdf(action), decisions.document_filename(action))


@login_required
@require_POST
def action_close(request, pk: int):
    action = access.get_for_user(request.user, SupervisoryAction, pk=pk)
    return form_action(
        request, CloseActionForm(request.POST),
        lambda data: services.supervisory_action_close(actor=request.user, action=action, result=data["result"]),
        success=_("已结案。"), redirect_to=reverse("credit:action", args=[action.pk]),
        page=lambda form, status: _action_page(request, _action(request, pk), form, status))


# --- proposals to the associations (rule M2) ------------------------------------------------------------------


@login_required
def proposal_list(request):
    """The associations' queue of proposals to decide; every other party sees the status of its own."""
    user = request.user
    if not rights.may(user, "credit.view_creditproposal"):
        raise Http404
    deciding = rights.may(user, "credit.decide_creditproposal")
    status = request.GET.get("status", "pending" if deciding else "")
    qs = access.visible(user, CreditProposal).select_related("proposed_by_organization", "record")
    if status in CreditProposal.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    rows = [{"proposal": p, "can_decide": p.status == CreditProposal.Status.PENDING and services.can_decide(user, p)}
            for p in page]
    return render(request, "credit/proposals.html", {
        "page": page, "rows": rows, "status": status, "statuses": CreditProposal.Status.choices,
        "deciding": deciding})


@login_required
def proposal_detail(request, pk: int):
    return _proposal_page(request, _proposal(request, pk))


def _proposal(request, pk: int) -> CreditProposal:
    if not rights.may(request.user, "credit.view_creditproposal"):
        raise Http404
    return access.get_for_user(request.user, CreditProposal.objects.select_related(
        "proposed_by_organization", "decided_by_organization", "record"), pk=pk)


def _proposal_page(request, proposal: CreditProposal, form=None, status: int = 200):
    """The proposal's page; ``form``: a refused decision, shown again with the typed reason and its errors."""
    can_decide = proposal.status == CreditProposal.Status.PENDING and services.can_decide(request.user, proposal)
    return render(request, "credit/proposal_detail.html", {
        "proposal": proposal, "can_decide": can_decide, "form": form or ProposalDecisionForm(),
        "severity_label": proposal.get_severity_display(), "subject_kind_label": proposal.get_subject_kind_display(),
        "record_url": file_url(proposal.record) if proposal.record_id else ""}, status=status)


@login_required
@require_POST
def proposal_decide(request, pk: int):
    proposal = access.get_for_user(request.user, CreditProposal, pk=pk)
    return form_action(
        request, ProposalDecisionForm(request.POST),
        lambda data: services.credit_proposal_decide(actor=request.user, proposal=proposal,
                                                     accept=data["decision"] == "accept", reason=data["reason"]),
        success=_("已作出决定。"), redirect_to=reverse("credit:proposal", args=[proposal.pk]),
        page=lambda form, status: _proposal_page(request, _proposal(request, pk), form, status))


# --- 督促 items (rules M12, M17) --------------------------------------------------------------------------------


def _with_clock(items) -> list[dict]:
    """Each item with its clock — one query for the page, not one per row."""
    from django.contrib.contenttypes.models import ContentType

    items = list(items)
    clocks: dict[str, Deadline] = {}
    for clock in Deadline.objects.filter(
            rule=services.URGING_RULE, content_type=ContentType.objects.get_for_model(UrgingItem),
            object_id__in=[str(item.pk) for item in items]).order_by("-id"):
        clocks.setdefault(clock.object_id, clock)
    return [{"item": item, "deadline": clocks.get(str(item.pk))} for item in items]


@login_required
def urging_list(request):
    if not rights.may(request.user, "credit.view_urgingitem"):
        raise Http404
    status = request.GET.get("status", "open")
    qs = access.visible(request.user, UrgingItem).select_related("insurer")
    if status == "open":
        qs = qs.exclude(status=UrgingItem.Status.CLOSED)
    elif status in UrgingItem.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "credit/urging.html", {
        "page": page, "rows": _with_clock(page), "status": status, "statuses": UrgingItem.Status.choices,
        "now": timezone.now()})


@login_required
def urging_detail(request, pk: int):
    return _urging_page(request, _urging(request, pk))


def _urging(request, pk: int) -> UrgingItem:
    if not rights.may(request.user, "credit.view_urgingitem"):
        raise Http404
    return access.get_for_user(request.user, UrgingItem.objects.select_related("insurer", "proposal"), pk=pk)


def _urging_page(request, item: UrgingItem, *, note_form=None, close_form=None, status: int = 200):
    """The 督促 item's page; a refused note or 办结 form is shown again with the typed input and its errors."""
    handling = item.status != UrgingItem.Status.CLOSED and services.can_handle_urging(request.user)
    return render(request, "credit/urging_detail.html", {
        "item": item, "row": _with_clock([item])[0], "notes": item.notes.select_related(
            "created_by", "created_by_organization"), "handling": handling,
        "note_form": note_form or UrgingNoteForm(), "close_form": close_form or UrgingCloseForm(),
        "now": timezone.now()}, status=status)


@login_required
@require_POST
def urging_record(request, pk: int):
    item = _urging(request, pk)
    return form_action(
        request, UrgingNoteForm(request.POST),
        lambda data: services.urging_item_record(actor=request.user, item=item, note=data["note"]),
        success=_("已记录督促情况。"), redirect_to=reverse("credit:urging_item", args=[item.pk]),
        page=lambda form, status: _urging_page(request, _urging(request, pk), note_form=form, status=status))


@login_required
@require_POST
def urging_close(request, pk: int):
    item = _urging(request, pk)
    return form_action(
        request, UrgingCloseForm(request.POST),
        lambda data: services.urging_item_close(actor=request.user, item=item, result=data["result"],
                                                propose_credit=data["propose_credit"]),
        success=_("督促事项已办结。"), redirect_to=reverse("credit:urging_item", args=[item.pk]),
        page=lambda form, status: _urging_page(request, _urging(request, pk), close_form=form, status=status))


# --- home panels ----------------------------------------------------------------------------------------------


def actions_panel_context(request) -> dict:
    qs = access.visible(request.user, SupervisoryAction).filter(status=SupervisoryAction.Status.OPEN)
    today = timezone.localdate()
    suspensions = [a for a in qs.filter(kind=ActionKind.BUSINESS_SUSPENSION).select_related("target")
                   if a.is_in_effect(today)]
    return {"open_count": qs.count(), "suspensions": suspensions,
            "recent": list(qs.select_related("target").order_by("-starts_on", "-id")[:5]),
            "can_issue": services.can_issue_actions(request.user)}


def own_file_panel_context(request) -> dict:
    org = request.user.organization
    level = selectors.credit_level(CreditRecord.objects.filter(organization=org))
    return {"level": level, "org": org}
