"""Pages of the rescission app. Thin: read through selectors (audience from apps.parties.access), write through
services; business-rule refusals come back as messages and change nothing."""

from __future__ import annotations

import hashlib
from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core import deadlines
from apps.core.actions import form_action
from apps.core.audit import audit_record, reveal
from apps.core.errors import ApplicationError
from apps.core.errors import ErrorCode as CoreErrorCode
from apps.core.exports import FORMATS, Column, display, export_response
from apps.exchange import pdfsign
from apps.parties import access, rights
from apps.parties.models import Organization, OrganizationKind
from apps.policies.access import may_reveal_policyholder
from apps.policies.models import Policy
from apps.policies.services import ENDORSEMENT_RULE
from apps.rescissions.errors import ErrorCode

from . import conf, notices, selectors, services
from .access import is_watcher, may_act
from .clock import Clock
from .forms import (
    ComplianceFilterForm,
    CorrectionForm,
    DecisionForm,
    DisclosureForm,
    EndorseForm,
    NoticeReceiveForm,
    NoticeSendForm,
    OpenForm,
    PathForm,
    PolicyAddForm,
)
from .models import Decision, Path, RescissionEvent, RescissionNotice, Status, Trigger
from .notices import NoticeKind, render_html

VIEW_PERM = "rescissions.view_rescissioncase"


def _filters(request) -> dict:
    get = request.GET
    insurer = get.get("insurer") or ""
    due_within = get.get("due_within") or ""
    return {
        "state": get.get("state") or "open",
        "status": get.get("status") if get.get("status") in Status.values else "",
        "trigger": get.get("trigger") if get.get("trigger") in Trigger.values else "",
        "path": get.get("path") if get.get("path") in [*Path.values, "none"] else "",
        "insurer_id": int(insurer) if insurer.isdigit() else None,
        "q": (get.get("q") or "").strip()[:40],
        "due_within_days": int(due_within) if due_within.isdigit() and int(due_within) <= 366 else None,
    }


def _case_columns(now):
    return [
        Column(_("案件编号"), "number"),
        Column(_("保险公司"), "insurer.name"),
        Column(_("号牌号码"), lambda c: c.vehicle.label),
        Column(_("保单号"), "policy.number"),
        Column(_("险种"), lambda c: c.policy.get_kind_display()),
        Column(_("触发来源"), display("trigger")),
        Column(_("处理路径"), lambda c: c.get_path_display() or _("尚未认定")),
        Column(_("涉及保单"), lambda c: "、".join(f"{link.policy.number}（{link.policy.get_kind_display()}）"
                                             for link in c.case_policies.all())),
        Column(_("来源编号"), "trigger_ref"),
        Column(_("知道解除事由时间"), "known_at"),
        Column(_("解除权消灭时间"), "deadline_at"),
        Column(_("第几天"), lambda c: Clock(c.known_at).day_of(now) if c.is_open else ""),
        Column(_("剩余天数"), lambda c: Clock(c.known_at).days_left(now) if c.is_open else ""),
        Column(_("最后通知日"), lambda c: Clock(c.known_at).last_notice_date),
        Column(_("状态"), display("status")),
        Column(_("通知发出时间"), "notice_sent_at"),
        Column(_("通知送达时间"), "notice_received_at"),
        Column(_("如实告知期限"), "disclosure_due_at"),
        Column(_("如实告知时间"), "disclosed_at"),
        Column(_("决定"), display("decision")),
        Column(_("决定时间"), "decided_at"),
        Column(_("决定理由"), "display_decision_reason"),  # in the requester's language (issue 16)
    ]


