"""The lead lifecycle of DESIGN.md (new → pushed → verifying → verified → offline_check → confirmed | dismissed →
disposed), its append-only trail, and the refusals of illegal transitions (rules M4, M5). Rule M2: the offline
check, the finding and the disposal are transport's."""

import datetime as dt

import pytest
from django.db import IntegrityError, InternalError, ProgrammingError, transaction
from django.utils import timezone

from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from apps.core.models import AuditEvent
from apps.exchange.models import Batch
from apps.leads import ingest, services
from apps.leads.models import Disposal, Finding, Lead, LeadEvent, Outcome, Status
from apps.policies.models import PolicyKind
from apps.vehicles.usage import UsageNature

from .factories import operating_car, permit, policy, private_car


def _verified_lead(parties, deliver, vehicle=None):
    vehicle = vehicle or private_car()
    lead = services.lead_flag(actor=parties.transport_user, plate=vehicle.plate, evidence="火车站揽客", push=True)
    deliver()
    lead.refresh_from_db()
    assert lead.status == Status.VERIFIED
    return lead


def test_flag_creates_a_new_lead_with_its_trail_and_audit(parties):
    car = private_car()
    lead = services.lead_flag(actor=parties.transport_user, plate=car.plate.lower().replace("桂", "桂"),
                              evidence="执法发现载客")
    assert lead.status == Status.NEW
    assert lead.vehicle == car
    assert lead.origin == parties.transport and lead.sender == parties.transport and lead.recipient is None
    assert list(lead.events.values_list("action", "to_status")) == [("created", Status.NEW)]
    assert AuditEvent.objects.filter(action="lead.created", object_id=str(lead.pk)).exists()


def test_flag_refuses_a_bad_plate_and_creates_nothing(parties):
    with pytest.raises(ApplicationError) as exc:
        services.lead_flag(actor=parties.transport_user, plate="桂B-12345", evidence="x")
    assert "符号" in exc.value.message
    assert not Lead.objects.exists()


def test_m5_only_transport_flags(parties):
    car = private_car()
    for user in (parties.insurer_a_user, parties.regulator_user, parties.company_a_user):
        with pytest.raises(PermissionDeniedError):
            services.lead_flag(actor=user, plate=car.plate, evidence="x")


def test_m5_push_sends_the_selected_leads_as_one_batch_to_the_regulator(parties):
    cars = [private_car() for _ in range(3)]
    leads = [services.lead_flag(actor=parties.transport_user, plate=c.plate, evidence="e") for c in cars]
    batch = services.lead_push(actor=parties.transport_user, leads=leads)
    assert Batch.objects.filter(kind="leads").count() == 1
    assert batch.recipient == parties.regulator and batch.sender == parties.transport
    assert batch.row_count == 3
    assert sorted(batch.refs) == sorted(lead.reference for lead in leads)
    for lead in leads:
        lead.refresh_from_db()
        assert lead.status == Status.PUSHED and lead.push_batch_id == batch.pk and lead.recipient == parties.regulator


def test_receipt_verifies_insurance_and_records_the_finding(parties, deliver):
    car = private_car()
    policy(car, parties.insurer_a, usage=UsageNature.FAMILY)
    lead = _verified_lead(parties, deliver, car)
    batch = Batch.objects.get(kind="leads")
    assert lead.finding == Finding.INSURED_AS_NON_OPERATING
    assert lead.received_at == batch.receipt_at == lead.verified_at
    assert lead.finding_detail["finding"] == Finding.INSURED_AS_NON_OPERATING
    assert [e.action for e in lead.events.order_by("at", "id")] == ["created", "pushed", "received", "verified",
                                                                   "worklist_dispatched"]
    assert lead.reference in batch.receipt["case_refs"]


