"""Credit file pages and API: who sees which file (M2), adding and correcting, supervisory action pages."""

import datetime as dt

import pytest
from django.utils import timezone

from apps.credit.models import CreditRecord, SupervisoryAction
from apps.credit.services import (
    _record_write as record_write,  # the writer behind the associations' decisions
)
from apps.credit.services import supervisory_action_issue
from apps.parties.rights import SystemActor

from .factories import make_driver, make_vehicle

pytestmark = pytest.mark.django_db
JOB = SystemActor("credit.test_consequence")  # a consequence recorded by the platform
DAY = dt.date(2026, 6, 1)


@pytest.fixture
def files(parties):
    vehicle = make_vehicle(company=parties.company_a, plate="桂B66666")
    driver = make_driver(company=parties.company_a)
    records = {
        "insurer_a": record_write(subject=parties.insurer_a, event="rescission_lapsed", severity="serious",
                                          source="rescissions", occurred_on=DAY, actor=JOB),
        "company_a": record_write(subject=parties.company_a, event="self_discipline", severity="minor",
                                          source="supervisory_action", occurred_on=DAY, actor=JOB),
        "vehicle": record_write(subject=vehicle, event="lead_confirmed", severity="serious", source="leads",
                                        occurred_on=DAY, actor=JOB),
        "driver": record_write(subject=driver, event="high_claim_rate", severity="minor", source="claims",
                                       occurred_on=DAY, actor=JOB),
    }
    return vehicle, driver, records


def test_m2_each_party_sees_only_its_file(client, parties, files):
    vehicle, driver, records = files
    urls = {
        "insurer_a": f"/credit/file/org/{parties.insurer_a.pk}/",
        "insurer_b": f"/credit/file/org/{parties.insurer_b.pk}/",
        "company_a": f"/credit/file/org/{parties.company_a.pk}/",
        "company_b": f"/credit/file/org/{parties.company_b.pk}/",
        "vehicle": f"/credit/file/vehicle/{vehicle.pk}/",
        "driver": f"/credit/file/driver/{driver.pk}/",
    }
    expected = {
        "ins_assoc_user": set(urls),
        "regulator_user": set(urls),
        "taxi_assoc_user": {"company_a", "company_b", "vehicle", "driver"},
        "company_a_user": {"company_a", "vehicle", "driver"},
        "company_b_user": {"company_b"},
        "insurer_a_user": {"insurer_a"},
        "insurer_b_user": {"insurer_b"},
    }
    for who, allowed in expected.items():
        client.force_login(getattr(parties, who))
        for name, url in urls.items():
            status = client.get(url).status_code
            assert status == (200 if name in allowed else 404), (who, name, status)


def test_file_page_shows_level_and_rules(client, parties, files):
    client.force_login(parties.insurer_a_user)
    body = client.get(f"/credit/file/org/{parties.insurer_a.pk}/").content.decode()
    assert "信用等级如何得出" in body and "保险公司未在 30 日内行使合同解除权" in body
    assert 'data-testid="credit-level"' in body


def test_company_is_redirected_to_its_own_file_and_lists_are_scoped(client, parties, files):
    client.force_login(parties.company_a_user)
    response = client.get("/credit/")
    assert response.status_code == 302 and response["Location"].endswith(f"/credit/file/org/{parties.company_a.pk}/")
    client.force_login(parties.taxi_assoc_user)
    body = client.get("/credit/?kind=taxi_company").content.decode()
    assert parties.company_a.name in body
    assert client.get("/credit/?kind=insurer").content.decode().count(parties.insurer_a.name) == 0


def test_association_adds_and_corrects_through_pages(client, parties, files):
    vehicle, _driver, records = files
    client.force_login(parties.ins_assoc_user)
    response = client.post("/credit/records/new/", {
        "subject_kind": "vehicle", "plate": "桂B66666", "event": "claims_violation", "severity": "moderate",
        "occurred_on": "2026-06-02", "detail": "同一驾驶员三个月内出险 5 次。",
    })
    assert response.status_code == 302
    added = CreditRecord.objects.get(event="claims_violation")
    assert added.vehicle == vehicle and added.created_by_organization == parties.ins_assoc
    bad = client.post("/credit/records/new/", {"subject_kind": "vehicle", "plate": "桂B00000", "event": "other",
                                                "severity": "minor", "occurred_on": "2026-06-02", "detail": "x"})
    assert "车辆登记库中没有" in bad.content.decode()
    response = client.post(f"/credit/records/{added.pk}/correct/", {
        "reason": "复核后认定为轻微", "severity": "minor", "occurred_on": "2026-06-02", "event": "claims_violation"})
    assert response.status_code == 302
    correction = CreditRecord.objects.get(corrects=added)
    assert correction.severity == "minor" and correction.correction_reason == "复核后认定为轻微"
    client.force_login(parties.company_a_user)
    assert client.get(f"/credit/records/{added.pk}/correct/").status_code == 404


