"""Writes of the credit file (rule M14: violators go into the industry credit file) and of supervisory actions
(rule M15, M17). Every function is one transaction and records an audit event.

Every service takes its ``actor`` (a user, or a ``SystemActor`` when the platform records a consequence by
itself, e.g. a lapsed rescission). The right comes from the rights table (``rights.py``); the object rules —
which subjects a taxi association keeps, which measure an issuer may take against whom (``ACTION_MATRIX``),
that only the issuer closes its measure — stay here, after ``rights.require``."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import gettext_noop

from apps.core.audit import acting_user, audit_record
from apps.core.deadlines import deadline_for, deadline_meet, deadline_start, local_date
from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from apps.core.errors import ErrorCode as CoreErrorCode
from apps.core.models import Deadline
from apps.core.notifications import Text, choice, notify_organization, quoted, quoted_whole, stored
from apps.core.textlimits import NOTE_MAX, bound_text
from apps.core.validators import check_date, normalize_link
from apps.credit.errors import ErrorCode
from apps.parties import rights
from apps.parties.models import Organization, OrganizationKind
from apps.vehicles.models import OperatingPermit
from apps.vehicles.usage import UsageClass, UsageNature, usage_class

from . import conf
from .models import (
    SEVERITY_ALIASES,
    ActionGround,
    ActionKind,
    CreditEvent,
    CreditProposal,
    CreditRecord,
    Severity,
    SubjectKind,
    SupervisoryAction,
    UrgingItem,
    UrgingNote,
)

# Parties whose staff may add and correct records by hand (DESIGN.md: the insurance association keeps the file,
# the taxi association records about companies and drivers).
RECORD_KEEPERS = frozenset({OrganizationKind.INSURANCE_ASSOCIATION, OrganizationKind.TAXI_ASSOCIATION})


def subject_describe(subject) -> dict:
    """The columns that identify a subject on a record: kind, FK and the organisation whose file holds it."""
    label = subject._meta.label_lower
    if label == "parties.organization":
        if subject.kind == OrganizationKind.TAXI_COMPANY:
            kind = SubjectKind.TAXI_COMPANY
        elif subject.kind == OrganizationKind.INSURER:
            kind = SubjectKind.INSURER
        else:
            raise ApplicationError(_("信用档案只记录出租汽车企业和保险公司这两类单位。"), code=ErrorCode.CREDIT_SUBJECT_KIND)
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
    raise ApplicationError(_("信用档案的对象须为车辆、驾驶员、出租汽车企业或保险公司。"), code=ErrorCode.CREDIT_SUBJECT_KIND)


def _severity(value: str) -> str:
    value = SEVERITY_ALIASES.get((value or "").strip().lower(), (value or "").strip().lower())
    if value not in Severity.values:
        raise ApplicationError(_("严重程度无效，应为：轻微、一般、较重或严重。"), code=ErrorCode.CREDIT_SEVERITY,
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
        raise ApplicationError(next(iter(fields.values()))[0], code=CoreErrorCode.DATE_RANGE, extra={"fields": fields})


def _full_clean(record: CreditRecord) -> None:
    try:
        record.full_clean(exclude=["dedup_key"] if not record.dedup_key else None, validate_unique=False)
    except ValidationError as exc:
        raise ApplicationError(_("信用记录填写有误，请检查。"), code=ErrorCode.CREDIT_INVALID,
                               extra={"fields": exc.message_dict}) from None


def _evidence_link(value: str | None) -> str:
    """The evidence link as stored: empty, an http(s) address or a path on the platform (never ``javascript:``
    or another scheme, which the file page would otherwise render as a clickable ``href``)."""
    try:
        return normalize_link(value or "")
    except ValidationError as exc:
        raise ApplicationError(exc.messages[0], code=ErrorCode.CREDIT_EVIDENCE_LINK,
                               extra={"fields": {"evidence_link": exc.messages}}) from None


def _record_write(
    *, subject, event: str, severity: str, source: str, occurred_on: dt.date, expires_on: dt.date | None = None,
    evidence_link: str = "", detail: str | Text = "", actor, dedup_key: str = "",
) -> CreditRecord:
    """Write one record into the subject's file. Private: the file is written only by the competent association
    — by hand (``credit_record_add``), by deciding a proposal (``credit_proposal_decide``) or by its own
    self-discipline measure (rule M2). Everyone else proposes (``credit_proposal_create``).

    ``subject``: a vehicles.Vehicle, vehicles.Driver or parties.Organization (taxi company or insurer).
    ``severity``: minor | moderate | serious | severe (aliases low/medium/high/critical accepted).
    ``expires_on``: when the record stops counting; default from ``CREDIT_VALIDITY_DAYS`` by severity.
    Idempotent on ``dedup_key``: the same key returns the record already made, unchanged.
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
        raise ApplicationError(_("请填写信用记录的事项和来源。"), code=ErrorCode.CREDIT_INVALID)
    if isinstance(occurred_on, dt.datetime):
        raise ApplicationError(_("发生日期应为日期。"), code=ErrorCode.CREDIT_INVALID)
    evidence_link = _evidence_link(evidence_link)
    _dates_check(CreditRecord, occurred_on=(occurred_on, None), expires_on=(expires_on, None))
    if expires_on is None:
        expires_on = default_expiry(occurred_on=occurred_on, severity=severity)
    if expires_on <= occurred_on:
        raise ApplicationError(_("失效日期须晚于发生日期。"), code=ErrorCode.CREDIT_EXPIRY,
                               extra={"fields": {"expires_on": [_("失效日期须晚于发生日期。")]}})
    detail, detail_msg = stored(detail)  # a Text when the platform wrote it (issue 16)
    record = CreditRecord(
        **subject_describe(subject), event=event[:60], severity=severity, source=source[:40],
        occurred_on=occurred_on, expires_on=expires_on, evidence_link=evidence_link or "", detail=detail,
        detail_msg=detail_msg,
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


def competent_associations(subject_kind: str, subject_organization_id=None) -> frozenset[str]:
    """Which association keeps the file of a subject (rule M2; seed 000: "由保险行业协会将其纳入行业信用档案"):
    the insurance association for vehicles, drivers and insurers; the taxi association for taxi companies and
    for the drivers of a company."""
    if subject_kind in (SubjectKind.VEHICLE, SubjectKind.INSURER):
        return frozenset({OrganizationKind.INSURANCE_ASSOCIATION})
    if subject_kind == SubjectKind.TAXI_COMPANY:
        return frozenset({OrganizationKind.TAXI_ASSOCIATION})
    if subject_kind == SubjectKind.DRIVER:
        if subject_organization_id:
            return frozenset({OrganizationKind.INSURANCE_ASSOCIATION, OrganizationKind.TAXI_ASSOCIATION})
        return frozenset({OrganizationKind.INSURANCE_ASSOCIATION})
    return frozenset()


def can_keep_records(user, subject_kind: str | None = None, subject_organization_id=None) -> bool:
    """The right to keep the file by hand (``credit.add_creditrecord``: the associations), for the subjects the
    association is competent for (``competent_associations``, rule M2); without ``subject_kind``: for any."""
    if not rights.may(user, "credit.add_creditrecord"):
        return False
    kind = getattr(getattr(user, "organization", None), "kind", None)
    if kind not in RECORD_KEEPERS:
        return False
    if subject_kind is not None:
        if subject_kind == SubjectKind.DRIVER and subject_organization_id is None:
            # without the driver's company at hand: the taxi association keeps only company drivers' files
            return kind in {OrganizationKind.INSURANCE_ASSOCIATION, OrganizationKind.TAXI_ASSOCIATION}
        return kind in competent_associations(subject_kind, subject_organization_id)
    return True


_KEEPER_MESSAGE = _lazy("信用档案由行业协会记入：保险行业协会记车辆、驾驶员和保险公司，出租汽车行业协会记出租汽车企业及其"
                        "驾驶员（规则 M2）；其他单位只能提议。")


def _check_keeper(actor, subject_kind: str, subject_organization_id=None) -> None:
    rights.require(actor, "credit.add_creditrecord", str(_KEEPER_MESSAGE))
    if not can_keep_records(actor, subject_kind, subject_organization_id):
        raise PermissionDeniedError(str(_KEEPER_MESSAGE))


@transaction.atomic
def credit_record_add(
    *, actor, subject, event: str, severity: str, occurred_on: dt.date, expires_on: dt.date | None = None,
    evidence_link: str = "", detail: str = "",
) -> CreditRecord:
    """An association's staff add a record by hand (source = association), to a file they may open and are
    competent for (rule M2)."""
    described = subject_describe(subject)
    _check_keeper(actor, described["subject_kind"], described.get("subject_organization_id"))
    from .access import file_visible

    if not file_visible(actor, subject):
        raise PermissionDeniedError(_("无权为该对象录入信用记录。"))
    if not (detail or "").strip():
        raise ApplicationError(_("请填写说明（事实经过）。"), code=ErrorCode.CREDIT_DETAIL_REQUIRED,
                               extra={"fields": {"detail": [_("请填写说明。")]}})
    bound_text(CreditRecord, detail=detail.strip())
    return _record_write(
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
    _check_keeper(actor, record.subject_kind, record.subject_organization_id)
    record = CreditRecord.objects.select_for_update().get(pk=record.pk)
    if evidence_link is not None:
        evidence_link = _evidence_link(evidence_link)
    if not (reason or "").strip():
        raise ApplicationError(_("更正须填写原因。"), code=ErrorCode.CREDIT_REASON_REQUIRED,
                               extra={"fields": {"reason": [_("请填写更正原因。")]}})
    bound_text(CreditRecord, limit=NOTE_MAX, correction_reason=reason.strip())
    bound_text(CreditRecord, detail=(detail or "").strip())
    if record.corrections.exists():
        raise ApplicationError(_("该记录已被更正过，请更正最新的一条记录。"), code=ErrorCode.CREDIT_ALREADY_CORRECTED)
    if record.withdraws:
        raise ApplicationError(_("该记录是一条撤销更正，不能再更正。"), code=ErrorCode.CREDIT_WITHDRAWAL)
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
        raise ApplicationError(_("失效日期须晚于发生日期。"), code=ErrorCode.CREDIT_EXPIRY)
    _full_clean(correction)
    try:
        with transaction.atomic():
            correction.save()
    except IntegrityError:
        raise ApplicationError(_("该记录已被更正过，请更正最新的一条记录。"), code=ErrorCode.CREDIT_ALREADY_CORRECTED) from None
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
        raise ApplicationError(_("请选择对象单位。"), code=CoreErrorCode.INVALID, extra={"fields": {"target": [_("请选择对象单位。")]}})
    bound_text(SupervisoryAction, facts=(facts or "").strip(), requirement=(requirement or "").strip())
    issuer_kind = getattr(getattr(actor, "organization", None), "kind", None)
    grounds = ACTION_MATRIX.get((issuer_kind, kind, target.kind))
    if grounds is None:
        raise PermissionDeniedError(
            _("%(issuer)s不能对%(target)s作出“%(kind)s”。") % {
                "issuer": OrganizationKind(issuer_kind).label if issuer_kind else _("本账号"), "target": OrganizationKind(target.kind).label,
                "kind": ActionKind(kind).label if kind in ActionKind.values else kind},
            code=ErrorCode.ACTION_NOT_ALLOWED)
    if ground not in grounds:
        raise ApplicationError(
            _("该事由不属于本单位对此类对象的处理范围（规则 M15）：可选事由为 %(g)s。") % {
                "g": "、".join(str(ActionGround(g).label) for g in sorted(grounds))},
            code=ErrorCode.GROUND_NOT_ALLOWED, extra={"fields": {"ground": [_("事由不在处理范围内。")]}})
    _dates_check(SupervisoryAction, starts_on=(starts_on, None), ends_on=(ends_on, None))
    if ends_on is not None and ends_on < starts_on:
        raise ApplicationError(_("截止日期不能早于起始日期。"), code=CoreErrorCode.INVALID,
                               extra={"fields": {"ends_on": [_("截止日期不能早于起始日期。")]}})
    evidence_link = _evidence_link(evidence_link)
    if kind == ActionKind.BUSINESS_SUSPENSION and SupervisoryAction.objects.filter(
            target=target, kind=kind, status=SupervisoryAction.Status.OPEN).exists():
        raise ConflictError(_("该保险公司已有执行中的暂停网约车保险业务措施。"), code=ErrorCode.SUSPENSION_EXISTS)
    action = SupervisoryAction(
        target=target, kind=kind, ground=ground, issued_by=actor.organization, issued_by_user=acting_user(actor),
        reference_no=(reference_no or "").strip(), facts=(facts or "").strip(),
        requirement=(requirement or "").strip(), vehicle=vehicle, starts_on=starts_on, ends_on=ends_on,
    )
    try:
        action.full_clean(exclude=["credit_record"])
    except ValidationError as exc:
        raise ApplicationError(_("请检查填写的内容。"), code=CoreErrorCode.INVALID, extra={"fields": exc.message_dict}) from None
    if not action.reference_no and kind in DECISION_KINDS:
        _decision_number_assign(action)
    action.save()
    now = timezone.now()
    if kind == ActionKind.SELF_DISCIPLINE:
        action.reported_at = now
    entry = {"subject": target, "event": ACTION_EVENTS[kind], "severity": conf.action_severity()[kind],
             "occurred_on": starts_on, "evidence_link": evidence_link or f"/credit/actions/{action.pk}/"}
    facts_text = Text(gettext_noop("%(kind)s（%(ground)s）%(ref)s：%(facts)s"), kind=choice(action, "kind"),
                      ground=choice(action, "ground"), ref=action.reference_no, facts=action.facts)
    if issuer_kind in competent_associations(subject_describe(target)["subject_kind"]):
        # the association's own self-discipline measure against a subject whose file it keeps: its decision
        action.credit_record = _record_write(**entry, source="supervisory_action", detail=facts_text, actor=actor,
                                             dedup_key=f"supervisory_action:{action.pk}")
    else:
        # a regulator's measure is proposed to the association that keeps the target's file (rule M2)
        credit_proposal_create(actor=actor, reason=facts_text, source=action, **entry)
    action.save(update_fields=["credit_record", "reported_at"])
    if kind in DECISION_KINDS and action.reference_no:
        from . import decisions

        decisions.document_pdf(action)  # signed in the issuer's name now, at issue (rule M15)
    # the registered rule (natural days); the length is this kind's (SUPERVISORY_ACTION_FOLLOWUP_DAYS)
    deadline_start(rule=FOLLOWUP_RULE, subject=action, responsible=actor.organization, starts_at=now,
                   amount=int(conf.action_followup_days()[kind]), actor=actor)
    audit_record(actor=actor, action="supervisory_action.issue", obj=action, organization=actor.organization,
                 detail={"kind": kind, "ground": ground, "target": target.pk})
    link = f"/credit/actions/{action.pk}/"
    notify_organization(organization=target, title=Text(gettext_noop("%(issuer)s对贵单位作出%(kind)s"),
                        issuer=actor.organization.name, kind=choice(action, "kind")), body=action.facts, link=link,
        kind="supervisory_action.issued", dedup_key=f"supervisory_action.issued:{action.pk}")
    if kind == ActionKind.SELF_DISCIPLINE:
        for regulator in Organization.objects.filter(
                kind__in=[OrganizationKind.TRANSPORT, OrganizationKind.REGULATOR], is_active=True):
            notify_organization(
                organization=regulator, title=Text(gettext_noop("%(issuer)s报告行业自律惩戒：%(target)s"),
                                                   issuer=actor.organization.name, target=target.name),
                body=action.facts, link=link, kind="supervisory_action.reported",
                dedup_key=f"supervisory_action.reported:{action.pk}")
    return action


# The measures the platform writes a formal decision document for (``decisions.document_pdf``, rule M15).
DECISION_KINDS = frozenset({ActionKind.RECTIFICATION_ORDER, ActionKind.BUSINESS_SUSPENSION})


def decision_number_format(*, issuer_kind: str, kind: str, year: int, seq: int) -> str:
    prefix = conf.decision_number_prefixes().get(issuer_kind, "")
    return f"{prefix}{conf.decision_number_kinds()[kind]}〔{year}〕{seq}号"


def _decision_number_assign(action: SupervisoryAction) -> None:
    """The next number of the issuer's yearly sequence for this kind (the issuer's row is locked, so two
    decisions issued at once get consecutive numbers); a number the issuer already typed as a 文号 is skipped."""
    Organization.objects.select_for_update().filter(pk=action.issued_by_id).first()
    year = timezone.localdate().year
    seq = (SupervisoryAction.objects.filter(issued_by_id=action.issued_by_id, kind=action.kind, decision_year=year)
           .order_by("-decision_seq").values_list("decision_seq", flat=True).first() or 0) + 1
    while True:
        number = decision_number_format(issuer_kind=action.issued_by.kind, kind=action.kind, year=year, seq=seq)
        if not SupervisoryAction.objects.filter(issued_by_id=action.issued_by_id, reference_no=number).exists():
            break
        seq += 1
    action.decision_year, action.decision_seq, action.reference_no = year, seq, number


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
        raise ApplicationError(_("结案须填写结果（如整改情况、解除暂停的理由）。"), code=ErrorCode.RESULT_REQUIRED,
                               extra={"fields": {"result": [_("请填写结案情况。")]}})
    bound_text(SupervisoryAction, result=result)
    action.status, action.result = SupervisoryAction.Status.CLOSED, result
    action.closed_at, action.closed_by = timezone.now(), acting_user(actor)
    action.save(update_fields=["status", "result", "closed_at", "closed_by", "updated_at"])
    deadline = deadline_for(rule=FOLLOWUP_RULE, subject=action)
    if deadline is not None:
        deadline_meet(deadline=deadline, at=action.closed_at, actor=actor)
    audit_record(actor=actor, action="supervisory_action.close", obj=action, detail={"result": result})
    notify_organization(organization=action.target, title=Text(gettext_noop("%(kind)s已结案"), kind=choice(action, "kind")),
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

    if usage_nature_insured == UsageNature.RIDE_HAILING:
        return True
    if vehicle is None or usage_class(usage_nature_insured) != UsageClass.OPERATING:
        return False
    day = local_date(starts_at) if isinstance(starts_at, dt.datetime) else starts_at
    return any(p.is_valid_at(day) for p in
               OperatingPermit.objects.filter(vehicle=vehicle, kind=OperatingPermit.Kind.RIDE_HAILING))


def policy_create_check_suspension(*, insurer, vehicle, usage_nature_insured, starts_at, **_kwargs) -> None:
    """Registered in ``apps.policies.services.POLICY_CREATE_CHECKS``: while the regulator's suspension of an
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
        code=ErrorCode.RIDE_HAILING_BUSINESS_SUSPENDED, extra={"suspension": suspension.pk},
    )


# --- who decides (rule M2): proposals to the competent association --------------------------------------------

PROPOSAL_RECORD_SOURCES = {
    "leads": "leads", "claims": "claims", "complaints": "complaints", "rescissions": "rescissions",
    "credit.supervisoryaction": "supervisory_action", "credit.urgingitem": "urging_item",
}
_NUMBER_ATTRS = ("number", "reference", "tracking_no", "reference_no")


def source_describe(source) -> dict:
    """The columns naming a proposing event: its generic link, its business number and the record source."""
    if source is None:
        return {"source_content_type": None, "source_object_id": "", "source_label": "",
                "record_source": "proposal"}
    from django.contrib.contenttypes.models import ContentType

    meta = source._meta
    number = next((str(v) for v in (getattr(source, a, "") for a in _NUMBER_ATTRS) if v), None)
    if number is None:  # no business number: the row's own description, never "#<id>" (users read it)
        number = str(source) if type(source).__str__ is not models.Model.__str__ else ""
    record_source = PROPOSAL_RECORD_SOURCES.get(meta.label_lower) or PROPOSAL_RECORD_SOURCES.get(
        meta.app_label, "proposal")
    return {"source_content_type": ContentType.objects.get_for_model(source), "source_object_id": str(source.pk),
            "source_label": f"{meta.verbose_name} {number}".strip()[:120], "record_source": record_source}


def _subject_key(described: dict) -> str:
    kind = described["subject_kind"]
    obj = described.get("vehicle") or described.get("driver") or described.get("organization")
    return f"{kind}:{obj.pk}"


def can_decide(user, proposal: CreditProposal) -> bool:
    """May ``user`` decide ``proposal``: the right from the table, and its association keeps the subject's file."""
    if not rights.may(user, "credit.decide_creditproposal"):
        return False
    kind = getattr(getattr(user, "organization", None), "kind", None)
    return kind in competent_associations(proposal.subject_kind, proposal.subject_organization_id)


def _text_required(value: str, *, field: str, model, message: str, code: ErrorCode | CoreErrorCode) -> str:
    value = (value or "").strip()
    if not value:
        raise ApplicationError(message, code=code, extra={"fields": {field: [message]}})
    bound_text(model, limit=NOTE_MAX, **{field: value})
    return value


@transaction.atomic
def credit_proposal_create(
    *, actor, subject, event: str, severity: str, reason: str | Text, source=None, occurred_on: dt.date | None = None,
    evidence_link: str = "",
) -> CreditProposal:
    """Propose an entry into ``subject``'s credit file (rule M2): the platform (a ``SystemActor``) or a party
    proposes, the competent association decides (``credit_proposal_decide``). ``source`` is the proposing event
    (any model instance), linked generically and shown with its business number. A second open (or accepted)
    proposal for the same source and subject is refused."""
    rights.require(actor, "credit.add_creditproposal", _("您没有提议记入信用档案的权限。"))
    described = subject_describe(subject)
    severity = _severity(severity)
    event = (event or "").strip()
    if not event or len(event) > 60:
        raise ApplicationError(_("请填写提议的事项（不超过 60 个字符）。"), code=ErrorCode.CREDIT_INVALID,
                               extra={"fields": {"event": [_("请填写事项。")]}})
    message = stored(reason)[1]
    reason_text = stored(reason)[0].strip()
    if not reason_text:
        raise ApplicationError(_("请填写提议理由（事实经过）。"), code=CoreErrorCode.REASON_REQUIRED,
                               extra={"fields": {"reason": [_("请填写提议理由。")]}})
    bound_text(CreditProposal, reason=reason_text)
    occurred_on = timezone.localdate() if occurred_on is None else occurred_on
    if isinstance(occurred_on, dt.datetime):
        raise ApplicationError(_("发生日期应为日期。"), code=ErrorCode.CREDIT_INVALID,
                               extra={"fields": {"occurred_on": [_("发生日期应为日期。")]}})
    _dates_check(CreditProposal, occurred_on=(occurred_on, None))
    evidence_link = _evidence_link(evidence_link)
    origin = source_describe(source)
    key = _subject_key(described)
    if origin["source_object_id"] and CreditProposal.objects.filter(
            source_content_type=origin["source_content_type"], source_object_id=origin["source_object_id"],
            subject_key=key, status__in=[CreditProposal.Status.PENDING, CreditProposal.Status.ACCEPTED]).exists():
        raise ConflictError(_("%(source)s已就%(subject)s提议记入信用档案，不能重复提议。") % {
            "source": origin["source_label"], "subject": described["subject_label"]}, code=ErrorCode.PROPOSAL_EXISTS)
    proposal = CreditProposal(
        **described, subject_key=key, event=event, severity=severity, reason=reason_text, reason_msg=message,
        occurred_on=occurred_on,
        evidence_link=evidence_link, **origin, proposed_by=acting_user(actor),
        proposed_by_organization=getattr(actor, "organization", None),
        proposed_by_job=getattr(actor, "system_job", "") if isinstance(actor, rights.SystemActor) else "",
    )
    try:
        proposal.full_clean(exclude=["source_content_type"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise ApplicationError(_("信用记入提议填写有误，请检查。"), code=ErrorCode.CREDIT_INVALID,
                               extra={"fields": exc.message_dict}) from None
    try:
        with transaction.atomic():
            proposal.save()
    except IntegrityError:
        raise ConflictError(_("%(source)s已就%(subject)s提议记入信用档案，不能重复提议。") % {
            "source": origin["source_label"], "subject": described["subject_label"]},
            code=ErrorCode.PROPOSAL_EXISTS) from None
    audit_record(actor=actor, action="credit.proposal_create", obj=proposal,
                 organization=proposal.subject_organization,
                 detail={"event": event, "severity": severity, "subject": proposal.subject_label,
                         "source": origin["source_label"]})
    for association in Organization.objects.filter(
            kind__in=competent_associations(proposal.subject_kind, proposal.subject_organization_id),
            is_active=True):
        notify_organization(
            organization=association, title=Text(gettext_noop("待决定的信用记入提议：%(subject)s %(event)s"),
                                                 subject=proposal.subject_label,
                                                 event=choice(proposal, "event", CreditEvent)),
            body=quoted_whole(reason_text, message),  # the reason by its message, read in each language (issue 16)
            link=f"/credit/proposals/{proposal.pk}/", kind="credit.proposal",
            dedup_key=f"credit.proposal:{proposal.pk}")
    return proposal


def _link_source_record(proposal: CreditProposal) -> None:
    """A proposing event that carries a ``credit_record`` link (a supervisory action, a focused check) gets the
    record its proposal produced."""
    from django.core.exceptions import FieldDoesNotExist

    source = proposal.source
    if source is None:
        return
    try:
        field = source._meta.get_field("credit_record")
    except FieldDoesNotExist:
        return
    if field.related_model is CreditRecord and getattr(source, "credit_record_id", None) is None:
        source.credit_record = proposal.record
        source.save(update_fields=["credit_record"])


@transaction.atomic
def credit_proposal_decide(*, actor, proposal: CreditProposal, accept: bool, reason: str) -> CreditProposal:
    """The competent association accepts (the record is made, linked to the proposal and its source) or rejects
    a pending proposal, with its reason (rule M2)."""
    refused = _("只有对该对象记入信用档案的行业协会可以决定此提议：保险行业协会决定车辆、驾驶员和保险公司，"
                "出租汽车行业协会决定出租汽车企业及其驾驶员（规则 M2）。")
    rights.require(actor, "credit.decide_creditproposal", refused)
    proposal = CreditProposal.objects.select_for_update().get(pk=proposal.pk)
    if not can_decide(actor, proposal):
        raise PermissionDeniedError(refused, code=ErrorCode.PROPOSAL_NOT_COMPETENT)
    if proposal.status != CreditProposal.Status.PENDING:
        raise ConflictError(_("提议 %(no)s 已作出决定（%(status)s）。") % {
            "no": proposal.number, "status": proposal.get_status_display()}, code=ErrorCode.PROPOSAL_DECIDED)
    if not isinstance(accept, bool):
        raise ApplicationError(_("请选择采纳或不采纳。"), code=CoreErrorCode.INVALID,
                               extra={"fields": {"accept": [_("请选择采纳或不采纳。")]}})
    reason = _text_required(reason, field="decision_reason", model=CreditProposal,
                            message=_("请填写决定理由。"), code=ErrorCode.DECISION_REASON_REQUIRED)
    now = timezone.now()
    proposal.decided_by, proposal.decided_by_organization = acting_user(actor), actor.organization
    proposal.decided_at, proposal.decision_reason = now, reason
    if accept:
        subject = proposal.vehicle or proposal.driver or proposal.organization
        detail = quoted(proposal.reason, proposal.reason_msg)
        if proposal.source_label:
            detail = Text(gettext_noop("%(reason)s（依据%(source)s提议 %(no)s；协会决定：%(decision)s）"),
                          reason=detail, source=proposal.source_label, no=proposal.number, decision=reason)
        proposal.record = _record_write(
            subject=subject, event=proposal.event, severity=proposal.severity, source=proposal.record_source,
            occurred_on=proposal.occurred_on, evidence_link=proposal.evidence_link, detail=detail, actor=actor,
            dedup_key=f"credit-proposal:{proposal.pk}")
        proposal.status = CreditProposal.Status.ACCEPTED
    else:
        proposal.status = CreditProposal.Status.REJECTED
    proposal.save(update_fields=["status", "decided_by", "decided_by_organization", "decided_at",
                                 "decision_reason", "record"])
    if accept:
        _link_source_record(proposal)
    audit_record(actor=actor, action="credit.proposal_decide", obj=proposal,
                 organization=proposal.subject_organization,
                 detail={"accept": accept, "reason": reason, "record": proposal.record_id})
    if proposal.proposed_by_organization_id:
        notify_organization(
            organization=proposal.proposed_by_organization,
            title=Text(gettext_noop("信用记入提议 %(no)s：%(status)s"), no=proposal.number,
                       status=choice(proposal, "status")),
            body=reason, link=f"/credit/proposals/{proposal.pk}/", kind="credit.proposal_decided",
            dedup_key=f"credit.proposal_decided:{proposal.pk}")
    return proposal


# --- 督促 items (rules M12, M17): the insurance association urges insurers ----------------------------------

URGING_RULE = "credit.urging_item"
_URGING_REFUSED = _lazy("督促事项由保险行业协会办理（规则 M12、M17）。")


def can_handle_urging(user) -> bool:
    return (rights.may(user, "credit.change_urgingitem")
            and getattr(getattr(user, "organization", None), "kind", None) == OrganizationKind.INSURANCE_ASSOCIATION)


def _check_urging_handler(actor) -> None:
    rights.require(actor, "credit.change_urgingitem", str(_URGING_REFUSED))
    if not can_handle_urging(actor):
        raise PermissionDeniedError(str(_URGING_REFUSED), code=ErrorCode.URGING_NOT_COMPETENT)


def _insurance_association():
    return Organization.objects.filter(kind=OrganizationKind.INSURANCE_ASSOCIATION, is_active=True).order_by(
        "pk").first()


@transaction.atomic
def urging_item_open(*, actor, insurer, subject, reason: str | Text, rule: str, link: str = "") -> UrgingItem:
    """Open a 督促 item the insurance association must act on (rules M12, M17), with its clock
    (``URGING_ITEM_DAYS`` natural days). Idempotent per (subject, rule): the item already open is returned."""
    rights.require(actor, "credit.add_urgingitem", _("您没有登记督促事项的权限。"))
    if insurer is None or getattr(insurer, "kind", None) != OrganizationKind.INSURER:
        raise ApplicationError(_("督促事项的对象须为保险公司。"), code=CoreErrorCode.INVALID,
                               extra={"fields": {"insurer": [_("请选择保险公司。")]}})
    rule = (rule or "").strip()
    if not rule or len(rule) > 20:
        raise ApplicationError(_("请填写督促事项依据的规则。"), code=CoreErrorCode.INVALID,
                               extra={"fields": {"rule": [_("请填写规则编号。")]}})
    reason, reason_msg = stored(reason)  # a Text when the platform writes it (issue 16)
    reason = reason.strip()
    if not reason:
        raise ApplicationError(_("请填写督促事由。"), code=CoreErrorCode.REASON_REQUIRED,
                               extra={"fields": {"reason": [_("请填写督促事由。")]}})
    bound_text(UrgingItem, reason=reason)
    origin = source_describe(subject)
    existing = UrgingItem.objects.filter(subject_content_type=origin["source_content_type"],
                                         subject_object_id=origin["source_object_id"], rule=rule).first()
    if existing is not None:
        return existing
    item = UrgingItem(
        insurer=insurer, subject_content_type=origin["source_content_type"],
        subject_object_id=origin["source_object_id"], subject_label=origin["source_label"],
        subject_link=_evidence_link(link), rule=rule, reason=reason, reason_msg=reason_msg,
        opened_by=acting_user(actor),
        opened_by_job=actor.system_job if isinstance(actor, rights.SystemActor) else "",
    )
    item.save()
    association = _insurance_association()
    if association is not None:
        deadline_start(rule=URGING_RULE, subject=item, responsible=association, starts_at=timezone.now(),
                       actor=actor)  # unit and amount (URGING_ITEM_DAYS) from the registered rule
    audit_record(actor=actor, action="credit.urging_open", obj=item, organization=insurer,
                 detail={"rule": rule, "subject": item.subject_label})
    if association is not None:
        notify_organization(
            organization=association, title=Text(gettext_noop("新的督促事项：%(insurer)s %(subject)s"),
                                                 insurer=insurer.name, subject=item.subject_label),
            body=quoted_whole(reason, reason_msg),  # the reason by its message, read in each language (issue 16)
            link=f"/credit/urging/{item.pk}/", kind="credit.urging",
            dedup_key=f"credit.urging:{item.pk}")
    return item


@transaction.atomic
def urging_item_record(*, actor, item: UrgingItem, note: str) -> UrgingNote:
    """The association records one urging of the insurer (when, who, what); the insurer is told."""
    _check_urging_handler(actor)
    item = UrgingItem.objects.select_for_update().select_related("insurer").get(pk=item.pk)
    if item.status == UrgingItem.Status.CLOSED:
        raise ConflictError(_("督促事项 %(no)s 已办结。") % {"no": item.number}, code=ErrorCode.URGING_CLOSED)
    note = _text_required(note, field="note", model=UrgingNote, message=_("请填写督促情况。"),
                          code=CoreErrorCode.NOTE_REQUIRED)
    entry = UrgingNote.objects.create(item=item, note=note, created_by=acting_user(actor),
                                      created_by_organization=actor.organization)
    if item.status == UrgingItem.Status.OPEN:
        item.status = UrgingItem.Status.URGED
        item.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="credit.urging_record", obj=item, organization=item.insurer,
                 detail={"note": entry.pk})
    notify_organization(organization=item.insurer, title=Text(gettext_noop("保险行业协会督促：%(subject)s"),
                                                              subject=item.subject_label), body=note, link=f"/credit/urging/{item.pk}/", kind="credit.urged",
        dedup_key=f"credit.urged:{entry.pk}")
    return entry


@transaction.atomic
def urging_item_close(*, actor, item: UrgingItem, result: str, propose_credit: bool = False,
                      severity: str = "", event: str = "") -> UrgingItem:
    """Close an item with its result; with ``propose_credit`` the association also proposes a credit entry
    against the insurer (decided like any proposal, with its own reason). Meets the item's clock."""
    _check_urging_handler(actor)
    item = UrgingItem.objects.select_for_update().select_related("insurer").get(pk=item.pk)
    if item.status == UrgingItem.Status.CLOSED:
        raise ConflictError(_("督促事项 %(no)s 已办结。") % {"no": item.number}, code=ErrorCode.URGING_CLOSED)
    result = _text_required(result, field="result", model=UrgingItem, message=_("请填写办结情况。"),
                            code=ErrorCode.RESULT_REQUIRED)
    now = timezone.now()
    item.status, item.result, item.closed_at, item.closed_by = UrgingItem.Status.CLOSED, result, now, \
        acting_user(actor)
    if propose_credit:
        item.proposal = credit_proposal_create(
            actor=actor, subject=item.insurer,
            event=event or ("rescission_lapsed" if item.rule == "M12" else "other"),
            severity=severity or conf.rescission_lapse_severity(), reason=result, source=item,
            evidence_link=item.subject_link)
    item.save(update_fields=["status", "result", "closed_at", "closed_by", "proposal", "updated_at"])
    deadline = deadline_for(rule=URGING_RULE, subject=item)
    if deadline is not None and deadline.status in (Deadline.Status.OPEN, Deadline.Status.PAUSED):
        deadline_meet(deadline=deadline, at=now, actor=actor)
    audit_record(actor=actor, action="credit.urging_close", obj=item, organization=item.insurer,
                 detail={"result": result, "proposal": item.proposal_id})
    notify_organization(organization=item.insurer, title=Text(gettext_noop("督促事项 %(no)s 已办结"), no=item.number),
                        body=result, link=f"/credit/urging/{item.pk}/", kind="credit.urging_closed",
                        dedup_key=f"credit.urging_closed:{item.pk}")
    return item
