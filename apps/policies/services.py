"""Writes for policies, coverages and the coverage standard (one transaction each, audited).

* An insurer writes only its own policies (``PermissionDeniedError`` otherwise); supervisors read, never write.
* ``POLICY_CREATE_CHECKS``: functions ``fn(*, actor, insurer, vehicle, kind, usage_nature_insured, starts_at,
  ends_at)`` run before a policy is created (by ``policy_create`` and ``policy_upsert``); each may raise
  ``ApplicationError`` to refuse it. Later apps append to it — e.g. the credit app refuses ride-hailing policies
  from an insurer whose ride-hailing business is suspended (rule M15).
* ``coverage_standard_publish``: the associations publish a new version of the standard (rule M10).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.audit import acting_user, audit_record
from apps.core.deadlines import local_date
from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from apps.core.validators import check_amount, check_date, check_instant
from apps.parties import rights
from apps.parties.models import Organization, OrganizationKind
from apps.vehicles.models import Vehicle
from apps.vehicles.services import (
    UpsertOutcome,
    _drop_none,
    apply_changes,
    change_detail,
    vehicle_register_for_policy,
)
from apps.vehicles.usage import parse_usage_nature

from .models import Coverage, CoverageKind, CoverageRequirement, CoverageStandard, Policy, PolicyKind

PolicyCheck = Callable[..., None]
POLICY_CREATE_CHECKS: list[PolicyCheck] = []


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


def _status_values(status: str | None, rescinded_at, cancelled_at) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if status is not None:
        values["status"] = status
        if status == Policy.Status.RESCINDED and rescinded_at is None:
            raise ValidationError({"rescinded_at": _("状态为“已解除”时须填写解除时间。")})
        if status == Policy.Status.CANCELLED and cancelled_at is None:
            raise ValidationError({"cancelled_at": _("状态为“已退保”时须填写退保时间。")})
    if rescinded_at is not None:
        values["rescinded_at"] = rescinded_at
    if cancelled_at is not None:
        values["cancelled_at"] = cancelled_at
    return values


def _run_create_checks(**kwargs) -> None:
    for check in POLICY_CREATE_CHECKS:
        check(**kwargs)


# --- policies ----------------------------------------------------------------------------------------------------


@transaction.atomic
def policy_create(
    *, actor, number: str, kind: str, vehicle: Vehicle, usage_nature_insured: str, starts_at: dt.datetime,
    ends_at: dt.datetime, premium: Decimal, insurer: Organization | None = None, policyholder_name: str = "",
    coverages: Iterable[dict[str, Any]] | None = None, status: str = Policy.Status.ACTIVE,
    rescinded_at: dt.datetime | None = None, cancelled_at: dt.datetime | None = None,
) -> Policy:
    """Register a policy (rule M11: the insurer states the usage nature it insures)."""
    rights.require(actor, "policies.add_policy", _("您没有登记保单的权限。"))
    insurer = _insurer_for_write(actor, insurer)
    if kind not in PolicyKind.values:
        raise ValidationError({"kind": _("未知的险种“%(kind)s”。") % {"kind": kind}})
    usage = parse_usage_nature(usage_nature_insured)
    _bounds_check({"starts_at": starts_at, "ends_at": ends_at, "premium": premium, "rescinded_at": rescinded_at,
                   "cancelled_at": cancelled_at})
    _period_check(starts_at, ends_at)
    _run_create_checks(actor=actor, insurer=insurer, vehicle=vehicle, kind=kind, usage_nature_insured=usage,
                       starts_at=starts_at, ends_at=ends_at)
    policy = Policy(
        insurer=insurer, number=number.strip(), kind=kind, vehicle=vehicle, usage_nature_insured=usage,
        policyholder_name=(policyholder_name or "").strip(), starts_at=starts_at, ends_at=ends_at,
        premium=Decimal(str(premium)), **_status_values(status, rescinded_at, cancelled_at),
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
    _bounds_check(values)
    if "usage_nature_insured" in values:
        values["usage_nature_insured"] = parse_usage_nature(values["usage_nature_insured"])
    if "premium" in values:
        values["premium"] = Decimal(str(values["premium"]))
    if "policyholder_name" in values:
        values["policyholder_name"] = values["policyholder_name"].strip()
    if "kind" in values and values["kind"] not in PolicyKind.values:
        raise ValidationError({"kind": _("未知的险种“%(kind)s”。") % {"kind": values["kind"]}})
    status_values = _status_values(values.pop("status", None), values.pop("rescinded_at", None),
                                   values.pop("cancelled_at", None))
    if "status" in status_values and status_values["status"] == Policy.Status.ACTIVE:
        status_values.update(rescinded_at=None, cancelled_at=None)
    values.update(status_values)
    _period_check(values.get("starts_at", policy.starts_at), values.get("ends_at", policy.ends_at))
    changed = apply_changes(policy, values)
    coverages_changed = False
    if fields.get("coverages") is not None:
        coverages_changed = _set_coverages(policy, normalize_coverages(fields["coverages"]))
    return changed, coverages_changed


@transaction.atomic
def policy_update(*, actor, policy: Policy, **fields: Any) -> Policy:
    """Change fields of an insurer's own policy (``None`` = leave as is; ``coverages=[...]`` replaces them)."""
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
    vehicle's particulars). Re-sending the same row changes nothing and records nothing.
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


