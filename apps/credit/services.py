"""Writes of the credit file (rule M14: violators go into the industry credit file) and of supervisory actions
(rule M15, M17). Every function is one transaction and records an audit event.

Every service takes its ``actor`` (a user, or a ``SystemActor`` when the platform records a consequence by
itself, e.g. a lapsed rescission). The right comes from the rights table (``rights.py``); the object rules —
which subjects a taxi association keeps, which measure an issuer may take against whom (``ACTION_MATRIX``),
that only the issuer closes its measure — stay here, after ``rights.require``."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.audit import acting_user, audit_record
from apps.core.deadlines import deadline_for, deadline_meet, deadline_start, local_date
from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from apps.core.models import Deadline
from apps.core.notifications import notify_organization
from apps.core.textlimits import NOTE_MAX, bound_text
from apps.core.validators import check_date, normalize_link
from apps.parties import rights
from apps.parties.models import Organization, OrganizationKind

from . import conf
from .models import (
    SEVERITY_ALIASES,
    ActionGround,
    ActionKind,
    CreditRecord,
    Severity,
    SubjectKind,
    SupervisoryAction,
)

# Parties whose staff may add and correct records by hand (DESIGN.md: the insurance association keeps the file,
# the taxi association records about companies and drivers).
RECORD_KEEPERS = frozenset({OrganizationKind.INSURANCE_ASSOCIATION, OrganizationKind.TAXI_ASSOCIATION})
TAXI_ASSOCIATION_SUBJECTS = frozenset({SubjectKind.TAXI_COMPANY, SubjectKind.VEHICLE, SubjectKind.DRIVER})


def subject_describe(subject) -> dict:
    """The columns that identify a subject on a record: kind, FK and the organisation whose file holds it."""
    label = subject._meta.label_lower
    if label == "parties.organization":
        if subject.kind == OrganizationKind.TAXI_COMPANY:
            kind = SubjectKind.TAXI_COMPANY
        elif subject.kind == OrganizationKind.INSURER:
            kind = SubjectKind.INSURER
        else:
            raise ApplicationError(_("信用档案只记录出租汽车企业和保险公司这两类单位。"), code="credit_subject_kind")
        return {"subject_kind": kind, "organization": subject, "subject_organization": subject,
                "subject_label": str(subject.name)}
    if label in ("vehicles.vehicle", "vehicles.driver"):
        kind = SubjectKind.VEHICLE if label == "vehicles.vehicle" else SubjectKind.DRIVER
        field = "vehicle" if kind == SubjectKind.VEHICLE else "driver"
        company_id = getattr(subject, "company_id", None)
        if kind == SubjectKind.VEHICLE:
            text = subject.plate or subject.vin
        else:
            text = f"{subject.name_masked}（{subject.id_no_masked}）"  # personal data stays masked in the label
        return {"subject_kind": kind, field: subject, "subject_organization_id": company_id,
                "subject_label": str(text)[:120]}
    raise ApplicationError(_("信用档案的对象须为车辆、驾驶员、出租汽车企业或保险公司。"), code="credit_subject_kind")


def _severity(value: str) -> str:
    value = SEVERITY_ALIASES.get((value or "").strip().lower(), (value or "").strip().lower())
    if value not in Severity.values:
        raise ApplicationError(_("严重程度无效，应为：轻微、一般、较重或严重。"), code="credit_severity",
                               extra={"fields": {"severity": [_("严重程度无效")]}})
    return value


def default_expiry(*, occurred_on: dt.date, severity: str) -> dt.date:
    return occurred_on + dt.timedelta(days=int(conf.validity_days()[severity]))


def _dates_check(model, **dates: tuple[dt.date | None, dt.timedelta | None]) -> None:
    """Plausible ranges of the given dates (apps.core.validators), as the service's field errors."""
    fields: dict[str, list[str]] = {}
    for name, (day, ahead) in dates.items():
        try:
            check_date(day, field=name, label=model._meta.get_field(name).verbose_name, ahead=ahead)
        except ValidationError as exc:
            fields.update(exc.message_dict)
    if fields:
        raise ApplicationError(next(iter(fields.values()))[0], code="date_range", extra={"fields": fields})


