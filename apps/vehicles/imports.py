"""Import kinds of the vehicles app (vehicles, permits, drivers).

Vehicles are applied set-based, a chunk at a time, by ``services.vehicles_bulk_upsert`` (same rules as
``vehicle_upsert``; ``tests/imports`` checks both reach the same state), and their rows are independent, so a big
file is shared between worker processes (``ImportKind.parallel``). Permits and drivers go row by row through
their services.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy, gettext_noop

from apps.core.notifications import Text
from apps.imports.registry import ImportKind, register_import_kind
from apps.parties.models import OrganizationKind

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
    if user.kind == K.TAXI_COMPANY and company is not None and company.pk != user.organization_id:
        raise ValidationError({"company": ValidationError(Text(gettext_noop(
            "只能导入本企业台账的车辆或驾驶员，不能填写其他企业“%(name)s”。"), name=company.name))})


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
            raise ValidationError({"owner_id_no": exc.error_list}) from None


def register() -> None:
    register_import_kind(ImportKind(
        key="vehicles", label=gettext_lazy("车辆"), spec="apps.vehicles.rows.VEHICLE_ROWS",
        perm="vehicles.add_vehicle",
        list_url="vehicles:list", precheck=_vehicle_precheck, natural_keys=_vehicle_keys,
        bulk="apps.vehicles.services.vehicles_bulk_upsert", parallel=True,
        help=gettext_lazy("以车辆识别代号（VIN）为准：已有车辆更新所填写的项目，空白单元格保持不变。"),
    ))
    register_import_kind(ImportKind(
        key="permits", label=gettext_lazy("运输证"), spec="apps.vehicles.rows.PERMIT_ROWS",
        perm="vehicles.add_operatingpermit",
        list_url="vehicles:permits", natural_keys=_permit_keys,
        help=gettext_lazy("以运输证号为准；车辆须已在车辆登记册中。"),
    ))
    register_import_kind(ImportKind(
        key="drivers", label=gettext_lazy("驾驶员"), spec="apps.vehicles.rows.DRIVER_ROWS",
        perm="vehicles.add_driver",
        list_url="vehicles:drivers", precheck=_company_precheck, natural_keys=_driver_keys,
        help=gettext_lazy("以身份证号码为准；打码的个人信息（含 *）视为未填写，不会覆盖原值。"),
    ))
