"""Writes for vehicles, permits, drivers, assignments and onboarding checks (one transaction each, audited).

Conventions: keyword-only arguments; every function takes its ``actor`` (a user, or a
``apps.parties.rights.SystemActor`` for the platform's own jobs) and asks the rights table
(``rights.require``) here, inside the service, so pages, API, importer and tasks share one rule; the object rule
(which row: a company writes only its own ledger) follows the table's answer. Upserts (``*_upsert``) are keyed on natural keys for the importer and return ``(object, outcome)`` with
``outcome`` in ``UpsertOutcome``; writing the same values again changes nothing and records no audit event.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.audit import acting_user, audit_record
from apps.core.crypto import BlindIndexField, blind_index
from apps.core.deadlines import local_date
from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from apps.core.validators import (
    HISTORIC_EARLIEST,
    PAST,
    check_date,
    check_instant,
    normalize_phone,
    normalize_plate,
    normalize_resident_id,
    normalize_uscc,
    normalize_vin,
)
from apps.imports.copy import copy_insert
from apps.parties import rights
from apps.parties.access import visible
from apps.parties.models import Organization, OrganizationKind
from apps.vehicles.errors import ErrorCode

from . import conf
from .cover import cover
from .models import Driver, DriverAssignment, OnboardingCheck, OperatingPermit, Vehicle
from .usage import parse_usage_nature


class UpsertOutcome:
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


# Fields whose values never go into audit details (personal data: only the field name is recorded).
PERSONAL_FIELDS = frozenset({"owner_name", "owner_id_no", "name", "id_no", "phone", "licence_no", "policyholder_name"})


# --- helpers shared with apps.policies.services -----------------------------------------------------------------


def apply_changes(obj: Model, values: dict[str, Any]) -> list[str]:
    """Set each value that differs from the object's current one; return the names of the changed fields.

    ``None`` in ``values`` means "not provided" for upserts only when the caller drops it first; here every key
    is applied as given.
    """
    changed = []
    for name, value in values.items():
        field = obj._meta.get_field(name)
        attname = field.attname
        current = getattr(obj, attname)
        new = value.pk if isinstance(value, Model) else value
        if current != new:
            setattr(obj, attname, new)
            if field.is_relation:
                # drop a cached related object that no longer matches
                obj._state.fields_cache.pop(name, None)
            changed.append(name)
    return changed


def change_detail(obj: Model, changed: Iterable[str]) -> dict[str, Any]:
    """Audit detail for an update: the changed field names, and the new values except personal data."""
    detail: dict[str, Any] = {"fields": sorted(changed)}
    values = {}
    for name in changed:
        if name in PERSONAL_FIELDS:
            continue
        field = obj._meta.get_field(name)
        value = getattr(obj, field.attname)
        values[name] = value if isinstance(value, (str, int, bool, type(None))) else str(value)
    if values:
        detail["values"] = values
    return detail


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _org_kind_check(org: Organization | None, kind: str, field: str) -> None:
    if org is not None and org.kind != kind:
        raise ValidationError({field: _("“%(name)s”不是%(kind)s。") % {
            "name": org.name, "kind": OrganizationKind(kind).label}})


_RIC = re.compile(r"^[0-9]{17}[0-9Xx]$")


def normalize_owner_id(value: str) -> tuple[str, list[str]]:
    """An owner's resident ID number (individual) or unified social credit code (organisation), rule J2."""
    value = value.strip()
    if _RIC.match(value):
        return normalize_resident_id(value)
    try:
        return normalize_uscc(value), []
    except ValidationError:
        raise ValidationError(  # the number itself is not quoted: the message is stored and shown (row errors)
            _("所有人证件号码既不是有效的身份证号码，也不是有效的统一社会信用代码，请核对。"), code="owner_id_invalid",
        ) from None


def _company_for_write(actor, company: Organization | None, *, field: str = "company") -> Organization | None:
    """A taxi company writes only into its own ledger; others may name any taxi company."""
    if actor.kind == OrganizationKind.TAXI_COMPANY:
        if company is not None and company.pk != actor.organization_id:
            raise PermissionDeniedError(_("只能登记到本企业的台账。"))
        return actor.organization
    _org_kind_check(company, OrganizationKind.TAXI_COMPANY, field)
    return company


def _check_owns_vehicle(actor, vehicle: Vehicle) -> None:
    """The object rule after the table's ``change_vehicle``: a taxi company writes only the vehicles of its own
    ledger. A vehicle in no ledger (a private car, a car between platforms) is not the company's to change: it
    joins the ledger only through the onboarding check and ``vehicle_set_online`` (rule M9), never by a write that
    carries the owner's particulars along. Transport keeps the whole register (rule M6)."""
    if actor.is_superuser:
        return
    if actor.kind == OrganizationKind.TAXI_COMPANY and vehicle.company_id != actor.organization_id:
        raise PermissionDeniedError(_(
            "该车辆已在车辆登记册中，但不在本企业台账，不能修改或导入其信息；"
            "车辆须先通过上线核查并上线，才纳入本企业台账（规则 M9）。"), code=ErrorCode.NOT_IN_LEDGER)


def may_change_vehicle(actor, vehicle: Vehicle) -> bool:
    """Whether ``vehicle_update`` would let ``actor`` change this vehicle (the table's right and the ledger rule),
    for pages deciding whether to offer the edit."""
    if not rights.may(actor, "vehicles.change_vehicle"):
        return False
    try:
        _check_owns_vehicle(actor, vehicle)
    except PermissionDeniedError:
        return False
    return True


def _check_may_link_vehicle(actor, vehicle: Vehicle) -> None:
    """A company may record which of its drivers drives a vehicle not in any ledger yet (an assignment changes
    nothing of the vehicle and shows nothing of it), but not a vehicle of another company's ledger."""
    if actor.is_superuser:
        return
    if actor.kind == OrganizationKind.TAXI_COMPANY and vehicle.company_id not in (None, actor.organization_id):
        raise PermissionDeniedError(_("该车辆属于其他企业的台账，不能修改。"))


# --- vehicles ----------------------------------------------------------------------------------------------------