def _full_clean(record: CreditRecord) -> None:
    try:
        record.full_clean(exclude=["dedup_key"] if not record.dedup_key else None, validate_unique=False)
    except ValidationError as exc:
        raise ApplicationError(_("信用记录填写有误，请检查。"), code="credit_invalid",
                               extra={"fields": exc.message_dict}) from None


def _evidence_link(value: str | None) -> str:
    """The evidence link as stored: empty, an http(s) address or a path on the platform (never ``javascript:``
    or another scheme, which the file page would otherwise render as a clickable ``href``)."""
    try:
        return normalize_link(value or "")
    except ValidationError as exc:
        raise ApplicationError(exc.messages[0], code="credit_evidence_link",
                               extra={"fields": {"evidence_link": exc.messages}}) from None


@transaction.atomic
def credit_record_create(
    *, subject, event: str, severity: str, source: str, occurred_on: dt.date, expires_on: dt.date | None = None,
    evidence_link: str = "", detail: str = "", actor, dedup_key: str = "",
) -> CreditRecord:
    """Put an event into the subject's credit file (called by leads, rescissions, claims, sanctions…).

    ``subject``: a vehicles.Vehicle, vehicles.Driver or parties.Organization (taxi company or insurer).
    ``severity``: minor | moderate | serious | severe (aliases low/medium/high/critical accepted).
    ``expires_on``: when the record stops counting; default from ``CREDIT_VALIDITY_DAYS`` by severity.
    Idempotent on ``dedup_key``: the same key returns the record already made, unchanged.
    No right of its own: the record is the consequence of the calling service's action, which checked the
    actor's right to it (a lead's recipient, a complaint's officer, the deadline scan …); ``actor`` is recorded.
    """
    if actor is None:
        raise TypeError("every service is called with an explicit actor; the platform acts as a SystemActor")
    dedup_key = (dedup_key or "")[:120]
    if dedup_key:
        existing = CreditRecord.objects.filter(dedup_key=dedup_key).first()
        if existing is not None:
            return existing
    severity = _severity(severity)
    if not event or not source:
        raise ApplicationError(_("请填写信用记录的事项和来源。"), code="credit_invalid")
    if isinstance(occurred_on, dt.datetime):
        raise ApplicationError(_("发生日期应为日期。"), code="credit_invalid")
    evidence_link = _evidence_link(evidence_link)
    _dates_check(CreditRecord, occurred_on=(occurred_on, None), expires_on=(expires_on, None))
    if expires_on is None:
        expires_on = default_expiry(occurred_on=occurred_on, severity=severity)
    if expires_on <= occurred_on:
        raise ApplicationError(_("失效日期须晚于发生日期。"), code="credit_expiry",
                               extra={"fields": {"expires_on": [_("失效日期须晚于发生日期。")]}})
    record = CreditRecord(
        **subject_describe(subject), event=event[:60], severity=severity, source=source[:40],
        occurred_on=occurred_on, expires_on=expires_on, evidence_link=evidence_link or "", detail=detail or "",
        dedup_key=dedup_key, created_by=acting_user(actor),
        created_by_organization=getattr(actor, "organization", None),
    )
    _full_clean(record)
    if dedup_key:
        try:
            with transaction.atomic():
                record.save()
        except IntegrityError:
            return CreditRecord.objects.get(dedup_key=dedup_key)
    else:
        record.save()
    audit_record(actor=actor, action="credit.record_create", obj=record, organization=record.subject_organization,
                 detail={"event": record.event, "severity": record.severity, "source": record.source,
                         "subject": record.subject_label})
    return record


def can_keep_records(user, subject_kind: str | None = None) -> bool:
    """The right to keep the file by hand (``credit.add_creditrecord``: the associations), for the file of an
    association (``RECORD_KEEPERS``: the record's ``created_by_organization``); the taxi association's file
    covers companies, vehicles and drivers only."""
    if not rights.may(user, "credit.add_creditrecord"):
        return False
    kind = getattr(getattr(user, "organization", None), "kind", None)
    if kind not in RECORD_KEEPERS:
        return False
    if kind == OrganizationKind.TAXI_ASSOCIATION and subject_kind is not None:
        return subject_kind in TAXI_ASSOCIATION_SUBJECTS
    return True