@pytest.mark.parametrize(("setup", "expected"), [
    ("none", Finding.UNINSURED),
    ("operating", Finding.INSURED_AS_OPERATING),
    ("big", Finding.NOT_IN_SCOPE),
])
def test_findings_come_from_the_verification_service(parties, deliver, setup, expected):
    car = operating_car(seats=9 if setup == "big" else 5)
    if setup in ("operating", "big"):
        policy(car, parties.insurer_a, usage=UsageNature.RIDE_HAILING)
    assert _verified_lead(parties, deliver, car).finding == expected


def test_a_plate_unknown_to_the_platform_is_found_uninsured(parties, deliver):
    lead = services.lead_flag(actor=parties.transport_user, plate="桂B9Z999", evidence="e", push=True)
    assert lead.vehicle is None
    deliver()
    lead.refresh_from_db()
    assert lead.status == Status.VERIFIED and lead.finding == Finding.UNINSURED
    assert lead.finding_detail["in_register"] is False


def test_illegal_transitions_are_refused_and_change_nothing(parties, deliver):
    car = private_car()
    lead = services.lead_flag(actor=parties.transport_user, plate=car.plate, evidence="e")
    transport = parties.transport_user
    with pytest.raises(ConflictError):
        services.lead_check_start(actor=transport, lead=lead)  # new: not received yet
    services.lead_push(actor=parties.transport_user, leads=[lead])
    with pytest.raises(ConflictError):
        services.lead_push(actor=parties.transport_user, leads=[lead])  # pushed twice
    with pytest.raises(ConflictError):
        services.lead_check_start(actor=transport, lead=lead)  # pushed: not verified yet
    deliver()
    lead.refresh_from_db()
    with pytest.raises(ConflictError):
        services.lead_check_record(actor=transport, lead=lead, outcome=Outcome.CONFIRMED, result="r")  # verified
    with pytest.raises(ConflictError):
        services.lead_dispose(actor=transport, lead=lead)
    events_before = lead.events.count()
    lead.refresh_from_db()
    assert lead.status == Status.VERIFIED
    assert lead.events.count() == events_before


def test_only_transport_checks_and_disposes(parties, deliver):
    lead = _verified_lead(parties, deliver)
    for user in (parties.regulator_user, parties.ins_assoc_user, parties.insurer_a_user):
        with pytest.raises(PermissionDeniedError):
            services.lead_check_start(actor=user, lead=lead)
    services.lead_check_start(actor=parties.transport_user, lead=lead)
    with pytest.raises(PermissionDeniedError):
        services.lead_check_record(actor=parties.regulator_user, lead=lead, outcome=Outcome.DISMISSED, result="r",
                                   reason="x")


def test_dismissal_needs_a_reason_then_closes_the_loop(parties, deliver):
    lead = _verified_lead(parties, deliver)
    transport = parties.transport_user
    services.lead_check_start(actor=transport, lead=lead)
    with pytest.raises(ApplicationError):
        services.lead_check_record(actor=transport, lead=lead, outcome=Outcome.DISMISSED, result="查无")
    lead.refresh_from_db()
    assert lead.status == Status.OFFLINE_CHECK
    services.lead_check_record(actor=transport, lead=lead, outcome=Outcome.DISMISSED, result="现场核查",
                               reason="车主为家庭出行，无载客证据")
    lead.refresh_from_db()
    assert lead.status == Status.DISMISSED and lead.outcome == Outcome.DISMISSED
    assert lead.checked_by == transport and lead.checked_at is not None and lead.defined_by == parties.transport
    services.lead_dispose(actor=transport, lead=lead)
    lead.refresh_from_db()
    assert lead.status == Status.DISPOSED and lead.disposals == [Disposal.DISMISSED]
    with pytest.raises(ConflictError):
        services.lead_dispose(actor=transport, lead=lead)


def test_check_time_cannot_be_in_the_future(parties, deliver):
    lead = _verified_lead(parties, deliver)
    services.lead_check_start(actor=parties.transport_user, lead=lead)
    with pytest.raises(ApplicationError):
        services.lead_check_record(actor=parties.transport_user, lead=lead, outcome=Outcome.CONFIRMED, result="r",
                                   checked_at=timezone.now() + dt.timedelta(days=1))