def registration_date_in_future(day) -> str | None:
    """The message refusing a registration date (注册登记日期) after today in Beijing time, or ``None``: a car is
    registered before it is on the road, so a future date is a typing error (the form and every import row)."""
    if isinstance(day, dt.datetime):
        day = day.date()
    if not isinstance(day, dt.date):
        return None
    today = local_date(timezone.now())
    if day <= today:
        return None
    return _("注册登记日期“%(value)s”晚于今天（%(today)s）：请填写机动车登记证书上的注册登记日期。") % {
        "value": day.isoformat(), "today": today.isoformat()}


def _vehicle_values(
    *, plate=None, vin=None, vin_override=None, engine_no=None, vehicle_type=None, make_model=None, seats=None,
    usage_nature=None, owner_name=None, owner_id_no=None, registered_on=None, status=None,
) -> tuple[dict[str, Any], list[str]]:
    """Normalise the given vehicle fields (``None`` = not given). Returns (values, warnings)."""
    values: dict[str, Any] = {}
    warnings: list[str] = []
    errors: dict[str, list] = {}

    def attempt(field, fn):
        try:
            values[field] = fn()
        except ValidationError as exc:
            errors.setdefault(field, []).extend(exc.messages)

    if plate is not None:
        attempt("plate", lambda: normalize_plate(plate) if plate != "" else None)
    if vin is not None:
        attempt("vin", lambda: normalize_vin(vin, allow_bad_check_digit=bool(vin_override)))
    if vin_override is not None:
        values["vin_override"] = bool(vin_override)
    for name, value in (("engine_no", engine_no), ("vehicle_type", vehicle_type), ("make_model", make_model),
                        ("owner_name", owner_name)):
        if value is not None:
            values[name] = value.strip()
    if engine_no is not None:
        values["engine_no"] = engine_no.strip().upper()
    if seats is not None:
        values["seats"] = seats
    if usage_nature is not None:
        attempt("usage_nature", lambda: parse_usage_nature(usage_nature) if usage_nature != "" else "")
    if owner_id_no is not None:
        if owner_id_no == "":
            values["owner_id_no"] = ""
        else:
            try:
                values["owner_id_no"], w = normalize_owner_id(owner_id_no)
                warnings += w
            except ValidationError as exc:
                errors.setdefault("owner_id_no", []).extend(exc.messages)
    future = registration_date_in_future(registered_on)
    if future:
        errors.setdefault("registered_on", []).append(future)
    elif registered_on is not None:
        try:  # a registration lies in the past, and not before the oldest cars still on the road
            values["registered_on"] = check_date(registered_on, field="registered_on", ahead=PAST,
                                                 label=Vehicle._meta.get_field("registered_on").verbose_name,
                                                 earliest=HISTORIC_EARLIEST)
        except ValidationError as exc:
            errors.setdefault("registered_on", []).extend(exc.message_dict["registered_on"])
    if status is not None:
        values["status"] = status
    if errors:
        raise ValidationError(errors)
    if "vin" in values and "vin_override" in values and values["vin_override"]:
        # the override is recorded only when the check digit is really wrong
        try:
            normalize_vin(values["vin"])
            values["vin_override"] = False
        except ValidationError:
            pass
    return values, warnings


def _vehicle_save(vehicle: Vehicle, *, actor, action: str, changed: list[str], warnings: list[str],
                  extra: dict[str, Any] | None = None) -> None:
    vehicle.full_clean()
    vehicle.save()
    detail = {**change_detail(vehicle, changed), **(extra or {})}
    if warnings:
        detail["warnings"] = warnings
    audit_record(actor=actor, action=action, obj=vehicle, detail=detail)
    if "vin_override" in changed and vehicle.vin_override:
        audit_record(actor=actor, action="vehicle.vin_override", obj=vehicle,
                     detail={"vin": vehicle.vin, "reason": "check digit not used by the manufacturer"})


@transaction.atomic
def vehicle_create(
    *, actor, vin: str, seats: int, plate: str | None = None, vin_override: bool = False, engine_no: str = "",
    vehicle_type: str = "", make_model: str = "", usage_nature: str = "", owner_name: str = "",
    owner_id_no: str = "", company: Organization | None = None, registered_on: dt.date | None = None,
    status: str = Vehicle.Status.NORMAL,
) -> Vehicle:
    """Register a vehicle (transport's register, or a company's own ledger)."""
    rights.require(actor, "vehicles.add_vehicle", _("您没有登记车辆的权限。"))
    return _vehicle_insert(
        actor=actor, company=_company_for_write(actor, company), vin=vin, seats=seats, plate=plate,
        vin_override=vin_override, engine_no=engine_no, vehicle_type=vehicle_type, make_model=make_model,
        usage_nature=usage_nature, owner_name=owner_name, owner_id_no=owner_id_no, registered_on=registered_on,
        status=status,
    )


def _vehicle_insert(
    *, actor, company: Organization | None, vin: str, seats: int, plate: str | None = None, vin_override=False,
    engine_no="", vehicle_type="", make_model="", usage_nature="", owner_name="", owner_id_no="",
    registered_on=None, status=Vehicle.Status.NORMAL, detail: dict[str, Any] | None = None,
) -> Vehicle:
    """The new vehicle row, validated and audited; the caller has asked the table and chosen the ledger."""
    values, warnings = _vehicle_values(
        plate=plate or "", vin=vin, vin_override=vin_override, engine_no=engine_no, vehicle_type=vehicle_type,
        make_model=make_model, seats=seats, usage_nature=usage_nature, owner_name=owner_name,
        owner_id_no=owner_id_no, registered_on=registered_on, status=status,
    )
    vehicle = Vehicle(company=company, **values)
    _vehicle_save(vehicle, actor=actor, action="vehicle.create", changed=list(values), warnings=warnings,
                  extra=detail)
    return vehicle


_UNSET: Any = object()