def _check_keeper(actor, subject_kind: str) -> None:
    message = _("只有行业协会工作人员可以录入或更正信用记录（出租汽车行业协会限企业、车辆和驾驶员）。")
    rights.require(actor, "credit.add_creditrecord", message)
    if not can_keep_records(actor, subject_kind):
        raise PermissionDeniedError(message)


@transaction.atomic
def credit_record_add(
    *, actor, subject, event: str, severity: str, occurred_on: dt.date, expires_on: dt.date | None = None,
    evidence_link: str = "", detail: str = "",
) -> CreditRecord:
    """An association's staff add a record by hand (source = association), to a file they may open (rule M2)."""
    _check_keeper(actor, subject_describe(subject)["subject_kind"])
    from .access import file_visible

    if not file_visible(actor, subject):
        raise PermissionDeniedError(_("无权为该对象录入信用记录。"))
    if not (detail or "").strip():
        raise ApplicationError(_("请填写说明（事实经过）。"), code="credit_detail_required",
                               extra={"fields": {"detail": [_("请填写说明。")]}})
    bound_text(CreditRecord, detail=detail.strip())
    return credit_record_create(
        subject=subject, event=event, severity=severity, source="association", occurred_on=occurred_on,
        expires_on=expires_on, evidence_link=evidence_link, detail=detail, actor=actor,
    )


@transaction.atomic
def credit_record_correct(
    *, actor, record: CreditRecord, reason: str, withdraw: bool = False, event: str | None = None,
    severity: str | None = None, occurred_on: dt.date | None = None, expires_on: dt.date | None = None,
    evidence_link: str | None = None, detail: str | None = None,
) -> CreditRecord:
    """Correct a record by adding a new one that references it (never an edit). ``withdraw`` cancels it."""
    _check_keeper(actor, record.subject_kind)
    record = CreditRecord.objects.select_for_update().get(pk=record.pk)
    if evidence_link is not None:
        evidence_link = _evidence_link(evidence_link)
    if not (reason or "").strip():
        raise ApplicationError(_("更正须填写原因。"), code="credit_reason_required",
                               extra={"fields": {"reason": [_("请填写更正原因。")]}})
    bound_text(CreditRecord, limit=NOTE_MAX, correction_reason=reason.strip())
    bound_text(CreditRecord, detail=(detail or "").strip())
    if record.corrections.exists():
        raise ApplicationError(_("该记录已被更正过，请更正最新的一条记录。"), code="credit_already_corrected")
    if record.withdraws:
        raise ApplicationError(_("该记录是一条撤销更正，不能再更正。"), code="credit_withdrawal")
    severity = _severity(severity or record.severity)
    occurred_on = occurred_on or record.occurred_on
    if expires_on is None:
        expires_on = record.expires_on if occurred_on == record.occurred_on and severity == record.severity \
            else default_expiry(occurred_on=occurred_on, severity=severity)
    correction = CreditRecord(
        subject_kind=record.subject_kind, organization_id=record.organization_id,
        subject_organization_id=record.subject_organization_id, subject_label=record.subject_label,
        event=event or record.event, severity=severity, source=record.source, occurred_on=occurred_on,
        expires_on=expires_on, evidence_link=record.evidence_link if evidence_link is None else evidence_link,
        detail=record.detail if detail is None else detail, corrects=record, correction_reason=reason.strip(),
        withdraws=withdraw, created_by=acting_user(actor), created_by_organization=actor.organization,
    )
    for field in ("vehicle_id", "driver_id"):
        if hasattr(record, field):
            setattr(correction, field, getattr(record, field))
    if correction.expires_on and correction.expires_on <= correction.occurred_on:
        raise ApplicationError(_("失效日期须晚于发生日期。"), code="credit_expiry")
    _full_clean(correction)
    try:
        with transaction.atomic():
            correction.save()
    except IntegrityError:
        raise ApplicationError(_("该记录已被更正过，请更正最新的一条记录。"), code="credit_already_corrected") from None
    audit_record(actor=actor, action="credit.record_correct", obj=correction,
                 organization=record.subject_organization,
                 detail={"corrects": record.pk, "reason": correction.correction_reason, "withdraw": withdraw})
    return correction




# --- supervisory actions (rule M15, M17) ----------------------------------------------------------------------