def test_the_trail_is_append_only_in_the_database(parties):
    car = private_car()
    lead = services.lead_flag(actor=parties.transport_user, plate=car.plate, evidence="e")
    event = lead.events.get()
    for statement in (lambda: LeadEvent.objects.filter(pk=event.pk).update(note="rewritten"),
                      lambda: LeadEvent.objects.filter(pk=event.pk).delete()):
        with pytest.raises((InternalError, ProgrammingError, IntegrityError)), transaction.atomic():
            statement()
    assert LeadEvent.objects.get(pk=event.pk).note == ""


def test_a_redelivered_leads_batch_is_ingested_once(parties, deliver):
    """Idempotent ingestion: the exchange refuses the duplicate, and the handler itself changes nothing twice."""
    from apps.exchange import services as exchange

    car = private_car()
    policy(car, parties.insurer_a, usage=UsageNature.FAMILY)
    lead = services.lead_flag(actor=parties.transport_user, plate=car.plate, evidence="e", push=True)
    batch = Batch.objects.get(kind="leads")
    assert exchange.batch_deliver(batch_id=batch.pk) == "delivered"
    assert exchange.batch_deliver(batch_id=batch.pk) == "duplicate"
    events = LeadEvent.objects.filter(lead=lead).count()
    worklist_batches = Batch.objects.filter(kind="worklist").count()
    # The handler called again with the same rows (as a replay would) finds the lead already received.
    batch.refresh_from_db()
    rows = [services.lead_row(Lead.objects.get(pk=lead.pk))]
    with transaction.atomic():
        refs = ingest.ingest_leads(batch, rows, timezone.now())
    assert refs == [lead.reference]
    assert LeadEvent.objects.filter(lead=lead).count() == events
    assert Batch.objects.filter(kind="worklist").count() == worklist_batches == 1
    lead.refresh_from_db()
    assert lead.received_at == batch.receipt_at


def test_m12_defined_non_operating_lead_opens_rescission_at_the_insurers_receipt(parties, deliver):
    """Transport defines illegal operation on its own lead (rule M2): its finding is copied to the regulator, which
    relays it to the insurer; the insurer's receipt starts the 30-day clock."""
    from apps.credit.models import CreditRecord
    from apps.rescissions.models import RescissionCase

    car = private_car()
    non_op = policy(car, parties.insurer_a, usage=UsageNature.FAMILY, kind=PolicyKind.THIRD_PARTY)
    operating = policy(car, parties.insurer_b, usage=UsageNature.RIDE_HAILING)
    lead = _verified_lead(parties, deliver, car)
    services.lead_check_start(actor=parties.transport_user, lead=lead)
    services.lead_check_record(actor=parties.transport_user, lead=lead, outcome=Outcome.CONFIRMED,
                               result="约谈车主，承认通过网约平台接单载客")
    lead.refresh_from_db()
    assert lead.status == Status.DISPOSED
    assert set(lead.disposals) == {Disposal.RESCISSION, Disposal.CREDIT_RECORD}
    # rule M2: the lead is proposed for the vehicle's credit file; the insurance association decides
    assert not CreditRecord.objects.filter(vehicle=car).exists()
    from apps.credit.models import CreditProposal
    from apps.credit.services import credit_proposal_decide

    proposal = CreditProposal.objects.get(vehicle=car, status="pending")
    assert proposal.source == lead
    credit_proposal_decide(actor=parties.ins_assoc_user, proposal=proposal, accept=True, reason="界定结论明确")
    assert CreditRecord.objects.get(vehicle=car).proposal == proposal
    assert not RescissionCase.objects.exists()  # not yet: the insurer has not received it
    deliver()
    copy = Batch.objects.get(kind="check_results", recipient=parties.regulator)
    results = Batch.objects.get(kind="check_results", recipient=parties.insurer_a)
    assert copy.sender == parties.transport
    assert results.sender == parties.regulator and results.recipient == parties.insurer_a
    case = RescissionCase.objects.get()
    assert case.policy == non_op and case.trigger == "lead_confirmed" and case.trigger_ref == lead.reference
    assert case.known_at == results.receipt_at
    assert case.number in results.receipt["case_refs"]
    assert not RescissionCase.objects.filter(policy=operating).exists()
    assert "insurer_notified" in set(lead.events.values_list("action", flat=True))


