"""Reads of ride-hailing data, scoped by the access module, and their shape in the interfaces' field names."""

from __future__ import annotations

from apps.core.crypto import mask_id_no, mask_name, mask_phone
from apps.core.notifications import shown
from apps.parties import access

from .interfaces import FIELDS
from .models import Delivery, Feed, Interface, OperatingRecord
from .services import MODELS

_MASKS = {"legal_name": mask_name, "owner_name": mask_name, "driver_name": mask_name, "legal_id": mask_id_no,
          "license_id": mask_id_no, "legal_phone": mask_phone, "driver_phone": mask_phone}


def _personal_fields(interface: str) -> dict[str, str]:
    """interface field name → model field, for the personal fields of ``interface``."""
    return {name: spec.personal for name, spec in FIELDS[interface].items() if spec.personal}


def current_records(user, interface: str, *, include_deleted: bool = False, company_code: str = ""):
    qs = access.visible(user, MODELS[interface]).filter(is_current=True).select_related("company")
    if not include_deleted:
        qs = qs.filter(deleted=False)
    if company_code:
        qs = qs.filter(company__company_id=company_code)
    return qs.order_by("company__company_id", "record_key")


def versions_of(user, interface: str, record):
    """Every version of the record of ``record`` (current first, then by UpdateTime descending)."""
    return (access.visible(user, MODELS[interface]).filter(company_id=record.company_id, record_key=record.record_key)
            .order_by("-is_current", "-update_time", "-id"))


def as_interface(interface: str, version) -> dict:
    """A stored version in the interface's field names, personal fields masked."""
    out = dict(version.data)
    for name, column in _personal_fields(interface).items():
        value = getattr(version, column)
        if value:
            out[name] = _MASKS[column](value)
    return out


def operating_records(user, interface: str, day, *, vehicle_no: str = ""):
    qs = access.visible(user, OperatingRecord).filter(interface=interface, day=day)
    if vehicle_no:
        qs = qs.filter(vehicle_no=vehicle_no)
    return qs.order_by("event_time", "id")


def as_interface_operating(row: OperatingRecord) -> dict:
    out = dict(row.data)
    if row.license_id:
        out["LicenseId"] = mask_id_no(row.license_id)
    return out


def errors_shown(errors: list[dict]) -> list[dict]:
    """A stored record's errors with their messages in the reader's language (``field``, ``code``, ``message``)."""
    out = []
    for e in errors or []:
        text = shown(e.get("message", ""), e.get("msg"))
        if e.get("msg") and e.get("field"):
            text = f"{e['field']}: {text}"
        out.append({"field": e.get("field", ""), "code": e.get("code", ""), "message": text})
    return out


def feeds_for(user):
    return access.visible(user, Feed).select_related("organization")


def deliveries_for(user):
    return access.visible(user, Delivery).select_related("feed", "feed__organization")


INTERFACE_NAMES = tuple(Interface.values)
