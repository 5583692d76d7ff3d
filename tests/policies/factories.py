"""Factories for policies and coverages (direct model rows)."""

import datetime as dt
from decimal import Decimal

import factory

from apps.core.deadlines import SHANGHAI
from apps.parties.models import OrganizationKind
from apps.policies.models import Coverage, Policy, PolicyKind
from apps.vehicles.usage import UsageNature
from tests.factories import OrganizationFactory
from tests.vehicles.factories import VehicleFactory


def shanghai(y, m, d, hh=0, mm=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


class PolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Policy

    insurer = factory.SubFactory(OrganizationFactory, kind=OrganizationKind.INSURER)
    number = factory.Sequence(lambda n: f"PDZA2026450200{n:08d}")
    kind = PolicyKind.COMPULSORY
    vehicle = factory.SubFactory(VehicleFactory)
    usage_nature_insured = UsageNature.RIDE_HAILING
    policyholder_name = "张三"
    starts_at = shanghai(2026, 5, 1)
    ends_at = shanghai(2027, 5, 1)
    premium = Decimal("950.00")
    status = Policy.Status.ACTIVE


class CoverageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Coverage

    policy = factory.SubFactory(PolicyFactory)
    kind = "third_party"
    limit = Decimal("1000000.00")