@transaction.atomic
def vehicle_update(
    *, actor, vehicle: Vehicle, plate: str | None = None, vin: str | None = None, vin_override: bool | None = None,
    engine_no: str | None = None, vehicle_type: str | None = None, make_model: str | None = None,
    seats: int | None = None, usage_nature: str | None = None, owner_name: str | None = None,
    owner_id_no: str | None = None, company: Organization | None = _UNSET, registered_on: dt.date | None = None,
    status: str | None = None,
) -> Vehicle:
    """Change the given fields (``None`` = leave as is; ``plate=""`` removes the plate)."""
    rights.require(actor, "vehicles.change_vehicle", _("您没有修改车辆信息的权限。"))
    vehicle = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
    _check_owns_vehicle(actor, vehicle)
    if vin is not None and vin_override is None:
        vin_override = vehicle.vin_override
    values, warnings = _vehicle_values(
        plate=plate, vin=vin, vin_override=vin_override, engine_no=engine_no, vehicle_type=vehicle_type,
        make_model=make_model, seats=seats, usage_nature=usage_nature, owner_name=owner_name,
        owner_id_no=owner_id_no, registered_on=registered_on, status=status,
    )
    if company is not _UNSET:
        values["company"] = _company_for_write(actor, company) if company is not None else None
        if company is None and actor.kind == OrganizationKind.TAXI_COMPANY:
            values["company"] = None  # a company may release a vehicle from its own ledger
            values["online"] = False
    changed = apply_changes(vehicle, values)
    if changed:
        _vehicle_save(vehicle, actor=actor, action="vehicle.update", changed=changed, warnings=warnings)
    return vehicle


def _update_values(actor, vehicle: Vehicle, values: dict[str, Any], *, override: dict[str, Any],
                   company: Organization | None) -> dict[str, Any]:
    """What an upsert writes on an existing vehicle: the normalised ``values`` but its VIN, the VIN override only
    when it changes (``override``: the values that carry it), and the ledger when a company is named."""
    changes = {k: v for k, v in values.items() if k not in ("vin", "vin_override")}
    if "vin_override" in override and vehicle.vin_override != override["vin_override"]:
        changes["vin_override"] = override["vin_override"]
    if company is not None:
        changes["company"] = _company_for_write(actor, company)
    return changes


def plate_taken_message(actor, plate: str, holder_vin: str) -> str:
    """A plate already on another vehicle. The holder's VIN is named only to an actor in that vehicle's audience
    (supervisors, the holder's own company): to anyone else the message says no more than that the
    plate is taken — never another party's VIN (the way a private car's VIN was once learned)."""

    if visible(actor, Vehicle.objects.filter(vin=holder_vin)).exists():
        return _("号牌“%(plate)s”已登记在车辆识别代号为 %(vin)s 的车辆上，请核对。") % {"plate": plate, "vin": holder_vin}
    return _("号牌“%(plate)s”已登记在另一辆车（车辆识别代号不同）上，请核对号牌和车辆识别代号。") % {"plate": plate}


def vehicle_find(*, plate: str | None = None, vin: str | None = None) -> Vehicle | None:
    """The vehicle with this VIN, else with this plate (both normalised); ``None`` when unknown."""
    if vin:
        found = Vehicle.objects.filter(vin=vin.strip().upper()).first()
        if found is not None:
            return found
    if plate:
        return Vehicle.objects.filter(plate=plate.strip().upper()).first()
    return None


@transaction.atomic
def vehicle_upsert(
    *, actor, vin: str, plate: str | None = None, company: Organization | None = None, **fields: Any,
) -> tuple[Vehicle, str]:
    """Create or update the vehicle identified by VIN (else plate); fields given as ``None`` are left as they are.

    A row whose plate belongs to a vehicle with another VIN is refused (a plate is never moved silently).
    """
    values, warnings = _vehicle_values(vin=vin, plate=plate, vin_override=fields.get("vin_override"))
    vin_n, plate_n = values["vin"], values.get("plate")
    by_vin = Vehicle.objects.select_for_update().filter(vin=vin_n).first()
    if plate_n:
        holder = Vehicle.objects.filter(plate=plate_n).exclude(vin=vin_n).first()
        if holder is not None:
            raise ValidationError({"plate": plate_taken_message(actor, plate_n, holder.vin)})
    if by_vin is None:
        if fields.get("seats") is None:
            raise ValidationError({"seats": _("新车辆须填写核定载客人数。")})
        kwargs = {k: v for k, v in fields.items() if v is not None}
        vehicle = vehicle_create(actor=actor, vin=vin, plate=plate, company=company, **kwargs)
        return vehicle, UpsertOutcome.CREATED
    rights.require(actor, "vehicles.change_vehicle", _("您没有修改车辆信息的权限。"))
    _check_owns_vehicle(actor, by_vin)
    values2, warnings2 = _vehicle_values(plate=plate if plate else None, **_drop_none(
        {k: v for k, v in fields.items() if k != "vin_override"}))
    changed = apply_changes(by_vin, _update_values(actor, by_vin, values2, override=values, company=company))
    if not changed:
        return by_vin, UpsertOutcome.UNCHANGED
    _vehicle_save(by_vin, actor=actor, action="vehicle.update", changed=changed, warnings=warnings + warnings2)
    return by_vin, UpsertOutcome.UPDATED


# Particulars an insurer's proposal carries for the vehicle it insures (rule J2); never the usage nature (the
# insurer states the usage it insures on the policy, rule M11), never a ledger.
POLICY_VEHICLE_PARTICULARS = frozenset({"engine_no", "vehicle_type", "make_model", "seats", "owner_name",
                                        "owner_id_no", "registered_on", "vin_override"})


