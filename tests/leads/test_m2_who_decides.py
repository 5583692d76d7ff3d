"""Rule M2 (who decides): only the transport bureau defines (界定) illegal operation. The regulator records its
insurance verification of a lead and may request transport's offline check, with a clock; only transport's
finding reaches insurers as a consequence push. Rule M4: the two-way verification stays (M5 and M8 leads)."""

import datetime as dt

import pytest
from django.utils import timezone

from apps.core.deadlines import deadline_for
from apps.core.errors import PermissionDeniedError
from apps.core.models import Deadline
from apps.exchange import services as exchange
from apps.exchange.models import Batch
from apps.exchange.services import batch_send
from apps.leads import services
from apps.leads.models import Finding, InsurerWorklistItem, Lead, Outcome, Status
from apps.vehicles.usage import UsageNature

from .factories import policy, private_car


def _verified(parties, deliver, usage=UsageNature.FAMILY):
    car = private_car()
    pol = policy(car, parties.insurer_a, usage=usage)
    lead = services.lead_flag(actor=parties.transport_user, plate=car.plate, evidence="火车站揽客", push=True)
    deliver()
    lead.refresh_from_db()
    assert lead.status == Status.VERIFIED and lead.recipient == parties.regulator
    return lead, pol


def _consequences():
    from apps.rescissions.models import RescissionCase

    return (Batch.objects.filter(kind="check_results").count(),
            InsurerWorklistItem.objects.filter(kind=InsurerWorklistItem.Kind.CONFIRMATION).count(),
            RescissionCase.objects.count())


@pytest.mark.parametrize("channel", ["service", "page", "api"])
def test_m2_regulator_cannot_confirm_illegal_operation(parties, deliver, client, api, channel):
    lead, _pol = _verified(parties, deliver)
    regulator = parties.regulator_user
    if channel == "service":
        with pytest.raises(PermissionDeniedError):
            services.lead_check_start(actor=regulator, lead=lead)
        services.lead_offline_check_request(actor=regulator, lead=lead, note="请核查")
        with pytest.raises(PermissionDeniedError):
            services.lead_check_record(actor=regulator, lead=lead, outcome=Outcome.CONFIRMED, result="确认载客")
    elif channel == "page":
        client.force_login(regulator)
        page = client.get(f"/leads/{lead.pk}/").content.decode()
        assert 'data-testid="check-form"' not in page and 'value="confirmed"' not in page
        assert "确认非法营运" not in page
        client.post(f"/leads/{lead.pk}/check-start/")
        client.post(f"/leads/{lead.pk}/request-check/", {"note": "请核查"})
        response = client.post(f"/leads/{lead.pk}/check/", {"outcome": "confirmed", "result": "确认载客"}, follow=True)
        assert "只有交通运输部门可以界定非法营运" in response.content.decode()
    else:
        regulator_api = api.as_user(regulator)
        assert regulator_api.post(f"/api/v1/leads/{lead.pk}/check-start/").status_code == 403
        assert regulator_api.post(f"/api/v1/leads/{lead.pk}/request-check/", {"note": "请核查"},
                                  format="json").status_code == 200
        refused = regulator_api.post(f"/api/v1/leads/{lead.pk}/check/", {"outcome": "confirmed", "result": "确认载客"},
                                     format="json")
        assert refused.status_code == 403
    lead.refresh_from_db()
    assert lead.status == Status.OFFLINE_CHECK and lead.outcome == "" and lead.defined_by is None
    assert _consequences() == (0, 0, 0)
    # the lawful outcomes are transport's, and named as such
    assert {str(label) for label in Outcome.labels} == {"交通运输部门界定为非法营运", "交通运输部门排除"}


def test_m2_regulator_records_its_insurance_verification(parties, deliver):
    lead, pol = _verified(parties, deliver)
    lead = services.lead_insurance_verify(actor=parties.regulator_user, lead=lead, note="已向承保公司核实")
    assert lead.status == Status.VERIFIED  # a verification moves nothing towards a finding of illegality
    assert lead.finding == Finding.INSURED_AS_NON_OPERATING and lead.verified_by == parties.regulator_user
    assert [p["number"] for p in lead.finding_detail["policies"]] == [pol.number]
    assert lead.events.filter(action="insurance_verified").count() == 1
    with pytest.raises(PermissionDeniedError):
        services.lead_insurance_verify(actor=parties.transport_user, lead=lead)
    assert _consequences() == (0, 0, 0)