FOLLOWUP_RULE = "supervisory_action.followup"
_INSURER_GROUNDS = frozenset({"unlawful_refusal", "invented_claim_conditions", "claims_violation",
                              "rescission_lapsed", "other"})
_ALL_GROUNDS = frozenset(ActionGround.values)

# Who may take which measure against whom, on which grounds (rule M15, M17):
#   (issuer kind, action kind, target kind) → grounds
ACTION_MATRIX: dict[tuple[str, str, str], frozenset[str]] = {
    # the regulator: insurers that refuse cover unlawfully or invent claim conditions → rectification order;
    # serious cases → suspension of the ride-hailing insurance business
    (OrganizationKind.REGULATOR, ActionKind.RECTIFICATION_ORDER, OrganizationKind.INSURER): _INSURER_GROUNDS,
    (OrganizationKind.REGULATOR, ActionKind.BUSINESS_SUSPENSION, OrganizationKind.INSURER): _INSURER_GROUNDS,
    (OrganizationKind.REGULATOR, ActionKind.PENALTY, OrganizationKind.INSURER): _INSURER_GROUNDS,
    # a company letting an uninsured or wrongly insured vehicle online → the financial regulator
    (OrganizationKind.REGULATOR, ActionKind.RECTIFICATION_ORDER, OrganizationKind.TAXI_COMPANY):
        frozenset({"uninsured_vehicle_online", "wrongly_insured_vehicle_online"}),
    (OrganizationKind.REGULATOR, ActionKind.PENALTY, OrganizationKind.TAXI_COMPANY):
        frozenset({"uninsured_vehicle_online", "wrongly_insured_vehicle_online"}),
    # a company letting a vehicle without a ride-hailing transport permit online → transport
    (OrganizationKind.TRANSPORT, ActionKind.RECTIFICATION_ORDER, OrganizationKind.TAXI_COMPANY):
        frozenset({"unpermitted_vehicle_online", "ledger_failure"}),
    (OrganizationKind.TRANSPORT, ActionKind.PENALTY, OrganizationKind.TAXI_COMPANY):
        frozenset({"unpermitted_vehicle_online", "ledger_failure"}),
    # self-discipline: the taxi association on companies (reported to both regulators), the insurance
    # association on insurers (rule M2, M17)
    (OrganizationKind.TAXI_ASSOCIATION, ActionKind.SELF_DISCIPLINE, OrganizationKind.TAXI_COMPANY): _ALL_GROUNDS,
    (OrganizationKind.INSURANCE_ASSOCIATION, ActionKind.SELF_DISCIPLINE, OrganizationKind.INSURER): _INSURER_GROUNDS,
}

ACTION_EVENTS = {
    ActionKind.RECTIFICATION_ORDER: "rectification_order", ActionKind.BUSINESS_SUSPENSION: "business_suspension",
    ActionKind.PENALTY: "penalty", ActionKind.SELF_DISCIPLINE: "self_discipline",
}


def action_options(user) -> list[tuple[str, str, frozenset[str]]]:
    """(action kind, target kind, grounds) the user's organisation may issue (the issuer's part of
    ``ACTION_MATRIX``: an object rule on which party takes which measure)."""
    issuer_kind = getattr(getattr(user, "organization", None), "kind", None)
    return [(kind, target, grounds) for (issuer, kind, target), grounds in ACTION_MATRIX.items()
            if issuer == issuer_kind]


def can_issue_actions(user) -> bool:
    return rights.may(user, "credit.add_supervisoryaction") and bool(action_options(user))