@transaction.atomic
def vehicle_register_for_policy(
    *, actor, vin: str, plate: str | None = None, fields: dict[str, Any] | None = None,
) -> tuple[Vehicle, str]:
    """The vehicle an insurer's policy names: found by VIN, or registered from the policy row when the register
    does not know it yet. This is the insurer's own path, not a vehicle write: it needs ``policies.add_policy``
    (an insurer holds no ``vehicles`` write right, and is not given one), and it is the least that lets a policy on
    a car new to the register be recorded (rule J2: the proposal carries the car's particulars):

    * a VIN the register does not know: a new vehicle in no company's ledger, with the proposal's particulars
      (``POLICY_VEHICLE_PARTICULARS``: no usage nature, no company) — a company takes it into its ledger only
      through the onboarding check (rule M9); a plate already on another vehicle is refused as in ``vehicle_upsert``;
    * a known VIN: the vehicle as it is — an insurer never changes the register's particulars, its owner, usage
      nature or ledger (the register is kept by transport and the companies, rules M6/M9), not even a blank one.
      A plate that differs from the registered one is refused without quoting the register's plate.
    """
    rights.require(actor, "policies.add_policy", _("您没有登记保单的权限。"))
    fields = {k: v for k, v in (fields or {}).items() if k in POLICY_VEHICLE_PARTICULARS and v is not None}
    known = Vehicle.objects.filter(vin=(vin or "").strip().upper()).first()
    if known is not None:
        if plate and known.plate and plate.strip().upper() != known.plate:
            # the register's plate is not quoted: an insurer naming a VIN it guessed learns nothing from it
            raise ValidationError({"plate": _("号牌“%(p)s”与车辆登记册中该车辆识别代号登记的号牌不一致，请核对。") % {
                "p": plate}})
        return known, UpsertOutcome.UNCHANGED
    values, _warnings = _vehicle_values(vin=vin, plate=plate, vin_override=fields.get("vin_override"))
    if values.get("plate"):
        holder = Vehicle.objects.filter(plate=values["plate"]).exclude(vin=values["vin"]).first()
        if holder is not None:
            raise ValidationError({"plate": plate_taken_message(actor, values["plate"], holder.vin)})
    if fields.get("seats") is None:
        raise ValidationError({"seats": _("新车辆须填写核定载客人数。")})
    vehicle = _vehicle_insert(actor=actor, company=None, vin=vin, plate=plate, detail={"for_policy": True},
                              **fields)
    return vehicle, UpsertOutcome.CREATED


# --- vehicles, a chunk at a time (the importer) ------------------------------------------------------------------


def _refusal(exc: Exception) -> ValidationError:
    from .rows import VEHICLE_ROWS

    if isinstance(exc, ValidationError):
        return VEHICLE_ROWS._by_header(exc)
    return ValidationError({NON_FIELD_ERRORS: [exc.message if isinstance(exc, ApplicationError) else str(exc)]})


_BLIND_INDEXES = [f for f in Vehicle._meta.concrete_fields if isinstance(f, BlindIndexField)]
# personal fields (encrypted) → their blind index: an import compares them through the index, never decrypting
_PERSONAL_INDEX = {f.source: f for f in _BLIND_INDEXES}
# what an update of an existing vehicle reads besides the file's own fields: its identity, the ledger and the
# override (the rules of ``_update_values`` and ``_check_owns_vehicle``), and the update stamp
_ALWAYS_LOADED = frozenset({"id", "vin", "plate", "vin_override", "company", "updated_at"})
# personal fields every writer stores normalised to upper case (``normalize_owner_id``): their index is exact
_STORED_UPPER = frozenset({"owner_id_no"})
_FIELD_NAMES = frozenset(f.name for f in Vehicle._meta.fields)
# values ``_vehicle_values`` has produced through the register's own validators (plate J1, VIN check digit, usage
# nature, resident ID / USCC, seats and dates parsed by the row spec): checking them again would change nothing
_NORMALISED = frozenset({"plate", "vin", "vin_override", "seats", "usage_nature", "owner_id_no", "registered_on"})


_CONCRETE = Vehicle._meta.concrete_fields
_POSITION = {f.name: i for i, f in enumerate(_CONCRETE)} | {f.attname: i for i, f in enumerate(_CONCRETE)}
# constant defaults are built once; a callable default (none today) is called for every new vehicle
_TEMPLATE = [None if f.primary_key or callable(f.default) else f.get_default() for f in _CONCRETE]
_CALLABLE_DEFAULTS = [(i, f) for i, f in enumerate(_CONCRETE) if not f.primary_key and callable(f.default)]


def _new_vehicle(values: dict[str, Any], company) -> Vehicle:
    """``Vehicle(company=company, **values)``, built positionally — the way ``Model.from_db`` builds instances,
    several times cheaper than keyword arguments for a chunk of thousands."""
    args = list(_TEMPLATE)
    for i, field in _CALLABLE_DEFAULTS:
        args[i] = field.get_default()
    for name, value in values.items():
        args[_POSITION[name]] = value
    args[_POSITION["company_id"]] = company.pk if company is not None else None
    vehicle = Vehicle(*args)
    if company is not None:
        vehicle.company = company
    return vehicle


def _clean_given(vehicle: Vehicle, names) -> None:
    """Django's field validation (lengths, choices) of the free-text and other fields this row sets; the others
    hold their defaults or stored values, already valid. The company was looked up by the row spec (no per-row
    foreign-key query); uniqueness and the check constraints are enforced by the database for the whole chunk."""
    vehicle.full_clean(exclude=(_FIELD_NAMES.difference(names) | _NORMALISED | {"company"}), validate_unique=False,
                       validate_constraints=False)


def _existing_for_compare(vins: list[str], chunk: list[dict[str, Any]]) -> dict[str, Vehicle]:
    """The chunk's existing vehicles by VIN, locked, with only the columns the upsert compares: the fields the
    file's rows give, and for personal fields (encrypted) their blind index instead of the ciphertext — so an
    import of rows the register already holds decrypts nothing (see ``_apply_personal_changes``)."""
    given: set[str] = set().union(*chunk) if chunk else set()
    columns = (_ALWAYS_LOADED | given.difference(_PERSONAL_INDEX)
               | {_PERSONAL_INDEX[name].name for name in given.intersection(_PERSONAL_INDEX)})
    existing = {v.vin: v for v in Vehicle.objects.select_for_update(of=("self",)).only(*columns).filter(vin__in=vins)}
    # The index is an HMAC of the stripped, upper-cased value: equal indexes may hide a change of letter case. For
    # the few rows where that can happen the stored values are read (one query for the chunk) and compared exactly.
    exact: dict[str, list[str]] = {}
    for values in chunk:
        current = existing.get(values.get("vin"))
        for name in given.intersection(_PERSONAL_INDEX).difference(_STORED_UPPER):
            value = values.get(name)
            if (current is not None and value and value.lower() != value.upper()
                    and blind_index(value) == getattr(current, _PERSONAL_INDEX[name].attname)):
                exact.setdefault(name, []).append(current.pk)
    for name, pks in exact.items():
        stored = dict(Vehicle.objects.filter(pk__in=pks).values_list("pk", name))
        for vehicle in existing.values():
            if vehicle.pk in stored:
                vehicle._stored_personal = {**getattr(vehicle, "_stored_personal", {}), name: stored[vehicle.pk]}
    return existing


