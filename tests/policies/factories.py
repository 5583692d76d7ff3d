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


def joint_standard(*, name: str = "测试保障标准（两协会联合发布）", effective_from=None, effective_to=None,
                   third_party=Decimal("1000000"), carrier_per_seat=Decimal("400000"), proposer=None, approver=None):
    """A coverage standard in force (rule M10: proposed by one association, approved by the other) — 交强险,
    第三者责任险 ≥ ``third_party``, 承运人责任险 per seat ≥ ``carrier_per_seat``; direct rows for test setup."""
    from apps.policies.models import CoverageRequirement, CoverageStandard

    standard = CoverageStandard.objects.create(
        name=name, effective_from=effective_from or dt.date(2026, 4, 30), effective_to=effective_to,
        status=CoverageStandard.Status.IN_FORCE, published_by=proposer, decided_by_org=approver,
    )
    CoverageRequirement.objects.create(standard=standard, policy_kind="compulsory", min_limit=Decimal("0"))
    CoverageRequirement.objects.create(standard=standard, policy_kind="third_party", min_limit=third_party)
    CoverageRequirement.objects.create(standard=standard, policy_kind="carrier_liability", min_limit=Decimal("0"),
                                       min_per_seat_limit=carrier_per_seat)
    return standard
