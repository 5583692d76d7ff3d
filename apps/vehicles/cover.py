"""What vehicle pages and checks read of a vehicle's insurance, filled by ``apps.policies`` in its ``ready()``.

Policies sits above vehicles in the layers (``.importlinter``): vehicles never imports it, it asks this registry
(issue 18). The entries, each registered by ``apps.policies.vehicle_cover``:

- ``"insured_by"``: ``(user, vehicle_ref) -> Exists`` — the user's insurer holds a policy on the vehicle at
  ``vehicle_ref`` (the insurer's audience of vehicle rows);
- ``"verification"``: ``(user, vehicle, at) -> dict`` — how the vehicle is insured at ``at``, as ``user`` may see
  it (rules M6, M10, J7);
- ``"policy_kind_label"``: ``(kind) -> str | None`` — the label of a policy kind, None for an unknown one;
- ``"onboarding"``: ``(vehicle, *, permit_kind, at) -> (verification dict, reasons)`` — rule M9's onboarding check
  (``apps.policies.onboarding``);
- ``"worklist_rows"``: ``(*, company, at=None, include_warnings=True) -> WorklistRows`` — the company worklist a
  page at a time (rule M9, ``apps.policies.onboarding.WorklistRows``).
"""

from __future__ import annotations

from collections.abc import Callable

from apps.core.registry import Registry

VEHICLE_COVER: Registry[Callable] = Registry("vehicle cover")


def cover(name: str) -> Callable:
    """The function registered as ``name`` (an ``UnknownEntry`` error when policies did not register it)."""
    return VEHICLE_COVER[name]