def _apply_personal_changes(vehicle: Vehicle, values: dict[str, str]) -> list[str]:
    """Set the personal fields (owner's name, ID number) whose new value differs from the stored one, compared
    through the blind index so the stored value is not decrypted (where the index cannot tell, the value read
    by ``_existing_for_compare``). Returns the names of the changed fields."""
    changed = []
    exact = getattr(vehicle, "_stored_personal", {})
    for name, value in values.items():
        if name in exact:
            same = exact[name] == value
        else:
            same = blind_index(value) == getattr(vehicle, _PERSONAL_INDEX[name].attname)
        if not same:
            setattr(vehicle, name, value)
            changed.append(name)
    return changed


def vehicles_bulk_upsert(*, actor, job, rows: list[tuple[int, dict[str, Any]]]) -> list:
    """Apply a chunk of parsed vehicle rows (``VEHICLE_ROWS.parse`` output) like ``vehicle_upsert`` row by row,
    in a handful of statements instead of several per row: existing vehicles and plate holders are read in one
    query each, new vehicles are inserted with COPY (``apps.imports.copy.copy_insert``: the fields' own
    ``pre_save``/``get_db_prep_save``, so encryption and blind indexes are exactly the model's) and changed ones
    written with one ``bulk_update``. Audit: one event per chunk naming the job and every vehicle created or updated
    (with the changed field names), plus the per-vehicle VIN-override event ``vehicle_upsert`` records.

    Returns, in row order, ``(vehicle, outcome)`` or the ``ValidationError`` (by header) that refused the row.
    Runs inside the caller's transaction (the importer's chunk transaction).
    """

    results: list[Any] = [None] * len(rows)
    prepared: list[tuple[int, dict[str, Any], dict[str, Any], list[str]]] = []
    for index, (_number, kwargs) in enumerate(rows):
        kwargs = dict(kwargs)
        company = kwargs.pop("company", None)
        plate = kwargs.pop("plate", None) or None  # "" (未上牌) and missing both mean "not given"
        given = {k: v for k, v in kwargs.items() if v is not None}
        try:
            # normalise once: the same values the service computes for a create or an update of this row
            values, warnings = _vehicle_values(plate=plate, **given)
        except ValidationError as exc:
            results[index] = _refusal(exc)
            continue
        prepared.append((index, values, {"company": company, "seats": given.get("seats")}, warnings))

    vins = [values["vin"] for _i, values, _e, _w in prepared]
    existing = _existing_for_compare(vins, [values for _i, values, _e, _w in prepared])
    plates = [values["plate"] for _i, values, _e, _w in prepared if values.get("plate")]
    holders = dict(Vehicle.objects.filter(plate__in=plates).values_list("plate", "vin"))

    now = timezone.now()
    to_create: list[tuple[int, Vehicle, list[str]]] = []
    to_update: list[tuple[int, Vehicle, list[str], list[str]]] = []
    for index, values, extra, warnings in prepared:
        vin, plate, company = values["vin"], values.get("plate"), extra["company"]
        try:
            holder = holders.get(plate) if plate else None
            if holder is not None and holder != vin:
                raise ValidationError({"plate": plate_taken_message(actor, plate, holder)})
            current = existing.get(vin)
            if current is None:
                if extra["seats"] is None:
                    raise ValidationError({"seats": _("新车辆须填写核定载客人数。")})
                rights.require(actor, "vehicles.add_vehicle", _("您没有登记车辆的权限。"))
                vehicle = _new_vehicle(values, _company_for_write(actor, company))
                vehicle.created_at = vehicle.updated_at = now
                _clean_given(vehicle, values)
                to_create.append((index, vehicle, warnings))
            else:
                rights.require(actor, "vehicles.change_vehicle", _("您没有修改车辆信息的权限。"))
                _check_owns_vehicle(actor, current)
                updates = _update_values(actor, current, values, override=values, company=company)
                personal = {name: updates.pop(name) for name in list(updates) if name in _PERSONAL_INDEX}
                changed = apply_changes(current, updates) + _apply_personal_changes(current, personal)
                if not changed:
                    results[index] = (current, UpsertOutcome.UNCHANGED)
                    continue
                _clean_given(current, changed)
                to_update.append((index, current, changed, warnings))
        except (ValidationError, ApplicationError) as exc:
            results[index] = _refusal(exc)

    if to_create:
        copy_insert(Vehicle, [v for _i, v, _w in to_create])
        for index, vehicle, _w in to_create:
            results[index] = (vehicle, UpsertOutcome.CREATED)
    if to_update:
        names: set[str] = set()
        for _i, vehicle, changed, _w in to_update:
            vehicle.updated_at = now
            for bidx in _BLIND_INDEXES:
                if bidx.source in changed:
                    setattr(vehicle, bidx.attname, bidx.pre_save(vehicle, False))
                    names.add(bidx.name)
            names.update(changed)
        Vehicle.objects.bulk_update([v for _i, v, _c, _w in to_update], sorted(names | {"updated_at"}),
                                    batch_size=500)
        for index, vehicle, _c, _w in to_update:
            results[index] = (vehicle, UpsertOutcome.UPDATED)

    if to_create or to_update:
        warnings = {str(v.pk): w for _i, v, w in to_create if w}
        warnings.update({str(v.pk): w for _i, v, _c, w in to_update if w})
        detail: dict[str, Any] = {
            "job": job.pk if job is not None else None,
            "created": [v.pk for _i, v, _w in to_create],
            "updated": {str(v.pk): sorted(c) for _i, v, c, _w in to_update},
        }
        if warnings:
            detail["warnings"] = warnings
        audit_record(actor=actor, action="vehicle.import", detail=detail)
    overrides = [v for _i, v, _w in to_create if v.vin_override]
    overrides += [v for _i, v, c, _w in to_update if v.vin_override and "vin_override" in c]
    for vehicle in overrides:
        audit_record(actor=actor, action="vehicle.vin_override", obj=vehicle,
                     detail={"vin": vehicle.vin, "reason": "check digit not used by the manufacturer"})
    return results


# --- operating permits -------------------------------------------------------------------------------------------


