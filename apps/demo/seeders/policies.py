"""Demo coverage standard (``manage.py seed_demo``): proposed by the insurance association and approved by the taxi
association (rule M10, joint publication), named and flagged as demo data — not a standard of the associations."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from apps.parties.models import Organization, OrganizationKind
from apps.parties.rights import SystemActor
from apps.policies.models import CoverageStandard
from apps.policies.services import coverage_standard_decide, coverage_standard_propose

DEMO_NAME = "演示用保障标准（仅供演示，非两协会正式发布）"


def seed_demo_standard(stdout) -> None:
    if CoverageStandard.objects.filter(name=DEMO_NAME).exists():
        return
    insurance = Organization.objects.filter(kind=OrganizationKind.INSURANCE_ASSOCIATION).order_by("pk").first()
    taxi = Organization.objects.filter(kind=OrganizationKind.TAXI_ASSOCIATION).order_by("pk").first()
    if insurance is None or taxi is None:
        return
    standard = coverage_standard_propose(
        actor=SystemActor("policies.seed_demo", organization=insurance), name=DEMO_NAME,
        effective_from=timezone.localdate(), is_demo=True,
        basis="演示数据：交强险为法定必须投保；其余限额为演示取值，不是两协会的正式标准（规则 M10）。",
        requirements=[
            {"policy_kind": "compulsory"},
            {"policy_kind": "third_party", "min_limit": Decimal("1000000")},
            {"policy_kind": "carrier_liability", "min_per_seat_limit": Decimal("400000")},
        ],
    )
    coverage_standard_decide(actor=SystemActor("policies.seed_demo", organization=taxi), standard=standard,
                             approve=True, reason="演示数据：审核通过。")
    stdout.write(f"保障标准（演示）：{standard.name}\n")