@login_required
def case_list(request):
    """Insurer: "my open cases", fewest days left first, coloured; supervisors: every insurer's, filterable."""
    rights.require(request.user, VIEW_PERM)
    filters = _filters(request)
    # the list and the export both name each case's policies (涉及保单): one query for them, not one per case
    qs = selectors.case_list(request.user, **filters).prefetch_related("case_policies__policy")
    now = timezone.now()
    fmt = request.GET.get("export")
    if fmt in FORMATS:
        ids = [int(i) for i in request.GET.getlist("id") if i.isdigit()]
        if ids:  # bulk export of the rows ticked on the page
            qs = qs.filter(pk__in=ids)
        return export_response(user=request.user, queryset=qs, columns=_case_columns(now), basename=_("合同解除案件"),
                               fmt=fmt, filters={**filters, "ids": ids}, title=_("合同解除案件"))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    rows = [{"case": c, "css": selectors.row_css(c, now), "clock": Clock(c.known_at)} for c in page]
    return render(request, "rescissions/case_list.html", {
        "page": page, "rows": rows, "now": now, "filters": filters, "statuses": Status.choices,
        "triggers": Trigger.choices, "paths": Path.choices, "is_watcher": is_watcher(request.user),
        "insurers": Organization.objects.filter(kind=OrganizationKind.INSURER).order_by("name")
        if is_watcher(request.user) else [],
        "may_open": services.may_open_on_own_finding(request.user),
        "warn_day": conf.warn_day(), "days": conf.rescission_days(),
    })


@login_required
def case_detail(request, pk):
    rights.require(request.user, VIEW_PERM)
    return _case_page(request, selectors.case_get(request.user, pk))


# The context key under which the case page shows each action's form (a refused action re-renders the page with
# the user's bound form in its place, so nothing typed is lost).
_FORM_KEYS = {
    "NoticeSendForm": "send_form", "PathForm": "path_form", "EndorseForm": "endorse_form",
    "PolicyAddForm": "policy_add_form", "NoticeReceiveForm": "receive_form", "DisclosureForm": "disclosure_form",
    "DecisionForm": "decision_form", "CorrectionForm": "correction_form",
}


def _endorsement_url(user, link) -> str:
    """The endorsement form (批改单) that closed ``link`` as endorsed (``endorsement_ref`` ``E<id>``), for a reader
    of the policy's endorsements who may reveal its policyholder (the form names them); otherwise none."""
    ref = link.endorsement_ref or ""
    if not (ref.startswith("E") and ref[1:].isdigit()):
        return ""
    if not (rights.may(user, "policies.view_endorsement") and may_reveal_policyholder(user, link.policy)):
        return ""
    return reverse("policies:endorsement-pdf", args=[link.policy_id, int(ref[1:])])


