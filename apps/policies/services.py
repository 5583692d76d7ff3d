"""Writes for policies, coverages and the coverage standard (one transaction each, audited).

* An insurer writes only its own policies (``PermissionDeniedError`` otherwise); supervisors read, never write.
* ``POLICY_CREATE_CHECKS``: functions ``fn(*, actor, insurer, vehicle, kind, usage_nature_insured, starts_at,
  ends_at)`` run before a policy is created (by ``policy_create`` and ``policy_upsert``); each may raise
  ``ApplicationError`` to refuse it. Later apps add theirs (``POLICY_CREATE_CHECKS.add(fn)``, an ``apps.core.registry.Registry``) — e.g. the credit app refuses ride-hailing policies
  from an insurer whose ride-hailing business is suspended (rule M15).
* ``coverage_standard_publish``: the associations publish a new version of the standard (rule M10).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.core.audit import acting_user, audit_record
from apps.core.deadlines import SHANGHAI, deadline_cancel, deadline_meet, deadline_start, local_date
from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from apps.core.errors import ErrorCode as CoreErrorCode
from apps.core.models import Deadline
from apps.core.notifications import Text, stored
from apps.core.registry import Registry, dotted_name
from apps.core.textlimits import NOTE_MAX, bound_text
from apps.core.validators import check_amount, check_date, check_instant
from apps.parties import rights
from apps.parties.models import Organization, OrganizationKind
from apps.policies.errors import ErrorCode
from apps.vehicles.models import Vehicle
from apps.vehicles.services import (
    UpsertOutcome,
    _drop_none,
    apply_changes,
    change_detail,
    vehicle_register_for_policy,
)
from apps.vehicles.usage import parse_usage_nature

from .models import (
    CARRIER_GROUNDS,
    COMMERCIAL_GROUNDS,
    COMPULSORY_GROUNDS,
    Cancellation,
    CancellationGround,
    Coverage,
    CoverageKind,
    CoverageRequirement,
    CoverageStandard,
    Endorsement,
    LifecyclePath,
    Policy,
    PolicyKind,
    PolicyStatusChange,
    PremiumMode,
)

PolicyCheck = Callable[..., None]
POLICY_CREATE_CHECKS: Registry[PolicyCheck] = Registry("policy-create checks", key=dotted_name)


# --- helpers -----------------------------------------------------------------------------------------------------


def _insurer_for_write(actor, insurer: Organization | None) -> Organization:
    """The object rule after the table's policy rights: an insurer (or a job acting for one) writes only its own
    policies; only a superuser names the insurer."""
    if not (rights.may(actor, "policies.add_policy") or rights.may(actor, "policies.change_policy")):
        raise PermissionDeniedError(_("您没有登记或修改保单的权限。"))
    if not actor.is_superuser:
        if actor.kind != OrganizationKind.INSURER:
            raise PermissionDeniedError(_("只有保险公司可以登记或修改保单。"))
        if insurer is not None and insurer.pk != actor.organization_id:
            raise PermissionDeniedError(_("保险公司只能登记或修改本公司的保单。"))
        return actor.organization
    if insurer is None:
        raise ValidationError({"insurer": _("请指定保险公司。")})
    if insurer.kind != OrganizationKind.INSURER:
        raise ValidationError({"insurer": _("“%(name)s”不是保险公司。") % {"name": insurer.name}})
    return insurer


def _check_owns_policy(actor, policy: Policy) -> None:
    """The object rule after the table's ``change_policy``: an insurer changes only its own policies."""
    if actor.is_superuser:
        return
    if actor.kind != OrganizationKind.INSURER or policy.insurer_id != actor.organization_id:
        raise PermissionDeniedError(_("保险公司只能修改本公司的保单。"))


def _bounds_check(values: dict[str, Any]) -> None:
    """Plausible ranges of a policy's dates and premium (apps.core.validators), each error naming its field."""
    errors: dict[str, list] = {}
    for name in ("starts_at", "ends_at", "rescinded_at", "cancelled_at"):
        try:
            check_instant(values.get(name), field=name, label=Policy._meta.get_field(name).verbose_name)
        except ValidationError as exc:
            errors.update(exc.error_dict)
    try:
        check_amount(values.get("premium"), field="premium", label=Policy._meta.get_field("premium").verbose_name)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)


def _period_check(starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValidationError({"starts_at": _("保险起止时间须带时区。")})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("保险止期须晚于保险起期。")})


