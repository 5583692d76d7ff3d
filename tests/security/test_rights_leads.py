"""The rights table in the leads app (issue "One table for who may do what"): every service takes its actor, asks
the table, and the platform's own jobs are audited by their names.

Each test calls the service directly — the page or API in front of it is bypassed — so the refusal is the
service's own.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.core.errors import PermissionDeniedError
from apps.core.models import AuditEvent
from apps.exchange.models import Batch
from apps.leads import ingest, risk, screening, services, tasks
from apps.leads.models import InsurerWorklistItem, LawfulListRun, Lead, LeadEvent, Penalty, RiskModelRun
from apps.parties.rights import SystemActor
from tests.helpers import deliver_pending
from tests.leads.factories import private_car


def _no_actor_calls(parties, car):
    lead = services.lead_flag(actor=parties.transport_user, plate=car.plate, evidence="火车站揽客")
    item_lead = Lead.objects.get(pk=lead.pk)
    return {
        "lead_flag": lambda: services.lead_flag(actor=None, plate=car.plate, evidence="火车站揽客"),
        "lead_flag_many": lambda: services.lead_flag_many(actor=None, rows=[{"plate": car.plate}]),
        "lead_report_by_company": lambda: services.lead_report_by_company(actor=None, plate=car.plate, evidence="x"),
        "lead_create_from_complaint": lambda: services.lead_create_from_complaint(
            actor=None, plate=car.plate, evidence="x", complaint_ref="12328-1"),
        "lead_push": lambda: services.lead_push(actor=None, leads=[item_lead]),
        "lead_check_start": lambda: services.lead_check_start(actor=None, lead=item_lead),
        "lead_check_record": lambda: services.lead_check_record(actor=None, lead=item_lead, outcome="confirmed",
                                                                result="r"),
        "lead_insurance_verify": lambda: services.lead_insurance_verify(actor=None, lead=item_lead),
        "lead_offline_check_request": lambda: services.lead_offline_check_request(actor=None, lead=item_lead,
                                                                                  note="x"),
        "lead_attach": lambda: services.lead_attach(actor=None, lead=item_lead, files=[]),
        "penalty_record": lambda: services.penalty_record(
            actor=None, decision_no="柳交执罚〔2026〕R1号", decided_on=timezone.localdate(), facts="擅自从事网约车经营",
            plate=car.plate),
        "risk_weights_update": lambda: services.risk_weights_update(actor=None, weights={}, threshold=50),
        "risk_model_run": lambda: risk.risk_model_run(actor=None),
        "lawful_list_push": lambda: screening.lawful_list_push(actor=None),
    }


@pytest.mark.parametrize("name", [
    "lead_flag", "lead_flag_many", "lead_report_by_company", "lead_create_from_complaint", "lead_push",
    "lead_check_start", "lead_check_record", "lead_insurance_verify", "lead_offline_check_request",
    "lead_attach", "penalty_record", "risk_weights_update", "risk_model_run",
    "lawful_list_push",
])
def test_a_service_called_without_an_actor_raises_type_error_and_writes_nothing(parties, name):
    car = private_car()
    call = _no_actor_calls(parties, car)[name]
    before = (Lead.objects.count(), LeadEvent.objects.count(), Penalty.objects.count(), Batch.objects.count(),
              RiskModelRun.objects.count(), LawfulListRun.objects.count(), AuditEvent.objects.count())

    with pytest.raises(TypeError):
        call()

    after = (Lead.objects.count(), LeadEvent.objects.count(), Penalty.objects.count(), Batch.objects.count(),
             RiskModelRun.objects.count(), LawfulListRun.objects.count(), AuditEvent.objects.count())
    assert after == before


def test_the_beat_tasks_act_as_named_system_jobs_for_their_party(parties):
    private_car()
    tasks.push_lawful_list()
    tasks.run_risk_model()

    push = AuditEvent.objects.get(action="leads.lawful_list_push")
    assert (push.actor, push.system_job, push.organization) == (None, "leads.push_lawful_list", parties.transport)
    run = AuditEvent.objects.get(action="risk_model.run")
    assert (run.actor, run.system_job, run.organization) == (None, "leads.run_risk_model", parties.ins_assoc)
    assert LawfulListRun.objects.get().pushed_by is None
    assert RiskModelRun.objects.get().run_by is None


def test_the_exchange_ingest_acts_for_the_recipient_and_is_audited_by_its_job_name(parties):
    car = private_car()
    lead = services.lead_flag(actor=parties.transport_user, plate=car.plate, evidence="火车站揽客", push=True)

    deliver_pending()

    received = AuditEvent.objects.get(action="lead.received", object_id=str(lead.pk))
    assert received.actor is None
    assert received.system_job == "exchange.ingest.leads"
    assert received.organization == parties.regulator
    trail = LeadEvent.objects.get(lead=lead, action="verified")
    assert trail.actor is None and trail.organization == parties.regulator
    # the person who flagged it is still the one named on the flagging
    assert AuditEvent.objects.get(action="lead.created", object_id=str(lead.pk)).actor == parties.transport_user


def test_a_push_refused_by_the_recipient_returns_to_the_sender_as_the_exchange_acting_for_it(parties):
    car = private_car()
    lead = services.lead_flag(actor=parties.transport_user, plate=car.plate, evidence="火车站揽客", push=True)
    batch = Batch.objects.get(kind="leads")
    batch.rejected_reason, batch.rejection_code = "测试拒收", "test"

    ingest.on_leads_rejected(batch)

    lead.refresh_from_db()
    assert lead.status == "new"
    event = AuditEvent.objects.get(action="lead.push_rejected", object_id=str(lead.pk))
    assert (event.actor, event.system_job) == (None, "exchange.rejected.leads")
    # a job acting for anyone else is not the sender
    with pytest.raises(PermissionDeniedError):
        services.lead_mark_push_rejected(actor=SystemActor("exchange.rejected.leads", organization=parties.regulator),
                                         batch=batch)


@pytest.mark.parametrize("role", ["ins_assoc", "regulator", "company_a", "taxi_assoc", "insurer_a"])
def test_only_transport_flags_even_when_the_page_is_bypassed(parties, role):
    car = private_car()
    with pytest.raises(PermissionDeniedError):
        services.lead_flag(actor=getattr(parties, f"{role}_user"), plate=car.plate, evidence="火车站揽客")
    with pytest.raises(PermissionDeniedError):
        services.lead_create_from_complaint(actor=getattr(parties, f"{role}_user"), plate=car.plate, evidence="x",
                                            complaint_ref="12328-2")
    assert not Lead.objects.exists()


@pytest.mark.parametrize("role", ["transport", "ins_assoc", "regulator", "taxi_assoc", "insurer_a"])
def test_only_a_company_reports_even_when_the_page_is_bypassed(parties, role):
    car = private_car()
    with pytest.raises(PermissionDeniedError):
        services.lead_report_by_company(actor=getattr(parties, f"{role}_user"), plate=car.plate, evidence="平台外接单")
    assert not Lead.objects.exists()


@pytest.mark.parametrize("role", ["regulator", "ins_assoc", "company_a", "taxi_assoc", "insurer_a"])
def test_only_transport_records_penalties_and_pushes_the_lawful_list(parties, role):
    car = private_car()
    user = getattr(parties, f"{role}_user")
    with pytest.raises(PermissionDeniedError):
        services.penalty_record(actor=user, decision_no="柳交执罚〔2026〕R2号", decided_on=timezone.localdate(),
                                facts="擅自从事网约车经营", plate=car.plate)
    with pytest.raises(PermissionDeniedError):
        screening.lawful_list_push(actor=user)
    assert not Penalty.objects.exists() and not LawfulListRun.objects.exists()


def test_a_system_job_holds_only_the_rights_of_the_party_it_acts_for(parties):
    # the scheduled push acting for nobody, or for the association, has no transport right
    for job in (SystemActor("leads.push_lawful_list"),
                SystemActor("leads.push_lawful_list", organization=parties.ins_assoc)):
        with pytest.raises(PermissionDeniedError):
            screening.lawful_list_push(actor=job)
    with pytest.raises(PermissionDeniedError):
        risk.risk_model_run(actor=SystemActor("leads.run_risk_model", organization=parties.transport))
    assert not LawfulListRun.objects.exists() and not RiskModelRun.objects.exists()


def test_a_worklist_is_answered_only_by_its_own_insurer(parties):
    from tests.leads.factories import policy

    car = private_car()
    policy(car, parties.insurer_a)
    services.lead_flag(actor=parties.transport_user, plate=car.plate, evidence="火车站揽客", push=True)
    deliver_pending()
    item = InsurerWorklistItem.objects.get(insurer=parties.insurer_a)
    for user in (parties.insurer_b_user, parties.regulator_user, parties.transport_user):
        with pytest.raises(PermissionDeniedError):
            services.worklist_item_answer(actor=user, item=item, answer=InsurerWorklistItem.Answer.values[0])
    item.refresh_from_db()
    assert item.state == InsurerWorklistItem.State.OPEN


def test_an_account_of_a_deactivated_organisation_flags_nothing(parties):
    car = private_car()
    parties.transport.is_active = False
    parties.transport.save(update_fields=["is_active"])
    user = type(parties.transport_user).objects.get(pk=parties.transport_user.pk)
    with pytest.raises(PermissionDeniedError):
        services.lead_flag(actor=user, plate=car.plate, evidence="火车站揽客")
    assert not Lead.objects.exists()


@pytest.mark.parametrize("role", ["regulator", "ins_assoc", "company_a", "taxi_assoc", "insurer_a"])
def test_m2_only_transport_defines_illegal_operation_even_when_the_page_is_bypassed(parties, role):
    """Rule M2: the offline check, the finding and the disposal are transport's; the table gives them to no one
    else, and the regulator's own rights (verify, request) do not reach them."""
    from apps.leads.models import Outcome, Status

    car = private_car()
    lead = services.lead_flag(actor=parties.transport_user, plate=car.plate, evidence="火车站揽客", push=True)
    deliver_pending()
    lead.refresh_from_db()
    user = getattr(parties, f"{role}_user")
    for call in (lambda: services.lead_check_start(actor=user, lead=lead),
                 lambda: services.lead_check_record(actor=user, lead=lead, outcome=Outcome.CONFIRMED, result="r"),
                 lambda: services.lead_dispose(actor=user, lead=lead)):
        with pytest.raises(PermissionDeniedError):
            call()
    lead.refresh_from_db()
    assert lead.status == Status.VERIFIED and lead.outcome == ""


