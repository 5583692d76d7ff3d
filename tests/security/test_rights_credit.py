"""The rights table in the credit app, and the credit-file lookups as existence oracles.

The record form (``_find_subject`` in ``apps/credit/views.py``), the measure form and the API look subjects up
through ``apps.parties.access``: a vehicle, driver or organisation outside the user's audience gets exactly the
answer of one that does not exist, and nothing is written.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from apps.core.errors import PermissionDeniedError
from apps.core.models import AuditEvent
from apps.credit import services
from apps.credit.models import CreditRecord, SupervisoryAction
from apps.parties.rights import SystemActor
from tests.credit.factories import make_driver, make_vehicle

DAY = dt.date(2026, 6, 1)


def _record_form(**subject):
    return {"event": "other", "severity": "minor", "occurred_on": "2026-06-02", "detail": "抽查发现违规。", **subject}


def _form_errors(response) -> str:
    assert response.status_code == 200  # the form again, with its error
    return str(response.context["form"].errors)


def test_credit_proposal_without_an_actor_raises_type_error_and_records_nothing(parties):
    with pytest.raises(TypeError):
        services.credit_proposal_create(subject=parties.insurer_a, event="other", severity="minor", reason="x",
                                        occurred_on=DAY, actor=None)
    with pytest.raises(TypeError):
        services.supervisory_action_issue(actor=None, target=parties.insurer_a, kind="rectification_order",
                                          ground="unlawful_refusal", facts="x", starts_on=DAY)
    assert not CreditRecord.objects.exists() and not SupervisoryAction.objects.exists()


def test_a_consequence_proposed_by_the_platform_names_its_job(parties):
    proposal = services.credit_proposal_create(subject=parties.insurer_a, event="rescission_lapsed",
                                               severity="serious", reason="超期未决定", occurred_on=DAY,
                                               actor=SystemActor("rescissions.decision_deadline_passed"))
    event = AuditEvent.objects.get(action="credit.proposal_create", object_id=str(proposal.pk))
    assert (event.actor, event.system_job) == (None, "rescissions.decision_deadline_passed")
    assert proposal.proposed_by is None and proposal.proposed_by_job == "rescissions.decision_deadline_passed"
    assert not CreditRecord.objects.exists()  # rule M2: the platform proposes, it never writes the file


def test_the_record_form_answers_a_vehicle_outside_the_audience_like_an_unknown_plate(client, parties):
    # the taxi association keeps files of companies' vehicles; a private car is outside its audience (rule M2)
    make_vehicle(plate="桂B70001")  # a private car, no company
    client.force_login(parties.taxi_assoc_user)

    outside = client.post("/credit/records/new/", _record_form(subject_kind="vehicle", plate="桂B70001"))
    unknown = client.post("/credit/records/new/", _record_form(subject_kind="vehicle", plate="桂B70009"))

    assert _form_errors(outside).replace("桂B70001", "PLATE") == _form_errors(unknown).replace("桂B70009", "PLATE")
    assert "车辆登记库中没有" in _form_errors(outside)
    assert not CreditRecord.objects.exists()


def test_the_record_form_answers_a_driver_outside_the_audience_like_an_unknown_id_number(client, parties):
    from tests.factories import make_resident_id

    driver = make_driver()  # no company: outside the taxi association's audience
    client.force_login(parties.taxi_assoc_user)

    outside = client.post("/credit/records/new/", _record_form(subject_kind="driver", driver_id_no=driver.id_no))
    unknown = client.post("/credit/records/new/", _record_form(subject_kind="driver",
                                                               driver_id_no=make_resident_id()))

    assert _form_errors(outside) == _form_errors(unknown)
    assert not CreditRecord.objects.exists()


def test_the_record_form_finds_a_vehicle_inside_the_audience(client, parties):
    car = make_vehicle(plate="桂B70002", company=parties.company_a)
    client.force_login(parties.taxi_assoc_user)
    response = client.post("/credit/records/new/", _record_form(subject_kind="vehicle", plate="桂B70002"))
    # found (not "unknown plate"), but a vehicle's file is the insurance association's to write (rule M2)
    errors = _form_errors(response)
    assert "保险行业协会记车辆" in errors and "没有号牌" not in errors
    assert not CreditRecord.objects.exists()
    client.force_login(parties.ins_assoc_user)
    response = client.post("/credit/records/new/", _record_form(subject_kind="vehicle", plate="桂B70002"))
    assert response.status_code == 302
    assert CreditRecord.objects.get().vehicle == car


def test_the_measure_form_answers_a_vehicle_outside_the_audience_like_an_unknown_plate(client, parties):
    make_vehicle(plate="桂B70003")  # a private car, outside the taxi association's audience
    client.force_login(parties.taxi_assoc_user)
    form = {"kind": "self_discipline", "target": parties.company_a.pk, "ground": "ledger_failure",
            "facts": "台账缺失。", "starts_on": timezone.localdate().isoformat()}

    outside = client.post("/credit/actions/new/", {**form, "plate": "桂B70003"})
    unknown = client.post("/credit/actions/new/", {**form, "plate": "桂B70008"})

    assert _form_errors(outside) == _form_errors(unknown)
    assert not SupervisoryAction.objects.exists()


def test_the_measure_api_answers_a_vehicle_id_outside_the_audience_like_an_unknown_one(api, parties):
    car = make_vehicle(plate="桂B70004")  # a private car, outside the taxi association's audience
    client = api.as_user(parties.taxi_assoc_user)
    body = {"target": parties.company_a.pk, "kind": "self_discipline", "ground": "ledger_failure", "facts": "台账缺失。",
            "starts_on": "2026-06-01"}

    outside = client.post("/api/v1/supervisory-actions/", {**body, "vehicle": car.pk}, format="json")
    unknown = client.post("/api/v1/supervisory-actions/", {**body, "vehicle": car.pk + 100000}, format="json")

    assert outside.status_code == unknown.status_code == 404
    assert outside.json() == unknown.json()
    assert not SupervisoryAction.objects.exists()


@pytest.mark.parametrize("role", ["transport", "regulator", "company_a", "insurer_a"])
def test_only_the_associations_keep_the_file_even_when_the_page_is_bypassed(parties, role):
    with pytest.raises(PermissionDeniedError):
        services.credit_record_add(actor=getattr(parties, f"{role}_user"), subject=parties.company_a, event="other",
                                   severity="minor", occurred_on=DAY, detail="x")
    assert not CreditRecord.objects.exists()


@pytest.mark.parametrize("role", ["company_a", "insurer_a"])
def test_the_targets_of_measures_issue_none_even_when_the_page_is_bypassed(parties, role):
    with pytest.raises(PermissionDeniedError):
        services.supervisory_action_issue(actor=getattr(parties, f"{role}_user"), target=parties.company_b,
                                          kind="self_discipline", ground="ledger_failure", facts="x", starts_on=DAY)
    assert not SupervisoryAction.objects.exists()


def test_an_account_of_a_deactivated_organisation_issues_no_measure(parties):
    parties.regulator.is_active = False
    parties.regulator.save(update_fields=["is_active"])
    user = type(parties.regulator_user).objects.get(pk=parties.regulator_user.pk)
    with pytest.raises(PermissionDeniedError):
        services.supervisory_action_issue(actor=user, target=parties.insurer_a, kind="rectification_order",
                                          ground="unlawful_refusal", facts="违规拒保。", starts_on=DAY)
    assert not SupervisoryAction.objects.exists()