def normalize_coverages(coverages: Iterable[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Validate coverage lines; derive the per-seat limit from limit ÷ seats when only those are given (C2)."""
    lines: list[dict[str, Any]] = []
    seen: set[str] = set()
    for raw in coverages or []:
        kind = raw.get("kind")
        if kind not in CoverageKind.values:
            raise ValidationError({"coverages": _("未知的保障项目“%(kind)s”。") % {"kind": kind}})
        if kind in seen:
            raise ValidationError({"coverages": _("保障项目“%(kind)s”重复。") % {"kind": CoverageKind(kind).label}})
        seen.add(kind)
        limit = Decimal(str(raw.get("limit") if raw.get("limit") is not None else "0"))
        per_seat = raw.get("per_seat_limit")
        per_seat = Decimal(str(per_seat)) if per_seat not in (None, "") else None
        seats = raw.get("seats") or None
        if (limit.is_finite() and limit < 0) or (per_seat is not None and per_seat.is_finite() and per_seat < 0):
            raise ValidationError({"coverages": _("限额不能为负数。")})
        for name, amount in (("limit", limit), ("per_seat_limit", per_seat)):
            try:
                check_amount(amount, field="coverages", label=Coverage._meta.get_field(name).verbose_name)
            except ValidationError as exc:
                raise ValidationError({name: exc.error_dict["coverages"]}) from None
        if per_seat is None and seats and limit:
            per_seat = (limit / seats).quantize(Decimal("0.01"))
        if per_seat is not None and seats and not limit:
            limit = per_seat * seats  # rule C2: per-vehicle limit = per-seat limit × seats
        lines.append({"kind": kind, "limit": limit, "per_seat_limit": per_seat, "seats": seats})
    return sorted(lines, key=lambda c: c["kind"])


def _coverage_lines(policy: Policy) -> list[dict[str, Any]]:
    return sorted(
        ({"kind": c.kind, "limit": c.limit, "per_seat_limit": c.per_seat_limit, "seats": c.seats}
         for c in policy.coverages.all()),
        key=lambda c: c["kind"],
    )


def _set_coverages(policy: Policy, lines: list[dict[str, Any]]) -> bool:
    """Replace the policy's coverage lines; ``False`` when they were already exactly these."""
    if _coverage_lines(policy) == lines:
        return False
    policy.coverages.all().delete()
    for line in lines:
        coverage = Coverage(policy=policy, **line)
        coverage.full_clean()
        coverage.save()
    return True


LIFECYCLE_FIELDS = ("status", "rescinded_at", "cancelled_at", "starts_at", "ends_at", "usage_nature_insured")


def _lifecycle_refusal(field: str) -> str:
    """Why ``field`` cannot be written by a generic edit, an upsert, a batch or an import (rules J5–J10, C5)."""
    if field == "status":
        return _("保单状态不能直接修改：解除须经合同解除案件的决定（规则 J5），退保须按法定情形办理（规则 J6、C5），"
                 "期满由系统记录。")
    if field == "rescinded_at":
        return _("解除时间不能直接填写：保险合同只能依合同解除案件的决定解除（规则 J5）。")
    if field == "cancelled_at":
        return _("退保时间不能直接填写：退保须按法定情形办理并提供证明材料（规则 J6、C5）。")
    if field == "usage_nature_insured":
        return _("使用性质的变更须办理批改（规则 J8、J9），不能直接修改。")
    return _("保险期间不能修改（规则 J8）；停驶的营业性车辆的交强险可办理一次保险期间顺延（规则 J10）。")


def _refuse_lifecycle_changes(policy: Policy | None, values: dict[str, Any]) -> None:
    """A generic write may repeat a lifecycle field's current value (re-sent rows, exported files) but never change
    it; a new policy starts in force (or expired, when its period already ended), never rescinded or cancelled."""
    errors: dict[str, list[str]] = {}
    if policy is None:
        status = values.get("status")
        if status not in (None, Policy.Status.ACTIVE, Policy.Status.EXPIRED):
            errors["status"] = [_lifecycle_refusal("status")]
        for name in ("rescinded_at", "cancelled_at"):
            if values.get(name) is not None:
                errors[name] = [_lifecycle_refusal(name)]
    else:
        for name in LIFECYCLE_FIELDS:
            if name not in values or values[name] is None:
                continue
            new = values[name]
            if name == "usage_nature_insured":
                new = parse_usage_nature(new)
            if new != getattr(policy, name):
                errors[name] = [_lifecycle_refusal(name)]
    if errors:
        raise ValidationError(errors)


def _run_create_checks(**kwargs) -> None:
    for check in POLICY_CREATE_CHECKS.values():
        check(**kwargs)


# --- policies ----------------------------------------------------------------------------------------------------


@transaction.atomic
def policy_create(
    *, actor, number: str, kind: str, vehicle: Vehicle, usage_nature_insured: str, starts_at: dt.datetime,
    ends_at: dt.datetime, premium: Decimal, insurer: Organization | None = None, policyholder_name: str = "",
    coverages: Iterable[dict[str, Any]] | None = None, status: str = Policy.Status.ACTIVE,
    rescinded_at: dt.datetime | None = None, cancelled_at: dt.datetime | None = None,
) -> Policy:
    """Register a policy (rule M11: the insurer states the usage nature it insures). It starts in force (expired
    when its period already ended); ``status``/``rescinded_at``/``cancelled_at`` are accepted only to refuse a
    rescinded or cancelled one — those states come from the lifecycle services only."""
    rights.require(actor, "policies.add_policy", _("您没有登记保单的权限。"))
    insurer = _insurer_for_write(actor, insurer)
    if kind not in PolicyKind.values:
        raise ValidationError({"kind": _("未知的险种“%(kind)s”。") % {"kind": kind}})
    usage = parse_usage_nature(usage_nature_insured)
    _refuse_lifecycle_changes(None, {"status": status, "rescinded_at": rescinded_at, "cancelled_at": cancelled_at})
    _bounds_check({"starts_at": starts_at, "ends_at": ends_at, "premium": premium})
    _period_check(starts_at, ends_at)
    _run_create_checks(actor=actor, insurer=insurer, vehicle=vehicle, kind=kind, usage_nature_insured=usage,
                       starts_at=starts_at, ends_at=ends_at)
    policy = Policy(
        insurer=insurer, number=number.strip(), kind=kind, vehicle=vehicle, usage_nature_insured=usage,
        policyholder_name=(policyholder_name or "").strip(), starts_at=starts_at, ends_at=ends_at,
        premium=Decimal(str(premium)),
        status=Policy.Status.EXPIRED if ends_at <= timezone.now() else Policy.Status.ACTIVE,
    )
    policy.full_clean()
    policy.save()
    lines = normalize_coverages(coverages)
    _set_coverages(policy, lines)
    audit_record(actor=actor, action="policy.create", obj=policy, organization=insurer, detail={
        "number": policy.number, "kind": kind, "vehicle": vehicle.pk, "usage_nature_insured": usage,
        "coverages": [c["kind"] for c in lines],
    })
    return policy


_POLICY_FIELDS = {"kind", "vehicle", "usage_nature_insured", "policyholder_name", "starts_at", "ends_at", "premium",
                  "status", "rescinded_at", "cancelled_at"}


def _policy_changes(policy: Policy, fields: dict[str, Any]) -> tuple[list[str], bool]:
    values = _drop_none({k: v for k, v in fields.items() if k != "coverages"})
    unknown = set(values) - _POLICY_FIELDS
    if unknown:
        raise ApplicationError(_("不能修改保单的这些字段：%(f)s。") % {"f": "、".join(sorted(unknown))})
    _refuse_lifecycle_changes(policy, values)
    for name in LIFECYCLE_FIELDS:
        values.pop(name, None)  # equal to the current value (checked above): nothing to write
    _bounds_check(values)
    if "premium" in values:
        values["premium"] = Decimal(str(values["premium"]))
    if "policyholder_name" in values:
        values["policyholder_name"] = values["policyholder_name"].strip()
    if "kind" in values and values["kind"] not in PolicyKind.values:
        raise ValidationError({"kind": _("未知的险种“%(kind)s”。") % {"kind": values["kind"]}})
    changed = apply_changes(policy, values)
    coverages_changed = False
    if fields.get("coverages") is not None:
        coverages_changed = _set_coverages(policy, normalize_coverages(fields["coverages"]))
    return changed, coverages_changed


@transaction.atomic
def policy_update(*, actor, policy: Policy, **fields: Any) -> Policy:
    """Change fields of an insurer's own policy (``None`` = leave as is; ``coverages=[...]`` replaces them).

    Not its lifecycle: status, rescission/cancellation instants, period and usage nature are refused
    (``LIFECYCLE_FIELDS``; repeating the current value is no change) — see the lifecycle services below."""
    rights.require(actor, "policies.change_policy", _("您没有修改保单的权限。"))
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    _check_owns_policy(actor, policy)
    changed, coverages_changed = _policy_changes(policy, fields)
    if changed:
        policy.full_clean()
        policy.save()
    if changed or coverages_changed:
        detail = change_detail(policy, changed)
        if coverages_changed:
            detail["coverages"] = [c.kind for c in policy.coverages.all()]
        audit_record(actor=actor, action="policy.update", obj=policy, organization=policy.insurer, detail=detail)
    return policy


@transaction.atomic
def policy_upsert(
    *, actor, number: str, vin: str, insurer: Organization | None = None, plate: str | None = None,
    kind: str | None = None, usage_nature_insured: str | None = None, starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None, premium: Decimal | None = None, policyholder_name: str | None = None,
    coverages: Iterable[dict[str, Any]] | None = None, status: str | None = None,
    rescinded_at: dt.datetime | None = None, cancelled_at: dt.datetime | None = None,
    vehicle_fields: dict[str, Any] | None = None,
) -> tuple[Policy, str]:
    """Create or update the policy keyed by (insurer, number) — the insurer batch push and the importer.

    The vehicle is found (or registered) by VIN/plate from the same row (rule J2: a proposal carries the
    vehicle's particulars). Re-sending the same row changes nothing and records nothing. A row that would change
    a lifecycle field of an existing policy (``LIFECYCLE_FIELDS``) is refused, naming the field.
    """
    insurer = _insurer_for_write(actor, insurer)
    number = number.strip()
    existing = Policy.objects.select_for_update().filter(insurer=insurer, number=number).first()
    vehicle_outcome = UpsertOutcome.UNCHANGED
    vehicle = None
    if existing is None or vin:
        vehicle, vehicle_outcome = policy_vehicle_resolve(actor=actor, vin=vin, plate=plate, fields=vehicle_fields)
    if existing is None:
        missing = [f for f, v in (("kind", kind), ("usage_nature_insured", usage_nature_insured),
                                  ("starts_at", starts_at), ("ends_at", ends_at), ("premium", premium)) if v is None]
        if missing:
            raise ValidationError({f: _("新保单须填写此项。") for f in missing})
        policy = policy_create(
            actor=actor, insurer=insurer, number=number, kind=kind, vehicle=vehicle,
            usage_nature_insured=usage_nature_insured, starts_at=starts_at, ends_at=ends_at, premium=premium,
            policyholder_name=policyholder_name or "", coverages=coverages, status=status or Policy.Status.ACTIVE,
            rescinded_at=rescinded_at, cancelled_at=cancelled_at,
        )
        return policy, UpsertOutcome.CREATED
    rights.require(actor, "policies.change_policy", _("您没有修改保单的权限。"))
    _check_owns_policy(actor, existing)
    changed, coverages_changed = _policy_changes(existing, {
        "kind": kind, "vehicle": vehicle, "usage_nature_insured": usage_nature_insured, "starts_at": starts_at,
        "ends_at": ends_at, "premium": premium, "policyholder_name": policyholder_name, "status": status,
        "rescinded_at": rescinded_at, "cancelled_at": cancelled_at,
        "coverages": list(coverages) if coverages is not None else None,
    })
    if not changed and not coverages_changed:
        return existing, (UpsertOutcome.UNCHANGED if vehicle_outcome == UpsertOutcome.UNCHANGED
                          else UpsertOutcome.UPDATED)
    if changed:
        existing.full_clean()
        existing.save()
    detail = change_detail(existing, changed)
    if coverages_changed:
        detail["coverages"] = [c.kind for c in existing.coverages.all()]
    audit_record(actor=actor, action="policy.update", obj=existing, organization=existing.insurer, detail=detail)
    return existing, UpsertOutcome.UPDATED


def policy_vehicle_resolve(
    *, actor, vin: str, plate: str | None = None, fields: dict[str, Any] | None = None,
) -> tuple[Vehicle, str]:
    """The insured vehicle: the register's, or registered from the policy row when the register does not know the
    VIN (``apps.vehicles.services.vehicle_register_for_policy``: the insurer's own path under
    ``policies.add_policy``; it never changes a known vehicle, its owner, usage nature or ledger)."""
    return vehicle_register_for_policy(actor=actor, vin=vin, plate=plate, fields=fields)


RESCISSION_CASE_MODEL = "rescissions.rescissioncase"


@transaction.atomic
def policy_rescind(*, actor, policy: Policy, case_ref, at: dt.datetime, reason: str | Text = "") -> Policy:
    """Rescind the contract (合同解除) — used ONLY by the rescission case decision
    (``apps.rescissions.services.rescission_decide``), rules J5, M12, J13.

    Requires ``policies.rescind_policy`` AND ``case_ref``: a rescission case covering this policy, already decided
    "rescinded" at ``at`` (the decision recorded before this call). Anything else — no case, another policy's case,
    an undecided case — is refused: a policy is never rescinded by a generic edit, an upsert, a batch or an import.
    Cover ends at ``at``; the status history links the case.
    """
    rights.require(actor, "policies.rescind_policy", _("您没有解除保险合同的权限。"))
    if case_ref is None or case_ref._meta.label_lower != RESCISSION_CASE_MODEL:
        raise PermissionDeniedError(_("保险合同只能依合同解除案件的决定解除（规则 J5）。"))
    case = type(case_ref).objects.filter(pk=case_ref.pk).first()
    covers = case is not None and (case.policy_id == policy.pk or (
        hasattr(case, "case_policies") and case.case_policies.filter(policy_id=policy.pk).exists()))
    if not covers:
        raise PermissionDeniedError(_("该解除案件不是本保单的案件，不能据此解除合同。"))
    if case.decision != "rescinded" or case.decided_at is None:
        raise PermissionDeniedError(_("解除案件尚未作出解除合同的决定，不能解除保单。"))
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    _check_owns_policy(actor, policy)
    if at is None or at != case.decided_at:
        raise ValidationError({"rescinded_at": _("解除时间须为解除案件的决定时间。")})
    if policy.status in (Policy.Status.RESCINDED, Policy.Status.CANCELLED):
        raise ConflictError(_("该保单已解除或已退保。"))
    check_instant(at, field="rescinded_at", label=Policy._meta.get_field("rescinded_at").verbose_name)
    before = policy.status
    policy.status = Policy.Status.RESCINDED
    policy.rescinded_at = at
    policy.save(update_fields=["status", "rescinded_at", "updated_at"])
    if not stored(reason)[0].strip():
        reason = Text(gettext_noop("合同解除案件 %(no)s 决定解除。"), no=getattr(case, "number", case.pk))
    _history(actor=actor, policy=policy, from_status=before, path=LifecyclePath.RESCISSION, at=at, reason=reason,
             source=case)
    endorsement_clocks_cancel(policy_ids=[policy.pk], reason=Text(gettext_noop("保单已解除，无需再批改。")), actor=actor)
    audit_record(actor=actor, action="policy.rescind", obj=policy, organization=policy.insurer,
                 detail={"at": policy.rescinded_at.isoformat(), "reason": str(reason), "case": case.pk})
    return policy


def allowed_grounds(policy: Policy) -> tuple[str, ...]:
    """The cancellation grounds the law enumerates for the policy's kind: 交强险 rule J6 (交强险实务 第五节 二),
    承运人责任险 rule C5 (001 §10.6); a commercial motor policy Insurance Law art. 15 (the policyholder's request)."""
    if policy.kind == PolicyKind.COMPULSORY:
        return COMPULSORY_GROUNDS
    if policy.kind == PolicyKind.CARRIER_LIABILITY:
        return CARRIER_GROUNDS
    return COMMERCIAL_GROUNDS


def add_months(instant: dt.datetime, months: int) -> dt.datetime:
    """The same local clock time ``months`` calendar months later (the last day of a shorter month)."""
    local = instant.astimezone(SHANGHAI)
    month0 = local.month - 1 + months
    year, month = local.year + month0 // 12, month0 % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day)


def _earlier_compulsory(policy: Policy) -> Policy | None:
    """Rule J7: the other 交强险 of the same vehicle whose period overlaps this one and which started earlier."""
    return (Policy.objects.filter(vehicle_id=policy.vehicle_id, kind=PolicyKind.COMPULSORY,
                                  starts_at__lt=policy.starts_at, ends_at__gt=policy.starts_at)
            .exclude(pk=policy.pk).exclude(status__in=(Policy.Status.RESCINDED, Policy.Status.CANCELLED))
            .order_by("starts_at", "id").first())


def _later_compulsory(policy: Policy) -> Policy | None:
    return (Policy.objects.filter(vehicle_id=policy.vehicle_id, kind=PolicyKind.COMPULSORY,
                                  starts_at__gte=policy.starts_at, starts_at__lt=policy.ends_at)
            .exclude(pk=policy.pk).exclude(status__in=(Policy.Status.RESCINDED, Policy.Status.CANCELLED))
            .order_by("starts_at", "id").first())


@transaction.atomic
def policy_cancel(
    *, actor, policy: Policy, ground: str, evidence: str, at: dt.datetime, evidence_ref: str = "",
    refund: Decimal | None = None, laid_up_from: dt.date | None = None, laid_up_to: dt.date | None = None,
) -> Cancellation:
    """Cancellation (退保) on one of the grounds the law enumerates for the policy's kind, with its evidence
    (``evidence`` text, optional ``evidence_ref`` to the file): 交强险 rule J6, 承运人责任险 rule C5 (laid up ≥ 3
    months with the transport authority's approval: ``laid_up_from``/``laid_up_to``), other commercial motor
    policies Insurance Law art. 15. Double insurance (J7): only the later-starting 交强险 is cancelled, with the
    full premium refunded; cancelling the earlier one on this ground is refused. Cover ends at ``at``.
    """
    rights.require(actor, "policies.cancel_policy", _("您没有办理退保的权限。"))
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    _check_owns_policy(actor, policy)
    if policy.status in (Policy.Status.RESCINDED, Policy.Status.CANCELLED):
        raise ConflictError(_("该保单已解除或已退保。"), code=CoreErrorCode.POLICY_NOT_ACTIVE)
    grounds = allowed_grounds(policy)
    if ground not in grounds:
        raise ValidationError({"ground": _("%(kind)s只能因以下情形退保：%(list)s。") % {
            "kind": policy.get_kind_display(), "list": "、".join(str(CancellationGround(g).label) for g in grounds)}})
    evidence, evidence_ref = (evidence or "").strip(), (evidence_ref or "").strip()
    bound_text(Cancellation, limit=NOTE_MAX, evidence=evidence)
    if len(evidence) < 2:
        raise ValidationError({"evidence": _("请填写证明材料（规则 J6、C5：办理退保时投保人应提供相应的证明材料）。")})
    if len(evidence_ref) > Cancellation._meta.get_field("evidence_ref").max_length:
        raise ValidationError({"evidence_ref": _("证明文件编号或存放位置过长。")})
    if at is None:
        raise ValidationError({"cancelled_at": _("请填写退保时间。")})
    check_instant(at, field="cancelled_at", label=Policy._meta.get_field("cancelled_at").verbose_name)
    if at >= policy.ends_at:
        raise ValidationError({"cancelled_at": _("退保时间须早于保险止期。")})
    if refund is not None:
        check_amount(refund, field="refund", label=Cancellation._meta.get_field("refund").verbose_name)
        if refund > policy.premium:
            raise ValidationError({"refund": _("退还保费不能超过保费。")})
    earlier, full_refund = None, False
    if ground == CancellationGround.DOUBLE_INSURED:
        earlier = _earlier_compulsory(policy)
        if earlier is None:
            later = _later_compulsory(policy)
            raise ConflictError(
                (_("重复投保只能解除保险起期在后的交强险保单（规则 J7）：应解除保单 %(n)s，本保单起期在前。")
                 % {"n": later.number}) if later is not None else
                _("未发现该车起期在前、保险期间重叠的另一份交强险保单，不能以重复投保为由退保（规则 J7）。"),
                code=ErrorCode.J7_EARLIER_POLICY)
        # rule J7: the later policy's premium is refunded in full; claims fall on the earlier policy
        refund, full_refund = policy.premium, True
    if ground == CancellationGround.LAID_UP_3_MONTHS:
        if laid_up_from is None or laid_up_to is None:
            raise ValidationError({"laid_up_to": _("请填写经道路运输管理机构批准的停运起止日期（规则 C5）。")})
        if laid_up_to < add_months(dt.datetime.combine(laid_up_from, dt.time(), tzinfo=SHANGHAI), 3).date() \
                - dt.timedelta(days=1):
            raise ValidationError({"laid_up_to": _("经批准连续停运须满三个月（含）以上才能退保（规则 C5）。")})
    before = policy.status
    policy.status, policy.cancelled_at = Policy.Status.CANCELLED, at
    policy.save(update_fields=["status", "cancelled_at", "updated_at"])
    detail_evidence: str | Text = evidence
    if laid_up_from is not None and laid_up_to is not None:
        # the typed evidence with the lay-up dates, kept as a message read in each language (issue 16)
        detail_evidence = Text(gettext_noop("%(e)s（停运 %(a)s 至 %(b)s）"), e=evidence, a=str(laid_up_from),
                               b=str(laid_up_to))
    detail_evidence, evidence_msg = stored(detail_evidence)
    cancellation = Cancellation(
        policy=policy, ground=ground, evidence=detail_evidence, evidence_msg=evidence_msg, evidence_ref=evidence_ref,
        earlier_policy=earlier,
        refund=refund, full_refund=full_refund, at=at, actor=acting_user(actor),
    )
    cancellation.full_clean()
    cancellation.save()
    reason = Text(gettext_noop("%(ground)s：%(evidence)s"), ground=CancellationGround(ground).label, evidence=evidence)
    _history(actor=actor, policy=policy, from_status=before, path=LifecyclePath.CANCELLATION, at=at, reason=reason,
             source=cancellation)
    endorsement_clocks_cancel(policy_ids=[policy.pk], reason=Text(gettext_noop("保单已退保，无需再批改。")), actor=actor)
    audit_record(actor=actor, action="policy.cancel", obj=policy, organization=policy.insurer, detail={
        "at": at.isoformat(), "ground": ground, "evidence_ref": evidence_ref,
        "refund": str(refund) if refund is not None else None, "full_refund": full_refund,
        "earlier_policy": earlier.pk if earlier is not None else None,
    })
    return cancellation


@transaction.atomic
def policy_extend_laid_up(*, actor, policy: Policy, months: int, evidence: str) -> Policy:
    """Rule J10 (交强险实务 第五节 五; 中保协发〔2009〕68号): the 交强险 of a laid-up operating vehicle may have its
    period extended (顺延) once during the contract, by at least 1 and at most 4 months. The only change of a
    compulsory policy's period."""
    rights.require(actor, "policies.extend_policy", _("您没有办理保险期间顺延的权限。"))
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    _check_owns_policy(actor, policy)
    _require_active(policy, _("顺延"))
    if policy.kind != PolicyKind.COMPULSORY:
        raise ValidationError({"months": _("保险期间顺延只适用于交强险（规则 J10）。")})
    if policy.usage_class != "operating":
        raise ValidationError({"months": _("保险期间顺延只适用于停驶的营业性机动车（规则 J10）。")})
    if policy.laid_up_extension_months is not None:
        raise ConflictError(_("该保单已办理过一次停驶顺延（%(n)s 个月），在合同有效期内只能办理一次（规则 J10）。") % {
            "n": policy.laid_up_extension_months}, code=ErrorCode.J10_ONCE)
    if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= 4:
        raise ValidationError({"months": _("顺延期间最短 1 个月，最长 4 个月（规则 J10）。")})
    evidence = (evidence or "").strip()
    bound_text(PolicyStatusChange, limit=NOTE_MAX, reason=evidence)
    if len(evidence) < 2:
        raise ValidationError({"evidence": _("请填写停驶证明材料。")})
    now = timezone.now()
    if policy.ends_at <= now:
        raise ConflictError(_("保单已到期，不能顺延。"), code=CoreErrorCode.POLICY_NOT_ACTIVE)
    old_end = policy.ends_at
    policy.ends_at = add_months(old_end, months)
    policy.laid_up_extension_months = months
    policy.full_clean()
    policy.save(update_fields=["ends_at", "laid_up_extension_months", "updated_at"])
    _history(actor=actor, policy=policy, from_status=policy.status, path=LifecyclePath.EXTENSION, at=now,
             reason=Text(gettext_noop("停驶顺延 %(n)s 个月：保险止期 %(a)s → %(b)s。%(e)s"), n=months,
                         a=timezone.localtime(old_end).strftime("%Y-%m-%d %H:%M"),
                         b=timezone.localtime(policy.ends_at).strftime("%Y-%m-%d %H:%M"), e=evidence))
    audit_record(actor=actor, action="policy.extend_laid_up", obj=policy, organization=policy.insurer, detail={
        "months": months, "ends_at_before": old_end.isoformat(), "ends_at": policy.ends_at.isoformat()})
    return policy


@transaction.atomic
def policies_expire(*, actor, now: dt.datetime | None = None) -> int:
    """Mark active policies whose period has ended as expired (periodic, ``SystemActor("policies.expire")``); each
    gets its status-history line."""
    now = now or timezone.now()
    due = list(Policy.objects.select_for_update(skip_locked=True)
               .filter(status=Policy.Status.ACTIVE, ends_at__lte=now).values_list("pk", "ends_at"))
    if not due:
        return 0
    Policy.objects.filter(pk__in=[pk for pk, _end in due]).update(status=Policy.Status.EXPIRED, updated_at=now)
    job = getattr(actor, "system_job", "") or ""
    reason, message = stored(Text(gettext_noop("保险期间届满。")))
    PolicyStatusChange.objects.bulk_create([
        PolicyStatusChange(policy_id=pk, from_status=Policy.Status.ACTIVE, to_status=Policy.Status.EXPIRED, at=end,
                           path=LifecyclePath.EXPIRY, reason=reason, reason_msg=message, actor=acting_user(actor),
                           system_job=job)
        for pk, end in due
    ])
    endorsement_clocks_cancel(policy_ids=[pk for pk, _end in due], reason=Text(gettext_noop("保险期间届满，无需再批改。")), actor=actor)
    return len(due)


# --- lifecycle: endorsement, rescission, cancellation, extension, expiry (rules J5–J10, C5, J13) -------------------
#
# A policy's status, its rescission/cancellation instants and its period change only here; the generic edit, the
# upsert (batch push, import) refuse them. Every step writes a PolicyStatusChange (the status history the policy page
# and the API show; the regulator sees every policy's).

FEN = Decimal("0.01")


def to_fen(amount: Decimal) -> Decimal:
    """Money is Decimal, rounded to the fen (0.01) with ROUND_HALF_UP."""
    return Decimal(amount).quantize(FEN, rounding=ROUND_HALF_UP)


def _period_days(policy: Policy) -> tuple[dt.date, dt.date]:
    """The policy's first day and its exclusive end day (Asia/Shanghai calendar days: 0时 of the first day to 24时
    of the last; an end at 0时 of a day belongs to the day before)."""
    first = local_date(policy.starts_at)
    end = local_date(policy.ends_at - dt.timedelta(microseconds=1)) + dt.timedelta(days=1)
    return first, end


def endorsement_premium(
    *, mode: str, old_premium: Decimal, new_premium: Decimal, period_days: int, remaining_days: int,
) -> Decimal:
    """The premium delta of an endorsement, to the fen (ROUND_HALF_UP).

    ``daily_rate`` (rule J8, "按照日费率增加或减少保险费"): remaining days ÷ days in the period × (new − old);
    ``policy_year`` (rule J9, "按照保单年度重新核定保险费计收"): the whole policy year is re-rated, new − old.
    """
    old_premium, new_premium = Decimal(old_premium), Decimal(new_premium)
    if mode == PremiumMode.DAILY_RATE:
        if period_days <= 0:
            raise ValidationError({"effective_on": _("保险期间天数无效。")})
        return to_fen((new_premium - old_premium) * Decimal(remaining_days) / Decimal(period_days))
    if mode == PremiumMode.POLICY_YEAR:
        return to_fen(new_premium - old_premium)
    raise ValidationError({"premium_mode": _("保费调整方式无效：请选择按日费率（J8）或按保单年度重新核定（J9）。")})


def _source_fields(source) -> dict[str, Any]:
    if source is None:
        return {}
    return {"source_content_type": ContentType.objects.get_for_model(source), "source_object_id": str(source.pk)}


def _history(*, actor, policy: Policy, from_status: str, path: str, at: dt.datetime, reason: str | Text,
             source=None) -> PolicyStatusChange:
    """One line of the status history; ``reason`` a :class:`Text` when the platform writes it (issue 16)."""
    text, message = stored(reason)
    return PolicyStatusChange.objects.create(
        policy=policy, from_status=from_status, to_status=policy.status, at=at, path=path, reason=text.strip(),
        reason_msg=message,
        actor=acting_user(actor), system_job=getattr(actor, "system_job", "") or "", **_source_fields(source),
    )


def _require_active(policy: Policy, action: str) -> None:
    if policy.status != Policy.Status.ACTIVE:
        raise ConflictError(_("保单当前状态为“%(status)s”，不能%(action)s。") % {
            "status": policy.get_status_display(), "action": action}, code=CoreErrorCode.POLICY_NOT_ACTIVE)


# --- the endorsement clock (rules M6, J8, J9) ----------------------------------------------------------------------

ENDORSEMENT_RULE = "policy.endorsement"
"""The insurer's period to record an endorsement it owes (``POLICY_ENDORSEMENT_DAYS``). Its subject is what made
the endorsement due — a reviewed lawful-list worklist item (M6), a 交强险 policy of a rescission case on the
risk-increase path (J9) — and every such subject has a ``policy`` foreign key: an endorsement recorded for that
policy meets the clock, the policy's end (rescission, cancellation, expiry) cancels it with the reason."""


def endorsement_clock_start(*, subject, policy: Policy, starts_at: dt.datetime, actor):
    """Start the endorsement clock of ``subject`` (responsible: the policy's insurer; ``POLICY_ENDORSEMENT_DAYS``
    natural days, from the rule's registration); idempotent per subject."""

    return deadline_start(rule=ENDORSEMENT_RULE, subject=subject, responsible=policy.insurer, starts_at=starts_at,
                          actor=actor)


def endorsement_clocks_open(policy_ids: Iterable[int]):
    """The running endorsement clocks whose subject concerns one of ``policy_ids`` (each subject model has a
    ``policy`` foreign key)."""

    policy_ids = list(policy_ids)
    running = Deadline.objects.filter(rule=ENDORSEMENT_RULE,
                                      status__in=[Deadline.Status.OPEN, Deadline.Status.PAUSED])
    found = Deadline.objects.none()
    for content_type in ContentType.objects.filter(pk__in=running.values("content_type")):
        ids = content_type.model_class().objects.filter(policy_id__in=policy_ids).values_list("pk", flat=True)
        found = found | running.filter(content_type=content_type, object_id__in=[str(pk) for pk in ids])
    return found.order_by("pk")


def endorsement_clocks_cancel(*, policy_ids: Iterable[int], reason: str | Text, actor) -> int:
    """The policies ended (rescinded, cancelled, expired): no endorsement is owed on them any more."""

    clocks = list(endorsement_clocks_open(policy_ids))
    for deadline in clocks:
        deadline_cancel(deadline=deadline, reason=reason, actor=actor)
    return len(clocks)


@transaction.atomic
def policy_endorse(
    *, actor, policy: Policy, usage_nature: str, effective_on: dt.date, premium_mode: str, reason: str,
    new_premium: Decimal, source=None,
) -> Endorsement:
    """Endorse (批改) the policy's usage nature from ``effective_on`` and adjust its premium (rules J8, J9).

    ``new_premium`` is the full-period premium rated for the new usage nature; the old one is the policy's current
    rated premium (the last endorsement's ``new_premium``, else the policy's premium). ``daily_rate`` (J8, a notified
    change): delta = remaining days ÷ days in period × (new − old); ``policy_year`` (J9, risk increased without
    notice, or non-disclosure that raises the premium): re-rated for the whole policy year, delta = new − old. The
    period itself is never endorsed (J8). ``source`` links the case or finding that caused it (e.g. a rescission
    case closed as endorsed). Money: Decimal, to the fen, ROUND_HALF_UP.
    """
    rights.require(actor, "policies.add_endorsement", _("您没有办理保单批改的权限。"))
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    _check_owns_policy(actor, policy)
    _require_active(policy, _("批改"))
    reason = (reason or "").strip()
    bound_text(Endorsement, limit=NOTE_MAX, reason=reason)
    if len(reason) < 2:
        raise ValidationError({"reason": _("请填写批改原因。")})
    usage = parse_usage_nature(usage_nature)
    if usage == policy.usage_nature_insured:
        raise ValidationError({"usage_nature": _("批改后的使用性质与保单现有使用性质相同。")})
    if premium_mode not in PremiumMode.values:
        raise ValidationError({"premium_mode": _("保费调整方式无效：请选择按日费率（J8）或按保单年度重新核定（J9）。")})
    if effective_on is None:
        raise ValidationError({"effective_on": _("请填写批改生效日期。")})
    check_date(effective_on, field="effective_on", label=Endorsement._meta.get_field("effective_on").verbose_name)
    if not isinstance(new_premium, Decimal):
        raise ValidationError({"new_premium": _("新保费须为金额（Decimal）。")})
    check_amount(new_premium, field="new_premium", label=Endorsement._meta.get_field("new_premium").verbose_name)
    if not new_premium.is_finite() or new_premium < 0:
        raise ValidationError({"new_premium": _("新保费不能为负数。")})
    first, end = _period_days(policy)
    if not (first <= effective_on < end):
        raise ValidationError({"effective_on": _("批改生效日期须在保险期间内（%(a)s 至 %(b)s）。") % {
            "a": first, "b": end - dt.timedelta(days=1)}})
    last = policy.endorsements.order_by("-effective_on", "-id").first()
    if last is not None and effective_on < last.effective_on:
        raise ValidationError({"effective_on": _("批改生效日期不能早于上一次批改的生效日期 %(d)s。") % {
            "d": last.effective_on}})
    old_premium = last.new_premium if last is not None else policy.premium
    new_premium = to_fen(new_premium)
    period_days, remaining_days = (end - first).days, (end - effective_on).days
    delta = endorsement_premium(mode=premium_mode, old_premium=old_premium, new_premium=new_premium,
                                period_days=period_days, remaining_days=remaining_days)
    premium_after = to_fen(policy.premium + delta)
    if premium_after < 0:
        raise ValidationError({"new_premium": _("批改后保费不能为负数。")})
    endorsement = Endorsement(
        policy=policy, usage_nature_from=policy.usage_nature_insured, usage_nature_to=usage,
        effective_on=effective_on, premium_mode=premium_mode, old_premium=to_fen(old_premium),
        new_premium=new_premium, remaining_days=remaining_days, period_days=period_days, premium_delta=delta,
        premium_after=premium_after, reason=reason, actor=acting_user(actor),
        system_job=getattr(actor, "system_job", "") or "", **_source_fields(source),
    )
    endorsement.full_clean()
    endorsement.save()
    policy.usage_nature_insured, policy.premium = usage, premium_after
    policy.save(update_fields=["usage_nature_insured", "premium", "updated_at"])
    _history(actor=actor, policy=policy, from_status=policy.status, path=LifecyclePath.ENDORSEMENT,
             at=dt.datetime.combine(effective_on, dt.time(), tzinfo=SHANGHAI) if effective_on > first
             else policy.starts_at, reason=reason, source=endorsement)
    audit_record(actor=actor, action="policy.endorse", obj=policy, organization=policy.insurer, detail={
        "endorsement": endorsement.pk, "usage_nature_from": endorsement.usage_nature_from, "usage_nature_to": usage,
        "effective_on": str(effective_on), "premium_mode": premium_mode, "old_premium": str(old_premium),
        "new_premium": str(new_premium), "premium_delta": str(delta), "premium_after": str(premium_after),
        "source": f"{source._meta.label_lower}:{source.pk}" if source is not None else None,
    })

    for deadline in endorsement_clocks_open([policy.pk]):  # the endorsement owed on this policy is recorded
        deadline_meet(deadline=deadline, actor=actor)
    return endorsement


# --- coverage standard (rule M10) --------------------------------------------------------------------------------


def coverage_standard_in_force(day: dt.date | dt.datetime) -> CoverageStandard | None:
    """The jointly published (approved) version in force on ``day``; ``None`` when there is none."""
    if isinstance(day, dt.datetime):
        day = local_date(day)
    return (CoverageStandard.objects.filter(status=CoverageStandard.Status.IN_FORCE, effective_from__lte=day)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day))
            .order_by("-effective_from", "-id").prefetch_related("requirements").first())