def _permit_check(values: dict[str, Any]) -> None:
    for name in ("valid_from", "valid_to"):
        check_date(values.get(name), field=name, label=OperatingPermit._meta.get_field(name).verbose_name)
    if values.get("valid_from") and values.get("valid_to") and values["valid_to"] < values["valid_from"]:
        raise ValidationError({"valid_to": _("有效期至不能早于有效期起。")})


@transaction.atomic
def permit_create(
    *, actor, vehicle: Vehicle, number: str, kind: str = OperatingPermit.Kind.RIDE_HAILING, valid_from: dt.date,
    valid_to: dt.date, issued_by: str = "",
) -> OperatingPermit:
    rights.require(actor, "vehicles.add_operatingpermit", _("只有交通运输部门可以登记运输证。"))
    values = {"vehicle": vehicle, "number": number.strip().upper(), "kind": kind, "valid_from": valid_from,
              "valid_to": valid_to, "issued_by": issued_by.strip()}
    _permit_check(values)
    permit = OperatingPermit(**values)
    permit.full_clean()
    permit.save()
    audit_record(actor=actor, action="permit.create", obj=permit, detail=change_detail(permit, values))
    return permit


@transaction.atomic
def permit_update(*, actor, permit: OperatingPermit, **fields: Any) -> OperatingPermit:
    """Change ``kind``, ``valid_from``, ``valid_to``, ``issued_by`` or ``vehicle`` (``None`` = leave as is)."""
    rights.require(actor, "vehicles.change_operatingpermit", _("只有交通运输部门可以修改运输证。"))
    allowed = {"kind", "valid_from", "valid_to", "issued_by", "vehicle"}
    unknown = set(fields) - allowed
    if unknown:
        raise ApplicationError(_("不能修改运输证的这些字段：%(f)s。") % {"f": "、".join(sorted(unknown))})
    permit = OperatingPermit.objects.select_for_update().get(pk=permit.pk)
    values = _drop_none(fields)
    _permit_check({"valid_from": permit.valid_from, "valid_to": permit.valid_to, **values})
    changed = apply_changes(permit, values)
    if changed:
        permit.full_clean()
        permit.save()
        audit_record(actor=actor, action="permit.update", obj=permit, detail=change_detail(permit, changed))
    return permit


@transaction.atomic
def permit_revoke(*, actor, permit: OperatingPermit, at: dt.datetime | None = None, reason: str = "") -> OperatingPermit:
    rights.require(actor, "vehicles.change_operatingpermit", _("只有交通运输部门可以注销运输证。"))
    permit = OperatingPermit.objects.select_for_update().get(pk=permit.pk)
    if permit.revoked_at is not None:
        raise ConflictError(_("该运输证已注销。"))
    check_instant(at, field="revoked_at", label=OperatingPermit._meta.get_field("revoked_at").verbose_name)
    permit.revoked_at = at or timezone.now()
    permit.save(update_fields=["revoked_at", "updated_at"])
    audit_record(actor=actor, action="permit.revoke", obj=permit, detail={"reason": reason})
    return permit


@transaction.atomic
def permit_upsert(
    *, actor, number: str, vehicle: Vehicle, kind: str | None = None, valid_from: dt.date | None = None,
    valid_to: dt.date | None = None, issued_by: str | None = None,
) -> tuple[OperatingPermit, str]:
    """Create or update the permit with this number; a number already on another vehicle is refused."""
    number_n = number.strip().upper()
    existing = OperatingPermit.objects.select_for_update().filter(number=number_n).first()
    if existing is None:
        if valid_from is None or valid_to is None:
            raise ValidationError({"valid_from": _("新运输证须填写有效期起止日期。")})
        permit = permit_create(actor=actor, vehicle=vehicle, number=number_n,
                               kind=kind or OperatingPermit.Kind.RIDE_HAILING, valid_from=valid_from,
                               valid_to=valid_to, issued_by=issued_by or "")
        return permit, UpsertOutcome.CREATED
    if existing.vehicle_id != vehicle.pk:
        raise ValidationError({"number": _("运输证号“%(number)s”已登记在车辆 %(vehicle)s 上，请核对。") % {
            "number": number_n, "vehicle": existing.vehicle}})
    rights.require(actor, "vehicles.change_operatingpermit", _("只有交通运输部门可以修改运输证。"))
    values = _drop_none({"kind": kind, "valid_from": valid_from, "valid_to": valid_to,
                         "issued_by": issued_by.strip() if issued_by is not None else None})
    _permit_check({"valid_from": existing.valid_from, "valid_to": existing.valid_to, **values})
    changed = apply_changes(existing, values)
    if not changed:
        return existing, UpsertOutcome.UNCHANGED
    existing.full_clean()
    existing.save()
    audit_record(actor=actor, action="permit.update", obj=existing, detail=change_detail(existing, changed))
    return existing, UpsertOutcome.UPDATED


# --- drivers -----------------------------------------------------------------------------------------------------


def _driver_values(*, name=None, id_no=None, phone=None, licence_no=None, qualification_no=None):
    values: dict[str, Any] = {}
    warnings: list[str] = []
    errors: dict[str, list] = {}
    if name is not None:
        values["name"] = name.strip()
        if not values["name"]:
            errors["name"] = [_("请填写驾驶员姓名。")]
    if id_no is not None:
        try:
            values["id_no"], warnings = normalize_resident_id(id_no.strip())
        except ValidationError as exc:
            errors["id_no"] = exc.messages
    if phone is not None:
        try:
            values["phone"] = normalize_phone(phone.strip()) if phone.strip() else ""
        except ValidationError as exc:
            errors["phone"] = exc.messages
    if licence_no is not None:
        values["licence_no"] = licence_no.strip().upper()
    if qualification_no is not None:
        values["qualification_no"] = qualification_no.strip().upper()
    if errors:
        raise ValidationError(errors)
    return values, warnings


def _check_owns_driver(actor, driver: Driver) -> None:
    """The object rule after the table's driver rights: a taxi company writes only its own drivers (or one in no
    ledger, whom it may take on)."""
    if actor.is_superuser:
        return
    if actor.kind == OrganizationKind.TAXI_COMPANY and driver.company_id not in (None, actor.organization_id):
        raise PermissionDeniedError(_("该驾驶员属于其他企业，不能修改。"))