@transaction.atomic
def supervisory_action_issue(
    *, actor, target, kind: str, ground: str, facts: str, starts_on: dt.date, ends_on: dt.date | None = None,
    reference_no: str = "", requirement: str = "", vehicle=None, evidence_link: str = "",
) -> SupervisoryAction:
    """Issue a measure: its follow-up clock starts, a credit record is made, the target is told; a self-discipline
    measure is reported to transport and the regulator at once (rule M2, M15, M17)."""
    rights.require(actor, "credit.add_supervisoryaction", _("您没有作出监管措施的权限。"))
    if target is None:
        raise ApplicationError(_("请选择对象单位。"), code="invalid", extra={"fields": {"target": [_("请选择对象单位。")]}})
    bound_text(SupervisoryAction, facts=(facts or "").strip(), requirement=(requirement or "").strip())
    issuer_kind = getattr(getattr(actor, "organization", None), "kind", None)
    grounds = ACTION_MATRIX.get((issuer_kind, kind, target.kind))
    if grounds is None:
        raise PermissionDeniedError(
            _("%(issuer)s不能对%(target)s作出“%(kind)s”。") % {
                "issuer": OrganizationKind(issuer_kind).label if issuer_kind else _("本账号"), "target": OrganizationKind(target.kind).label,
                "kind": ActionKind(kind).label if kind in ActionKind.values else kind},
            code="action_not_allowed")
    if ground not in grounds:
        raise ApplicationError(
            _("该事由不属于本单位对此类对象的处理范围（规则 M15）：可选事由为 %(g)s。") % {
                "g": "、".join(str(ActionGround(g).label) for g in sorted(grounds))},
            code="ground_not_allowed", extra={"fields": {"ground": [_("事由不在处理范围内。")]}})
    _dates_check(SupervisoryAction, starts_on=(starts_on, None), ends_on=(ends_on, None))
    if ends_on is not None and ends_on < starts_on:
        raise ApplicationError(_("截止日期不能早于起始日期。"), code="invalid",
                               extra={"fields": {"ends_on": [_("截止日期不能早于起始日期。")]}})
    evidence_link = _evidence_link(evidence_link)
    if kind == ActionKind.BUSINESS_SUSPENSION and SupervisoryAction.objects.filter(
            target=target, kind=kind, status=SupervisoryAction.Status.OPEN).exists():
        raise ConflictError(_("该保险公司已有执行中的暂停网约车保险业务措施。"), code="suspension_exists")
    action = SupervisoryAction(
        target=target, kind=kind, ground=ground, issued_by=actor.organization, issued_by_user=acting_user(actor),
        reference_no=(reference_no or "").strip(), facts=(facts or "").strip(),
        requirement=(requirement or "").strip(), vehicle=vehicle, starts_on=starts_on, ends_on=ends_on,
    )
    try:
        action.full_clean(exclude=["credit_record"])
    except ValidationError as exc:
        raise ApplicationError(_("请检查填写的内容。"), code="invalid", extra={"fields": exc.message_dict}) from None
    action.save()
    now = timezone.now()
    if kind == ActionKind.SELF_DISCIPLINE:
        action.reported_at = now
    action.credit_record = credit_record_create(
        subject=target, event=ACTION_EVENTS[kind], severity=conf.action_severity()[kind], source="supervisory_action",
        occurred_on=starts_on, evidence_link=evidence_link or f"/credit/actions/{action.pk}/",
        detail=f"{action.get_kind_display()}（{action.get_ground_display()}）{action.reference_no}：{action.facts}",
        actor=actor, dedup_key=f"supervisory_action:{action.pk}",
    )
    action.save(update_fields=["credit_record", "reported_at"])
    deadline_start(rule=FOLLOWUP_RULE, subject=action, responsible=actor.organization, starts_at=now,
                   unit=Deadline.Unit.NATURAL_DAYS, amount=int(conf.action_followup_days()[kind]), actor=actor)
    audit_record(actor=actor, action="supervisory_action.issue", obj=action, organization=actor.organization,
                 detail={"kind": kind, "ground": ground, "target": target.pk})
    link = f"/credit/actions/{action.pk}/"
    notify_organization(organization=target, title=_("%(issuer)s对贵单位作出%(kind)s") % {
        "issuer": actor.organization.name, "kind": action.get_kind_display()}, body=action.facts, link=link,
        kind="supervisory_action.issued", dedup_key=f"supervisory_action.issued:{action.pk}")
    if kind == ActionKind.SELF_DISCIPLINE:
        for regulator in Organization.objects.filter(
                kind__in=[OrganizationKind.TRANSPORT, OrganizationKind.REGULATOR], is_active=True):
            notify_organization(
                organization=regulator, title=_("%(issuer)s报告行业自律惩戒：%(target)s") % {
                    "issuer": actor.organization.name, "target": target.name},
                body=action.facts, link=link, kind="supervisory_action.reported",
                dedup_key=f"supervisory_action.reported:{action.pk}")
    return action