_ASSOCIATIONS = (OrganizationKind.INSURANCE_ASSOCIATION, OrganizationKind.TAXI_ASSOCIATION)


def _association_of(actor) -> Organization:
    org = getattr(actor, "organization", None)
    if org is None or org.kind not in _ASSOCIATIONS:
        raise PermissionDeniedError(_("保障标准由保险行业协会、出租汽车行业协会联合制定并发布（规则 M10）。"))
    return org


def _effective_checks(effective_from: dt.date, effective_to: dt.date | None) -> None:
    for field, day in (("effective_from", effective_from), ("effective_to", effective_to)):
        check_date(day, field=field, label=CoverageStandard._meta.get_field(field).verbose_name)
    if effective_from is None:
        raise ValidationError({"effective_from": _("请填写生效日期。")})
    if effective_from < local_date(timezone.now()):
        raise ValidationError({"effective_from": _("保障标准不能追溯生效，生效日期最早为今天。")})
    if effective_to is not None and effective_to < effective_from:
        raise ValidationError({"effective_to": _("失效日期不能早于生效日期。")})


@transaction.atomic
def coverage_standard_propose(
    *, actor, name: str, effective_from: dt.date, requirements: Iterable[dict[str, Any]],
    effective_to: dt.date | None = None, basis: str = "", is_demo: bool = False,
) -> CoverageStandard:
    """Rule M10, step 1: one association proposes a version of the standard. It is not in force until the OTHER
    association approves it (``coverage_standard_decide``)."""
    rights.require(actor, "policies.add_coveragestandard", _("只有保险行业协会、出租汽车行业协会可以提议保障标准。"))
    proposer = _association_of(actor)
    _effective_checks(effective_from, effective_to)
    basis = (basis or "").strip()
    bound_text(CoverageStandard, basis=basis)
    lines = list(requirements)
    if not lines:
        raise ValidationError({"requirements": _("保障标准至少应包含一项保障要求。")})
    kinds = [r.get("policy_kind") for r in lines]
    if len(set(kinds)) != len(kinds):
        raise ValidationError({"requirements": _("同一险种只能有一项保障要求。")})
    standard = CoverageStandard(
        name=(name or "").strip(), effective_from=effective_from, effective_to=effective_to, basis=basis,
        published_by=proposer, created_by=acting_user(actor), status=CoverageStandard.Status.PROPOSED,
        is_demo=is_demo,
    )
    standard.full_clean()
    standard.save()
    for line in lines:
        kind = line.get("policy_kind")
        if kind not in CoverageKind.values:
            raise ValidationError({"requirements": _("未知的险种“%(kind)s”。") % {"kind": kind}})
        alternatives = list(line.get("alternative_kinds") or [])
        if any(a not in CoverageKind.values for a in alternatives):
            raise ValidationError({"requirements": _("可替代的保障项目无效。")})
        per_seat = line.get("min_per_seat_limit")
        for field_name, amount in (("min_limit", line.get("min_limit") or 0), ("min_per_seat_limit", per_seat)):
            check_amount(None if amount in (None, "") else amount, field="requirements",
                         label=CoverageRequirement._meta.get_field(field_name).verbose_name)
        requirement = CoverageRequirement(
            standard=standard, policy_kind=kind, min_limit=Decimal(str(line.get("min_limit") or 0)),
            min_per_seat_limit=Decimal(str(per_seat)) if per_seat not in (None, "") else None,
            alternative_kinds=alternatives,
        )
        requirement.full_clean()
        requirement.save()
    audit_record(actor=actor, action="coverage_standard.propose", obj=standard, organization=proposer, detail={
        "name": standard.name, "effective_from": str(effective_from),
        "effective_to": str(effective_to) if effective_to else None, "is_demo": is_demo,
        "requirements": [{k: str(v) for k, v in line.items()} for line in lines],
    })
    return standard


