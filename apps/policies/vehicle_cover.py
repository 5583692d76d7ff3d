"""What vehicles reads of a vehicle's insurance (``apps.vehicles.cover``), registered in ``PoliciesConfig.ready()``:
vehicles sits below policies in the layers and does not import it (issue 18)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef

from apps.vehicles.cover import VEHICLE_COVER

from .models import Policy, PolicyKind
from .selectors import verification_for_user
from .verification import verify_vehicle


def insured_by(user, vehicle_ref: str = "pk") -> Exists:
    """The user's insurer holds a policy on the vehicle at ``vehicle_ref``."""
    return Exists(Policy.objects.filter(vehicle_id=OuterRef(vehicle_ref), insurer_id=user.organization_id))


def verification(user, vehicle, at: dt.datetime) -> dict:
    """How ``vehicle`` is insured at ``at``, as ``user`` may see it (rules M6, M10, J7)."""
    return verification_for_user(user, vehicle, verify_vehicle(vehicle, at))


def policy_kind_label(kind) -> str | None:
    return str(PolicyKind(kind).label) if kind in PolicyKind.values else None


def register() -> None:
    VEHICLE_COVER.register("insured_by", insured_by)
    VEHICLE_COVER.register("verification", verification)
    VEHICLE_COVER.register("policy_kind_label", policy_kind_label)
