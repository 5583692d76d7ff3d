"""API of the leads app: the same services and audience as the pages (404 outside the audience, one error shape)."""

from apps.exchange.models import Batch
from apps.leads.models import LawfulListRun, Lead, Penalty, RiskModelWeights, Status
from apps.vehicles.usage import UsageNature

from .factories import operating_car, permit, policy, private_car


def test_flag_push_check_dispose_through_the_api(parties, api, deliver):
    car = private_car()
    policy(car, parties.insurer_a, usage=UsageNature.FAMILY)
    transport = api.as_user(parties.transport_user)
    created = transport.post("/api/v1/leads/flag/", {"plate": car.plate, "evidence": "网约车平台接单"}, format="json")
    assert created.status_code == 201 and created.json()["status"] == "new"
    lead_id = created.json()["id"]
    pushed = transport.post("/api/v1/leads/push/", {"ids": [lead_id]}, format="json")
    assert pushed.status_code == 200 and pushed.json()["count"] == 1
    deliver()
    regulator = api.as_user(parties.regulator_user)
    inbox = regulator.get("/api/v1/leads/?box=inbox").json()
    assert [row["id"] for row in inbox["results"]] == [lead_id]
    assert inbox["results"][0]["finding"] == "insured_as_non_operating"
    # rule M2: the regulator requests the offline check; transport checks and defines
    requested = regulator.post(f"/api/v1/leads/{lead_id}/request-check/", {"note": "请核查是否载客"}, format="json")
    assert requested.status_code == 200 and requested.json()["status"] == "offline_check"
    transport = api.as_user(parties.transport_user)
    checked = transport.post(f"/api/v1/leads/{lead_id}/check/", {"outcome": "confirmed", "result": "现场查获"},
                             format="json")
    assert checked.status_code == 200 and checked.json()["status"] == "disposed"
    assert set(checked.json()["disposals"]) == {"rescission", "credit_record"}
    assert checked.json()["defined_by"] == parties.transport.pk
    regulator = api.as_user(parties.regulator_user)
    events = regulator.get(f"/api/v1/leads/{lead_id}/events/").json()
    assert [e["action"] for e in events][:4] == ["created", "pushed", "received", "verified"]