def may_change_driver(actor, driver: Driver) -> bool:
    """Whether ``driver_update`` would let ``actor`` change this driver, for pages deciding what to offer."""
    if not rights.may(actor, "vehicles.change_driver"):
        return False
    try:
        _check_owns_driver(actor, driver)
    except PermissionDeniedError:
        return False
    return True


def _id_no_refused() -> ValidationError:
    """An ID number this actor may not register: the same words whether the number is another company's driver
    or not (a company learns nothing of another company's staff from a refusal)."""
    return ValidationError({"id_no": _(
        "该身份证号码不能登记到本企业台账，请核对身份证号码。")}, code="id_no_refused")


def _driver_save(driver: Driver, *, actor, action: str, changed, warnings) -> None:
    driver.full_clean(exclude=["id_no_bidx"])
    holder = Driver.objects.filter(id_no_bidx=driver._meta.get_field("id_no_bidx").pre_save(driver, False)).exclude(
        pk=driver.pk).only("company_id").first()
    if holder is not None:
        if holder.company_id is not None and holder.company_id == actor.organization_id:
            raise ValidationError({"id_no": _("本企业台账中已有该身份证号码的驾驶员。")}, code="id_no_taken")
        raise _id_no_refused()
    driver.save()
    detail = change_detail(driver, changed)
    if warnings:
        detail["warnings"] = warnings
    audit_record(actor=actor, action=action, obj=driver, detail=detail)


@transaction.atomic
def driver_create(
    *, actor, name: str, id_no: str, phone: str = "", licence_no: str = "", qualification_no: str = "",
    company: Organization | None = None,
) -> Driver:
    rights.require(actor, "vehicles.add_driver", _("您没有登记驾驶员的权限。"))
    values, warnings = _driver_values(name=name, id_no=id_no, phone=phone, licence_no=licence_no,
                                      qualification_no=qualification_no)
    driver = Driver(company=_company_for_write(actor, company), **values)
    _driver_save(driver, actor=actor, action="driver.create", changed=list(values), warnings=warnings)
    return driver


@transaction.atomic
def driver_update(
    *, actor, driver: Driver, name: str | None = None, id_no: str | None = None, phone: str | None = None,
    licence_no: str | None = None, qualification_no: str | None = None, company: Organization | None = _UNSET,
) -> Driver:
    rights.require(actor, "vehicles.change_driver", _("您没有修改驾驶员信息的权限。"))
    driver = Driver.objects.select_for_update().get(pk=driver.pk)
    _check_owns_driver(actor, driver)
    values, warnings = _driver_values(name=name, id_no=id_no, phone=phone, licence_no=licence_no,
                                      qualification_no=qualification_no)
    if company is not _UNSET:
        values["company"] = _company_for_write(actor, company) if company is not None else None
    changed = apply_changes(driver, values)
    if changed:
        _driver_save(driver, actor=actor, action="driver.update", changed=changed, warnings=warnings)
    return driver


def driver_find(*, id_no: str) -> Driver | None:
    return Driver.objects.filter(id_no_bidx=blind_index(id_no.strip().upper())).first()


@transaction.atomic
def driver_upsert(
    *, actor, id_no: str, name: str | None = None, phone: str | None = None, licence_no: str | None = None,
    qualification_no: str | None = None, company: Organization | None = None, vehicle: Vehicle | None = None,
) -> tuple[Driver, str]:
    """Create or update the driver with this ID number (found by its blind index); optionally assign a vehicle."""
    values, _w = _driver_values(id_no=id_no)
    existing = driver_find(id_no=values["id_no"])
    if existing is None:
        if not name:
            raise ValidationError({"name": _("新驾驶员须填写姓名。")})
        driver = driver_create(actor=actor, name=name, id_no=id_no, phone=phone or "", licence_no=licence_no or "",
                               qualification_no=qualification_no or "", company=company)
        outcome = UpsertOutcome.CREATED
    else:
        rights.require(actor, "vehicles.change_driver", _("您没有修改驾驶员信息的权限。"))
        driver = Driver.objects.select_for_update().get(pk=existing.pk)
        if not actor.is_superuser and actor.kind == OrganizationKind.TAXI_COMPANY and driver.company_id not in (
                None, actor.organization_id):
            # another company's driver: neither attached nor overwritten, and not named as existing elsewhere
            raise _id_no_refused()
        values, warnings = _driver_values(name=name, phone=phone, licence_no=licence_no,
                                          qualification_no=qualification_no)
        if company is not None:
            values["company"] = _company_for_write(actor, company)
        changed = apply_changes(driver, values)
        outcome = UpsertOutcome.UNCHANGED
        if changed:
            _driver_save(driver, actor=actor, action="driver.update", changed=changed, warnings=warnings)
            outcome = UpsertOutcome.UPDATED
    if vehicle is not None and not driver.assignments.filter(vehicle=vehicle, ended_on__isnull=True).exists():
        driver_assign(actor=actor, driver=driver, vehicle=vehicle)
        if outcome == UpsertOutcome.UNCHANGED:
            outcome = UpsertOutcome.UPDATED
    return driver, outcome


@transaction.atomic
def driver_assign(*, actor, driver: Driver, vehicle: Vehicle, started_on: dt.date | None = None) -> DriverAssignment:
    rights.require(actor, "vehicles.add_driverassignment", _("您没有登记人车对应关系的权限。"))
    _check_owns_driver(actor, driver)
    _check_may_link_vehicle(actor, vehicle)
    if driver.assignments.filter(vehicle=vehicle, ended_on__isnull=True).exists():
        raise ConflictError(_("该驾驶员已对应这辆车。"))
    check_date(started_on, field="started_on", label=DriverAssignment._meta.get_field("started_on").verbose_name)
    assignment = DriverAssignment(driver=driver, vehicle=vehicle, started_on=started_on or local_date(timezone.now()))
    assignment.full_clean()
    assignment.save()
    audit_record(actor=actor, action="driver.assign", obj=assignment,
                 detail={"driver": driver.pk, "vehicle": vehicle.pk})
    return assignment