@transaction.atomic
def supervisory_action_close(*, actor, action: SupervisoryAction, result: str) -> SupervisoryAction:
    """Close a measure with its recorded result (rectified, suspension lifted …); meets its follow-up clock."""
    action = SupervisoryAction.objects.select_for_update().get(pk=action.pk)
    rights.require(actor, "credit.change_supervisoryaction", _("只有作出该措施的单位可以结案。"))
    if actor.organization_id != action.issued_by_id:
        raise PermissionDeniedError(_("只有作出该措施的单位可以结案。"))
    if action.status == SupervisoryAction.Status.CLOSED:
        raise ConflictError(_("该措施已结案。"))
    result = (result or "").strip()
    if not result:
        raise ApplicationError(_("结案须填写结果（如整改情况、解除暂停的理由）。"), code="result_required",
                               extra={"fields": {"result": [_("请填写结案情况。")]}})
    bound_text(SupervisoryAction, result=result)
    action.status, action.result = SupervisoryAction.Status.CLOSED, result
    action.closed_at, action.closed_by = timezone.now(), acting_user(actor)
    action.save(update_fields=["status", "result", "closed_at", "closed_by", "updated_at"])
    deadline = deadline_for(rule=FOLLOWUP_RULE, subject=action)
    if deadline is not None:
        deadline_meet(deadline=deadline, at=action.closed_at, actor=actor)
    audit_record(actor=actor, action="supervisory_action.close", obj=action, detail={"result": result})
    notify_organization(organization=action.target, title=_("%(kind)s已结案") % {"kind": action.get_kind_display()},
                        body=result, link=f"/credit/actions/{action.pk}/", kind="supervisory_action.closed",
                        dedup_key=f"supervisory_action.closed:{action.pk}")
    return action


def active_suspension(insurer, day: dt.date | None = None) -> SupervisoryAction | None:
    day = day or timezone.localdate()
    return (SupervisoryAction.objects.filter(
        target=insurer, kind=ActionKind.BUSINESS_SUSPENSION, status=SupervisoryAction.Status.OPEN,
        starts_on__lte=day).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day)).order_by("starts_on").first())


def is_ride_hailing_policy(*, vehicle, usage_nature_insured: str, starts_at) -> bool:
    """What "ride-hailing policy" means for a suspension (rule M15):

    * a policy whose insured usage nature is 预约出租客运 (``UsageNature.RIDE_HAILING``), whatever its kind; or
    * a policy insured as operating (any operating usage nature) on a vehicle that holds a ride-hailing transport
      permit (网络预约出租汽车运输证) valid when the policy starts.
    """
    from apps.vehicles.models import OperatingPermit
    from apps.vehicles.usage import UsageClass, UsageNature, usage_class

    if usage_nature_insured == UsageNature.RIDE_HAILING:
        return True
    if vehicle is None or usage_class(usage_nature_insured) != UsageClass.OPERATING:
        return False
    day = local_date(starts_at) if isinstance(starts_at, dt.datetime) else starts_at
    return any(p.is_valid_at(day) for p in
               OperatingPermit.objects.filter(vehicle=vehicle, kind=OperatingPermit.Kind.RIDE_HAILING))


def policy_create_check_suspension(*, insurer, vehicle, usage_nature_insured, starts_at, **_kwargs) -> None:
    """Appended to ``apps.policies.services.POLICY_CREATE_CHECKS``: while the regulator's suspension of an
    insurer's ride-hailing insurance business is in effect, no new ride-hailing policy from it (rule M15)."""
    if insurer is None:
        return
    suspension = active_suspension(insurer)
    if suspension is None:
        return
    if not is_ride_hailing_policy(vehicle=vehicle, usage_nature_insured=usage_nature_insured, starts_at=starts_at):
        return
    until = suspension.ends_on.isoformat() if suspension.ends_on else _("解除之日")
    raise ApplicationError(
        _("%(insurer)s的网约车保险业务已被金融监管分局暂停（%(ref)s，%(start)s 起至 %(until)s），"
          "暂停期间不得承保新的网约车保单（规则 M15）。") % {
            "insurer": insurer.name, "ref": suspension.reference_no or _("监管措施 %(id)s") % {"id": suspension.pk},
            "start": suspension.starts_on.isoformat(), "until": until},
        code="ride_hailing_business_suspended", extra={"suspension": suspension.pk},
    )
