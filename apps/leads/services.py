"""Writes of the leads app: every move of a lead, penalties, worklist answers, risk-model weights
(rules M4–M9, M12, M15). One transaction each, an audit event and a ``LeadEvent`` for every change of a lead.

Every service takes its ``actor``: a user, or a ``SystemActor`` when the platform acts by itself (Celery beat,
the exchange's ingest handlers, management commands, the demo seeder) on behalf of a party. The right comes from
the rights table (``rights.require``; see ``rights.py``), then the object rule of the service: the party the
actor acts for must be the lead's sender, recipient, the worklist's insurer… So pages, API and jobs share one rule.

Pushes between the parties go through the exchange (rule M3): ``batch_send`` writes the signed, encrypted outbox
row inside the same transaction; the recipient's side of each push is in ``ingest.py``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.core.audit import acting_user, audit_record
from apps.core.deadlines import deadline_for, deadline_meet, deadline_start, local_date
from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from apps.core.errors import ErrorCode as CoreErrorCode
from apps.core.notifications import Text, joined, notify_organization, quoted, stored
from apps.core.textlimits import NOTE_MAX, bound_text
from apps.core.validators import PAST, check_amount, check_date, normalize_plate
from apps.credit.models import CreditEvent
from apps.credit.services import credit_proposal_create
from apps.exchange.services import batch_send
from apps.leads.errors import ErrorCode
from apps.parties import rights
from apps.parties.models import Organization, OrganizationKind
from apps.policies.models import Policy
from apps.policies.verification import verify_vehicle
from apps.vehicles.services import vehicle_find
from apps.vehicles.usage import NON_OPERATING_NATURES

from . import conf
from .models import (
    OPEN_STATUSES,
    Direction,
    Disposal,
    Finding,
    InsurerWorklistItem,
    Lead,
    LeadAttachment,
    LeadEvent,
    Outcome,
    Penalty,
    RiskModelWeights,
    Source,
    Status,
)

# Human labels of the trail's actions (LeadEvent.action), translated where shown (the lead page).
ACTION_LABELS = {
    "created": gettext_noop("创建线索"),
    "pushed": gettext_noop("推送"),
    "push_rejected": gettext_noop("推送被拒收"),
    "received": gettext_noop("接收方已收到"),
    "verified": gettext_noop("投保信息核验"),
    "worklist_dispatched": gettext_noop("下发保险公司核查清单"),
    "insurer_answered": gettext_noop("保险公司答复"),
    "insurance_verified": gettext_noop("金融监管部门核验投保情况"),
    "check_requested": gettext_noop("请求交通运输部门线下核查"),
    "check_started": gettext_noop("交通运输部门开始线下核查"),
    "confirmed": gettext_noop("交通运输部门界定非法营运"),
    "dismissed": gettext_noop("交通运输部门排除"),
    "disposed": gettext_noop("处置办结"),
    "check_results_sent": gettext_noop("推送交通运输部门界定结果"),
    "insurer_notified": gettext_noop("保险公司已收到界定结果"),
    "attachment_added": gettext_noop("添加附件"),
}


# --- helpers -----------------------------------------------------------------------------------------------------


def _party(actor, kind: str, message: str) -> Organization:
    """The organisation the actor acts for, which becomes the new record's party (a transport → insurance lead's
    origin, a penalty's issuer, the risk model's runner). Object rule, after ``rights.require``: such a record is
    of one kind of party by definition, so an account holding every right (the operator's) cannot make it in
    another party's name."""
    organization = getattr(actor, "organization", None)
    if organization is None or organization.kind != kind:
        raise PermissionDeniedError(message)
    return organization


def acting_party(actor, perm: str, kind: str, message: str) -> Organization:
    """``rights.require(actor, perm)`` and the party rule above: the organisation the new record belongs to."""
    rights.require(actor, perm, message)
    return _party(actor, kind, message)


def may_act_as(actor, perm: str, kind: str) -> bool:
    """The same answer as ``acting_party`` as a boolean, for pages deciding what to show."""
    return rights.may(actor, perm) and getattr(getattr(actor, "organization", None), "kind", None) == kind


def _flagging_party(actor, message: str) -> Organization:
    """Rules M5, M16: transport raises transport → insurance leads; the lead is its bureau's."""
    return acting_party(actor, "leads.flag_lead", OrganizationKind.TRANSPORT, message)


def organization_of_kind(kind: str) -> Organization:
    """The (single) active organisation of ``kind`` — e.g. the regulator leads are pushed to."""
    org = Organization.objects.filter(kind=kind, is_active=True).order_by("id").first()
    if org is None:
        raise ApplicationError(
            _("平台中没有启用的“%(kind)s”单位，无法推送。") % {"kind": OrganizationKind(kind).label},
            code=CoreErrorCode.ORGANIZATION_MISSING,
        )
    return org


def recipient_for(direction: str) -> Organization:
    """Rule M5: transport pushes to the insurance regulator; rule M8: the insurance side pushes to transport."""
    if direction == Direction.TRANSPORT_TO_INSURANCE:
        return organization_of_kind(OrganizationKind.REGULATOR)
    return organization_of_kind(OrganizationKind.TRANSPORT)


def _lock(lead: Lead) -> Lead:
    return Lead.objects.select_for_update(of=("self",)).select_related("vehicle").get(pk=lead.pk)


def lead_event(
    *, lead: Lead, action: str, actor, organization=None, from_status: str = "", to_status: str = "",
    note: str | Text = "", detail: dict | None = None,
) -> LeadEvent:
    """Append one row to the lead's trail and the audit log (both inside the caller's transaction). ``note``: what a
    user typed, or a :class:`Text` / label when the platform writes it (shown in each reader's language, issue 16)."""
    if actor is None:
        raise TypeError("a lead's trail names its actor: a user or a SystemActor")
    if organization is None:
        organization = actor.organization
    note, note_msg = stored(note)
    event = LeadEvent.objects.create(
        lead=lead, action=action, actor=acting_user(actor), organization=organization, from_status=from_status,
        to_status=to_status, note=note, note_msg=note_msg, detail=detail or {},
    )
    audit_record(
        actor=actor, action=f"lead.{action}", obj=lead, organization=organization,
        detail={"from": from_status, "to": to_status, **(detail or {})},
    )
    return event


def _move(
    lead: Lead, to: str, *, action: str, actor, organization=None, note: str | Text = "", detail: dict | None = None,
    fields: Sequence[str] = (),
) -> Lead:
    """Move ``lead`` to ``to`` if the lifecycle allows it (DESIGN.md "Lead"), with its trail row."""
    if not lead.can_move_to(to):
        raise ConflictError(
            _("线索 %(ref)s 当前状态为“%(status)s”，不能执行“%(action)s”。") % {
                "ref": lead.reference, "status": Status(lead.status).label, "action": _(ACTION_LABELS[action])},
            code=ErrorCode.LEAD_ILLEGAL_TRANSITION,
        )
    from_status = lead.status
    lead.status = to
    try:
        lead.full_clean()
    except ValidationError as exc:
        raise ApplicationError(_("线索数据有误，请检查。"), code=ErrorCode.LEAD_INVALID, extra={"fields": exc.message_dict}) from None
    lead.save(update_fields=["status", "updated_at", *fields])
    lead_event(lead=lead, action=action, actor=actor, organization=organization, from_status=from_status,
               to_status=to, note=note, detail=detail)
    return lead


def _as_plate(plate: str) -> str:
    try:
        return normalize_plate((plate or "").strip())
    except ValidationError as exc:
        raise ApplicationError(exc.messages[0], code=ErrorCode.PLATE_INVALID, extra={"fields": {"plate": exc.messages}}) from None


def _vehicle_for(plate: str):
    return vehicle_find(plate=plate)


def _attach(*, lead: Lead, files: Iterable, stage: str, actor) -> list[LeadAttachment]:
    saved = []
    for upload in files or ():
        if upload is None:
            continue
        if upload.size > conf.attachment_max_bytes():
            raise ApplicationError(
                _("附件“%(name)s”超过 %(mb)d MB 上限。") % {"name": upload.name, "mb": conf.attachment_max_bytes() // 2**20},
                code=ErrorCode.ATTACHMENT_TOO_LARGE,
            )
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        attachment = LeadAttachment(
            lead=lead, stage=stage, file=upload, name=upload.name[:255], sha256=digest.hexdigest(), size=upload.size,
            uploaded_by=acting_user(actor),
        )
        attachment.save()
        saved.append(attachment)
    if saved:
        lead_event(lead=lead, action="attachment_added", actor=actor,
                   detail={"files": [a.name for a in saved], "stage": stage})
    return saved


def _create(
    *, actor, plate: str, direction: str, source: str, origin: Organization, sender: Organization,
    evidence: str | Text = "",
    external_ref: str = "", attachments: Iterable = (), vehicle=None, score: Decimal | None = None,
    reasons: list | None = None,
) -> Lead:
    plate = _as_plate(plate) if plate else (vehicle.plate if vehicle is not None else "")
    if not plate:
        raise ApplicationError(_("请填写号牌号码。"), code=ErrorCode.PLATE_REQUIRED, extra={"fields": {"plate": [_("请填写号牌号码。")]}})
    evidence, evidence_msg = stored(evidence)  # a Text when the platform composes it (issue 16)
    evidence = evidence.strip()
    bound_text(Lead, evidence=evidence)
    if vehicle is None:
        vehicle = _vehicle_for(plate)
    lead = Lead(
        plate=plate, vehicle=vehicle, direction=direction, source=source, origin=origin, sender=sender,
        created_by=acting_user(actor),
        evidence=evidence, evidence_msg=evidence_msg, external_ref=(external_ref or "").strip()[:60], score=score,
        reasons=reasons or [],
    )
    try:
        lead.full_clean()
    except ValidationError as exc:
        raise ApplicationError(_("线索数据有误，请检查。"), code=ErrorCode.LEAD_INVALID, extra={"fields": exc.message_dict}) from None
    lead.save()
    lead_event(lead=lead, action="created", actor=actor, organization=origin, to_status=Status.NEW,
               detail={"source": source, "direction": direction, "plate": plate, "in_register": vehicle is not None})
    _attach(lead=lead, files=attachments, stage=LeadAttachment.Stage.EVIDENCE, actor=actor)
    return lead


# --- raising leads -----------------------------------------------------------------------------------------------


@transaction.atomic
def lead_flag(*, actor, plate: str, evidence: str, attachments: Iterable = (), push: bool = False) -> Lead:
    """Rule M5: a transport officer flags one suspected illegal-operation vehicle (optionally pushing it at once)."""
    origin = _flagging_party(actor, _("只有交通运输部门可以标记疑似非法营运车辆。"))
    if not (evidence or "").strip():
        raise ApplicationError(_("请填写线索依据（发现经过、时间地点等）。"), code=ErrorCode.EVIDENCE_REQUIRED,
                               extra={"fields": {"evidence": [_("请填写线索依据。")]}})
    lead = _create(
        actor=actor, plate=plate, direction=Direction.TRANSPORT_TO_INSURANCE, source=Source.ENFORCEMENT,
        origin=origin, sender=origin, evidence=evidence, attachments=attachments,
    )
    if push:
        lead_push(actor=actor, leads=[lead])
        lead.refresh_from_db()
    return lead


@transaction.atomic
def lead_flag_many(*, actor, rows: Sequence[dict], push: bool = True) -> list[Lead]:
    """Rule M5: an uploaded list of plates becomes leads, pushed to the regulator as ONE batch.

    ``rows``: ``[{"plate": ..., "evidence": ...}]`` already validated by ``uploads.parse_plate_list``.
    """
    origin = _flagging_party(actor, _("只有交通运输部门可以标记疑似非法营运车辆。"))
    if not rows:
        raise ApplicationError(_("清单中没有号牌。"), code=ErrorCode.LIST_EMPTY)
    leads = [
        _create(actor=actor, plate=row["plate"], direction=Direction.TRANSPORT_TO_INSURANCE,
                source=Source.ENFORCEMENT, origin=origin, sender=origin,
                evidence=row.get("evidence") or Text(gettext_noop("交通运输部门批量上传的疑似非法营运车辆清单")))
        for row in rows
    ]
    if push:
        lead_push(actor=actor, leads=leads)
    return leads


@transaction.atomic
def lead_report_by_company(*, actor, plate: str, evidence: str | Text, attachments: Iterable = ()) -> Lead:
    """Rule M9: a taxi company reports a suspected illegal vehicle ("企业应及时上报疑似非法营运的车辆").

    The report goes to the insurance association (the seed's data-sharing link between the associations and the
    companies), which reviews it and pushes it to transport as an insurance → transport lead.
    """
    company = acting_party(actor, "leads.report_lead", OrganizationKind.TAXI_COMPANY,
                           _("只有出租汽车企业/平台可以上报疑似非法营运车辆。"))
    if not stored(evidence)[0].strip():
        raise ApplicationError(_("请说明上报理由。"), code=ErrorCode.EVIDENCE_REQUIRED,
                               extra={"fields": {"evidence": [_("请说明上报理由。")]}})
    return _create(
        actor=actor, plate=plate, direction=Direction.INSURANCE_TO_TRANSPORT, source=Source.COMPANY_REPORT,
        origin=company, sender=organization_of_kind(OrganizationKind.INSURANCE_ASSOCIATION),
        evidence=evidence, attachments=attachments,
    )


@transaction.atomic
def lead_create_from_complaint(
    *, actor, plate: str, evidence: str | Text, complaint_ref: str, attachments: Iterable = (), push: bool = False,
) -> Lead:
    """A 12328 report (rule M16: non-operating vehicles carrying passengers) becomes a lead in one action.

    For the complaints app: the transport officer handling the report calls this; the lead is transport's
    (transport → insurance, source ``complaint``) and carries the report's tracking number.
    """
    origin = _flagging_party(actor, _("只有交通运输部门可以将 12328 举报转为线索。"))
    lead = _create(
        actor=actor, plate=plate, direction=Direction.TRANSPORT_TO_INSURANCE, source=Source.COMPLAINT,
        origin=origin, sender=origin,
        evidence=evidence or Text(gettext_noop("12328 举报 %(ref)s"), ref=complaint_ref), external_ref=complaint_ref,
        attachments=attachments,
    )
    if push:
        lead_push(actor=actor, leads=[lead])
        lead.refresh_from_db()
    return lead


@transaction.atomic
def lead_create_from_ride_hailing_data(*, actor, plate: str, evidence: Text, vehicle=None) -> Lead | None:
    """Rule M5: the ride-hailing supervision data show a vehicle with trips and no valid ride-hailing transport
    permit in transport's register: a new transport lead (transport → insurance, not pushed) for transport to
    examine — only transport defines illegal operation and decides to push it (rule M2). ``None`` when the vehicle
    already has an open lead of this source (the check runs again every period)."""
    origin = _flagging_party(actor, _("只有交通运输部门可以由网约车监管数据生成线索。"))
    plate = _as_plate(plate)
    if Lead.objects.filter(plate=plate, source=Source.RIDE_HAILING_DATA, status__in=OPEN_STATUSES).exists():
        return None
    return _create(
        actor=actor, plate=plate, vehicle=vehicle, direction=Direction.TRANSPORT_TO_INSURANCE,
        source=Source.RIDE_HAILING_DATA, origin=origin, sender=origin, evidence=evidence,
    )


@transaction.atomic
def lead_create_from_risk_model(*, actor, vehicle, score: Decimal, reasons: list) -> Lead:
    """Rule M8: a vehicle over the model's threshold becomes an insurance → transport lead of the insurance
    association that ran the model (its staff, or the scheduled run acting for it)."""
    sender = acting_party(actor, "leads.add_lead", OrganizationKind.INSURANCE_ASSOCIATION,
                          _("只有保险行业协会的风险识别模型可以生成线索。"))
    return _create(
        actor=actor, plate=vehicle.plate or "", vehicle=vehicle, direction=Direction.INSURANCE_TO_TRANSPORT,
        source=Source.RISK_MODEL, origin=sender, sender=sender, score=score, reasons=reasons,
        # the reasons' words joined, each by its message (issue 16): the evidence reads in the reader's language
        evidence=joined(quoted(r["text"], r.get("text_msg")) for r in reasons),
    )


@transaction.atomic
def lead_attach(*, actor, lead: Lead, files: Iterable, stage: str = LeadAttachment.Stage.EVIDENCE) -> list[LeadAttachment]:
    """Add evidence (by the sender while the lead is new) or check material (by the recipient — the regulator's
    insurance verification — or by transport, whose offline check it is, rule M2)."""
    rights.require(actor, "leads.add_leadattachment", _("您没有上传线索附件的权限。"))
    lead = _lock(lead)
    if stage == LeadAttachment.Stage.EVIDENCE:
        if actor.organization_id not in (lead.origin_id, lead.sender_id) or lead.status != Status.NEW:
            raise ConflictError(_("线索推送后不能再补充证据，请在核查材料中上传。"), code=ErrorCode.LEAD_ATTACH_CLOSED)
    elif not (actor.organization_id == lead.recipient_id or may_define(actor, lead)) \
            or lead.status not in (Status.VERIFIED, Status.OFFLINE_CHECK):
        raise ConflictError(_("只有接收方或负责线下核查的交通运输部门在核查期间可以上传核查材料。"), code=ErrorCode.LEAD_ATTACH_CLOSED)
    return _attach(lead=lead, files=files, stage=stage, actor=actor)


# --- pushing (rule M3: one signed batch per push) ----------------------------------------------------------------


def lead_row(lead: Lead) -> dict:
    """What the recipient receives about a lead (canonical JSON in the signed batch)."""
    return {
        "lead_id": lead.pk,
        "ref": lead.reference,
        "plate": lead.plate,
        "vin": lead.vehicle.vin if lead.vehicle_id else "",
        "direction": lead.direction,
        "source": lead.source,
        "origin": lead.origin.name,
        "evidence": lead.evidence,
        "external_ref": lead.external_ref,
        "score": str(lead.score) if lead.score is not None else None,
        "reasons": lead.reasons,
        "attachments": [{"name": a.name, "sha256": a.sha256, "size": a.size} for a in lead.attachments.all()],
        "created_at": lead.created_at.isoformat(),
    }


@transaction.atomic
def lead_push(*, actor, leads: Sequence[Lead]):
    """Push new leads to the other side as ONE batch (rule M5 / M8); returns the exchange batch.

    All leads must be ``new``, held by the same sender and of one direction.
    """
    rights.require(actor, "leads.change_lead", _("只有交通运输部门或保险行业协会可以推送线索。"))
    if not leads:
        raise ApplicationError(_("请选择要推送的线索。"), code=ErrorCode.NOTHING_SELECTED)
    locked = list(Lead.objects.select_for_update(of=("self",)).select_related("vehicle", "origin").filter(
        pk__in=[lead.pk for lead in leads]).order_by("pk"))
    senders = {lead.sender_id for lead in locked}
    directions = {lead.direction for lead in locked}
    if len(senders) != 1 or len(directions) != 1:
        raise ApplicationError(_("一次推送的线索须属于同一推送单位、同一方向。"), code=ErrorCode.PUSH_MIXED)
    sender = locked[0].sender
    if actor.organization_id != sender.pk:
        raise PermissionDeniedError(_("只有线索的推送单位可以推送。"))
    not_new = [lead.reference for lead in locked if lead.status != Status.NEW]
    if not_new:
        raise ConflictError(
            _("以下线索已推送或已处理，不能再次推送：%(refs)s。") % {"refs": "、".join(not_new)}, code=ErrorCode.LEAD_ILLEGAL_TRANSITION,
        )
    recipient = recipient_for(locked[0].direction)
    now = timezone.now()
    for lead in locked:
        lead.recipient = recipient
        lead.pushed_at = now
    batch = batch_send(
        kind="leads", sender=sender, recipient=recipient, rows=[lead_row(lead) for lead in locked],
        refs=[lead.reference for lead in locked], actor=actor,
    )
    for lead in locked:
        lead.push_batch = batch
        _move(lead, Status.PUSHED, action="pushed", actor=actor, organization=sender,
              fields=["recipient", "pushed_at", "push_batch"],
              detail={"batch": str(batch.pk), "recipient": recipient.name, "count": len(locked)})
    return batch


# --- rule M2: the regulator's insurance verification; transport's offline check and finding (rule M4) -----------

OFFLINE_CHECK_RULE = "lead.offline_check"
WORKLIST_ANSWER_RULE = "lead.worklist_answer"  # rule M8: the insurer's answer to a worklist item


def verify_insurance(lead: Lead, at: dt.datetime):
    """How the lead's vehicle is insured at ``at`` (the registers' ONE verification service): ``(finding, detail,
    policies)``. A plate unknown to the platform has no policy on it."""

    if lead.vehicle_id is None:
        vehicle = _vehicle_for(lead.plate)
        if vehicle is not None:
            lead.vehicle = vehicle
    if lead.vehicle_id is None:
        return Finding.UNINSURED, {"in_register": False, "note": _("平台车辆登记及保单中均无该号牌。")}, ()
    verification = verify_vehicle(lead.vehicle, at)
    return verification.finding, verification.as_dict(), verification.policies


def _conflict(lead: Lead, action: str) -> ConflictError:
    return ConflictError(
        _("线索 %(ref)s 当前状态为“%(status)s”，不能执行“%(action)s”。") % {
            "ref": lead.reference, "status": Status(lead.status).label, "action": _(ACTION_LABELS[action])},
        code=ErrorCode.LEAD_ILLEGAL_TRANSITION,
    )


def _require_transport(actor, lead: Lead, message: str) -> Organization:
    """Rule M2: only the transport bureau checks offline and defines (界定) illegal operation — on the leads it
    raised and pushed to the regulator (M5) and on those the insurance side pushed to it (M8)."""
    organization = acting_party(actor, "leads.define_illegal_operation", OrganizationKind.TRANSPORT, message)
    if organization.pk not in (lead.sender_id, lead.recipient_id):
        raise PermissionDeniedError(_("该线索不由本单位核查。"))
    return organization


def may_define(actor, lead: Lead) -> bool:
    """``_require_transport`` as a boolean, for pages deciding what to show."""
    return (may_act_as(actor, "leads.define_illegal_operation", OrganizationKind.TRANSPORT)
            and actor.organization_id in (lead.sender_id, lead.recipient_id))


def _require_regulator_recipient(actor, lead: Lead, perm: str, message: str) -> None:
    rights.require(actor, perm, message)
    if actor.organization_id != lead.recipient_id or lead.direction != Direction.TRANSPORT_TO_INSURANCE:
        raise PermissionDeniedError(_("只能办理本单位收到的交通运输部门线索。"))


@transaction.atomic
def lead_insurance_verify(*, actor, lead: Lead, note: str = "") -> Lead:
    """Rules M2, M5: the regulator records its insurance verification of a lead it received — how the vehicle is
    insured now (which policies, the usage nature insured, the insurer: 未投保 / 按非营运投保 / 按营运投保), from the
    registers' one verification service, with its own note. No status moves: whether the vehicle operated
    illegally is for transport to define."""
    lead = _lock(lead)
    _require_regulator_recipient(actor, lead, "leads.verify_lead_insurance",
                                 _("只有金融监管部门可以核验线索车辆的投保情况。"))
    if lead.status not in (Status.VERIFIED, Status.OFFLINE_CHECK):
        raise _conflict(lead, "insurance_verified")
    note = (note or "").strip()
    bound_text(Lead, limit=NOTE_MAX, verification_note=note)
    now = timezone.now()
    finding, detail, _policies = verify_insurance(lead, now)
    lead.finding, lead.finding_detail, lead.verified_at = finding, detail, now
    lead.verified_by, lead.verification_note = acting_user(actor), note
    lead.full_clean()
    lead.save(update_fields=["vehicle", "finding", "finding_detail", "verified_at", "verified_by", "verification_note",
                             "updated_at"])
    lead_event(lead=lead, action="insurance_verified", actor=actor, note=note or Finding(finding).label,
               detail={"finding": finding, "finding_label": str(Finding(finding).label),
                       "policies": [p.get("number") for p in detail.get("policies", [])]})
    return lead


@transaction.atomic
def lead_offline_check_request(*, actor, lead: Lead, note: str) -> Lead:
    """verified → offline_check at the regulator's request (rules M2, M4: the offline check and the finding are
    transport's). Transport sees the request in its inbox; its clock (``LEAD_OFFLINE_CHECK_DAYS`` natural days,
    rule ``lead.offline_check``) is met when it records its finding."""

    lead = _lock(lead)
    _require_regulator_recipient(actor, lead, "leads.request_offline_check",
                                 _("只有金融监管部门可以请求交通运输部门线下核查。"))
    note = (note or "").strip()
    if not note:
        raise ApplicationError(_("请填写请求核查的事项。"), code=ErrorCode.CHECK_REQUEST_NOTE_REQUIRED,
                               extra={"fields": {"note": [_("请填写请求核查的事项。")]}})
    bound_text(Lead, limit=NOTE_MAX, check_request_note=note)
    if not lead.can_move_to(Status.OFFLINE_CHECK):
        raise _conflict(lead, "check_requested")
    transport = lead.sender
    now = timezone.now()
    lead.check_requested_at, lead.check_requested_by, lead.check_request_note = now, acting_user(actor), note
    _move(lead, Status.OFFLINE_CHECK, action="check_requested", actor=actor, note=note,
          fields=["check_requested_at", "check_requested_by", "check_request_note"],
          detail={"to": transport.name, "days": conf.offline_check_days()})
    deadline_start(rule=OFFLINE_CHECK_RULE, subject=lead, responsible=transport, starts_at=now, actor=actor)
    notify_organization(
        organization=transport,
        title=Text(gettext_noop("%(org)s请求对线索 %(ref)s（%(plate)s）进行线下核查"),
                   org=lead.recipient.name, ref=lead.reference, plate=lead.plate),
        body=note, link=f"/leads/{lead.pk}/", kind="leads.check_requested", dedup_key=f"leads:check_request:{lead.pk}",
    )
    return lead


@transaction.atomic
def lead_check_start(*, actor, lead: Lead, note: str = "") -> Lead:
    """verified → offline_check: transport starts its offline check (线下核查, rules M2, M4) by itself."""
    lead = _lock(lead)
    _require_transport(actor, lead, _("只有交通运输部门可以进行线下核查。"))
    bound_text(LeadEvent, limit=NOTE_MAX, note=note)
    return _move(lead, Status.OFFLINE_CHECK, action="check_started", actor=actor, note=note)


@transaction.atomic
def lead_check_record(
    *, actor, lead: Lead, outcome: str, result: str, checked_at: dt.datetime | None = None,
    attachments: Iterable = (), reason: str = "", penalty: Penalty | None = None,
) -> Lead:
    """offline_check → confirmed | dismissed: transport's finding (rule M2: only transport defines illegal
    operation; rule M4): who checked, when, what they found, with its penalty decision where there is one.

    It meets the regulator's request clock. A lead defined as illegal operation on a vehicle insured as
    non-operating is disposed at once: transport's finding (and penalty) goes to the regulator, which relays it to
    each insurer of such a policy in force — the only trigger of those consequence pushes; any other defined lead
    waits for ``lead_dispose``.
    """

    lead = _lock(lead)
    transport = _require_transport(actor, lead, _("只有交通运输部门可以界定非法营运。"))
    if outcome not in Outcome.values:
        raise ApplicationError(_("界定结论只能是“界定为非法营运”或“排除”。"), code=ErrorCode.OUTCOME_INVALID,
                               extra={"fields": {"outcome": [_("请选择界定结论。")]}})
    result = (result or "").strip()
    if not result:
        raise ApplicationError(_("请填写核查情况。"), code=ErrorCode.CHECK_RESULT_REQUIRED,
                               extra={"fields": {"result": [_("请填写核查情况。")]}})
    if outcome == Outcome.DISMISSED and not (reason or "").strip():
        raise ApplicationError(_("排除线索须填写理由。"), code=ErrorCode.DISMISS_REASON_REQUIRED,
                               extra={"fields": {"reason": [_("排除线索须填写理由。")]}})
    if penalty is not None and (penalty.organization_id != transport.pk
                                or (lead.vehicle_id and penalty.vehicle_id != lead.vehicle_id)):
        raise ApplicationError(_("所选处罚决定不是本单位针对该车辆作出的。"), code=ErrorCode.PENALTY_OTHER_VEHICLE,
                               extra={"fields": {"penalty": [_("所选处罚决定不是本单位针对该车辆作出的。")]}})
    bound_text(Lead, check_result=result)
    bound_text(Lead, limit=NOTE_MAX, dismissed_reason=(reason or "").strip())
    now = timezone.now()
    checked_at = checked_at or now
    if checked_at > now + dt.timedelta(minutes=5):
        raise ApplicationError(_("核查时间不能晚于现在。"), code=ErrorCode.CHECKED_AT_FUTURE)
    if checked_at < now - dt.timedelta(days=conf.check_max_backdate_days()):
        raise ApplicationError(_("核查时间不能早于 %(days)d 天前。") % {"days": conf.check_max_backdate_days()},
                               code=ErrorCode.CHECKED_AT_TOO_OLD)
    if lead.status == Status.OFFLINE_CHECK:
        _attach(lead=lead, files=attachments, stage=LeadAttachment.Stage.CHECK, actor=actor)
    lead.checked_by = acting_user(actor)
    lead.checked_at = checked_at
    lead.check_result = result
    lead.defined_by = transport
    lead.outcome = outcome
    lead.dismissed_reason = (reason or "").strip() if outcome == Outcome.DISMISSED else ""
    to = Status.CONFIRMED if outcome == Outcome.CONFIRMED else Status.DISMISSED
    _move(lead, to, action=str(outcome), actor=actor, note=result if outcome == Outcome.CONFIRMED else lead.dismissed_reason,
          fields=["checked_by", "checked_at", "check_result", "defined_by", "outcome", "dismissed_reason"],
          detail={"checked_at": checked_at.isoformat(), "penalty": penalty.decision_no if penalty else ""})
    clock = deadline_for(rule=OFFLINE_CHECK_RULE, subject=lead)
    if clock is not None and clock.met_at is None:
        deadline_meet(deadline=clock, actor=actor)
    if outcome == Outcome.CONFIRMED and lead.finding == Finding.INSURED_AS_NON_OPERATING:
        lead_dispose(actor=actor, lead=lead, penalty=penalty, credit_record=True)
        lead.refresh_from_db()
    return lead


def _check_result_rows(lead: Lead, policies, penalty: Penalty | None = None) -> list[dict]:
    return [
        {
            "row_key": f"confirmation:{lead.pk}:policy:{policy.pk}",
            "lead_id": lead.pk,
            "ref": lead.reference,
            "plate": lead.plate,
            "vin": lead.vehicle.vin if lead.vehicle_id else "",
            "policy_id": policy.pk,
            "policy_no": policy.number,
            "insurer_id": policy.insurer_id,
            "usage_nature_insured": policy.usage_nature_insured,
            "checked_at": lead.checked_at.isoformat() if lead.checked_at else None,
            "check_result": lead.check_result,
            "defined_by": lead.defined_by.name,
            "penalty_no": penalty.decision_no if penalty is not None else "",
        }
        for policy in policies
    ]


def _non_operating_policies_in_force(vehicle, at: dt.datetime):
    """Policies in force at ``at`` insured as non-operating: those whose insurers may rescind (rule M12)."""

    if vehicle is None:
        return []
    return list(
        Policy.objects.filter(Policy.in_force_q(at), vehicle=vehicle, usage_nature_insured__in=NON_OPERATING_NATURES)
        .select_related("insurer").order_by("insurer_id", "pk")
    )


@transaction.atomic
def lead_dispose(
    *, actor, lead: Lead, penalty: Penalty | None = None, credit_record: bool = True, note: str = "",
) -> Lead:
    """confirmed | dismissed → disposed: transport closes the loop of the lead it defined (rules M2, M4).

    * dismissed → disposal "dismissed" with the check's reason;
    * confirmed (transport defined illegal operation) → each that applies: the penalty decision (rule M7, M15),
      transport's finding pushed through the regulator to every insurer holding a policy in force insured as
      non-operating, whose inbox receipt starts its obligation to act (rule M12, trigger ``lead_confirmed``), and
      the credit entry on the vehicle (rule M14).
    """
    lead = _lock(lead)
    transport = _require_transport(actor, lead, _("只有交通运输部门可以办结其界定的线索。"))
    if lead.status not in (Status.CONFIRMED, Status.DISMISSED):
        raise _conflict(lead, "disposed")
    if lead.status == Status.CONFIRMED and lead.defined_by_id != transport.pk:
        raise ConflictError(_("该线索不是由交通运输部门界定的，不能据此处置。"), code=ErrorCode.LEAD_NOT_DEFINED_BY_TRANSPORT)
    disposals: list[str] = []
    detail: dict = {}
    if lead.status == Status.DISMISSED:
        disposals.append(Disposal.DISMISSED)
    else:
        if penalty is not None:
            if penalty.organization_id != transport.pk or (lead.vehicle_id and penalty.vehicle_id != lead.vehicle_id):
                raise ApplicationError(_("所选处罚决定不是本单位针对该车辆作出的。"), code=ErrorCode.PENALTY_OTHER_VEHICLE)
            lead.penalty = penalty
            disposals.append(Disposal.PENALTY)
            detail["penalty"] = penalty.decision_no
        policies = (
            _non_operating_policies_in_force(lead.vehicle, timezone.now())
            if lead.finding == Finding.INSURED_AS_NON_OPERATING else []
        )
        if policies:
            batches = send_check_results(lead=lead, policies=policies, actor=actor, penalty=lead.penalty)
            disposals.append(Disposal.RESCISSION)
            detail["check_result_batches"] = [str(b.pk) for b in batches]
            detail["policies"] = [p.number for p in policies]
        if credit_record and lead.vehicle_id:
            # rule M2: the insurance association keeps the vehicle's credit file; the lead's recipient proposes
            proposal = credit_proposal_create(
                subject=lead.vehicle, event=CreditEvent.LEAD_CONFIRMED, severity="serious", source=lead,
                occurred_on=local_date(lead.checked_at or timezone.now()),
                evidence_link=f"/leads/{lead.pk}/", reason=lead.check_result, actor=actor,
            )
            disposals.append(Disposal.CREDIT_RECORD)
            detail["credit_proposal"] = proposal.pk
        if not disposals:
            raise ApplicationError(_("请至少选择一种处置方式（处罚决定或提议记入信用档案）。"), code=ErrorCode.DISPOSAL_REQUIRED)
    bound_text(Lead, limit=NOTE_MAX, disposal_note=(note or "").strip())
    lead.disposals = disposals
    lead.disposal_note = (note or "").strip()
    lead.disposed_at = timezone.now()
    lead.disposed_by = acting_user(actor)
    return _move(lead, Status.DISPOSED, action="disposed", actor=actor, note=lead.disposal_note,
                 fields=["disposals", "disposal_note", "disposed_at", "disposed_by", "penalty"],
                 detail={"disposals": disposals, **detail})


def send_check_results(*, lead: Lead, policies, actor, penalty: Penalty | None = None) -> list:
    """Push transport's finding on a lead (illegal operation defined, rule M2) towards the insurers of
    ``policies`` (kind ``check_results``) — the only path by which a lead's finding reaches insurers.

    Transport copies the regulator (seed: "交通运输主管部门应及时将非法营运车辆有关信息抄送保险监管部门"), which
    relays to each insurer its own rows; the receipt at each insurer is the moment it "knew" (rule M12).
    """
    sender = lead.defined_by
    if sender is None or sender.kind != OrganizationKind.TRANSPORT or lead.outcome != Outcome.CONFIRMED:
        raise ConflictError(_("只有交通运输部门界定为非法营运的线索才能通报保险公司。"), code=ErrorCode.LEAD_NOT_DEFINED_BY_TRANSPORT)
    rows = _check_result_rows(lead, policies, penalty)
    regulator = organization_of_kind(OrganizationKind.REGULATOR)
    batches = [batch_send(kind="check_results", sender=sender, recipient=regulator, rows=rows,
                          refs=[lead.reference], actor=actor)]
    lead_event(lead=lead, action="check_results_sent", actor=actor, organization=sender,
               detail={"batches": [str(b.pk) for b in batches], "recipients": [b.recipient.name for b in batches]})
    return batches


def send_rows_per_insurer(*, kind: str, sender: Organization, rows: list[dict], ref: str, actor) -> list:
    """One batch per insurer (``row["insurer_id"]``): each insurer receives only its own rows."""
    by_insurer: dict[int, list[dict]] = {}
    for row in rows:
        by_insurer.setdefault(row["insurer_id"], []).append(row)
    insurers = Organization.objects.in_bulk(list(by_insurer))
    batches = []
    for insurer_id, insurer_rows in sorted(by_insurer.items()):
        insurer = insurers[insurer_id]
        if insurer.kind != OrganizationKind.INSURER:
            raise ApplicationError(_("接收方不是保险公司。"), code=ErrorCode.RECIPIENT_NOT_INSURER)
        batches.append(batch_send(kind=kind, sender=sender, recipient=insurer, rows=insurer_rows, refs=[ref],
                                  actor=actor))
    return batches


def lead_mark_push_rejected(*, actor, batch) -> None:
    """The recipient refused a leads batch: its leads go back to ``new`` so the sender can correct and re-push
    (the exchange's rejection callback, acting for the sender)."""
    rights.require(actor, "leads.change_lead", _("您没有处理线索的权限。"))
    if actor.organization_id != batch.sender_id:
        raise PermissionDeniedError(_("只有线索的推送单位可以处理被拒收的推送。"))
    for lead in Lead.objects.select_for_update().filter(push_batch=batch, status=Status.PUSHED):
        lead.recipient = None
        lead.pushed_at = None
        _move(lead, Status.NEW, action="push_rejected", actor=actor, organization=batch.sender,
              note=batch.rejected_reason, fields=["recipient", "pushed_at"],
              detail={"batch": str(batch.pk), "code": batch.rejection_code})


# --- penalties (rules M7, M15) -------------------------------------------------------------------------------------


def penalty_row(penalty: Penalty) -> dict:
    return {
        "penalty_id": penalty.pk,
        "decision_no": penalty.decision_no,
        "decided_on": penalty.decided_on.isoformat(),
        "plate": penalty.plate,
        "vin": penalty.vehicle.vin if penalty.vehicle_id else "",
        "company": penalty.company.name if penalty.company_id else "",
        "facts": penalty.facts,
        "amount": str(penalty.amount) if penalty.amount is not None else None,
        "organization": penalty.organization.name,
    }


@transaction.atomic
def penalty_record(
    *, actor, decision_no: str, decided_on: dt.date, facts: str, plate: str = "", company: Organization | None = None,
    amount: Decimal | None = None, lead: Lead | None = None,
) -> Penalty:
    """Rule M7: transport records a penalty decision; it is pushed to the regulator at once (kind ``penalties``).

    The regulator's inbox relays it to each insurer holding a policy in force on the vehicle; each insurer's
    receipt opens its rescission case (rule M12, trigger ``penalty``).
    """
    issuer = acting_party(actor, "leads.add_penalty", OrganizationKind.TRANSPORT, _("只有交通运输部门可以录入处罚决定。"))
    decision_no = (decision_no or "").strip()
    errors: dict[str, list[str]] = {}
    if not decision_no:
        errors["decision_no"] = [_("请填写处罚决定书文号。")]
    elif Penalty.objects.filter(decision_no=decision_no).exists():
        errors["decision_no"] = [_("处罚决定书文号“%(no)s”已录入。") % {"no": decision_no}]
    if not (facts or "").strip():
        errors["facts"] = [_("请填写违法事实。")]
    else:
        try:
            bound_text(Penalty, facts=facts.strip())
        except ApplicationError as exc:
            errors.update(exc.extra["fields"])
    if decided_on is None:
        errors["decided_on"] = [_("请填写决定日期。")]
    elif decided_on > local_date(timezone.now()):
        errors["decided_on"] = [_("决定日期不能晚于今天。")]
    else:
        try:
            check_date(decided_on, field="decided_on", label=Penalty._meta.get_field("decided_on").verbose_name,
                       ahead=PAST)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    vehicle = None
    if plate:
        try:
            plate = normalize_plate(plate.strip())
            vehicle = _vehicle_for(plate)
            if vehicle is None:
                errors["plate"] = [_("平台车辆登记中没有号牌“%(plate)s”，请先核对号牌。") % {"plate": plate}]
        except ValidationError as exc:
            errors["plate"] = exc.messages
    if company is not None and company.kind != OrganizationKind.TAXI_COMPANY:
        errors["company"] = [_("处罚对象单位须为出租汽车企业/平台。")]
    if vehicle is None and company is None and "plate" not in errors:
        errors["plate"] = [_("请填写被处罚车辆的号牌，或选择被处罚的企业。")]
    if amount is not None:
        try:
            amount = Decimal(amount)
            if amount.is_finite() and amount < 0:
                errors["amount"] = [_("罚款金额不能为负数。")]
            else:
                amount = check_amount(amount, field="amount", label=Penalty._meta.get_field("amount").verbose_name)
        except (InvalidOperation, TypeError):
            errors["amount"] = [_("罚款金额格式不正确。")]
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ApplicationError(_("处罚决定填写有误，请检查。"), code=ErrorCode.PENALTY_INVALID, extra={"fields": errors})
    penalty = Penalty(
        organization=issuer,
        vehicle=vehicle, company=company, plate=plate or "", decision_no=decision_no, decided_on=decided_on,
        facts=facts.strip(), amount=amount, lead=lead,
        recorded_by=acting_user(actor), pushed_at=timezone.now(),
    )
    penalty.full_clean()
    penalty.save()
    regulator = organization_of_kind(OrganizationKind.REGULATOR)
    penalty.batch = batch_send(kind="penalties", sender=penalty.organization, recipient=regulator,
                               rows=[penalty_row(penalty)], refs=[penalty.decision_no], actor=actor)
    penalty.save(update_fields=["batch"])
    audit_record(actor=actor, action="penalty.record", obj=penalty, organization=penalty.organization,
                 detail={"decision_no": decision_no, "plate": penalty.plate, "batch": str(penalty.batch.pk)})
    return penalty


# --- insurers' worklists -------------------------------------------------------------------------------------------


@transaction.atomic
def worklist_item_answer(*, actor, item: InsurerWorklistItem, answer: str, note: str = "") -> InsurerWorklistItem:
    """An insurer answers one row of its worklist after checking its books (rule M8)."""
    rights.require(actor, "leads.change_insurerworklistitem", _("只有保险公司可以答复核查清单。"))
    item = InsurerWorklistItem.objects.select_for_update().get(pk=item.pk)
    if item.insurer_id != actor.organization_id:
        raise PermissionDeniedError(_("只能答复本公司的核查清单。"))
    if item.state != InsurerWorklistItem.State.OPEN:
        raise ConflictError(_("该条目已答复，不能重复答复。"), code=ErrorCode.WORKLIST_ANSWERED)
    if answer not in InsurerWorklistItem.Answer.values:
        raise ApplicationError(_("请选择答复内容。"), code=ErrorCode.ANSWER_INVALID, extra={"fields": {"answer": [_("请选择答复内容。")]}})
    note = (note or "").strip()
    bound_text(InsurerWorklistItem, limit=NOTE_MAX, answer_note=note)
    if answer == InsurerWorklistItem.Answer.OTHER and not note:
        raise ApplicationError(_("选择“其他”时须填写说明。"), code=ErrorCode.ANSWER_NOTE_REQUIRED,
                               extra={"fields": {"note": [_("选择“其他”时须填写说明。")]}})
    item.state = InsurerWorklistItem.State.ANSWERED
    item.answer = answer
    item.answer_note = note
    item.answered_at = timezone.now()
    item.answered_by = acting_user(actor)
    item.full_clean()
    item.save(update_fields=["state", "answer", "answer_note", "answered_at", "answered_by"])
    audit_record(actor=actor, action="lead.worklist_answer", obj=item, organization=item.insurer,
                 detail={"answer": answer, "row_key": item.row_key})

    clock = deadline_for(rule=WORKLIST_ANSWER_RULE, subject=item)
    if clock is not None and clock.met_at is None:
        deadline_meet(deadline=clock, at=item.answered_at, actor=actor)
    if item.lead_id:
        lead_event(lead=item.lead, action="insurer_answered", actor=actor, organization=item.insurer,
                   note=note, detail={"insurer": item.insurer.name, "policy": item.policy.number, "answer": answer,
                                      "answer_label": str(InsurerWorklistItem.Answer(answer).label)})
    return item


# --- risk model weights (rule M8) ----------------------------------------------------------------------------------


@transaction.atomic
def risk_weights_update(*, actor, weights: dict, threshold, note: str | Text = "") -> RiskModelWeights:
    """Insurance association staff save the next version of the risk model's weights (versions never change)."""
    from .risk import features

    acting_party(actor, "leads.add_riskmodelweights", OrganizationKind.INSURANCE_ASSOCIATION,
                 _("只有保险行业协会可以修改风险模型权重。"))
    known = {f.key for f in features()}
    clean: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for key, value in (weights or {}).items():
        if key not in known:
            errors[key] = [_("未知的特征“%(key)s”。") % {"key": key}]
            continue
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            errors[key] = [_("权重须为数字。")]
            continue
        if not number.is_finite() or abs(number) > 1000:
            errors[key] = [_("权重须在 -1000 到 1000 之间。")]
            continue
        clean[key] = str(number)
    try:
        threshold = Decimal(str(threshold))
        if not threshold.is_finite() or threshold <= 0:
            errors["threshold"] = [_("阈值须为正数。")]
    except InvalidOperation:
        errors["threshold"] = [_("阈值须为数字。")]
    if errors:
        raise ApplicationError(_("权重填写有误，请检查。"), code=ErrorCode.WEIGHTS_INVALID, extra={"fields": errors})
    latest = RiskModelWeights.objects.select_for_update().order_by("-version").first()
    note, note_msg = stored(note)  # a Text when the platform writes it (the first version, issue 16)
    version = RiskModelWeights(
        version=(latest.version + 1) if latest else 1, weights=clean, threshold=threshold, note=note.strip(),
        note_msg=note_msg,
        created_by=acting_user(actor),
    )
    version.full_clean()
    version.save()
    audit_record(actor=actor, action="risk_model.weights_update", obj=version,
                 detail={"version": version.version, "weights": clean, "threshold": str(threshold)})
    return version
