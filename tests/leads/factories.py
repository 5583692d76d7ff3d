"""Factories and helpers of the leads tests: vehicles, permits and policies around "now"."""

import datetime as dt

from django.utils import timezone

from apps.policies.models import Policy, PolicyKind
from apps.vehicles.usage import UsageNature
from tests.policies.factories import PolicyFactory
from tests.vehicles.factories import PermitFactory, VehicleFactory


def policy(vehicle, insurer, *, usage=UsageNature.RIDE_HAILING, kind=PolicyKind.COMPULSORY, days_ago=30,
           days_left=300, **kwargs) -> Policy:
    now = timezone.now()
    return PolicyFactory(vehicle=vehicle, insurer=insurer, usage_nature_insured=usage, kind=kind,
                         starts_at=now - dt.timedelta(days=days_ago), ends_at=now + dt.timedelta(days=days_left),
                         **kwargs)


def permit(vehicle, *, valid_from=None, valid_to=None, **kwargs):
    today = timezone.localdate()
    return PermitFactory(vehicle=vehicle, valid_from=valid_from or today - dt.timedelta(days=100),
                         valid_to=valid_to or today + dt.timedelta(days=700), **kwargs)


def private_car(**kwargs):
    """A private car (registered as 非营运 family use)."""
    return VehicleFactory(usage_nature=UsageNature.FAMILY, **kwargs)


def operating_car(**kwargs):
    return VehicleFactory(usage_nature=UsageNature.RIDE_HAILING, **kwargs)