@pytest.mark.parametrize("role", ["transport", "ins_assoc", "company_a", "insurer_a"])
def test_m2_m6_only_the_regulator_verifies_requests_and_reviews(parties, role):
    from tests.leads.factories import operating_car, permit, policy

    car = operating_car()
    permit(car)
    policy(car, parties.insurer_a, usage="family")
    lead = services.lead_flag(actor=parties.transport_user, plate=car.plate, evidence="火车站揽客", push=True)
    run = screening.lawful_list_push(actor=parties.transport_user)
    deliver_pending()
    lead.refresh_from_db()
    run.refresh_from_db()
    user = getattr(parties, f"{role}_user")
    for call in (lambda: services.lead_insurance_verify(actor=user, lead=lead),
                 lambda: services.lead_offline_check_request(actor=user, lead=lead, note="x"),
                 lambda: screening.screening_findings_review(actor=user, run=run, decision="confirmed",
                                                             finding_ids=run.findings.values_list("pk", flat=True)),
                 lambda: screening.screening_dispatch(actor=user, run=run, digest="")):
        with pytest.raises(PermissionDeniedError):
            call()
    assert not InsurerWorklistItem.objects.filter(screening_finding__isnull=False).exists()


def test_m8_only_the_association_confirms_a_risk_model_preview(parties):
    run = risk.risk_model_run(actor=parties.ins_assoc_user)
    digest = risk.risk_model_preview(run).digest
    for actor in (parties.transport_user, parties.regulator_user,
                  SystemActor("leads.run_risk_model", organization=parties.transport)):
        with pytest.raises(PermissionDeniedError):
            risk.risk_model_run_confirm(actor=actor, run=run, digest=digest)
    with pytest.raises(TypeError):
        risk.risk_model_run_confirm(actor=None, run=run, digest=digest)
    run.refresh_from_db()
    assert run.state == RiskModelRun.State.PREVIEW
