"""Writes for public reports (rule M16). Pages, the API and the telephone desk all call these functions."""

from __future__ import annotations

import datetime as dt
import secrets

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from guardian.shortcuts import assign_perm

from apps.complaints.errors import ErrorCode
from apps.core.audit import acting_user, audit_record, reveal
from apps.core.deadlines import deadline_extend, deadline_for, deadline_meet, deadline_start
from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from apps.core.errors import ErrorCode as CoreErrorCode
from apps.core.models import Deadline
from apps.core.notifications import Text, choice, notify_organization, stored
from apps.core.validators import normalize_phone, normalize_plate
from apps.credit.services import credit_proposal_create
from apps.leads.services import lead_create_from_complaint
from apps.parties import rights
from apps.parties.models import Organization, OrganizationKind
from apps.vehicles.models import Vehicle

from . import conf
from .models import (
    HOTLINE_CATEGORIES,
    Category,
    Channel,
    Complaint,
    ComplaintEvent,
    ComplaintPhoto,
    Finding,
    HandlingExtension,
    HandlingPeriod,
    Hotline,
    Status,
)
from .photos import check_photos

FEEDBACK_RULE = "complaint.feedback"  # 12328 (rule M16)
HANDLING_RULE = "complaint.handling"  # 12378, one clock per handling period (rule T4)
APPROVE_EXTENSION_PERM = "complaints.approve_extension"
VIEW_PERM = "complaints.view_complaint"
_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read over the telephone without mistakes

# Rule M16: 12328 → transport; 12378 → the insurance regulator.
ROUTING = {Hotline.TRANSPORT: OrganizationKind.TRANSPORT, Hotline.INSURANCE: OrganizationKind.REGULATOR}
HANDLERS = frozenset(ROUTING.values())

PUBLIC_REPORT_JOB = "complaints.public_report"
_HANDLER_ONLY = _("只有承办单位的工作人员可以办理该举报。")
_DESK_ONLY = _("只有交通运输局和金融监管分局的工作人员可以登记电话举报。")


def public_reporter() -> rights.SystemActor:
    """Who a report filed without an account is recorded by: the platform's public report desk (rule M16)."""
    return rights.SystemActor(PUBLIC_REPORT_JOB)


def may_record_telephone(actor) -> bool:
    """A hotline desk: staff of an organisation that handles a hotline (rule M16) with the right to record."""
    return rights.may(actor, "complaints.add_complaint") and getattr(actor, "kind", None) in HANDLERS


def _random(n: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(n))


def _new_tracking_no(now: dt.datetime) -> str:
    return f"JB{timezone.localtime(now):%y%m%d}{_random(6)}"


def _event(complaint, kind, *, actor, organization=None, note: str | Text = "", public=False) -> ComplaintEvent:
    """One line of the trail. ``note`` is a :class:`Text` when the platform writes it (shown in each reader's
    language, issue 16), a plain string when a user typed it (shown as typed)."""
    if organization is None:
        organization = getattr(actor, "organization", None)
    text, message = stored(note)
    return ComplaintEvent.objects.create(complaint=complaint, kind=kind, actor=acting_user(actor),
                                         organization=organization, note=text, note_msg=message, public=public)


def _fail(fields: dict[str, list[str]], message: str | None = None):
    raise ApplicationError(message or _("举报内容有误，请按提示修改后重新提交。"), code=CoreErrorCode.INVALID,
                           extra={"fields": fields})


def _as_org(value, kind: str, field: str, fields: dict):
    if value in (None, ""):
        return None
    if isinstance(value, Organization):
        org = value
    else:
        org = Organization.objects.filter(pk=value).first() if str(value).isdigit() else None
    if org is None or org.kind != kind or not org.is_active:
        fields.setdefault(field, []).append(_("请从列表中选择。"))
        return None
    return org


def routed_organization(hotline: str) -> Organization:
    org = Organization.objects.filter(kind=ROUTING[hotline], is_active=True).order_by("pk").first()
    if org is None:
        raise ApplicationError(_("承办单位尚未开通，暂时无法受理，请直接拨打热线 %(h)s。") % {"h": hotline},
                               code=ErrorCode.NO_HANDLER)
    return org


