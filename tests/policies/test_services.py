"""Policy and standard services: insurers write only their own (PermissionDeniedError), audit, standard versions."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.core.errors import ConflictError, PermissionDeniedError
from apps.core.models import AuditEvent
from apps.parties.rights import SystemActor
from apps.policies.models import CoverageStandard, Policy
from apps.policies.services import (
    coverage_standard_decide,
    coverage_standard_in_force,
    coverage_standard_propose,
    policies_expire,
    policy_cancel,
    policy_create,
    policy_rescind,
    policy_update,
)
from tests.policies.factories import PolicyFactory, joint_standard, shanghai
from tests.vehicles.factories import VehicleFactory


def _create(actor, **over):
    kwargs = {"number": "P-1", "kind": "compulsory", "vehicle": VehicleFactory(), "usage_nature_insured": "预约出租客运",
              "starts_at": shanghai(2026, 5, 1), "ends_at": shanghai(2027, 5, 1), "premium": Decimal("950")}
    kwargs.update(over)
    return policy_create(actor=actor, **kwargs)


def test_insurer_creates_own_policy_audited(parties):
    policy = _create(parties.insurer_a_user, coverages=[{"kind": "compulsory", "limit": "200000"}])
    assert policy.insurer == parties.insurer_a and policy.usage_nature_insured == "ride_hailing"
    event = AuditEvent.objects.get(action="policy.create", object_id=str(policy.pk))
    assert event.organization == parties.insurer_a and event.detail["coverages"] == ["compulsory"]


def test_insurer_may_not_write_another_insurers_policy(parties):
    with pytest.raises(PermissionDeniedError):
        _create(parties.insurer_a_user, insurer=parties.insurer_b)
    other = PolicyFactory(insurer=parties.insurer_b)
    with pytest.raises(PermissionDeniedError):
        policy_update(actor=parties.insurer_a_user, policy=other, premium=Decimal("1"))
    with pytest.raises(PermissionDeniedError):
        policy_rescind(actor=parties.insurer_a_user, policy=other, case_ref=None, at=timezone.now())
    for user in (parties.regulator_user, parties.company_a_user, parties.transport_user):
        with pytest.raises(PermissionDeniedError):
            _create(user)
    assert Policy.objects.get(pk=other.pk).premium == Decimal("950.00")


def test_update_without_change_records_nothing(parties):
    policy = _create(parties.insurer_a_user)
    events = AuditEvent.objects.count()
    policy_update(actor=parties.insurer_a_user, policy=policy, premium=Decimal("950.00"), usage_nature_insured="预约出租客运")
    assert AuditEvent.objects.count() == events
    policy_update(actor=parties.insurer_a_user, policy=policy, premium=Decimal("990.00"))
    assert AuditEvent.objects.count() == events + 1
    assert Policy.objects.get(pk=policy.pk).premium == Decimal("990.00")
    # a usage change is an endorsement (rule J8), never a generic edit
    with pytest.raises(ValidationError) as exc:
        policy_update(actor=parties.insurer_a_user, policy=policy, usage_nature_insured="家庭自用")
    assert "usage_nature_insured" in exc.value.message_dict
    assert Policy.objects.get(pk=policy.pk).usage_nature_insured == "ride_hailing"


def test_bad_period_and_unknown_usage_refused(parties):
    with pytest.raises(ValidationError):
        _create(parties.insurer_a_user, ends_at=shanghai(2026, 4, 1))
    with pytest.raises(ValidationError):
        _create(parties.insurer_a_user, usage_nature_insured="随便")
    with pytest.raises(ValidationError):
        _create(parties.insurer_a_user, starts_at=dt.datetime(2026, 5, 1))  # naive  # noqa: DTZ001
    assert not Policy.objects.exists()


def test_j7_cancel_and_rescind_set_dates_and_status(parties):
    vehicle = VehicleFactory()
    _create(parties.insurer_a_user, number="P-0", vehicle=vehicle, starts_at=shanghai(2026, 4, 1),
            ends_at=shanghai(2027, 4, 1))
    policy = _create(parties.insurer_a_user, vehicle=vehicle)
    policy_cancel(actor=parties.insurer_a_user, policy=policy, at=shanghai(2026, 6, 1), ground="double_insured",
                  evidence="两份交强险保单（J7）")
    policy.refresh_from_db()
    assert policy.status == Policy.Status.CANCELLED and policy.cancelled_at == shanghai(2026, 6, 1)
    assert not policy.in_force_at(shanghai(2026, 6, 2)) and policy.in_force_at(shanghai(2026, 5, 31))
    with pytest.raises(PermissionDeniedError):  # rule J5: only through a rescission case's decision
        policy_rescind(actor=parties.insurer_a_user, policy=policy, case_ref=None, at=timezone.now())


def test_policies_expire_marks_status(parties):
    old = PolicyFactory(insurer=parties.insurer_a, starts_at=shanghai(2024, 1, 1), ends_at=shanghai(2025, 1, 1))
    current = PolicyFactory(insurer=parties.insurer_a, ends_at=timezone.now() + dt.timedelta(days=30))
    assert policies_expire(actor=SystemActor("policies.expire")) == 1
    assert Policy.objects.get(pk=old.pk).status == Policy.Status.EXPIRED
    assert Policy.objects.get(pk=current.pk).status == Policy.Status.ACTIVE


def test_m10_standard_versions_by_effective_date(parties):
    today = timezone.localdate()
    default = joint_standard(name="默认保障标准（测试）", proposer=parties.ins_assoc, approver=parties.taxi_assoc)
    assert coverage_standard_in_force(today) == default
    assert {r.policy_kind: r.min_limit for r in default.requirements.all()}["third_party"] == Decimal("1000000.00")
    new = coverage_standard_propose(
        actor=parties.ins_assoc_user, name="新版", effective_from=today + dt.timedelta(days=10),
        requirements=[{"policy_kind": "compulsory"}, {"policy_kind": "carrier_liability", "min_per_seat_limit": 400000,
                                                      "alternative_kinds": ["seat"]}],
    )
    assert coverage_standard_in_force(today + dt.timedelta(days=10)) == default  # only proposed
    coverage_standard_decide(actor=parties.taxi_assoc_user, standard=new, approve=True)
    default.refresh_from_db()
    assert default.effective_to == today + dt.timedelta(days=9)
    assert coverage_standard_in_force(today) == default
    assert coverage_standard_in_force(today + dt.timedelta(days=10)) == new
    assert AuditEvent.objects.filter(action="coverage_standard.propose", object_id=str(new.pk)).exists()
    assert AuditEvent.objects.filter(action="coverage_standard.approve", object_id=str(new.pk)).exists()
    # an overlapping closed version is refused at approval, and nothing is half-written
    overlap = coverage_standard_propose(actor=parties.taxi_assoc_user, name="重叠",
                                        effective_from=today + dt.timedelta(days=5),
                                        effective_to=today + dt.timedelta(days=20),
                                        requirements=[{"policy_kind": "compulsory"}])
    with pytest.raises(ConflictError):
        coverage_standard_decide(actor=parties.ins_assoc_user, standard=overlap, approve=True)
    assert CoverageStandard.objects.get(pk=overlap.pk).status == CoverageStandard.Status.PROPOSED
    default.refresh_from_db()
    assert default.effective_to == today + dt.timedelta(days=9)
    with pytest.raises(PermissionDeniedError):
        coverage_standard_propose(actor=parties.insurer_a_user, name="x", effective_from=today,
                                  requirements=[{"policy_kind": "compulsory"}])
    with pytest.raises(ValidationError):
        coverage_standard_propose(actor=parties.ins_assoc_user, name="追溯", effective_from=today - dt.timedelta(days=1),
                                  requirements=[{"policy_kind": "compulsory"}])
