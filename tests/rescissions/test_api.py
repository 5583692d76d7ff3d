"""API for insurers' core systems: read own cases, record steps through the same services as the pages."""

import datetime as dt

from django.utils import timezone

from apps.core.deadlines import local_date
from apps.policies.models import Policy
from apps.rescissions.models import Status
from apps.vehicles.usage import UsageNature
from tests.policies.factories import PolicyFactory

from .factories import days_ago, open_case


def iso(at: dt.datetime) -> str:
    return at.isoformat()


def non_disclosure(client, case):
    """The insurer's system records the J5 path (non-disclosure at inception) before sending 附件三."""
    response = client.post(f"/api/v1/rescission-cases/{case.pk}/path/", {
        "path": "non_disclosure", "operating_since": local_date(case.policy.starts_at).isoformat(),
        "fault": "gross_negligence", "basis": "处罚决定书载明投保前已营运", "reason": "投保时已营运未告知"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["path"] == "non_disclosure"
    return response


def test_insurer_system_reads_and_steps_a_case_to_rescission(parties, api):
    case = open_case(parties.insurer_a, known_at=days_ago(12, 9))
    client = api.as_user(parties.insurer_a_user)
    listing = client.get("/api/v1/rescission-cases/?status=open").json()
    assert listing["count"] == 1
    row = listing["results"][0]
    assert (row["plate"], row["policy_number"], row["clock"]["day"], row["clock"]["days_left"]) == (
        case.vehicle.plate, case.policy.number, 12, 19)  # day 30 is Sunday 12-13: rolls over to Monday (T1)
    base = f"/api/v1/rescission-cases/{case.pk}"
    non_disclosure(client, case)
    response = client.post(f"{base}/notice-sent/", {"sent_at": iso(days_ago(11, 9)), "contact_name": "李明",
                                                    "contact_phone": "0772-2881234"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "notice_sent"
    assert [n["kind"] for n in response.json()["notices"]] == ["disclosure_request"]
    response = client.post(f"{base}/decision/", {"decision": "rescinded"}, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "notice_required"
    response = client.post(f"{base}/notice-received/", {"received_at": iso(days_ago(10, 9))}, format="json")
    assert response.json()["status"] == "awaiting_disclosure"
    response = client.post(f"{base}/decision/", {"decision": "rescinded"}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "rescinded" and {n["kind"] for n in body["notices"]} == {
        "disclosure_request", "rescission", "vehicle_admin"}
    assert Policy.objects.get(pk=case.policy_id).status == Policy.Status.RESCINDED
    pdf = client.get(body["notices"][1]["pdf_url"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    kinds = [e["kind"] for e in client.get(f"{base}/").json()["events"]]
    assert kinds[0] == "opened" and "rescinded" in kinds


def test_api_errors_have_the_one_shape_and_change_nothing(parties, api):
    case = open_case(parties.insurer_a, known_at=days_ago(3, 9))
    client = api.as_user(parties.insurer_a_user)
    response = client.post(f"/api/v1/rescission-cases/{case.pk}/notice-sent/",
                           {"contact_name": "李明", "contact_phone": "0772-2881234"}, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "path_required"
    non_disclosure(client, case)
    response = client.post(f"/api/v1/rescission-cases/{case.pk}/notice-sent/",
                           {"contact_name": "李明", "contact_phone": "0772-2881234",
                            "sent_at": iso(timezone.now() + dt.timedelta(days=1))}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "future_time"
    response = client.post(f"/api/v1/rescission-cases/{case.pk}/decision/",
                           {"decision": "conditions_not_met"}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "reason_required"
    assert client.get(f"/api/v1/rescission-cases/{case.pk}/").json()["status"] == Status.OPEN


def test_api_disclosure_in_time_and_correction(parties, api):
    case = open_case(parties.insurer_a, known_at=days_ago(6, 9))
    client = api.as_user(parties.insurer_a_user)
    base = f"/api/v1/rescission-cases/{case.pk}"
    non_disclosure(client, case)
    client.post(f"{base}/notice-sent/", {"sent_at": iso(days_ago(5, 9)), "contact_name": "李明",
                                         "contact_phone": "0772-2881234"}, format="json")
    body = client.post(f"{base}/notice-received/", {"received_at": iso(days_ago(5, 18))}, format="json").json()
    receipt = next(e for e in body["events"] if e["kind"] == "notice_received")
    body = client.post(f"{base}/correction/", {"event": receipt["id"], "at": iso(days_ago(4, 10)),
                                               "reason": "签收回执日期登记错误"}, format="json").json()
    assert body["notice_received_at"] == iso(days_ago(4, 10)).replace("+08:00", "+08:00")
    body = client.post(f"{base}/disclosure/", {"note": "投保人来电说明营运情况"}, format="json").json()
    assert body["status"] == "not_rescinded" and body["decision"] == "not_rescinded"


def test_insurer_system_opens_a_case_idempotently(parties, api):
    policy = PolicyFactory(insurer=parties.insurer_a, usage_nature_insured=UsageNature.FAMILY)
    client = api.as_user(parties.insurer_a_user)
    payload = {"policy_number": policy.number, "known_at": iso(days_ago(2, 9)), "trigger_ref": "UW-2026-001"}
    first = client.post("/api/v1/rescission-cases/", payload, format="json")
    again = client.post("/api/v1/rescission-cases/", payload, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and first.json()["trigger"] == "insurer_finding"
    other = PolicyFactory(insurer=parties.insurer_b)
    response = client.post("/api/v1/rescission-cases/", {**payload, "policy_number": other.number}, format="json")
    assert response.status_code == 404
    response = api.as_user(parties.regulator_user).post("/api/v1/rescission-cases/", payload, format="json")
    assert response.status_code == 403


def test_api_list_query_count_does_not_grow_with_the_rows(parties, api, django_assert_max_num_queries):
    client = api.as_user(parties.regulator_user)
    open_case(parties.insurer_a, known_at=days_ago(3, 9))
    with django_assert_max_num_queries(12) as few:
        assert client.get("/api/v1/rescission-cases/").json()["count"] == 1
    for age in range(4, 14):
        open_case(parties.insurer_a, known_at=days_ago(age, 9))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/api/v1/rescission-cases/").json()["count"] == 11