@transaction.atomic
def policy_rescind(*, actor, policy: Policy, at: dt.datetime | None = None, reason: str = "") -> Policy:
    """The insurer rescinds the contract (rules M12, J5); cover ends at ``at``."""
    rights.require(actor, "policies.change_policy", _("您没有修改保单的权限。"))
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    _check_owns_policy(actor, policy)
    if policy.status in (Policy.Status.RESCINDED, Policy.Status.CANCELLED):
        raise ConflictError(_("该保单已解除或已退保。"))
    check_instant(at, field="rescinded_at", label=Policy._meta.get_field("rescinded_at").verbose_name)
    policy.status = Policy.Status.RESCINDED
    policy.rescinded_at = at or timezone.now()
    policy.save(update_fields=["status", "rescinded_at", "updated_at"])
    audit_record(actor=actor, action="policy.rescind", obj=policy, organization=policy.insurer,
                 detail={"at": policy.rescinded_at.isoformat(), "reason": reason})
    return policy


@transaction.atomic
def policy_cancel(*, actor, policy: Policy, at: dt.datetime | None = None, reason: str = "") -> Policy:
    """Cancellation (退保), e.g. the later-starting of two compulsory policies (rule J7) or the cases of J6/C5."""
    rights.require(actor, "policies.change_policy", _("您没有修改保单的权限。"))
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    _check_owns_policy(actor, policy)
    if policy.status in (Policy.Status.RESCINDED, Policy.Status.CANCELLED):
        raise ConflictError(_("该保单已解除或已退保。"))
    check_instant(at, field="cancelled_at", label=Policy._meta.get_field("cancelled_at").verbose_name)
    policy.status = Policy.Status.CANCELLED
    policy.cancelled_at = at or timezone.now()
    policy.save(update_fields=["status", "cancelled_at", "updated_at"])
    audit_record(actor=actor, action="policy.cancel", obj=policy, organization=policy.insurer,
                 detail={"at": policy.cancelled_at.isoformat(), "reason": reason})
    return policy


def policies_expire(*, now: dt.datetime | None = None) -> int:
    """Mark active policies whose period has ended as expired (periodic; status only, history is in the dates)."""
    now = now or timezone.now()
    return Policy.objects.filter(status=Policy.Status.ACTIVE, ends_at__lte=now).update(
        status=Policy.Status.EXPIRED, updated_at=now)


# --- coverage standard (rule M10) --------------------------------------------------------------------------------


def coverage_standard_in_force(day: dt.date | dt.datetime) -> CoverageStandard | None:
    if isinstance(day, dt.datetime):
        day = local_date(day)
    return (CoverageStandard.objects.filter(effective_from__lte=day)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day))
            .order_by("-effective_from", "-id").prefetch_related("requirements").first())


@transaction.atomic
def coverage_standard_publish(
    *, actor, name: str, effective_from: dt.date, requirements: Iterable[dict[str, Any]],
    effective_to: dt.date | None = None, basis: str = "",
) -> CoverageStandard:
    """Publish a new version of the standard (associations only). The open-ended version in force before it
    ends the day before; a version never takes effect in the past (verification results must not change after
    the fact), and versions never overlap."""
    rights.require(actor, "policies.add_coveragestandard", _("只有保险行业协会、出租汽车行业协会可以发布保障标准。"))
    for field, day in (("effective_from", effective_from), ("effective_to", effective_to)):
        check_date(day, field=field, label=CoverageStandard._meta.get_field(field).verbose_name)
    today = local_date(timezone.now())
    if effective_from < today:
        raise ValidationError({"effective_from": _("保障标准不能追溯生效，生效日期最早为今天。")})
    if effective_to is not None and effective_to < effective_from:
        raise ValidationError({"effective_to": _("失效日期不能早于生效日期。")})
    lines = list(requirements)
    if not lines:
        raise ValidationError({"requirements": _("保障标准至少应包含一项保障要求。")})
    kinds = [r.get("policy_kind") for r in lines]
    if len(set(kinds)) != len(kinds):
        raise ValidationError({"requirements": _("同一险种只能有一项保障要求。")})
    # close the open-ended predecessor
    CoverageStandard.objects.select_for_update().filter(
        effective_to__isnull=True, effective_from__lt=effective_from,
    ).update(effective_to=effective_from - dt.timedelta(days=1))
    overlap = CoverageStandard.objects.filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=effective_from),
    )
    if effective_to is not None:
        overlap = overlap.filter(effective_from__lte=effective_to)
    if overlap.exists():
        raise ConflictError(_("与已发布的保障标准“%(name)s”的有效期重叠。") % {"name": overlap.first().name})
    standard = CoverageStandard(
        name=name.strip(), effective_from=effective_from, effective_to=effective_to, basis=basis,
        published_by=actor.organization, created_by=acting_user(actor),
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
        for name, amount in (("min_limit", line.get("min_limit") or 0), ("min_per_seat_limit", per_seat)):
            check_amount(None if amount in (None, "") else amount, field="requirements",
                         label=CoverageRequirement._meta.get_field(name).verbose_name)
        requirement = CoverageRequirement(
            standard=standard, policy_kind=kind, min_limit=Decimal(str(line.get("min_limit") or 0)),
            min_per_seat_limit=Decimal(str(per_seat)) if per_seat not in (None, "") else None,
            alternative_kinds=alternatives,
        )
        requirement.full_clean()
        requirement.save()
    audit_record(actor=actor, action="coverage_standard.publish", obj=standard, detail={
        "name": standard.name, "effective_from": str(effective_from),
        "effective_to": str(effective_to) if effective_to else None,
        "requirements": [{k: str(v) for k, v in line.items()} for line in lines],
    })
    return standard