def _case_page(request, case, bound=None, status: int = 200):
    """The case page; ``bound`` is a submitted form that was refused, shown with the user's input and its errors."""
    now = timezone.now()
    actions = selectors.next_actions(case, request.user, now)
    events = list(case.events.select_related("actor", "organization", "corrects").order_by("at", "recorded_at", "id"))
    notices = list(case.notices.order_by("created_at", "id"))
    links = list(case.case_policies.select_related("policy", "policy__vehicle").order_by("id"))
    context = {
        "case": case, "clock": selectors.case_clock(case, now), "now": now, "events": events, "notices": notices,
        "links": [{"link": link, "lawful": [Decision(o).label for o in services.lawful_outcomes(case, link)],
                   "endorsement_clock": deadlines.deadline_for(rule=ENDORSEMENT_RULE, subject=link),
                   "endorsement_url": _endorsement_url(request.user, link)}
                  for link in links],
        "actions": actions, "may_act": may_act(request.user, case),
        "may_reveal": may_reveal_policyholder(request.user, case.policy),
        "notice_kinds": [(k, k.label, selectors.notice_available(case, k)) for k in NoticeKind],
        "days": conf.rescission_days(), "disclosure_days": conf.disclosure_days(), "warn_day": conf.warn_day(),
        "transit_days": conf.notice_transit_days(),
        "siblings": selectors.case_list(request.user, state="all").filter(policy_id=case.policy_id).exclude(pk=case.pk),
    }
    if "notice_send" in actions:
        context["send_form"] = NoticeSendForm(initial={
            "contact_name": request.user.full_name, "matter": case.matter,
            "applied_on": case.applied_on,
        })
    if "path" in actions:
        context["path_form"] = PathForm(initial={"path": case.path, "fault": case.fault, "basis": case.path_basis,
                                                 "operating_since": case.operating_since,
                                                 "meant_at_inception": case.meant_at_inception})
    if "endorse" in actions:
        form = EndorseForm(initial={"effective_on": timezone.localdate()})
        form.fields["policy"].widget.choices = [
            (row["link"].policy_id, f"{row['link'].policy.number}（{row['link'].policy.get_kind_display()}）")
            for row in context["links"] if Decision.ENDORSED.label in row["lawful"]]
        context["endorse_form"] = form
    if "policy_add" in actions:
        context["policy_add_form"] = PolicyAddForm()
    if "notice_receive" in actions:
        context["receive_form"] = NoticeReceiveForm()
    if "disclosure" in actions:
        context["disclosure_form"] = DisclosureForm()
    if {"rescind", "conditions_not_met", "not_rescinded"} & set(actions):
        context["decision_form"] = DecisionForm()
    if "correct" in actions:
        choices = [(e.pk, f"{e.get_kind_display()}：{timezone.localtime(e.at):%Y-%m-%d %H:%M}")
                   for e in selectors.correctable_events(case)]
        if choices:
            form = CorrectionForm()
            form.fields["event"].widget.choices = choices
            context["correction_form"] = form
    if bound is not None:
        key = _FORM_KEYS[type(bound).__name__]
        shown = context.get(key)
        for name, field in bound.fields.items():  # choices filled per case (policy, event) carry over
            if shown is not None and hasattr(field.widget, "choices"):
                field.widget.choices = shown.fields[name].widget.choices
        context[key] = bound
    return render(request, "rescissions/case_detail.html", context, status=status)


def _act(request, pk, form_class, call, success: str):
    """One action of the case page, through the kernel's one mechanism (``apps.core.actions.form_action``): a
    refused action (invalid input, or the service's refusal) changes nothing and shows the page again with the
    user's input kept and the error beside the field at fault (400, or the service's 403 / 409)."""
    case = selectors.case_get(request.user, pk)

    def warnings(case):
        for warning in selectors.case_clock(case).warnings:
            messages.warning(request, warning)

    return form_action(
        request, form_class(request.POST), lambda data: call(case, data), success=success,
        redirect_to=reverse("rescissions:case", args=[pk]), after=warnings,
        page=lambda form, status: _case_page(request, selectors.case_get(request.user, pk), form, status=status))


@login_required
@require_POST
def notice_send(request, pk):
    return _act(request, pk, NoticeSendForm, lambda case, d: services.rescission_notice_send(
        case=case, actor=request.user, sent_at=d["sent_at"], contact_name=d["contact_name"],
        contact_phone=d["contact_phone"], matter=d["matter"], applied_on=d["applied_on"],
    ), _("已登记发出通知，并已出具《未履行如实告知义务通知书》（附件三）。"))


@login_required
@require_POST
def notice_receive(request, pk):
    return _act(request, pk, NoticeReceiveForm, lambda case, d: services.rescission_notice_receive(
        case=case, actor=request.user, received_at=d["received_at"],
    ), _("已登记通知送达，如实告知期限开始计算。"))


@login_required
@require_POST
def disclosure(request, pk):
    return _act(request, pk, DisclosureForm, lambda case, d: services.rescission_disclosure_record(
        case=case, actor=request.user, disclosed_at=d["disclosed_at"], note=d["note"],
    ), _("已登记投保人如实告知。"))


@login_required
@require_POST
def decide(request, pk):
    labels = {Decision.RESCINDED: _("已解除合同，并已出具合同解除文书。"),
              Decision.CONDITIONS_NOT_MET: _("已登记：不符合解除条件。"),
              Decision.NOT_RESCINDED: _("已登记：不解除合同。")}
    return _act(request, pk, DecisionForm, lambda case, d: services.rescission_decide(
        case=case, actor=request.user, decision=d["decision"], reason=d["reason"], decided_at=d["decided_at"],
    ), labels.get(request.POST.get("decision"), _("已登记决定。")))