def test_m12_transport_confirmation_is_copied_to_the_regulator_and_relayed(parties, deliver):
    """An insurance → transport lead confirmed by transport: transport → regulator → insurer; known_at is the
    insurer's receipt, not the regulator's."""
    from apps.rescissions.models import RescissionCase

    car = private_car()
    non_op = policy(car, parties.insurer_b, usage=UsageNature.FAMILY)
    lead = services.lead_report_by_company(actor=parties.company_a_user, plate=car.plate, evidence="平台发现刷单接客")
    assert lead.sender == parties.ins_assoc and lead.status == Status.NEW
    services.lead_push(actor=parties.ins_assoc_user, leads=[lead])
    deliver()
    lead.refresh_from_db()
    assert lead.recipient == parties.transport and lead.status == Status.VERIFIED
    assert not Batch.objects.filter(kind="worklist").exists()  # insurance → transport: no insurer worklist
    services.lead_check_start(actor=parties.transport_user, lead=lead)
    services.lead_check_record(actor=parties.transport_user, lead=lead, outcome=Outcome.CONFIRMED, result="路检查获")
    deliver()
    to_regulator = Batch.objects.get(kind="check_results", recipient=parties.regulator)
    to_insurer = Batch.objects.get(kind="check_results", recipient=parties.insurer_b)
    assert to_regulator.sender == parties.transport and to_insurer.sender == parties.regulator
    case = RescissionCase.objects.get(policy=non_op)
    assert case.known_at == to_insurer.receipt_at != to_regulator.receipt_at


def test_confirmed_lead_on_operating_insurance_waits_for_a_manual_disposal(parties, deliver):
    car = operating_car()
    policy(car, parties.insurer_a, usage=UsageNature.RIDE_HAILING)
    lead = _verified_lead(parties, deliver, car)
    services.lead_check_start(actor=parties.transport_user, lead=lead)
    services.lead_check_record(actor=parties.transport_user, lead=lead, outcome=Outcome.CONFIRMED, result="r")
    lead.refresh_from_db()
    assert lead.status == Status.CONFIRMED
    services.lead_dispose(actor=parties.transport_user, lead=lead, credit_record=True, note="记入信用档案")
    lead.refresh_from_db()
    assert lead.status == Status.DISPOSED and lead.disposals == [Disposal.CREDIT_RECORD]
    assert not Batch.objects.filter(kind="check_results").exists()


def test_confirmed_lead_needs_at_least_one_disposal(parties, deliver):
    lead = _verified_lead(parties, deliver, operating_car())
    services.lead_check_start(actor=parties.transport_user, lead=lead)
    services.lead_check_record(actor=parties.transport_user, lead=lead, outcome=Outcome.CONFIRMED, result="r")
    with pytest.raises(ApplicationError):
        services.lead_dispose(actor=parties.transport_user, lead=lead, credit_record=False)
    lead.refresh_from_db()
    assert lead.status == Status.CONFIRMED


def test_lead_from_a_12328_complaint_in_one_action(parties, deliver):
    car = private_car()
    permit(car)
    lead = services.lead_create_from_complaint(actor=parties.transport_user, plate=car.plate, evidence="",
                                               complaint_ref="12328-2026-000123", push=True)
    assert lead.source == "complaint" and lead.external_ref == "12328-2026-000123"
    assert "12328-2026-000123" in lead.evidence
    deliver()
    lead.refresh_from_db()
    assert lead.status == Status.VERIFIED