def test_m2_m4_offline_check_request_is_seen_by_transport_and_has_a_clock(parties, deliver, client, settings):
    settings.LEAD_OFFLINE_CHECK_DAYS = 10
    lead, _pol = _verified(parties, deliver)
    before = timezone.now()
    services.lead_offline_check_request(actor=parties.regulator_user, lead=lead, note="请核查是否通过平台接单")
    lead.refresh_from_db()
    assert lead.status == Status.OFFLINE_CHECK and lead.check_requested_by == parties.regulator_user
    clock = deadline_for(rule=services.OFFLINE_CHECK_RULE, subject=lead)
    assert clock.responsible == parties.transport and clock.unit == Deadline.Unit.NATURAL_DAYS and clock.amount == 10
    assert clock.due_at >= before + dt.timedelta(days=10) and clock.met_at is None
    # transport sees the request in its inbox
    client.force_login(parties.transport_user)
    assert f'data-lead="{lead.pk}"' in client.get("/leads/").content.decode()
    assert "请核查是否通过平台接单" in client.get(f"/leads/{lead.pk}/").content.decode()
    # a request needs its subject, and only the regulator asks
    other, _p = _verified(parties, deliver)
    with pytest.raises(Exception, match="请填写请求核查的事项"):
        services.lead_offline_check_request(actor=parties.regulator_user, lead=other, note=" ")
    with pytest.raises(PermissionDeniedError):
        services.lead_offline_check_request(actor=parties.ins_assoc_user, lead=other, note="x")
    # transport's answer meets the clock
    services.lead_check_record(actor=parties.transport_user, lead=lead, outcome=Outcome.DISMISSED, result="现场核查",
                               reason="家庭出行")
    clock.refresh_from_db()
    assert clock.met_at is not None and clock.breached_at is None


def test_m2_offline_check_clock_defaults_to_15_natural_days(parties, deliver):
    lead, _pol = _verified(parties, deliver)
    services.lead_offline_check_request(actor=parties.regulator_user, lead=lead, note="请核查")
    assert deadline_for(rule=services.OFFLINE_CHECK_RULE, subject=lead).amount == 15


def test_m2_transports_finding_is_the_only_trigger_of_consequence_pushes(parties, deliver):
    lead, pol = _verified(parties, deliver)
    # the regulator's verification and request push nothing to insurers beyond the M8 worklist
    services.lead_insurance_verify(actor=parties.regulator_user, lead=lead)
    services.lead_offline_check_request(actor=parties.regulator_user, lead=lead, note="请核查")
    deliver()
    assert _consequences() == (0, 0, 0)
    # a check result on a lead transport did not define is refused at the insurer, whoever sends it
    Lead.objects.filter(pk=lead.pk).update(outcome=Outcome.CONFIRMED, status=Status.CONFIRMED,
                                           defined_by=parties.regulator, checked_at=timezone.now())
    forged = batch_send(kind="check_results", sender=parties.regulator, recipient=parties.insurer_a, rows=[{
        "row_key": f"confirmation:{lead.pk}:policy:{pol.pk}", "lead_id": lead.pk, "ref": lead.reference,
        "plate": lead.plate, "policy_id": pol.pk, "insurer_id": parties.insurer_a.pk, "check_result": "确认"}],
        refs=[lead.reference], actor=parties.regulator_user)
    assert exchange.batch_deliver(batch_id=forged.pk) != "delivered"
    assert _consequences()[1:] == (0, 0)
    Lead.objects.filter(pk=lead.pk).update(outcome="", status=Status.OFFLINE_CHECK, defined_by=None, checked_at=None)
    # transport's finding (with its penalty) goes transport → regulator → insurer, and only then
    lead.refresh_from_db()
    services.lead_check_record(actor=parties.transport_user, lead=lead, outcome=Outcome.CONFIRMED,
                               result="约谈车主，承认载客")
    deliver()
    copy = Batch.objects.get(kind="check_results", recipient=parties.regulator)
    relayed = Batch.objects.get(kind="check_results", recipient=parties.insurer_a, state=Batch.State.DELIVERED)
    assert copy.sender == parties.transport and relayed.sender == parties.regulator
    item = InsurerWorklistItem.objects.get(kind=InsurerWorklistItem.Kind.CONFIRMATION, policy=pol)
    assert parties.transport.name in item.summary and "界定为非法营运" in item.summary
    lead.refresh_from_db()
    assert lead.defined_by == parties.transport and lead.status == Status.DISPOSED


def test_m4_two_way_verification_stays(parties, deliver):
    """M5: transport → regulator leads are verified and dispatched to insurers; M8: insurance-side leads go to
    transport, which checks and defines them itself."""
    lead, pol = _verified(parties, deliver)
    assert InsurerWorklistItem.objects.filter(lead=lead, kind=InsurerWorklistItem.Kind.LEAD, policy=pol).exists()
    car = private_car()
    report = services.lead_report_by_company(actor=parties.company_a_user, plate=car.plate, evidence="平台外接单")
    services.lead_push(actor=parties.ins_assoc_user, leads=[report])
    deliver()
    report.refresh_from_db()
    assert report.recipient == parties.transport and report.status == Status.VERIFIED
    services.lead_check_start(actor=parties.transport_user, lead=report)
    services.lead_check_record(actor=parties.transport_user, lead=report, outcome=Outcome.DISMISSED, result="路检",
                               reason="无载客")
    report.refresh_from_db()
    assert report.defined_by == parties.transport and report.status == Status.DISMISSED