def test_api_errors_have_one_shape_and_change_nothing(parties, api, deliver):
    transport = api.as_user(parties.transport_user)
    bad = transport.post("/api/v1/leads/flag/", {"plate": "桂B.123", "evidence": "e"}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "plate_invalid"
    car = private_car()
    lead_id = transport.post("/api/v1/leads/flag/", {"plate": car.plate, "evidence": "e", "push": True},
                             format="json").json()["id"]
    again = transport.post("/api/v1/leads/push/", {"ids": [lead_id]}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "lead_illegal_transition"
    deliver()
    refused = api.as_user(parties.ins_assoc_user).post(f"/api/v1/leads/{lead_id}/check-start/")
    assert refused.status_code == 403
    assert Lead.objects.get(pk=lead_id).status == Status.VERIFIED


def test_leads_outside_the_audience_are_404(parties, api):
    car = private_car()
    draft = api.as_user(parties.transport_user).post("/api/v1/leads/flag/", {"plate": car.plate, "evidence": "e"},
                                                     format="json").json()
    assert api.as_user(parties.regulator_user).get(f"/api/v1/leads/{draft['id']}/").status_code == 404
    assert api.as_user(parties.regulator_user).post("/api/v1/leads/push/", {"ids": [draft["id"]]},
                                                    format="json").status_code == 404
    assert api.as_user(parties.company_a_user).get(f"/api/v1/leads/{draft['id']}/").status_code == 404


def test_company_report_and_complaint_through_the_api(parties, api):
    car = private_car()
    report = api.as_user(parties.company_a_user).post("/api/v1/leads/report/", {"plate": car.plate, "evidence": "r"},
                                                      format="json")
    assert report.status_code == 201 and report.json()["source"] == "company_report"
    complaint = api.as_user(parties.transport_user).post(
        "/api/v1/leads/from-complaint/", {"plate": car.plate, "evidence": "乘客举报", "complaint_ref": "T-0001"},
        format="json")
    assert complaint.status_code == 201 and complaint.json()["external_ref"] == "T-0001"


def test_penalty_lawful_list_and_risk_endpoints(parties, api, deliver):
    car = operating_car()
    permit(car)
    policy(car, parties.insurer_b, usage=UsageNature.FAMILY)
    transport = api.as_user(parties.transport_user)
    penalty = transport.post("/api/v1/penalties/", {"decision_no": "柳交执罚〔2026〕5号", "decided_on": "2026-11-02",
                                                    "facts": "无证经营", "plate": car.plate}, format="json")
    assert penalty.status_code == 201 and Penalty.objects.get().batch.kind == "penalties"
    assert api.as_user(parties.insurer_a_user).post("/api/v1/penalties/", {}, format="json").status_code == 403
    run = api.as_user(parties.transport_user).post("/api/v1/lawful-list-runs/push/")  # one client: re-authenticate
    assert run.status_code == 201 and run.json()["vehicle_count"] == 1
    deliver()
    assert LawfulListRun.objects.get().state == "screened"
    assert api.as_user(parties.insurer_b_user).get("/api/v1/screening-findings/").json()["count"] == 0  # unreviewed
    regulator = api.as_user(parties.regulator_user)
    run_id = LawfulListRun.objects.get().pk
    reviewed = regulator.post("/api/v1/screening-findings/review/",
                              {"run": run_id, "ids": list(LawfulListRun.objects.get().findings.values_list("pk", flat=True)),
                               "decision": "confirmed"}, format="json")
    assert reviewed.status_code == 200 and reviewed.json()["reviewed"] == 1
    preview = regulator.get(f"/api/v1/lawful-list-runs/{run_id}/dispatch-preview/").json()
    assert preview["vehicles"] == 1 and [i["name"] for i in preview["insurers"]] == [parties.insurer_b.name]
    sent = regulator.post(f"/api/v1/lawful-list-runs/{run_id}/dispatch/", {"digest": preview["digest"]}, format="json")
    assert sent.status_code == 200 and len(sent.json()["batches"]) == 1
    deliver()
    findings = api.as_user(parties.insurer_b_user).get("/api/v1/screening-findings/").json()
    assert findings["count"] == 1 and findings["results"][0]["kind"] == "insured_as_non_operating"
    assert api.as_user(parties.insurer_a_user).get("/api/v1/screening-findings/").json()["count"] == 0
    # the insurer sees the penalty that reached its worklist, the other insurer does not
    assert api.as_user(parties.insurer_b_user).get("/api/v1/penalties/").json()["count"] == 1
    assert api.as_user(parties.insurer_a_user).get("/api/v1/penalties/").json()["count"] == 0
    association = api.as_user(parties.ins_assoc_user)
    weights = association.post("/api/v1/risk-weights/", {"weights": {"penalties": "2.5"}, "threshold": "2"},
                               format="json")
    assert weights.status_code == 201 and weights.json()["version"] == 1
    assert RiskModelWeights.objects.get().weights == {"penalties": "2.5"}
    ran = association.post("/api/v1/risk-runs/run/")
    assert ran.status_code == 201 and ran.json()["state"] == "preview" and ran.json()["leads_created"] == 0
    assert not Batch.objects.filter(kind="leads", sender=parties.ins_assoc).exists()
    preview = association.get(f"/api/v1/risk-runs/{ran.json()['id']}/preview/").json()
    assert preview["vehicles"] == 1 and preview["rows"][0]["plate"] == car.plate
    confirmed = association.post(f"/api/v1/risk-runs/{ran.json()['id']}/confirm/", {"digest": preview["digest"]},
                                 format="json")
    assert confirmed.status_code == 200 and confirmed.json()["leads_created"] == 1
    assert Batch.objects.filter(kind="leads", sender=parties.ins_assoc).count() == 1
    assert api.as_user(parties.transport_user).post("/api/v1/risk-runs/run/").status_code == 403
