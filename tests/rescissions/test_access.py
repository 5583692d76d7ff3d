"""An insurer sees and acts only on its own cases (page and API: 404); supervisors read, only the insurer acts."""

import pytest

from apps.rescissions.models import Status

from .factories import days_ago, notice_through, open_case, refresh


@pytest.fixture
def case_a(parties):
    return open_case(parties.insurer_a, known_at=days_ago(3, 9))


@pytest.mark.parametrize("path", ["/rescissions/{pk}/", "/rescissions/{pk}/notices/disclosure_request/"])
def test_other_insurer_gets_404_on_pages(parties, client, case_a, path):
    client.force_login(parties.insurer_b_user)
    assert client.get(path.format(pk=case_a.pk)).status_code == 404
    client.force_login(parties.insurer_a_user)
    assert client.get(path.format(pk=case_a.pk)).status_code == 200


@pytest.mark.parametrize("action", ["notice-send", "notice-receive", "disclosure", "decide", "correct"])
def test_other_insurer_cannot_act_through_pages(parties, client, case_a, action):
    client.force_login(parties.insurer_b_user)
    response = client.post(f"/rescissions/{case_a.pk}/{action}/", {"contact_name": "x", "contact_phone": "0772-1234567",
                                                                    "decision": "conditions_not_met", "reason": "无理由"})
    assert response.status_code == 404
    assert refresh(case_a).status == Status.OPEN


def test_other_insurer_list_excludes_the_case(parties, client, case_a):
    client.force_login(parties.insurer_b_user)
    page = client.get("/rescissions/?state=all").content.decode()
    assert case_a.vehicle.plate not in page
    client.force_login(parties.insurer_a_user)
    assert case_a.vehicle.plate in client.get("/rescissions/").content.decode()


def test_other_insurer_gets_404_on_api(parties, api, case_a):
    client = api.as_user(parties.insurer_b_user)
    assert client.get(f"/api/v1/rescission-cases/{case_a.pk}/").status_code == 404
    assert client.get("/api/v1/rescission-cases/").json()["count"] == 0
    for action, body in (("notice-sent", {"contact_name": "x", "contact_phone": "0772-1234567"}),
                         ("notice-received", {}), ("disclosure", {}),
                         ("decision", {"decision": "conditions_not_met", "reason": "不符合条件的理由"}),
                         ("correction", {"event": 1, "at": "2026-01-01T00:00:00+08:00", "reason": "理由理由"})):
        response = client.post(f"/api/v1/rescission-cases/{case_a.pk}/{action}/", body, format="json")
        assert response.status_code == 404, action
    assert refresh(case_a).status == Status.OPEN


def test_other_insurer_cannot_download_the_pdf(parties, api, client, case_a):
    case = notice_through(case_a, parties.insurer_a_user, sent_at=days_ago(2, 9))
    notice = case.notices.get()
    assert api.as_user(parties.insurer_b_user).get(
        f"/api/v1/rescission-cases/{case.pk}/notices/{notice.pk}/pdf/").status_code == 404
    client.force_login(parties.insurer_b_user)
    assert client.get(f"/rescissions/{case.pk}/notices/pdf/{notice.pk}/").status_code == 404
    client.force_login(parties.insurer_a_user)
    response = client.get(f"/rescissions/{case.pk}/notices/pdf/{notice.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["X-Content-SHA256"] == notice.sha256


def test_supervisors_read_but_do_not_act(parties, api, case_a):
    for user in (parties.regulator_user, parties.ins_assoc_user):
        client = api.as_user(user)
        assert client.get(f"/api/v1/rescission-cases/{case_a.pk}/").status_code == 200
        response = client.post(f"/api/v1/rescission-cases/{case_a.pk}/notice-sent/",
                               {"contact_name": "x", "contact_phone": "0772-1234567"}, format="json")
        assert response.status_code == 403
    for user in (parties.transport_user, parties.company_a_user, parties.taxi_assoc_user):
        assert api.as_user(user).get(f"/api/v1/rescission-cases/{case_a.pk}/").status_code in (403, 404)
    assert refresh(case_a).status == Status.OPEN


def test_supervisor_page_shows_no_actions_and_masks_the_policyholder(parties, client, case_a):
    client.force_login(parties.ins_assoc_user)
    page = client.get(f"/rescissions/{case_a.pk}/").content.decode()
    assert 'data-testid="actions"' not in page
    notice = client.get(f"/rescissions/{case_a.pk}/notices/disclosure_request/").content.decode()
    assert "张三" not in notice and "张*" in notice