@login_required
@require_POST
def path_record(request, pk):
    return _act(request, pk, PathForm, lambda case, d: services.rescission_path_record(
        case=case, actor=request.user, path=d["path"], reason=d["reason"], operating_since=d["operating_since"],
        fault=d["fault"], basis=d["basis"], meant_at_inception=d["meant_at_inception"],
    ), _("已认定处理路径。"))


@login_required
@require_POST
def endorse(request, pk):
    def call(case, d):
        policy = Policy.objects.filter(pk=d["policy"], insurer_id=case.insurer_id).first()
        return services.rescission_endorse(
            case=case, actor=request.user, policy=policy, usage_nature=d["usage_nature"],
            effective_on=d["effective_on"], new_premium=d["new_premium"], reason=d["reason"])

    return _act(request, pk, EndorseForm, call, _("已批改保单（按保单年度重新核定保险费）。"))


@login_required
@require_POST
def policy_add(request, pk):
    def call(case, d):
        policy = access.visible(request.user, Policy).filter(number=d["policy_number"].strip()).first()
        if policy is None:
            raise ApplicationError(_("未找到本公司该保单号的保单。"), code=ErrorCode.POLICY_UNKNOWN)
        return services.rescission_policy_add(case=case, actor=request.user, policy=policy)

    return _act(request, pk, PolicyAddForm, call, _("已将该保单纳入本案件，通知书将一并列明。"))


@login_required
@require_POST
def correct(request, pk):
    def call(case, d):
        event = RescissionEvent.objects.filter(case=case, pk=d["event"]).first()
        if event is None:
            raise ApplicationError(_("该事项不属于本案件。"), code=ErrorCode.WRONG_CASE)
        services.rescission_correct(case=case, actor=request.user, event=event, at=d["at"], reason=d["reason"])
        return case

    return _act(request, pk, CorrectionForm, call, _("已登记更正。原记录保留在时间线中。"))


