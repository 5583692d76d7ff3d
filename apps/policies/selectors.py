"""Reads for the policies app beyond a ``.get``."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.parties import access
from apps.parties.models import OrganizationKind
from apps.vehicles.models import Vehicle

from .models import CoverageStandard, Policy
from .services import coverage_standard_in_force  # noqa: F401  (re-exported: a read)


def policies_in_force(*, at: dt.datetime | None = None, queryset: QuerySet | None = None) -> QuerySet:
    at = at or timezone.now()
    qs = queryset if queryset is not None else Policy.objects.all()
    return qs.filter(Policy.in_force_q(at))


def standards_for_user(user) -> QuerySet:
    return access.visible(user, CoverageStandard.objects.prefetch_related("requirements"))


def verification_for_user(user, vehicle: Vehicle, result) -> dict:
    """The verification result as the user may see it.

    Supervisors and the vehicle's own company see every policy. Anyone else who can see the vehicle (an insurer
    holding a policy on it) sees its own policies in full and other insurers' policies without number or insurer
    — enough to know the vehicle is already covered (rule J7, M11), nothing about a competitor's book.
    """
    data = result.as_dict()
    full = (user.is_superuser or access.is_supervisor(user)
            or (user.kind == OrganizationKind.TAXI_COMPANY and vehicle.company_id == user.organization_id))
    if not full:
        own = user.organization_id
        redacted = []
        for p in data["policies"]:
            if p["insurer_id"] != own:
                p = {**p, "id": None, "number": "", "insurer_id": None, "insurer_name": _("其他保险公司")}
            redacted.append(p)
        data["policies"] = redacted
        own_ids = {p.id for p in result.policies if p.insurer_id == own}
        data["double_compulsory_to_cancel"] = [i for i in data["double_compulsory_to_cancel"] if i in own_ids]
    data["vehicle"] = {"id": vehicle.pk, "plate": vehicle.plate, "vin": vehicle.vin}
    return data
