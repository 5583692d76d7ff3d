"""Sanctions and self-discipline (rules M15, M17): who may issue what, follow-up clock, credit record, suspension
blocking new ride-hailing policies."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.core.errors import ApplicationError, PermissionDeniedError
from apps.core.models import Deadline, Notification
from apps.credit.models import CreditProposal, CreditRecord, SupervisoryAction
from apps.credit.selectors import credit_level
from apps.credit.services import (
    credit_proposal_decide,
    is_ride_hailing_policy,
    supervisory_action_close,
    supervisory_action_issue,
)
from apps.parties import access
from apps.policies.models import Policy
from apps.policies.services import policy_create
from apps.vehicles.models import OperatingPermit

from .factories import make_vehicle

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def _suspend(parties, **kw):
    return supervisory_action_issue(
        actor=parties.regulator_user, target=parties.insurer_a, kind="business_suspension",
        ground="invented_claim_conditions", facts="多次违规设置理赔条件，情节严重。", starts_on=TODAY(),
        reference_no="柳金监罚〔2026〕1号", **kw)


def _policy(parties, user, vehicle, usage="ride_hailing", number="P-1"):
    now = timezone.now()
    return policy_create(actor=user, number=number, kind="compulsory", vehicle=vehicle, usage_nature_insured=usage,
                         starts_at=now, ends_at=now + dt.timedelta(days=365), premium=Decimal("950.00"))


def _accept(action, user):
    """The association that keeps the target's file accepts the measure's proposal (rule M2)."""
    proposal = CreditProposal.objects.get(source_object_id=str(action.pk), record_source="supervisory_action")
    return credit_proposal_decide(actor=user, proposal=proposal, accept=True, reason="措施事实清楚，记入信用档案")


def test_m15_regulator_orders_rectification_with_clock_credit_and_notice(parties):
    action = supervisory_action_issue(
        actor=parties.regulator_user, target=parties.insurer_b, kind="rectification_order",
        ground="unlawful_refusal", facts="对网约车违规拒保。", starts_on=TODAY())
    deadline = Deadline.objects.get(rule="supervisory_action.followup", object_id=str(action.pk))
    assert deadline.responsible == parties.regulator and deadline.amount == 30
    # rule M2: the regulator's measure is proposed; the insurance association enters it
    assert action.credit_record is None and not CreditRecord.objects.exists()
    _accept(action, parties.ins_assoc_user)
    action.refresh_from_db()
    assert action.credit_record.organization == parties.insurer_b
    assert action.credit_record.event == "rectification_order"
    assert Notification.objects.filter(user=parties.insurer_b_user, kind="supervisory_action.issued").exists()
    supervisory_action_close(actor=parties.regulator_user, action=action, result="已完成整改并报送整改报告。")
    action.refresh_from_db()
    deadline.refresh_from_db()
    assert action.status == "closed" and action.result.startswith("已完成")
    assert deadline.status == Deadline.Status.MET


@pytest.mark.parametrize(("who", "kind", "target", "ground"), [
    ("transport_user", "rectification_order", "insurer_a", "unlawful_refusal"),  # transport does not sanction insurers
    ("transport_user", "penalty", "company_a", "uninsured_vehicle_online"),  # uninsured online → regulator (M15)
    ("regulator_user", "penalty", "company_a", "unpermitted_vehicle_online"),  # no permit online → transport (M15)
    ("taxi_assoc_user", "business_suspension", "insurer_a", "other"),
    ("insurer_a_user", "rectification_order", "insurer_b", "other"),
    ("company_a_user", "self_discipline", "company_b", "other"),
])
def test_m15_division_of_labour_refuses_the_wrong_issuer(parties, who, kind, target, ground):
    with pytest.raises((PermissionDeniedError, ApplicationError)):
        supervisory_action_issue(actor=getattr(parties, who), target=getattr(parties, target), kind=kind,
                                 ground=ground, facts="x", starts_on=TODAY())
    assert not SupervisoryAction.objects.exists() and not CreditRecord.objects.exists()


def test_m15_company_sanctions_by_the_right_authority(parties):
    by_regulator = supervisory_action_issue(
        actor=parties.regulator_user, target=parties.company_a, kind="penalty", ground="uninsured_vehicle_online",
        facts="允许未投保车辆上线运营。", starts_on=TODAY())
    by_transport = supervisory_action_issue(
        actor=parties.transport_user, target=parties.company_a, kind="penalty", ground="unpermitted_vehicle_online",
        facts="允许无网约车运输证车辆上线运营。", starts_on=TODAY())
    assert by_regulator.issued_by == parties.regulator and by_transport.issued_by == parties.transport
    assert CreditProposal.objects.filter(organization=parties.company_a, event="penalty", status="pending").count() == 2
    for action in (by_regulator, by_transport):
        _accept(action, parties.taxi_assoc_user)  # the taxi association keeps companies' files (rule M2)
    assert CreditRecord.objects.filter(organization=parties.company_a, event="penalty").count() == 2


def test_m17_self_discipline_reported_to_both_regulators(parties):
    action = supervisory_action_issue(
        actor=parties.taxi_assoc_user, target=parties.company_b, kind="self_discipline", ground="ledger_failure",
        facts="驾驶员台账不全，通报批评。", starts_on=TODAY())
    assert action.reported_at is not None
    for user in (parties.transport_user, parties.regulator_user):
        assert Notification.objects.filter(user=user, kind="supervisory_action.reported").exists()
    # the taxi association sees actions against companies; a company sees only its own
    assert access.visible(parties.taxi_assoc_user, SupervisoryAction).filter(pk=action.pk).exists()
    assert access.visible(parties.company_b_user, SupervisoryAction).filter(pk=action.pk).exists()
    assert not access.visible(parties.company_a_user, SupervisoryAction).exists()
    assert not access.visible(parties.insurer_a_user, SupervisoryAction).exists()


def test_only_issuer_closes_and_result_required(parties):
    action = _suspend(parties)
    with pytest.raises(PermissionDeniedError):
        supervisory_action_close(actor=parties.insurer_a_user, action=action, result="x")
    with pytest.raises(ApplicationError):
        supervisory_action_close(actor=parties.regulator_user, action=action, result=" ")
    action.refresh_from_db()
    assert action.status == "open"


def test_m15_suspension_blocks_ride_hailing_policy_service(parties):
    vehicle = make_vehicle(company=parties.company_a)
    _suspend(parties)
    with pytest.raises(ApplicationError) as info:
        _policy(parties, parties.insurer_a_user, vehicle)
    assert info.value.code == "ride_hailing_business_suspended"
    assert "暂停" in info.value.message
    assert not Policy.objects.exists()
    # other insurers, and non-ride-hailing business of the suspended insurer, are not affected
    assert _policy(parties, parties.insurer_b_user, vehicle, number="P-2").insurer == parties.insurer_b
    assert _policy(parties, parties.insurer_a_user, make_vehicle(), usage="family", number="P-3")


def test_m15_closing_the_suspension_lifts_the_block(parties):
    vehicle = make_vehicle(company=parties.company_a)
    action = _suspend(parties)
    supervisory_action_close(actor=parties.regulator_user, action=action, result="整改到位，解除暂停。")
    assert _policy(parties, parties.insurer_a_user, vehicle).pk


def test_ride_hailing_definition_includes_operating_policy_on_permitted_vehicle(parties):
    vehicle = make_vehicle(company=parties.company_a)
    now = timezone.now()
    assert not is_ride_hailing_policy(vehicle=vehicle, usage_nature_insured="operating", starts_at=now)
    OperatingPermit.objects.create(vehicle=vehicle, number="桂柳网约 0001", kind="ride_hailing",
                                   valid_from=TODAY() - dt.timedelta(days=30), valid_to=TODAY() + dt.timedelta(days=300))
    assert is_ride_hailing_policy(vehicle=vehicle, usage_nature_insured="operating", starts_at=now)
    assert not is_ride_hailing_policy(vehicle=vehicle, usage_nature_insured="family", starts_at=now)
    assert is_ride_hailing_policy(vehicle=None, usage_nature_insured="ride_hailing", starts_at=now)


def test_credit_level_from_points_and_severe_record(parties):
    order = supervisory_action_issue(actor=parties.regulator_user, target=parties.insurer_b,
                                     kind="rectification_order", ground="unlawful_refusal", facts="x",
                                     starts_on=TODAY())
    _accept(order, parties.ins_assoc_user)
    level = credit_level(CreditRecord.objects.filter(organization=parties.insurer_b))
    assert (level.level, level.points) == ("B", 3)
    _accept(_suspend(parties), parties.ins_assoc_user)
    level = credit_level(CreditRecord.objects.filter(organization=parties.insurer_a))
    assert level.level == "D"  # one severe record in force → worst level


def test_demo_seeder_is_idempotent(parties):
    import io

    from apps.demo.seeders.credit import seed_demo_credit
    from tests.factories import user_of

    for name, org in (("regulator", "regulator"), ("taxi_assoc", "taxi_assoc"), ("ins_assoc", "ins_assoc"),
                      ("pingan", "insurer_b"), ("changxing", "company_b")):
        user_of(getattr(parties, org).kind, organization=getattr(parties, org), username=name)
    seed_demo_credit(io.StringIO())
    seed_demo_credit(io.StringIO())
    assert SupervisoryAction.objects.count() == 2
    assert CreditRecord.objects.count() == 3
    assert SupervisoryAction.objects.get(kind="self_discipline").reported_at is not None


def test_m15_action_page_names_its_credit_record_by_subject_and_event_not_by_id(parties, client):
    action = supervisory_action_issue(
        actor=parties.regulator_user, target=parties.insurer_b, kind="rectification_order",
        ground="unlawful_refusal", facts="对网约车违规拒保。", starts_on=TODAY())
    _accept(action, parties.ins_assoc_user)
    action.refresh_from_db()
    client.force_login(parties.regulator_user)
    html = client.get(f"/credit/actions/{action.pk}/").content.decode()
    record = action.credit_record
    assert f"#{record.pk}" not in html
    assert f"{record.subject_label} · {record.event_label} · {record.occurred_on:%Y-%m-%d}" in html