def test_api_records_file_and_correction(api, parties, files):
    _vehicle, _driver, records = files
    client = api.as_user(parties.insurer_a_user)
    listing = client.get("/api/v1/credit-records/").json()
    assert [r["id"] for r in listing["results"]] == [records["insurer_a"].pk]
    file = client.get(f"/api/v1/credit-records/file/insurer/{parties.insurer_a.pk}/").json()
    assert file["level"] == "C" and file["points"] == 6
    assert client.get(f"/api/v1/credit-records/file/insurer/{parties.insurer_b.pk}/").status_code == 404
    assert client.post("/api/v1/credit-records/", {}, format="json").status_code == 403
    assoc = api.as_user(parties.ins_assoc_user)
    created = assoc.post("/api/v1/credit-records/", {
        "subject_kind": "insurer", "subject_id": parties.insurer_b.pk, "event": "unlawful_refusal",
        "severity": "moderate", "occurred_on": "2026-06-03", "detail": "拒保网约车交强险。"}, format="json")
    assert created.status_code == 201, created.content
    corrected = assoc.post(f"/api/v1/credit-records/{created.json()['id']}/correct/",
                           {"reason": "投诉人撤回，经核实不属实", "withdraw": True}, format="json")
    assert corrected.status_code == 201 and corrected.json()["withdraws"] is True
    again = assoc.post(f"/api/v1/credit-records/{created.json()['id']}/correct/", {"reason": "x"}, format="json")
    assert again.status_code == 400 and again.json()["error"]["code"] == "credit_already_corrected"


def test_action_pages_issue_and_close(client, parties):
    client.force_login(parties.regulator_user)
    assert client.get("/credit/actions/new/").status_code == 200
    response = client.post("/credit/actions/new/", {
        "kind": "rectification_order", "target": parties.insurer_a.pk, "ground": "unlawful_refusal",
        "facts": "违规拒保网约车。", "starts_on": timezone.localdate().isoformat()})
    assert response.status_code == 302, response.content.decode()[:2000]
    action = SupervisoryAction.objects.get()
    client.force_login(parties.insurer_a_user)
    page = client.get(f"/credit/actions/{action.pk}/").content.decode()
    assert "责令整改" in page and f"/credit/actions/{action.pk}/close/" not in page  # no close form for the target
    # the target cannot close it: refused (403) on the page, nothing changed (issue 16: the page is shown again)
    assert client.post(f"/credit/actions/{action.pk}/close/", {"result": "x"}).status_code == 403
    action.refresh_from_db()
    assert action.status == "open"
    client.force_login(parties.insurer_b_user)
    assert client.get(f"/credit/actions/{action.pk}/").status_code == 404
    client.force_login(parties.regulator_user)
    client.post(f"/credit/actions/{action.pk}/close/", {"result": "已整改到位。"})
    action.refresh_from_db()
    assert action.status == "closed"
    client.force_login(parties.company_a_user)
    assert client.get("/credit/actions/new/").status_code == 404


def test_action_api_refuses_wrong_authority(api, parties):
    transport = api.as_user(parties.transport_user)
    refused = transport.post("/api/v1/supervisory-actions/", {
        "target": parties.company_a.pk, "kind": "penalty", "ground": "uninsured_vehicle_online", "facts": "x",
        "starts_on": "2026-06-01"}, format="json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "ground_not_allowed"
    ok = transport.post("/api/v1/supervisory-actions/", {
        "target": parties.company_a.pk, "kind": "penalty", "ground": "unpermitted_vehicle_online",
        "facts": "允许无运输证车辆上线。", "starts_on": "2026-06-01"}, format="json")
    assert ok.status_code == 201, ok.content
    closed = transport.post(f"/api/v1/supervisory-actions/{ok.json()['id']}/close/", {"result": "已整改"}, format="json")
    assert closed.json()["status"] == "closed"
    # transport's measure is proposed; the taxi association enters it into the company's file (rule M2)
    proposal = api.as_user(parties.taxi_assoc_user).get("/api/v1/credit-proposals/").json()["results"][0]
    decided = api.as_user(parties.taxi_assoc_user).post(f"/api/v1/credit-proposals/{proposal['id']}/decide/",
                                                        {"accept": True, "reason": "处罚决定属实"}, format="json")
    assert decided.status_code == 200, decided.content
    assert SupervisoryAction.objects.get().credit_record.organization == parties.company_a


def test_home_panels_render(client, parties):
    from apps.credit.models import CreditProposal
    from apps.credit.services import credit_proposal_decide

    supervisory_action_issue(actor=parties.regulator_user, target=parties.insurer_a, kind="business_suspension",
                             ground="invented_claim_conditions", facts="x", starts_on=timezone.localdate())
    credit_proposal_decide(actor=parties.ins_assoc_user, proposal=CreditProposal.objects.get(), accept=True,
                           reason="暂停业务决定属实")
    client.force_login(parties.regulator_user)
    body = client.get("/").content.decode()
    assert 'data-panel="credit.actions"' in body and str(parties.insurer_a) in body
    client.force_login(parties.insurer_a_user)
    body = client.get("/").content.decode()
    assert 'data-panel="credit.own_file"' in body and "D 差" in body


def test_credit_file_page_in_english(client, parties, files):
    client.cookies["django_language"] = "en"
    client.force_login(parties.insurer_a_user)
    body = client.get(f"/credit/file/org/{parties.insurer_a.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "How the credit level is derived" in body
    assert "Insurer did not exercise its rescission right within 30 days" in body