def validate_report(
    *, hotline: str, category: str, plate: str = "", company=None, insurer=None, description: str = "",
    occurred_at: dt.datetime | None = None, location: str = "", reporter_name: str = "", reporter_phone: str = "",
) -> dict:
    """Check a report and return its cleaned values; ``ApplicationError`` with per-field Chinese messages."""
    fields: dict[str, list[str]] = {}
    if hotline not in Hotline.values:
        fields["hotline"] = [_("请选择举报热线：12328 或 12378。")]
    elif category not in HOTLINE_CATEGORIES[Hotline(hotline)]:
        fields["category"] = [_("所选情况不属于该热线受理范围，请按页面提示选择正确的热线。")]
    plate = (plate or "").strip()
    if plate:
        try:
            plate = normalize_plate(plate)
        except ValidationError as exc:
            fields["plate"] = list(exc.messages)
    company = _as_org(company, OrganizationKind.TAXI_COMPANY, "company", fields)
    insurer = _as_org(insurer, OrganizationKind.INSURER, "insurer", fields)
    if hotline == Hotline.TRANSPORT and not plate and "plate" not in fields:
        fields["plate"] = [_("向 12328 举报私家车载客，请填写车辆号牌。")]
    if category in (Category.CLAIM_MISCONDUCT, Category.UNLAWFUL_REFUSAL) and insurer is None \
            and "insurer" not in fields:
        fields["insurer"] = [_("举报保险公司的行为，请选择保险公司。")]
    if hotline == Hotline.INSURANCE and not (plate or company or insurer) and not fields:
        fields["plate"] = [_("请至少填写车辆号牌、出租汽车企业或保险公司之一。")]
    description = (description or "").strip()
    if len(description) < 10:
        fields["description"] = [_("请用至少 10 个字描述发生了什么。")]
    elif len(description) > conf.max_text_chars():
        fields["description"] = [_("情况描述不超过 %(n)d 字。") % {"n": conf.max_text_chars()}]
    location = (location or "").strip()
    if not location:
        fields["location"] = [_("请填写发生地点。")]
    elif len(location) > 200:
        fields["location"] = [_("发生地点不超过 200 字。")]
    now = timezone.now()
    if occurred_at is None:
        fields["occurred_at"] = [_("请填写发生时间。")]
    elif timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at)
    if occurred_at is not None and "occurred_at" not in fields:
        if occurred_at > now + dt.timedelta(minutes=5):
            fields["occurred_at"] = [_("发生时间不能晚于现在。")]
        elif occurred_at < now - dt.timedelta(days=365 * 2):
            fields["occurred_at"] = [_("只受理两年内发生的情况。")]
    reporter_name = (reporter_name or "").strip()
    if len(reporter_name) > 40:
        fields["reporter_name"] = [_("联系人姓名不超过 40 字。")]
    reporter_phone = (reporter_phone or "").strip().replace(" ", "")
    try:
        reporter_phone = normalize_phone(reporter_phone)
    except ValidationError as exc:
        fields["reporter_phone"] = list(exc.messages)
    if fields:
        _fail(fields)
    return {"hotline": hotline, "category": category, "plate": plate, "company": company, "insurer": insurer,
            "description": description, "occurred_at": occurred_at, "location": location,
            "reporter_name": reporter_name, "reporter_phone": reporter_phone}


@transaction.atomic
def complaint_submit(*, actor, photos=None, channel: str = Channel.WEB, **report) -> tuple[Complaint, str]:
    """File a report; returns (complaint, secret code). The code is shown once and only its hash is kept.

    ``actor`` is the staff member recording a telephone report (``channel=telephone``), or ``public_reporter()``
    for a report filed on the web without an account. The report is routed at once by hotline (rule M16) and the
    feedback clock starts. Nothing here needs Redis or the task queue: with both down the report is kept.
    """
    if actor is None:
        raise TypeError("complaint_submit is called with an explicit actor (public_reporter() for the public)")
    if channel == Channel.TELEPHONE:
        rights.require(actor, "complaints.add_complaint", _DESK_ONLY)
        if not may_record_telephone(actor):
            raise PermissionDeniedError(_DESK_ONLY)
    cleaned = validate_report(**report)
    checked, photo_errors = check_photos(photos)
    if photo_errors:
        _fail({"photos": photo_errors}, _("照片不符合要求，请按提示修改后重新提交。"))
    handler = routed_organization(cleaned["hotline"])

    vehicle = Vehicle.objects.filter(plate=cleaned["plate"]).first() if cleaned["plate"] else None
    now = timezone.now()
    code = _random(8)
    complaint = Complaint(
        **cleaned, vehicle=vehicle, channel=channel, code_hash=make_password(code), received_at=now,
        status=Status.RECEIVED, recorded_by=acting_user(actor),
    )
    for _attempt in range(5):
        complaint.tracking_no = _new_tracking_no(now)
        try:
            complaint.full_clean(exclude=["code_hash", "routed_to", "vehicle", "company", "insurer", "recorded_by"])
        except ValidationError as exc:
            if "tracking_no" in exc.message_dict:
                continue
            _fail(exc.message_dict)
        try:
            with transaction.atomic():
                complaint.save()
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover - 32^6 numbers a day
        raise ConflictError(_("系统繁忙，请稍后再试。"))
    for photo in checked:
        record = ComplaintPhoto(complaint=complaint, content_type=photo.content_type, extension=photo.extension,
                                size=photo.size, sha256=photo.sha256, original_name=photo.name)
        record.file.save(f"photo.{photo.extension}", photo.upload, save=False)
        record.save()
    source = gettext_lazy("电话登记") if channel == Channel.TELEPHONE else gettext_lazy("网上举报")
    _event(complaint, ComplaintEvent.Kind.RECEIVED, actor=actor, note=Text(gettext_noop("%(s)s，已受理。"), s=source),
           public=True)
    audit_record(actor=actor, action="complaint.submit", obj=complaint, organization=handler,
                 detail={"hotline": complaint.hotline, "channel": channel, "photos": len(checked)})
    _route(complaint, handler, actor=actor)
    return complaint, code


