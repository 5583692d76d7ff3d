"""Import kinds of the vehicles app (vehicles, permits, drivers) and the set-based vehicle importer.

``vehicles_bulk_upsert`` applies a chunk of vehicle rows with the same rules as ``services.vehicle_upsert``
(it reuses the service's normalisation, permission and ledger helpers) but in a handful of statements per chunk
instead of several per row: existing vehicles and plate holders are read in one query each, new vehicles are
inserted with COPY (``apps.core.imports.copy_insert``: the fields' own ``pre_save``/``get_db_prep_save``, so encryption
and blind indexes are exactly the model's) and changed ones written with ``bulk_update``. Audit: one event per chunk naming the
job and every vehicle created or updated (with the changed field names), plus the per-vehicle VIN-override event
the service records. ``tests/imports`` checks it reaches the same state as the per-row service.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.audit import audit_record
from apps.core.crypto import BlindIndexField
from apps.core.errors import ApplicationError
from apps.core.imports import ImportKind, copy_insert, register_kind
from apps.parties.models import OrganizationKind

from .models import Vehicle

K = OrganizationKind


def _vehicle_keys(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {"vin": kwargs.get("vin"), "plate": kwargs.get("plate") or None}


def _permit_keys(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {"number": kwargs.get("number")}


def _driver_keys(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {"id_no": (kwargs.get("id_no") or "").upper() or None}


def _company_precheck(user, kwargs: dict[str, Any]) -> None:
    """A taxi company imports into its own ledger only (the services refuse it too; the preview says so)."""
    company = kwargs.get("company")
    if user is not None and user.kind == K.TAXI_COMPANY and company is not None and company.pk != user.organization_id:
        raise ValidationError({"company": _("只能导入本企业台账的车辆或驾驶员，不能填写其他企业“%(name)s”。") % {
            "name": company.name}})


def _vehicle_precheck(user, kwargs: dict[str, Any]) -> None:
    """The preview reports what the service would refuse in a cell: the ledger, and the owner's ID number (resident
    ID or unified social credit code, validated by the service's own function)."""
    from .services import normalize_owner_id

    _company_precheck(user, kwargs)
    owner_id = kwargs.get("owner_id_no")
    if owner_id:
        try:
            normalize_owner_id(owner_id)
        except ValidationError as exc:
            raise ValidationError({"owner_id_no": exc.messages}) from None


def register() -> None:
    register_kind(ImportKind(
        key="vehicles", label=gettext_lazy("车辆"), spec="apps.vehicles.rows.VEHICLE_ROWS",
        perm="vehicles.add_vehicle", org_kinds=frozenset({K.TRANSPORT, K.TAXI_COMPANY}),
        list_url="vehicles:list", precheck=_vehicle_precheck, natural_keys=_vehicle_keys,
        bulk="apps.vehicles.imports.vehicles_bulk_upsert", parallel=True,
        help=gettext_lazy("以车辆识别代号（VIN）为准：已有车辆更新所填写的项目，空白单元格保持不变。"),
    ))
    register_kind(ImportKind(
        key="permits", label=gettext_lazy("运输证"), spec="apps.vehicles.rows.PERMIT_ROWS",
        perm="vehicles.add_operatingpermit", org_kinds=frozenset({K.TRANSPORT}),
        list_url="vehicles:permits", natural_keys=_permit_keys,
        help=gettext_lazy("以运输证号为准；车辆须已在车辆登记册中。"),
    ))
    register_kind(ImportKind(
        key="drivers", label=gettext_lazy("驾驶员"), spec="apps.vehicles.rows.DRIVER_ROWS",
        perm="vehicles.add_driver", org_kinds=frozenset({K.TAXI_COMPANY}),
        list_url="vehicles:drivers", precheck=_company_precheck, natural_keys=_driver_keys,
        help=gettext_lazy("以身份证号码为准；打码的个人信息（含 *）视为未填写，不会覆盖原值。"),
    ))


# --- the set-based vehicle importer ------------------------------------------------------------------------------


def _refusal(exc: Exception) -> ValidationError:
    from .rows import VEHICLE_ROWS

    if isinstance(exc, ValidationError):
        return VEHICLE_ROWS._by_header(exc)
    return ValidationError({NON_FIELD_ERRORS: [exc.message if isinstance(exc, ApplicationError) else str(exc)]})


_BLIND_INDEXES = [f for f in Vehicle._meta.concrete_fields if isinstance(f, BlindIndexField)]
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


def vehicles_bulk_upsert(*, actor, job, rows: list[tuple[int, dict[str, Any]]]) -> list:
    """Apply a chunk of parsed vehicle rows (``VEHICLE_ROWS.parse`` output) like ``vehicle_upsert`` row by row.

    Returns, in row order, ``(vehicle, outcome)`` or the ``ValidationError`` (by header) that refused the row.
    Runs inside the caller's transaction (the importer's chunk transaction).
    """
    from .services import (
        UpsertOutcome,
        _company_for_write,
        _may_write_vehicle,
        _vehicle_values,
        apply_changes,
        require_perm,
    )

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
    existing = {v.vin: v for v in Vehicle.objects.select_for_update().filter(vin__in=vins)}
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
                raise ValidationError({"plate": _("号牌“%(plate)s”已登记在车辆识别代号为 %(vin)s 的车辆上，请核对。") % {
                    "plate": plate, "vin": holder}})
            current = existing.get(vin)
            if current is None:
                if extra["seats"] is None:
                    raise ValidationError({"seats": _("新车辆须填写核定载客人数。")})
                require_perm(actor, "vehicles.add_vehicle", _("您没有登记车辆的权限。"))
                vehicle = _new_vehicle(values, _company_for_write(actor, company))
                vehicle.created_at = vehicle.updated_at = now
                _clean_given(vehicle, values)
                to_create.append((index, vehicle, warnings))
            else:
                require_perm(actor, "vehicles.change_vehicle", _("您没有修改车辆信息的权限。"))
                _may_write_vehicle(actor, current)
                changes = {k: v for k, v in values.items() if k not in ("vin", "vin_override")}
                if "vin_override" in values and current.vin_override != values["vin_override"]:
                    changes["vin_override"] = values["vin_override"]
                if company is not None:
                    changes["company"] = _company_for_write(actor, company)
                changed = apply_changes(current, changes)
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
