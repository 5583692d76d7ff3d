"""Pages: the public guide, report form and status page (no account), and the staff desk (rule M16)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from apps.core.actions import apply_errors, form_action
from apps.core.errors import ApplicationError
from apps.core.throttles import personal_data_rate
from apps.leads.models import Lead
from apps.parties import access, rights
from apps.parties.models import OrganizationKind

from . import conf, ratelimit, services
from .forms import (
    ExtendForm,
    FeedbackForm,
    ForwardForm,
    NoteForm,
    RehandleForm,
    ReportForm,
    ResolveForm,
    StatusForm,
    TelephoneReportForm,
)
from .models import Category, Channel, Complaint, ComplaintPhoto, Hotline, Status

STEPS = [Status.RECEIVED, Status.ROUTED, Status.VERIFYING, Status.RESOLVED, Status.FEEDBACK_GIVEN]
_RECEIPT = "complaint_receipt"

GUIDE = [
    {"category": Category.PRIVATE_CAR_CARRYING, "hotline": Hotline.TRANSPORT,
     "title": gettext_lazy("私家车拉客收费"),
     "text": gettext_lazy("非营运车辆（私家车）通过网约车平台或线下招揽乘客并收费：向 12328 交通运输服务监督热线举报，由交通运输局查处。")},
    {"category": Category.OPERATING_NOT_INSURED, "hotline": Hotline.INSURANCE,
     "title": gettext_lazy("营运车辆未按规定投保"),
     "text": gettext_lazy("网约车、出租车等营运车辆没有保险，或只按家庭自用投保：向 12378 银行保险消费者投诉维权热线举报，由金融监管分局核查。")},
    {"category": Category.CLAIM_MISCONDUCT, "hotline": Hotline.INSURANCE,
     "title": gettext_lazy("保险公司理赔违规"),
     "text": gettext_lazy("保险公司拖延理赔、无理拒赔或设置不合理的理赔条件：向 12378 举报。")},
    {"category": Category.UNLAWFUL_REFUSAL, "hotline": Hotline.INSURANCE,
     "title": gettext_lazy("保险公司拒绝承保"),
     "text": gettext_lazy("营运车辆依法投保被保险公司拒绝：向 12378 举报。")},
]


def _report_values(form) -> dict:
    data = form.cleaned_data
    return {key: data.get(key) for key in ("hotline", "category", "plate", "company", "insurer", "description",
                                            "occurred_at", "location", "reporter_name", "reporter_phone")}


# --- public ---------------------------------------------------------------------------------------------------


@never_cache
def report(request):
    """Choose the right hotline, then file the report. No account needed."""
    category = request.GET.get("category", "")
    initial = {}
    for item in GUIDE:
        if item["category"] == category:
            initial = {"category": category, "hotline": item["hotline"]}
    status_code = 200
    form = ReportForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST":
        if not ratelimit.hit("submit", ratelimit.client_ip(request)):
            form.add_error(None, _("同一网络提交过于频繁，请稍后再试，或直接拨打 12328 / 12378 热线。"))
            status_code = 429
        elif request.POST.get("website"):
            form.add_error(None, _("提交未成功，请刷新页面后重试。"))
            status_code = 400
        elif form.is_valid():
            try:
                complaint, code = services.complaint_submit(**_report_values(form), actor=services.public_reporter(),
                                                            photos=form.cleaned_data.get("photos"))
            except ApplicationError as exc:
                apply_errors(form, exc, summary=True)
            else:
                request.session[_RECEIPT] = {"tracking_no": complaint.tracking_no, "code": code,
                                             "hotline": complaint.hotline}
                return redirect("complaints:report_done")
        if status_code == 200:
            status_code = 400
    return render(request, "complaints/public_report.html", {
        "form": form, "guide": GUIDE, "feedback_days": conf.feedback_days(), "max_photos": conf.max_photos(),
    }, status=status_code)


@never_cache
def report_done(request):
    receipt = request.session.pop(_RECEIPT, None)
    if not receipt:
        return redirect("complaints:status")
    return render(request, "complaints/public_done.html", {"receipt": receipt, "feedback_days": conf.feedback_days()})


def _progress(complaint: Complaint) -> list[dict]:
    reached = STEPS.index(Status(complaint.status))
    return [{"label": step.label, "done": i <= reached, "current": i == reached} for i, step in enumerate(STEPS)]


@never_cache
def status(request):
    """The reporter follows the report with the tracking number and the secret code (POST: not in URLs/logs)."""
    form = StatusForm(request.POST or None)
    complaint = None
    status_code = 200
    if request.method == "POST":
        if not ratelimit.hit("lookup", ratelimit.client_ip(request)):
            form.add_error(None, _("查询过于频繁，请稍后再试。"))
            status_code = 429
        elif form.is_valid():
            complaint = services.complaint_lookup(tracking_no=form.cleaned_data["tracking_no"],
                                                  code=form.cleaned_data["code"])
            if complaint is None:
                form.add_error(None, _("受理编号或查询码不正确，请核对后重试。"))
                status_code = 404
    context = {"form": form, "complaint": complaint}
    if complaint is not None:
        context.update({
            "progress": _progress(complaint),
            "events": complaint.events.filter(public=True).order_by("at", "id"),
            "deadline": complaint.feedback_deadline,
        })
    return render(request, "complaints/public_status.html", context, status=status_code)


# --- staff ----------------------------------------------------------------------------------------------------


def _staff(request):
    if not rights.may(request.user, "complaints.view_complaint"):
        raise Http404


@login_required
def staff_list(request):
    _staff(request)
    qs = access.visible(request.user, Complaint).select_related("routed_to", "company", "insurer", "handling_officer")
    state = request.GET.get("status", "open")
    if state == "open":
        qs = qs.exclude(status=Status.FEEDBACK_GIVEN)
    elif state in Status.values:
        qs = qs.filter(status=state)
    hotline = request.GET.get("hotline", "")
    if hotline in Hotline.values:
        qs = qs.filter(hotline=hotline)
    q = request.GET.get("q", "").strip()[:20]
    if q:
        qs = qs.filter(tracking_no__icontains=q) | qs.filter(plate__icontains=q)
    page = Paginator(qs.order_by("-received_at", "-id"), 50).get_page(request.GET.get("page"))
    deadlines = services.current_clocks(page.object_list) if page.object_list else {}
    rows = [{"c": c, "deadline": deadlines.get(c.pk)} for c in page.object_list]
    return render(request, "complaints/staff_list.html", {
        "page": page, "rows": rows, "state": state, "hotline": hotline, "q": q, "statuses": Status.choices,
        "hotlines": Hotline.choices, "now": timezone.now(),
        "can_record": services.may_record_telephone(request.user),
    })


@login_required
def staff_new(request):
    if not services.may_record_telephone(request.user):  # the desk is the handlers' (rule M16)
        raise Http404
    hotline = Hotline.TRANSPORT if request.user.kind == OrganizationKind.TRANSPORT else Hotline.INSURANCE
    form = TelephoneReportForm(request.POST or None, initial={"hotline": hotline, "occurred_at": timezone.localtime()})
    if request.method == "POST" and form.is_valid():
        try:
            complaint, code = services.complaint_submit(**_report_values(form), channel=Channel.TELEPHONE,
                                                        actor=request.user)
        except ApplicationError as exc:
            apply_errors(form, exc, summary=True)
        else:
            messages.success(request, _("电话举报已登记。请告知来电人受理编号 %(no)s 和查询码 %(code)s（查询码只显示这一次）。")
                             % {"no": complaint.tracking_no, "code": code})
            return redirect("complaints:staff_detail", complaint.pk)
    return render(request, "complaints/staff_new.html", {"form": form})


def _detail_context(request, complaint: Complaint, **forms) -> dict:
    user = request.user
    handling = services.is_handling_org(user, complaint)
    forwarded = list(services.forwarded_insurers(complaint)) if handling or user.kind == OrganizationKind.INSURER \
        else []
    context = {
        "c": complaint, "handling": handling, "is_insurer": user.kind == OrganizationKind.INSURER,
        "events": complaint.events.select_related("actor", "organization").order_by("at", "id"),
        "photos": complaint.photos.all(), "deadline": complaint.feedback_deadline, "now": timezone.now(),
        "progress": _progress(complaint), "forwarded": forwarded,
        "may_reveal": services.may_reveal_contact(user, complaint),
        # the lead this report became, by its number (XS…), linked when the user may open it
        "lead": access.visible(user, Lead).filter(pk=complaint.lead_id).first() if complaint.lead_id else None,
        "can_forward": handling and user.kind == OrganizationKind.REGULATOR and complaint.hotline == Hotline.INSURANCE
        and complaint.status in (Status.ROUTED, Status.VERIFYING),
        "can_to_lead": handling and complaint.hotline == Hotline.TRANSPORT and bool(complaint.plate)
        and not complaint.lead_id and complaint.status not in (Status.RESOLVED, Status.FEEDBACK_GIVEN),
        "forward_form": forms.get("forward_form") or ForwardForm(initial={"insurer": complaint.insurer_id}),
        "note_form": forms.get("note_form") or NoteForm(),
        "resolve_form": forms.get("resolve_form") or ResolveForm(),
        "feedback_form": forms.get("feedback_form") or FeedbackForm(),
        "revealed": forms.get("revealed"),
    }
    if complaint.hotline == Hotline.INSURANCE:  # handling periods, extensions and 重办 (rule T4)
        step = services.next_extension(complaint)
        context.update({
            "periods": [{"p": p, "deadline": p.deadline, "extensions": list(p.extensions.select_related("approved_by"))}
                        for p in complaint.periods.select_related("requested_by").order_by("number")],
            "next_extension": step and {"step": step[0], "from_days": step[1], "to_days": step[2],
                                        "needs_approval": step[0] == 2},
            "can_extend": handling and services.may_extend(user, complaint),
            "can_rehandle": handling and services.may_rehandle(user, complaint),
            "extend_form": forms.get("extend_form") or ExtendForm(initial={"to_days": step[2] if step else None}),
            "rehandle_form": forms.get("rehandle_form") or RehandleForm(),
        })
    return context


def _complaint(request, pk: int) -> Complaint:
    _staff(request)
    return access.get_for_user(request.user, Complaint.objects.select_related(
        "routed_to", "company", "insurer", "vehicle", "handling_officer", "recorded_by"), pk=pk)


@login_required
def staff_detail(request, pk: int):
    complaint = _complaint(request, pk)
    return render(request, "complaints/staff_detail.html", _detail_context(request, complaint))


@login_required
@require_POST
def staff_action(request, pk: int, op: str):
    """One action of the staff desk (``apps.core.actions.form_action``): a refused one changes nothing and shows
    the page again with the typed input and the error beside its field (400, or the service's 403 / 409)."""
    complaint = _complaint(request, pk)
    user = request.user
    if op == "reveal":
        try:
            personal_data_rate(request)
            revealed = services.complaint_reveal_contact(actor=user, complaint=complaint,
                                                         reason=request.POST.get("reason", "")[:200])
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return render(request, "complaints/staff_detail.html", _detail_context(request, _complaint(request, pk)),
                          status=exc.status_code)
        complaint.refresh_from_db()
        return render(request, "complaints/staff_detail.html", _detail_context(request, complaint, revealed=revealed))
    if op not in _ACTIONS:
        raise Http404
    form_class, key, call, success = _ACTIONS[op]
    form = form_class(request.POST) if form_class is not None else None

    def page(bound, status):
        bound_forms = {key: bound} if bound is not None else {}
        return render(request, "complaints/staff_detail.html",
                      _detail_context(request, _complaint(request, pk), **bound_forms), status=status)

    # a bare button (verify, to-lead) refused is shown on the page too: the desk answers with the service's status
    return form_action(request, form, lambda d: call(user, complaint, d), success=success,
                       redirect_to=reverse("complaints:staff_detail", args=[complaint.pk]), page=page)


# op → (form, its key on the page, the service call, the success message)
_ACTIONS = {
    "verify": (None, "", lambda user, c, d: services.complaint_start_verifying(actor=user, complaint=c),
               lambda r: _("您已承办该举报，开始核查。")),
    "forward": (ForwardForm, "forward_form",
                lambda user, c, d: services.complaint_forward(actor=user, complaint=c, insurer=d["insurer"],
                                                              note=d["note"]),
                lambda r: _("已转保险公司核查。")),
    "note": (NoteForm, "note_form",
             lambda user, c, d: services.complaint_add_note(actor=user, complaint=c, note=d["note"]),
             lambda r: _("已记录。")),
    "resolve": (ResolveForm, "resolve_form",
                lambda user, c, d: services.complaint_resolve(actor=user, complaint=c, finding=d["finding"],
                                                              result=d["result"], record_credit=d["record_credit"]),
                lambda r: _("已办结。请向举报人反馈。")),
    "feedback": (FeedbackForm, "feedback_form",
                 lambda user, c, d: services.complaint_give_feedback(actor=user, complaint=c, feedback=d["feedback"]),
                 lambda r: _("已反馈举报人，举报人可在查询页面看到结果。")),
    # rule T4: 15 → 30 days (complex), then 30 → 60 with approval
    "extend": (ExtendForm, "extend_form",
               lambda user, c, d: services.complaint_extend(actor=user, complaint=c, reason=d["reason"],
                                                            to_days=d["to_days"]),
               lambda extension: _("处理期限已延长至 %(n)d 日。") % {"n": extension.to_days}),
    # rule T4: the reporter is not satisfied — a new handling period
    "rehandle": (RehandleForm, "rehandle_form",
                 lambda user, c, d: services.complaint_rehandle(actor=user, complaint=c, reason=d["reason"]),
                 lambda period: _("已登记重办申请，开始第 %(n)d 次办理。") % {"n": period.number}),
    "to-lead": (None, "", lambda user, c, d: services.complaint_to_lead(actor=user, complaint=c),
                lambda lead: _("已转为非法营运线索 %(no)s。") % {"no": lead.reference}),
}


@login_required
def staff_photo(request, pk: int, photo_pk: int):
    """A photo, for the audience of its complaint only (never from a public URL)."""
    _staff(request)
    photo = access.get_for_user(request.user, ComplaintPhoto, pk=photo_pk, complaint_id=pk)
    response = FileResponse(photo.file.open("rb"), content_type=photo.content_type)
    response["Content-Disposition"] = f'inline; filename="{photo.complaint.tracking_no}-{photo.pk}.{photo.extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def panel_context(request) -> dict:
    qs = access.visible(request.user, Complaint)
    open_qs = qs.exclude(status=Status.FEEDBACK_GIVEN)
    now = timezone.now()
    clocks = services.current_clocks(list(open_qs.only("pk")[:1000]))
    overdue = sum(1 for d in clocks.values() if d.met_at is None and d.due_at < now)
    return {"open_count": open_qs.count(), "new_count": open_qs.filter(status=Status.ROUTED).count(),
            "overdue": overdue, "recent": list(open_qs.order_by("-received_at")[:5])}
