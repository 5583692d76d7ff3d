"""Writes of the credit file (rule M14: violators go into the industry credit file) and of supervisory actions
(rule M15, M17). Every function is one transaction and records an audit event."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.core.audit import audit_record
from apps.core.errors import ApplicationError, PermissionDeniedError
from apps.parties.models import OrganizationKind

from . import conf
from .models import SEVERITY_ALIASES, CreditRecord, Severity, SubjectKind

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


def _full_clean(record: CreditRecord) -> None:
    try:
        record.full_clean(exclude=["dedup_key"] if not record.dedup_key else None, validate_unique=False)
    except ValidationError as exc:
        raise ApplicationError(_("信用记录填写有误，请检查。"), code="credit_invalid",
                               extra={"fields": exc.message_dict}) from None


@transaction.atomic
def credit_record_create(
    *, subject, event: str, severity: str, source: str, occurred_on: dt.date, expires_on: dt.date | None = None,
    evidence_link: str = "", detail: str = "", actor=None, dedup_key: str = "",
) -> CreditRecord:
    """Put an event into the subject's credit file (called by leads, rescissions, claims, sanctions…).

    ``subject``: a vehicles.Vehicle, vehicles.Driver or parties.Organization (taxi company or insurer).
    ``severity``: minor | moderate | serious | severe (aliases low/medium/high/critical accepted).
    ``expires_on``: when the record stops counting; default from ``CREDIT_VALIDITY_DAYS`` by severity.
    Idempotent on ``dedup_key``: the same key returns the record already made, unchanged.
    No role check: the calling service has checked its own action; ``actor`` is recorded.
    """
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
    if expires_on is None:
        expires_on = default_expiry(occurred_on=occurred_on, severity=severity)
    if expires_on <= occurred_on:
        raise ApplicationError(_("失效日期须晚于发生日期。"), code="credit_expiry",
                               extra={"fields": {"expires_on": [_("失效日期须晚于发生日期。")]}})
    record = CreditRecord(
        **subject_describe(subject), event=event[:60], severity=severity, source=source[:40],
        occurred_on=occurred_on, expires_on=expires_on, evidence_link=evidence_link or "", detail=detail or "",
        dedup_key=dedup_key, created_by=actor if (actor is not None and actor.is_authenticated) else None,
        created_by_organization=getattr(actor, "organization", None) if actor is not None else None,
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
    if user is None or not user.is_authenticated or user.kind not in RECORD_KEEPERS:
        return False
    if not user.has_perm("credit.add_creditrecord"):
        return False
    if user.kind == OrganizationKind.TAXI_ASSOCIATION and subject_kind is not None:
        return subject_kind in TAXI_ASSOCIATION_SUBJECTS
    return True


def _check_keeper(actor, subject_kind: str) -> None:
    if not can_keep_records(actor, subject_kind):
        raise PermissionDeniedError(_("只有行业协会工作人员可以录入或更正信用记录（出租汽车行业协会限企业、车辆和驾驶员）。"))


@transaction.atomic
def credit_record_add(
    *, actor, subject, event: str, severity: str, occurred_on: dt.date, expires_on: dt.date | None = None,
    evidence_link: str = "", detail: str = "",
) -> CreditRecord:
    """An association's staff add a record by hand (source = association)."""
    _check_keeper(actor, subject_describe(subject)["subject_kind"])
    if not (detail or "").strip():
        raise ApplicationError(_("请填写说明（事实经过）。"), code="credit_detail_required",
                               extra={"fields": {"detail": [_("请填写说明。")]}})
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
    if not (reason or "").strip():
        raise ApplicationError(_("更正须填写原因。"), code="credit_reason_required",
                               extra={"fields": {"reason": [_("请填写更正原因。")]}})
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
        withdraws=withdraw, created_by=actor, created_by_organization=actor.organization,
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


__all__ = ["credit_record_add", "credit_record_correct", "credit_record_create"]