@transaction.atomic
def coverage_standard_decide(*, actor, standard: CoverageStandard, approve: bool, reason: str = "") -> CoverageStandard:
    """Rule M10, step 2: the OTHER association approves the proposed version (then it is in force from its
    effective date: the open-ended version before it ends the day before; versions never overlap and never take
    effect in the past) or rejects it with a reason. The proposing association cannot approve its own proposal."""
    rights.require(actor, "policies.approve_coveragestandard", _("只有另一协会可以审核提议的保障标准。"))
    approver = _association_of(actor)
    standard = CoverageStandard.objects.select_for_update(of=("self",)).select_related("published_by").get(
        pk=standard.pk)
    if standard.status != CoverageStandard.Status.PROPOSED:
        raise ConflictError(_("该保障标准当前为“%(s)s”，不能再审核。") % {"s": standard.get_status_display()},
                            code=ErrorCode.STANDARD_NOT_PROPOSED)
    proposer = standard.published_by
    if proposer is None or proposer.pk == approver.pk or proposer.kind == approver.kind:
        raise PermissionDeniedError(
            _("保障标准须由两协会联合发布：提议单位不能审核本单位的提议，须由另一协会审核（规则 M10）。"),
            code=ErrorCode.SAME_ASSOCIATION)
    reason = (reason or "").strip()
    bound_text(CoverageStandard, limit=NOTE_MAX, decision_reason=reason)
    if not approve and len(reason) < 2:
        raise ValidationError({"reason": _("不予通过须写明理由。")})
    if approve:
        _effective_checks(standard.effective_from, standard.effective_to)
        in_force = CoverageStandard.objects.select_for_update().filter(status=CoverageStandard.Status.IN_FORCE)
        in_force.filter(effective_to__isnull=True, effective_from__lt=standard.effective_from).update(
            effective_to=standard.effective_from - dt.timedelta(days=1))
        overlap = in_force.filter(Q(effective_to__isnull=True) | Q(effective_to__gte=standard.effective_from))
        if standard.effective_to is not None:
            overlap = overlap.filter(effective_from__lte=standard.effective_to)
        if overlap.exists():
            raise ConflictError(_("与已发布的保障标准“%(name)s”的有效期重叠。") % {"name": overlap.first().name})
    standard.status = CoverageStandard.Status.IN_FORCE if approve else CoverageStandard.Status.REJECTED
    standard.decided_by_org, standard.decided_by = approver, acting_user(actor)
    standard.decided_at, standard.decision_reason = timezone.now(), reason
    standard.save(update_fields=["status", "decided_by_org", "decided_by", "decided_at", "decision_reason"])
    audit_record(actor=actor, action="coverage_standard.approve" if approve else "coverage_standard.reject",
                 obj=standard, organization=approver, detail={"reason": reason, "proposed_by": proposer.pk})
    return standard


def coverage_standard_publish(**kwargs) -> CoverageStandard:
    """Former name of ``coverage_standard_propose``: a version is only PROPOSED by one association now (M10)."""
    return coverage_standard_propose(**kwargs)