def _route(complaint: Complaint, handler: Organization, *, actor) -> None:
    complaint.routed_to = handler
    complaint.status = Status.ROUTED
    complaint.save(update_fields=["routed_to", "status", "updated_at"])
    _event(complaint, ComplaintEvent.Kind.ROUTED, actor=rights.SystemActor("complaints.route", organization=handler),
           organization=handler,
           note=Text(gettext_noop("已按热线 %(h)s 分办至%(org)s。"), h=complaint.hotline, org=handler.name), public=True)
    if complaint.hotline == Hotline.INSURANCE:  # rule T4: 15 days from receipt, the first handling period
        _open_period(complaint, kind=HandlingPeriod.Kind.INITIAL, starts_at=complaint.received_at, actor=actor)
    else:
        deadline_start(rule=FEEDBACK_RULE, subject=complaint, responsible=handler, starts_at=complaint.received_at,
                       actor=actor)  # unit and length from the rule's registration (apps.py)
    audit_record(actor=actor, action="complaint.route", obj=complaint, organization=handler,
                 detail={"routed_to": handler.pk})
    notify_organization(
        organization=handler, title=Text(gettext_noop("新举报 %(no)s（%(h)s）"), no=complaint.tracking_no,
                                         h=complaint.hotline),
        body=Text(choice(complaint, "category")), link=f"/complaints/staff/{complaint.pk}/", kind="complaint.routed",
        dedup_key=f"complaint.routed:{complaint.pk}",
    )


def _open_period(complaint: Complaint, *, kind: str, starts_at: dt.datetime, actor, reason: str = "",
                 requested_by=None) -> HandlingPeriod:
    """A new handling period with its own clock (rule ``complaint.handling``: unit and amount from its registration)."""
    last = complaint.periods.order_by("-number").first()
    period = HandlingPeriod.objects.create(complaint=complaint, number=(last.number + 1) if last else 1, kind=kind,
                                           starts_at=starts_at, request_reason=reason, requested_by=requested_by)
    deadline_start(rule=HANDLING_RULE, subject=period, responsible=complaint.routed_to, starts_at=starts_at,
                   actor=actor)
    return period


def complaint_lookup(*, tracking_no: str, code: str) -> Complaint | None:
    """The complaint whose tracking number and secret code both match, else None (no hint which was wrong)."""
    tracking_no = (tracking_no or "").strip().upper()
    code = (code or "").strip().upper()
    complaint = Complaint.objects.filter(tracking_no=tracking_no).first() if tracking_no else None
    if complaint is None:
        make_password(code)  # same work either way: timing does not reveal whether the number exists
        return None
    return complaint if code and check_password(code, complaint.code_hash) else None


# --- staff side --------------------------------------------------------------------------------------------


def is_handling_org(user, complaint: Complaint) -> bool:
    return bool(user and user.is_authenticated and user.organization_id
                and user.organization_id == complaint.routed_to_id)


def _check_handler(actor, complaint: Complaint) -> None:
    """The table gives the right to handle complaints; the object rule: only the organisation it was routed to."""
    rights.require(actor, "complaints.change_complaint", _HANDLER_ONLY)
    if not is_handling_org(actor, complaint):
        raise PermissionDeniedError(_HANDLER_ONLY)