@transaction.atomic
def driver_unassign(*, actor, assignment: DriverAssignment, ended_on: dt.date | None = None) -> DriverAssignment:
    rights.require(actor, "vehicles.change_driverassignment", _("您没有修改人车对应关系的权限。"))
    _check_owns_driver(actor, assignment.driver)
    if assignment.ended_on is not None:
        raise ConflictError(_("该人车对应关系已结束。"))
    check_date(ended_on, field="ended_on", label=DriverAssignment._meta.get_field("ended_on").verbose_name)
    assignment.ended_on = ended_on or local_date(timezone.now())
    assignment.full_clean()
    assignment.save(update_fields=["ended_on"])
    audit_record(actor=actor, action="driver.unassign", obj=assignment, detail={"ended_on": str(assignment.ended_on)})
    return assignment


# --- onboarding (rule M9) ----------------------------------------------------------------------------------------


def vehicle_lookup(query: str) -> Vehicle:
    """A plate or a VIN as typed by a user → the vehicle, or ``ApplicationError`` in Chinese."""
    text = (query or "").strip()
    if not text:
        raise ApplicationError(_("请输入号牌号码或车辆识别代号（VIN）。"), code=ErrorCode.QUERY_REQUIRED)
    upper = text.upper()
    vehicle = None
    if len(upper) == 17 and upper.isascii():
        vehicle = Vehicle.objects.filter(vin=upper).first()
    else:
        try:
            vehicle = Vehicle.objects.filter(plate=normalize_plate(text)).first()
        except ValidationError as exc:
            raise ApplicationError(exc.messages[0], code=ErrorCode.QUERY_INVALID) from None
    if vehicle is None:
        raise ApplicationError(
            _("车辆登记册中没有号牌或车辆识别代号为“%(q)s”的车辆。") % {"q": text}, code=ErrorCode.VEHICLE_NOT_FOUND,
        )
    return vehicle


@transaction.atomic
def onboarding_check_run(
    *, actor, query: str | None = None, vehicle: Vehicle | None = None, company: Organization | None = None,
    permit_kind: str = OperatingPermit.Kind.RIDE_HAILING, at: dt.datetime | None = None,
) -> OnboardingCheck:
    """Rule M9: check a vehicle's operating permit and insurance before a company accepts it; record the result.

    The vehicle is found by plate or VIN in the whole register (a company checks vehicles not yet in its ledger);
    the recorded check is visible to the checking company and the supervisors only.
    """
    rights.require(actor, "vehicles.add_onboardingcheck", _("只有出租汽车企业/平台可以进行上线核查。"))
    if actor.kind == OrganizationKind.TAXI_COMPANY:
        company = actor.organization
    if company is None or company.kind != OrganizationKind.TAXI_COMPANY:
        raise ApplicationError(_("上线核查须由出租汽车企业/平台进行。"), code=ErrorCode.COMPANY_REQUIRED)
    if vehicle is None:
        vehicle = vehicle_lookup(query or "")
    if vehicle.company_id not in (None, company.pk):
        raise PermissionDeniedError(_("该车辆已在其他企业的台账中。"), code=ErrorCode.OTHER_COMPANY)
    at = check_instant(at, field="at", label=_("时间"), ahead=PAST) or timezone.now()
    verification, reasons = cover("onboarding")(vehicle, permit_kind=permit_kind, at=at)  # registered by policies
    check = OnboardingCheck(
        vehicle=vehicle, company=company, checked_by=acting_user(actor), checked_at=at,
        query=(query or "").strip()[:40], reasons=reasons,
        passed=not [r for r in reasons if r.get("severity") != "warning"],  # rule M10: warnings do not refuse
        verification={**verification, "permit_kind": permit_kind},
    )
    check.full_clean()
    check.save()
    audit_record(actor=actor, action="onboarding.check", obj=check, organization=company,
                 detail={"vehicle": vehicle.pk, "passed": check.passed, "codes": [r["code"] for r in reasons]})
    return check


def onboarding_check_latest(*, vehicle: Vehicle, company: Organization) -> OnboardingCheck | None:
    return OnboardingCheck.objects.filter(vehicle=vehicle, company=company).order_by("-checked_at", "-id").first()


@transaction.atomic
def vehicle_set_online(*, actor, vehicle: Vehicle, online: bool = True, at: dt.datetime | None = None) -> Vehicle:
    """Put a vehicle online (or offline) in the company's ledger.

    Rule M9/M15: going online needs this company's latest onboarding check to have passed no more than
    ``ONBOARDING_CHECK_VALID_DAYS`` ago. A vehicle in no company's ledger is taken into the checking company's.
    """
    rights.require(actor, "vehicles.change_vehicle", _("您没有修改车辆台账的权限。"))
    vehicle = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
    at = check_instant(at, field="at", label=_("时间"), ahead=PAST) or timezone.now()
    if actor.kind == OrganizationKind.TAXI_COMPANY:
        company = actor.organization
    else:
        company = vehicle.company
    if company is None:
        raise ApplicationError(_("车辆不在任何企业的台账中。"), code=ErrorCode.NO_COMPANY)
    if vehicle.company_id not in (None, company.pk):
        raise PermissionDeniedError(_("该车辆属于其他企业的台账。"))
    if online:
        if vehicle.online and vehicle.company_id == company.pk:
            return vehicle
        check = onboarding_check_latest(vehicle=vehicle, company=company)
        max_age = dt.timedelta(days=conf.onboarding_check_valid_days())
        if check is None or not check.passed:
            raise ApplicationError(
                _("该车辆没有通过上线核查，不能上线（规则 M9）。请先进行上线核查。"), code=ErrorCode.ONBOARDING_NOT_PASSED,
                extra={"check": check.pk if check else None},
            )
        if check.checked_at < at - max_age:
            raise ApplicationError(
                _("最近一次通过的上线核查已超过 %(n)d 天，请重新核查后再上线（规则 M9）。") % {
                    "n": conf.onboarding_check_valid_days()},
                code=ErrorCode.ONBOARDING_STALE, extra={"check": check.pk},
            )
        changed = apply_changes(vehicle, {"company": company, "online": True, "online_since": at})
        vehicle.save(update_fields=[*changed, "updated_at"])
        audit_record(actor=actor, action="vehicle.online", obj=vehicle, organization=company,
                     detail={"check": check.pk})
    else:
        if not vehicle.online:
            return vehicle
        vehicle.online = False
        vehicle.online_since = None
        vehicle.save(update_fields=["online", "online_since", "updated_at"])
        audit_record(actor=actor, action="vehicle.offline", obj=vehicle, organization=company)
    return vehicle
