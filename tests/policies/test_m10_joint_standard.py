"""Rule M10: the coverage standard is published jointly (one association proposes, the other approves), it is a
reference — a gap is a warning on onboarding and in verification — except 交强险, which the law requires."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from apps.policies.models import CoverageStandard
from apps.policies.services import (
    coverage_standard_decide,
    coverage_standard_in_force,
    coverage_standard_propose,
)
from apps.policies.verification import verify_vehicle
from apps.vehicles.services import onboarding_check_run
from apps.vehicles.usage import UsageNature
from tests.policies.factories import CoverageFactory, PolicyFactory
from tests.vehicles.factories import PermitFactory, VehicleFactory

LINES = [{"policy_kind": "compulsory"}, {"policy_kind": "third_party", "min_limit": Decimal("1000000")}]


def _propose(actor, **over):
    kwargs = {"actor": actor, "name": "2026 版", "effective_from": timezone.localdate(), "requirements": LINES}
    kwargs.update(over)
    return coverage_standard_propose(**kwargs)


def test_m10_migrations_put_no_invented_standard_in_force(db):
    assert not CoverageStandard.objects.filter(name="默认保障标准（系统初始版本）",
                                               status=CoverageStandard.Status.IN_FORCE).exists()
    assert coverage_standard_in_force(timezone.localdate()) is None


def test_m10_proposal_is_not_in_force_until_the_other_association_approves(parties):
    proposal = _propose(parties.ins_assoc_user)
    assert proposal.status == CoverageStandard.Status.PROPOSED
    assert coverage_standard_in_force(timezone.localdate()) is None
    with pytest.raises(PermissionDeniedError):  # the proposer cannot approve its own proposal
        coverage_standard_decide(actor=parties.ins_assoc_user, standard=proposal, approve=True)
    for user in (parties.insurer_a_user, parties.regulator_user, parties.transport_user, parties.company_a_user):
        with pytest.raises(PermissionDeniedError):
            coverage_standard_decide(actor=user, standard=proposal, approve=True)
    assert coverage_standard_in_force(timezone.localdate()) is None
    approved = coverage_standard_decide(actor=parties.taxi_assoc_user, standard=proposal, approve=True)
    assert approved.status == CoverageStandard.Status.IN_FORCE and approved.decided_by_org == parties.taxi_assoc
    assert coverage_standard_in_force(timezone.localdate()) == approved
    with pytest.raises(ConflictError):  # decided once
        coverage_standard_decide(actor=parties.taxi_assoc_user, standard=proposal, approve=False, reason="再议")


def test_m10_rejection_needs_a_reason_and_keeps_it_out_of_force(parties):
    proposal = _propose(parties.taxi_assoc_user)
    with pytest.raises(ValidationError) as exc:
        coverage_standard_decide(actor=parties.ins_assoc_user, standard=proposal, approve=False, reason=" ")
    assert "reason" in exc.value.message_dict
    rejected = coverage_standard_decide(actor=parties.ins_assoc_user, standard=proposal, approve=False,
                                        reason="第三者责任险限额需再论证")
    assert rejected.status == CoverageStandard.Status.REJECTED and rejected.decision_reason
    assert coverage_standard_in_force(timezone.localdate()) is None


def test_m10_basis_is_bounded(parties):
    with pytest.raises(ApplicationError) as exc:
        _propose(parties.ins_assoc_user, basis="依据" * 3000)
    assert exc.value.code == "text_too_long"
    assert not CoverageStandard.objects.exists()


def test_m10_page_decision_by_the_other_association(parties, client):
    proposal = _propose(parties.ins_assoc_user)
    client.force_login(parties.taxi_assoc_user)
    response = client.post(reverse("policies:standard-decide", args=[proposal.pk]), {"approve": "1"})
    assert response.status_code == 302
    assert CoverageStandard.objects.get(pk=proposal.pk).status == CoverageStandard.Status.IN_FORCE


def _operating_vehicle(parties, *, compulsory=True, third_party=Decimal("500000")):
    vehicle = VehicleFactory(usage_nature=UsageNature.RIDE_HAILING, seats=5)
    PermitFactory(vehicle=vehicle, kind="ride_hailing", valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2030, 1, 1))
    now = timezone.now()
    period = {"starts_at": now - dt.timedelta(days=30), "ends_at": now + dt.timedelta(days=300)}
    if compulsory:
        c = PolicyFactory(vehicle=vehicle, insurer=parties.insurer_a, kind="compulsory", **period)
        CoverageFactory(policy=c, kind="compulsory", limit=Decimal("200000"))
    tp = PolicyFactory(vehicle=vehicle, insurer=parties.insurer_a, kind="third_party", **period)
    CoverageFactory(policy=tp, kind="third_party", limit=third_party)
    return vehicle


def test_m10_gap_is_a_warning_on_onboarding_and_in_verification(parties):
    coverage_standard_decide(actor=parties.taxi_assoc_user, standard=_propose(parties.ins_assoc_user), approve=True)
    vehicle = _operating_vehicle(parties)  # third party 50万 < 100万
    gaps = verify_vehicle(vehicle, timezone.now()).coverage_gaps
    assert [(g.kind, g.severity) for g in gaps] == [("third_party", "warning")]
    check = onboarding_check_run(actor=parties.company_a_user, vehicle=vehicle)
    assert check.passed, check.reasons
    assert [(r["code"], r.get("severity")) for r in check.reasons] == [("coverage_gap", "warning")]


def test_m10_missing_compulsory_is_a_legal_refusal_with_or_without_a_standard(parties):
    vehicle = _operating_vehicle(parties, compulsory=False, third_party=Decimal("1000000"))
    check = onboarding_check_run(actor=parties.company_a_user, vehicle=vehicle)  # no standard in force
    assert not check.passed and "no_compulsory" in [r["code"] for r in check.reasons]
    coverage_standard_decide(actor=parties.taxi_assoc_user, standard=_propose(parties.ins_assoc_user), approve=True)
    gaps = verify_vehicle(vehicle, timezone.now()).coverage_gaps
    assert [(g.kind, g.severity) for g in gaps] == [("compulsory", "legal")]
    check = onboarding_check_run(actor=parties.company_a_user, vehicle=vehicle)
    assert not check.passed and [r["code"] for r in check.reasons] == ["no_compulsory"]