def _locked(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update().get(pk=complaint.pk)


def _organization_group(org: Organization) -> Group:
    """A group holding the organisation's active users, for organisation-wide object grants."""
    from .access import organization_group_name

    group, _created = Group.objects.get_or_create(name=organization_group_name(org.pk))
    group.user_set.add(*org.users.filter(is_active=True))
    return group


def forwarded_insurers(complaint: Complaint):
    from .models import ComplaintGroupObjectPermission

    group_names = ComplaintGroupObjectPermission.objects.filter(
        content_object=complaint, permission__codename="view_complaint").values_list("group__name", flat=True)
    ids = [int(name.split(":", 1)[1]) for name in group_names if name.startswith("org:")]
    return Organization.objects.filter(pk__in=ids)


@transaction.atomic
def complaint_forward(*, actor, complaint: Complaint, insurer: Organization, note: str = "") -> Complaint:
    """The regulator forwards a 12378 report to the insurer concerned (rule M16); that insurer — and no other —
    then sees this complaint (guardian object permission on the direct-FK table)."""
    complaint = _locked(complaint)
    _check_handler(actor, complaint)
    if complaint.hotline != Hotline.INSURANCE:  # routed to the regulator (rule M16), who alone forwards it
        raise PermissionDeniedError(_("只有金融监管分局可以将 12378 举报转保险公司核查。"))
    if len((note or "").strip()) > conf.max_text_chars():
        raise ApplicationError(_("转办说明不超过 %(n)d 字。") % {"n": conf.max_text_chars()}, code=ErrorCode.NOTE_TOO_LONG,
                               extra={"fields": {"note": [_("转办说明过长。")]}})
    if insurer is None or insurer.kind != OrganizationKind.INSURER:
        raise ApplicationError(_("请选择要转交的保险公司。"), code=ErrorCode.INSURER_REQUIRED,
                               extra={"fields": {"insurer": [_("请选择保险公司。")]}})
    if complaint.status in (Status.RESOLVED, Status.FEEDBACK_GIVEN):
        raise ConflictError(_("该举报已办结，不能再转交。"))
    assign_perm(VIEW_PERM, _organization_group(insurer), complaint)
    if complaint.status == Status.ROUTED:
        complaint.status = Status.VERIFYING
        complaint.handling_officer = complaint.handling_officer or actor
        complaint.save(update_fields=["status", "handling_officer", "updated_at"])
    _event(complaint, ComplaintEvent.Kind.FORWARDED, actor=actor,
           note=Text(gettext_noop("转%(org)s核查。%(note)s"), org=insurer.name, note=note.strip()))
    _event(complaint, ComplaintEvent.Kind.VERIFYING, actor=actor, note=Text(gettext_noop("已转相关保险公司核查。")),
           public=True)
    audit_record(actor=actor, action="complaint.forward", obj=complaint, detail={"insurer": insurer.pk})
    notify_organization(
        organization=insurer, title=Text(gettext_noop("金融监管分局转来举报 %(no)s，请核查答复"), no=complaint.tracking_no),
        link=f"/complaints/staff/{complaint.pk}/", kind="complaint.forwarded",
        dedup_key=f"complaint.forwarded:{complaint.pk}:{insurer.pk}",
    )
    return complaint


@transaction.atomic
def complaint_start_verifying(*, actor, complaint: Complaint) -> Complaint:
    """The officer takes the case: becomes its handling officer (the only one who may reveal the contact)."""
    complaint = _locked(complaint)
    _check_handler(actor, complaint)
    if complaint.status not in (Status.ROUTED, Status.VERIFYING):
        raise ConflictError(_("该举报当前状态为“%(s)s”，不能开始核查。") % {"s": complaint.get_status_display()})
    first = complaint.status == Status.ROUTED
    complaint.status = Status.VERIFYING
    complaint.handling_officer = actor
    complaint.save(update_fields=["status", "handling_officer", "updated_at"])
    _event(complaint, ComplaintEvent.Kind.VERIFYING, actor=actor,
           note=Text(gettext_noop("%(u)s 承办核查。"), u=str(actor)), public=False)
    if first:
        _event(complaint, ComplaintEvent.Kind.VERIFYING, actor=actor, note=Text(gettext_noop("承办单位正在核查。")),
               public=True)
    audit_record(actor=actor, action="complaint.verify", obj=complaint)
    return complaint


@transaction.atomic
def complaint_add_note(*, actor, complaint: Complaint, note: str) -> ComplaintEvent:
    """A verification note by the handling organisation, or the forwarded insurer's reply."""
    complaint = _locked(complaint)
    note = (note or "").strip()
    if not note:
        raise ApplicationError(_("请填写内容。"), code=CoreErrorCode.NOTE_REQUIRED, extra={"fields": {"note": [_("请填写内容。")]}})
    if len(note) > conf.max_text_chars():
        raise ApplicationError(_("内容不超过 %(n)d 字。") % {"n": conf.max_text_chars()}, code=ErrorCode.NOTE_TOO_LONG)
    if complaint.status == Status.FEEDBACK_GIVEN:
        raise ConflictError(_("该举报已反馈办结。"))
    if is_handling_org(actor, complaint):
        _check_handler(actor, complaint)
        kind = ComplaintEvent.Kind.NOTE
    elif rights.may(actor, "complaints.view_complaint") and forwarded_insurers(complaint).filter(
            pk=actor.organization_id).exists():  # the insurer it was forwarded to (rule M16) answers
        kind = ComplaintEvent.Kind.INSURER_REPLY
    else:
        raise PermissionDeniedError(_("您无权办理该举报。"))
    event = _event(complaint, kind, actor=actor, note=note)
    audit_record(actor=actor, action=f"complaint.{kind}", obj=complaint)
    if kind == ComplaintEvent.Kind.INSURER_REPLY:
        notify_organization(organization=complaint.routed_to,
                            title=Text(gettext_noop("保险公司已答复举报 %(no)s"), no=complaint.tracking_no),
                            link=f"/complaints/staff/{complaint.pk}/", kind="complaint.insurer_reply")
    return event


def _credit_subject(complaint: Complaint):
    if complaint.category in (Category.CLAIM_MISCONDUCT, Category.UNLAWFUL_REFUSAL) and complaint.insurer:
        return complaint.insurer
    if complaint.vehicle is not None:
        return complaint.vehicle
    return complaint.company or complaint.insurer


@transaction.atomic
def complaint_resolve(*, actor, complaint: Complaint, finding: str, result: str, record_credit: bool = True) -> Complaint:
    """Record the verified result. A substantiated report about a known subject goes into its credit file."""
    complaint = _locked(complaint)
    _check_handler(actor, complaint)
    if complaint.status != Status.VERIFYING:
        raise ConflictError(_("请先开始核查，再办结。"))
    result = (result or "").strip()
    fields = {}
    if finding not in Finding.values:
        fields["finding"] = [_("请选择核查结论。")]
    if not result:
        fields["result"] = [_("请填写处理结果。")]
    elif len(result) > conf.max_text_chars():
        fields["result"] = [_("处理结果不超过 %(n)d 字。") % {"n": conf.max_text_chars()}]
    if fields:
        raise ApplicationError(_("请填写核查结论和处理结果。"), code=CoreErrorCode.INVALID, extra={"fields": fields})
    complaint.finding, complaint.result, complaint.resolved_at = finding, result, timezone.now()
    complaint.status = Status.RESOLVED
    complaint.handling_officer = complaint.handling_officer or actor
    complaint.save(update_fields=["finding", "result", "resolved_at", "status", "handling_officer", "updated_at"])
    period = current_period(complaint)
    if period is not None:  # the period keeps its own outcome (rule T4: a re-handling opens the next one)
        period.finding, period.result, period.resolved_at = finding, result, complaint.resolved_at
        period.save(update_fields=["finding", "result", "resolved_at"])
    _event(complaint, ComplaintEvent.Kind.RESOLVED, actor=actor,
           note=Text(gettext_noop("核查结论：%(f)s。"), f=choice(complaint, "finding")), public=True)
    audit_record(actor=actor, action="complaint.resolve", obj=complaint, detail={"finding": finding})
    subject = _credit_subject(complaint)
    if record_credit and finding in (Finding.SUBSTANTIATED, Finding.PARTLY) and subject is not None:
        # rule M2: the competent association decides the entry; the handler proposes it
        proposal = credit_proposal_create(
            subject=subject, event="complaint_substantiated",
            severity="moderate" if finding == Finding.SUBSTANTIATED else "minor", source=complaint,
            occurred_on=timezone.localdate(complaint.occurred_at), evidence_link=f"/complaints/staff/{complaint.pk}/",
            reason=Text(gettext_noop("%(no)s %(category)s：%(result)s"), no=complaint.tracking_no,
                        category=choice(complaint, "category"), result=result), actor=actor,
        )
        _event(complaint, ComplaintEvent.Kind.CREDIT_RECORDED, actor=actor,
               note=Text(gettext_noop("已提议将%(s)s记入信用档案（提议 %(no)s），由行业协会决定。"),
                         s=proposal.subject_label, no=proposal.number))
    return complaint


@transaction.atomic
def complaint_give_feedback(*, actor, complaint: Complaint, feedback: str) -> Complaint:
    """Tell the reporter the result (rule M16); meets the feedback clock. The text appears on the status page."""
    complaint = _locked(complaint)
    _check_handler(actor, complaint)
    if complaint.status != Status.RESOLVED:
        raise ConflictError(_("请先办结，再反馈举报人。"))
    feedback = (feedback or "").strip()
    if not feedback:
        raise ApplicationError(_("请填写给举报人的反馈意见。"), code=ErrorCode.FEEDBACK_REQUIRED,
                               extra={"fields": {"feedback": [_("请填写反馈意见。")]}})
    if len(feedback) > conf.max_text_chars():
        raise ApplicationError(_("反馈意见不超过 %(n)d 字。") % {"n": conf.max_text_chars()}, code=ErrorCode.TOO_LONG)
    complaint.feedback, complaint.feedback_at = feedback, timezone.now()
    complaint.status = Status.FEEDBACK_GIVEN
    complaint.save(update_fields=["feedback", "feedback_at", "status", "updated_at"])
    _event(complaint, ComplaintEvent.Kind.FEEDBACK, actor=actor, note=feedback, public=True)
    period = current_period(complaint)
    if period is not None:
        period.feedback, period.feedback_at = feedback, complaint.feedback_at
        period.save(update_fields=["feedback", "feedback_at"])
    deadline = handling_deadline(complaint)
    if deadline is not None:
        deadline_meet(deadline=deadline, at=complaint.feedback_at, actor=actor)
    audit_record(actor=actor, action="complaint.feedback", obj=complaint)
    return complaint


# --- handling periods of 12378 complaints (rule T4) ------------------------------------------------------------


def current_period(complaint: Complaint) -> HandlingPeriod | None:
    if complaint.hotline != Hotline.INSURANCE:
        return None
    return complaint.periods.order_by("-number").first()


def handling_deadline(complaint: Complaint) -> Deadline | None:
    """The clock of the complaint's current duty: the current handling period's (12378), else the feedback clock
    (12328, and 12378 complaints routed before handling periods existed)."""
    period = current_period(complaint)
    deadline = deadline_for(rule=HANDLING_RULE, subject=period) if period is not None else None
    return deadline or deadline_for(rule=FEEDBACK_RULE, subject=complaint)


def current_clocks(complaints) -> dict[int, Deadline]:
    """Complaint pk → the clock of its current duty (as ``handling_deadline``), for a page of complaints at once."""
    from django.contrib.contenttypes.models import ContentType

    pks = [c.pk for c in complaints]
    out: dict[int, Deadline] = {}
    for d in Deadline.objects.filter(rule=FEEDBACK_RULE, content_type=ContentType.objects.get_for_model(Complaint),
                                     object_id__in=[str(pk) for pk in pks]):
        out[int(d.object_id)] = d
    latest: dict[int, int] = {}
    for period_pk, complaint_pk in HandlingPeriod.objects.filter(complaint_id__in=pks).order_by(
            "complaint_id", "number").values_list("pk", "complaint_id"):
        latest[complaint_pk] = period_pk
    by_period = {v: k for k, v in latest.items()}
    for d in Deadline.objects.filter(rule=HANDLING_RULE, content_type=ContentType.objects.get_for_model(HandlingPeriod),
                                     object_id__in=[str(pk) for pk in by_period]):
        out[by_period[int(d.object_id)]] = d
    return out


def breached_complaint_ids(deadlines) -> set[int]:
    """The complaints of which a clock in ``deadlines`` (a Deadline queryset) was breached: the 12328 feedback
    clock (rule M16) or any handling period of a 12378 complaint (rule T4)."""
    from django.contrib.contenttypes.models import ContentType

    breached = deadlines.filter(breached_at__isnull=False)
    ids = {int(pk) for pk in breached.filter(
        rule=FEEDBACK_RULE, content_type=ContentType.objects.get_for_model(Complaint)).values_list("object_id", flat=True)}
    periods = [int(pk) for pk in breached.filter(
        rule=HANDLING_RULE, content_type=ContentType.objects.get_for_model(HandlingPeriod)).values_list(
        "object_id", flat=True)]
    ids |= set(HandlingPeriod.objects.filter(pk__in=periods).values_list("complaint_id", flat=True))
    return ids


def next_extension(complaint: Complaint) -> tuple[int, int, int] | None:
    """The lawful next extension of the current period as (step, from_days, to_days), or None: 15 → 30 for a
    complex case, then 30 → 60 with approval (rule T4); none once both are taken, the period is over (fed back),
    or its clock is not running."""
    period = current_period(complaint)
    if period is None or complaint.status == Status.FEEDBACK_GIVEN:
        return None
    deadline = handling_deadline(complaint)
    if deadline is None or deadline.status not in (Deadline.Status.OPEN, Deadline.Status.PAUSED) \
            or deadline.breached_at is not None or deadline.met_at is not None:
        return None
    taken = period.extensions.count()
    steps = [(HandlingExtension.Step.COMPLEX, conf.handling_complex_days()),
             (HandlingExtension.Step.APPROVED, conf.handling_max_days())]
    if taken >= len(steps):
        return None
    step, to_days = steps[taken]
    return int(step), deadline.amount, to_days


def may_extend(actor, complaint: Complaint) -> bool:
    step = next_extension(complaint)
    if step is None or not is_handling_org(actor, complaint) or not rights.may(actor, "complaints.change_complaint"):
        return False
    return step[0] != HandlingExtension.Step.APPROVED or rights.may(actor, APPROVE_EXTENSION_PERM)


def _invalid(field: str, message: str, code: str = CoreErrorCode.INVALID):
    raise ApplicationError(message, code=code, extra={"fields": {field: [message]}})


@transaction.atomic
def complaint_extend(*, actor, complaint: Complaint, reason: str, to_days: int | None = None) -> HandlingExtension:
    """Extend the current handling period of a 12378 complaint by its lawful next step (rule T4): to 30 days for a
    complex case (the handling organisation's officer), then by a further 30 days with approval (a user of the
    handling organisation holding ``complaints.approve_extension``). The reason and the approver are recorded,
    the clock lengthened by the kernel (``deadline_extend``) and the reporter told the new date and the reason."""
    complaint = _locked(complaint)
    _check_handler(actor, complaint)
    reason = (reason or "").strip()
    if complaint.hotline != Hotline.INSURANCE:
        raise ApplicationError(_("只有 12378 投诉可以延长处理期限（规则 T4）；12328 举报按反馈时限办理。"),
                               code=ErrorCode.NOT_EXTENDABLE)
    step = next_extension(complaint)
    if step is None:
        raise ConflictError(_("该投诉当前没有可以延长的处理期限（已延长至最长 %(n)d 日、已反馈或期限已届满）。")
                            % {"n": conf.handling_max_days()})
    number, from_days, lawful_to = step
    if not reason:
        _invalid("reason", _("请填写延长理由（延长理由）。"), CoreErrorCode.REASON_REQUIRED)
    if len(reason) > conf.max_text_chars():
        _invalid("reason", _("延长理由不超过 %(n)d 字。") % {"n": conf.max_text_chars()}, ErrorCode.TOO_LONG)
    if to_days not in (None, "") and str(to_days) != str(lawful_to):
        _invalid("to_days", _("延长后期限（日）只能是 %(n)d 日：依法下一步是从 %(f)d 日延长至 %(n)d 日。")
                 % {"n": lawful_to, "f": from_days}, ErrorCode.NOT_LAWFUL_STEP)
    if number == HandlingExtension.Step.APPROVED:
        rights.require(actor, APPROVE_EXTENSION_PERM,
                       _("再延长 30 日须经批准：只有承办单位有批准权限的人员可以办理。"))
    period = current_period(complaint)
    deadline = handling_deadline(complaint)
    old_due = deadline.due_at
    deadline = deadline_extend(deadline=deadline, amount=lawful_to, reason=reason, actor=actor)
    extension = HandlingExtension.objects.create(
        period=period, step=number, from_days=from_days, to_days=lawful_to, reason=reason,
        approved_by=acting_user(actor), old_due_at=old_due, due_at=deadline.due_at)
    due = timezone.localtime(deadline.due_at).strftime("%Y-%m-%d")
    _event(complaint, ComplaintEvent.Kind.EXTENDED, actor=actor, public=True,
           note=Text(gettext_noop("处理期限延长至 %(n)d 日，%(due)s 前办理完毕。理由：%(r)s"), n=lawful_to, due=due,
                     r=reason))
    audit_record(actor=actor, action="complaint.extend", obj=complaint,
                 detail={"period": period.number, "step": number, "from_days": from_days, "to_days": lawful_to,
                         "reason": reason, "due_at": deadline.due_at.isoformat()})
    return extension


def may_rehandle(actor, complaint: Complaint) -> bool:
    return (complaint.hotline == Hotline.INSURANCE and complaint.status == Status.FEEDBACK_GIVEN
            and is_handling_org(actor, complaint) and rights.may(actor, "complaints.change_complaint"))


@transaction.atomic
def complaint_rehandle(*, actor, complaint: Complaint, reason: str) -> HandlingPeriod:
    """The reporter is not satisfied with the result and asks for re-handling (重办, rule T4): the handling
    organisation records the request; a new handling period opens with its own clock from now; the previous
    period's outcome stays recorded on its row."""
    complaint = _locked(complaint)
    _check_handler(actor, complaint)
    reason = (reason or "").strip()
    if complaint.hotline != Hotline.INSURANCE:
        raise ApplicationError(_("只有 12378 投诉可以申请重办（规则 T4）。"), code=ErrorCode.NOT_REHANDLEABLE)
    if complaint.status != Status.FEEDBACK_GIVEN:
        raise ConflictError(_("只有已反馈投诉人的投诉可以申请重办；当前状态为“%(s)s”。")
                            % {"s": complaint.get_status_display()})
    if not reason:
        _invalid("reason", _("请填写重办原因（投诉人不满意的理由）。"), CoreErrorCode.REASON_REQUIRED)
    if len(reason) > conf.max_text_chars():
        _invalid("reason", _("重办原因不超过 %(n)d 字。") % {"n": conf.max_text_chars()}, ErrorCode.TOO_LONG)
    now = timezone.now()
    period = _open_period(complaint, kind=HandlingPeriod.Kind.REHANDLING, starts_at=now, actor=actor, reason=reason,
                          requested_by=acting_user(actor))
    complaint.finding, complaint.result, complaint.resolved_at = "", "", None
    complaint.feedback, complaint.feedback_at = "", None
    complaint.status = Status.VERIFYING
    complaint.save(update_fields=["finding", "result", "resolved_at", "feedback", "feedback_at", "status",
                                  "updated_at"])
    due = timezone.localtime(period.deadline.due_at).strftime("%Y-%m-%d")
    _event(complaint, ComplaintEvent.Kind.REHANDLING, actor=actor, public=True,
           note=Text(gettext_noop("投诉人申请重办，已重新办理（第 %(n)d 次办理），%(due)s 前办理完毕。"), n=period.number,
                     due=due))
    audit_record(actor=actor, action="complaint.rehandle", obj=complaint,
                 detail={"period": period.number, "reason": reason, "due_at": period.deadline.due_at.isoformat()})
    return period


def may_reveal_contact(user, complaint: Complaint) -> bool:
    """Only the handling officer sees the reporter's name and telephone in clear."""
    return bool(rights.may(user, "complaints.change_complaint") and complaint.handling_officer_id == user.pk
                and is_handling_org(user, complaint))


def complaint_reveal_contact(*, actor, complaint: Complaint, reason: str = "") -> dict[str, str]:
    if not may_reveal_contact(actor, complaint):
        raise PermissionDeniedError(_("只有该举报的承办人可以查看举报人联系方式。"))
    with transaction.atomic():
        return {
            "reporter_name": reveal(actor=actor, obj=complaint, field="reporter_name", reason=reason),
            "reporter_phone": reveal(actor=actor, obj=complaint, field="reporter_phone", reason=reason),
        }


@transaction.atomic
def complaint_to_lead(*, actor, complaint: Complaint):
    """A 12328 report about a plate becomes an illegal-operation lead in one action (rules M5, M16)."""
    complaint = _locked(complaint)
    _check_handler(actor, complaint)
    if complaint.hotline != Hotline.TRANSPORT or not complaint.plate:
        raise ApplicationError(_("只有针对具体车辆号牌的 12328 举报可以转为线索。"), code=ErrorCode.NOT_A_PLATE_REPORT)
    if complaint.lead_id:
        raise ConflictError(_("该举报已转为线索（编号 %(id)s）。") % {"id": complaint.lead_id})
    from django.core.files import File

    files = [File(photo.file.open("rb"), name=f"{complaint.tracking_no}-{n}.{photo.extension}")
             for n, photo in enumerate(complaint.photos.all(), start=1)]
    try:
        lead = lead_create_from_complaint(
            actor=actor, plate=complaint.plate, complaint_ref=complaint.tracking_no, attachments=files,
            evidence=Text(gettext_noop("12328 举报 %(no)s：%(when)s 在%(where)s，%(text)s"), no=complaint.tracking_no,
                          when=timezone.localtime(complaint.occurred_at).strftime("%Y-%m-%d %H:%M"),
                          where=complaint.location, text=complaint.description),
        )
    finally:
        for f in files:
            f.close()
    complaint.lead_id = lead.pk
    if complaint.status == Status.ROUTED:
        complaint.status = Status.VERIFYING
        complaint.handling_officer = complaint.handling_officer or actor
    complaint.save(update_fields=["lead_id", "status", "handling_officer", "updated_at"])
    _event(complaint, ComplaintEvent.Kind.LEAD_CREATED, actor=actor, note=Text(gettext_noop("已转为线索 %(id)s。"),
                                                                            id=lead.reference))
    audit_record(actor=actor, action="complaint.to_lead", obj=complaint, detail={"lead": lead.pk})
    return lead