@login_required
def case_open(request):
    """An insurer opens a case from its own findings (trigger insurer_finding)."""

    rights.require(request.user, "rescissions.add_rescissioncase")
    if not services.may_open_on_own_finding(request.user):
        raise Http404  # the form opens a case on one's own insurer's policy: there is none to act for
    form = OpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        policy = access.visible(request.user, Policy).filter(number=form.cleaned_data["policy_number"].strip()).first()
        if policy is None:
            form.add_error("policy_number", _("未找到本公司该保单号的保单。"))
        else:
            try:
                case, created = services.rescission_open(
                    policy=policy, trigger=Trigger.INSURER_FINDING, trigger_ref=form.cleaned_data["trigger_ref"],
                    known_at=form.cleaned_data["known_at"], actor=request.user,
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                if not created:
                    messages.success(request, _("该保单已有相同来源的案件，未重复立案。"))
                elif case.policy_id != policy.pk:
                    messages.success(request, _("已纳入同一投保人的案件 %(no)s。") % {"no": case.number})
                else:
                    messages.success(request, _("已立案。"))
                return redirect("rescissions:case", pk=case.pk)
    return render(request, "rescissions/case_open.html", {"form": form})


# --- notices -------------------------------------------------------------------------------------------------


@login_required
def notice_page(request, pk, kind):
    """The printable notice: the issued one (with its PDF) or, for 附件三 before sending, a preview."""
    rights.require(request.user, VIEW_PERM)
    case = selectors.case_get(request.user, pk)
    if kind not in NoticeKind.values or not selectors.notice_available(case, kind):
        raise Http404
    issued = case.notices.filter(kind=kind).order_by("-created_at", "-id").first()
    may = may_reveal_policyholder(request.user, case.policy)
    data = selectors.notice_data(case, kind, issued_on=issued.issued_on if issued else None,
                                 doc_no=issued.doc_no if issued else "", masked=not may)
    if may:
        reveal(actor=request.user, obj=case.policy, field="policyholder_name", reason=f"rescission notice {kind}")
    html = render_html(data, extra={
        "case_url": services.case_url(case), "is_preview": issued is None,
        "pdf_url": reverse("rescissions:notice-pdf", args=[case.pk, issued.pk]) if (issued and may) else "",
    })
    return HttpResponse(html)


@login_required
def notice_pdf(request, pk, notice_pk):
    rights.require(request.user, VIEW_PERM)
    case = selectors.case_get(request.user, pk)
    notice = access.get_for_user(request.user, RescissionNotice.objects.filter(case=case), pk=notice_pk)
    if not may_reveal_policyholder(request.user, case.policy):
        raise Http404  # the PDF carries the policyholder's full name
    return pdf_response(request.user, notice)


def pdf_response(user, notice: RescissionNotice) -> FileResponse:
    """The notice's PDF as issued (stored encrypted, rule M3; checked against its recorded SHA-256) — or, for an
    insurer that holds its own key, the file its system signed and uploaded since (``pdfsign.party_signed_accept``;
    the stored file stays the unsigned one it signed)."""
    party_signed = pdfsign.party_signed_version(f"rescission-notice:{notice.doc_no}", issued_sha256=notice.sha256)
    if party_signed is not None:
        reveal(actor=user, obj=notice.case.policy, field="policyholder_name",
               reason=f"rescission notice pdf {notice.doc_no}")
        response = FileResponse(BytesIO(pdfsign.signed_content(party_signed)), content_type="application/pdf",
                                filename=f"{notice.doc_no}.pdf")
        response["X-Content-SHA256"] = party_signed.sha256
        return response
    content = notices.notice_content(notice)  # stored encrypted (rule M3)
    if hashlib.sha256(content).hexdigest() != notice.sha256:
        audit_record(actor=user, action="rescission.notice_integrity_failure", obj=notice.case,
                     organization=notice.case.insurer, detail={"notice": notice.pk, "doc_no": notice.doc_no})
        raise ApplicationError(_("文书文件与登记的摘要不一致，已记录。请联系平台管理员。"), code=CoreErrorCode.INTEGRITY)
    reveal(actor=user, obj=notice.case.policy, field="policyholder_name", reason=f"rescission notice pdf {notice.doc_no}")
    response = FileResponse(BytesIO(content), content_type="application/pdf", filename=f"{notice.doc_no}.pdf")
    response["X-Content-SHA256"] = notice.sha256
    return response


# --- compliance (regulator, insurance association) ----------------------------------------------------------


@login_required
def compliance(request):
    rights.require(request.user, VIEW_PERM)
    if not is_watcher(request.user):
        raise Http404
    form = ComplianceFilterForm(request.GET or None)
    dates = form.cleaned_data if form.is_valid() else {}
    rows = selectors.compliance_rows(request.user, date_from=dates.get("date_from"), date_to=dates.get("date_to"))
    fmt = request.GET.get("export")
    if fmt in FORMATS:
        columns = [
            Column(_("保险公司"), "insurer.name"),
            Column(_("立案数"), "opened"),
            Column(_("办理中"), "open"),
            Column(_("已决定"), "decided"),
            Column(_("按时决定"), "decided_in_time"),
            Column(_("超期失权"), "lapsed"),
            Column(_("其中解除合同"), "rescinded"),
            Column(_("按时率（%）"), "in_time_rate"),
            Column(_("决定用时中位数（天）"), "median_days"),
        ]
        return export_response(user=request.user, queryset=rows, columns=columns, basename=_("合同解除时限合规"),
                               fmt=fmt, filters={k: str(v) for k, v in dates.items() if v}, title=_("合规"))
    totals = {key: sum(getattr(r, key) for r in rows) for key in ("opened", "open", "decided", "decided_in_time",
                                                                   "lapsed", "rescinded")}
    return render(request, "rescissions/compliance.html", {
        "form": form, "rows": rows, "totals": totals, "chart": selectors.compliance_chart(rows),
        "query": request.GET.urlencode(), "days": conf.rescission_days(),
    })
