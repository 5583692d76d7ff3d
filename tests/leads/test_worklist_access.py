"""Rule M8 worklists: the regulator dispatches one worklist per insurer holding a policy in force on a pushed
lead's vehicle; each insurer sees and answers only its own rows (pages and API answer 404 for the others')."""

import pytest

from apps.core.errors import ConflictError, PermissionDeniedError
from apps.exchange.models import Batch
from apps.leads import services
from apps.leads.models import InsurerWorklistItem, Lead
from apps.parties import access
from apps.policies.models import PolicyKind
from apps.vehicles.usage import UsageNature

from .factories import private_car


@pytest.fixture
def dispatched(parties, deliver):
    """One vehicle insured by insurer A (non-operating) and insurer B (compulsory as ride-hailing), flagged."""
    from .factories import policy

    car = private_car()
    pa = policy(car, parties.insurer_a, usage=UsageNature.FAMILY, kind=PolicyKind.THIRD_PARTY)
    pb = policy(car, parties.insurer_b, usage=UsageNature.RIDE_HAILING)
    lead = services.lead_flag(actor=parties.transport_user, plate=car.plate, evidence="客运站揽客", push=True)
    deliver()
    lead.refresh_from_db()
    a_item = InsurerWorklistItem.objects.get(insurer=parties.insurer_a)
    b_item = InsurerWorklistItem.objects.get(insurer=parties.insurer_b)
    return lead, a_item, b_item, pa, pb


def test_m8_one_worklist_batch_per_insurer_with_its_own_rows(parties, dispatched):
    lead, a_item, b_item, pa, pb = dispatched
    batches = Batch.objects.filter(kind="worklist").order_by("recipient_id")
    assert [b.recipient for b in batches] == [parties.insurer_a, parties.insurer_b]
    assert all(b.sender == parties.regulator and b.row_count == 1 for b in batches)
    assert (a_item.policy, a_item.lead, a_item.kind) == (pa, lead, InsurerWorklistItem.Kind.LEAD)
    assert (b_item.policy, b_item.lead) == (pb, lead)
    assert a_item.received_at == batches[0].receipt_at
    assert "按非营运性质投保" in a_item.summary and pa.number in a_item.summary


def test_an_insurer_never_sees_another_insurers_rows(parties, dispatched):
    _lead, a_item, b_item, _pa, _pb = dispatched
    assert list(access.visible(parties.insurer_a_user, InsurerWorklistItem)) == [a_item]
    assert list(access.visible(parties.insurer_b_user, InsurerWorklistItem)) == [b_item]
    assert set(access.visible(parties.regulator_user, InsurerWorklistItem)) == {a_item, b_item}
    assert not access.visible(parties.company_a_user, InsurerWorklistItem).exists()
    assert not access.visible(parties.insurer_a_user, Lead).exists()  # insurers read rows, not leads


def test_pages_show_own_rows_and_answer_404_for_others(parties, dispatched, client):
    _lead, a_item, b_item, _pa, _pb = dispatched
    client.force_login(parties.insurer_a_user)
    page = client.get("/leads/worklist/")
    assert page.status_code == 200
    body = page.content.decode()
    assert f'data-item="{a_item.pk}"' in body and f'data-item="{b_item.pk}"' not in body
    response = client.post(f"/leads/worklist/{b_item.pk}/answer/", {"answer": "other", "note": "x"})
    assert response.status_code == 404
    b_item.refresh_from_db()
    assert b_item.state == InsurerWorklistItem.State.OPEN
    assert client.get(f"/leads/{a_item.lead_id}/").status_code == 404


def test_api_shows_own_rows_and_answers_404_for_others(parties, dispatched, api):
    _lead, a_item, b_item, _pa, _pb = dispatched
    client = api.as_user(parties.insurer_a_user)
    listing = client.get("/api/v1/lead-worklist/").json()
    assert [row["id"] for row in listing["results"]] == [a_item.pk]
    assert client.get(f"/api/v1/lead-worklist/{b_item.pk}/").status_code == 404
    assert client.post(f"/api/v1/lead-worklist/{b_item.pk}/answer/", {"answer": "other", "note": "x"},
                       format="json").status_code == 404
    answered = client.post(f"/api/v1/lead-worklist/{a_item.pk}/answer/",
                           {"answer": "non_operating_confirmed", "note": "已核对"}, format="json")
    assert answered.status_code == 200 and answered.json()["state"] == "answered"
    assert client.get(f"/api/v1/leads/{a_item.lead_id}/").status_code in (403, 404)


def test_answer_goes_to_the_leads_trail_once(parties, dispatched):
    lead, a_item, b_item, _pa, _pb = dispatched
    services.worklist_item_answer(actor=parties.insurer_a_user, item=a_item, answer="non_operating_confirmed",
                                  note="确按家庭自用承保")
    with pytest.raises(ConflictError):
        services.worklist_item_answer(actor=parties.insurer_a_user, item=a_item, answer="other", note="again")
    with pytest.raises(PermissionDeniedError):
        services.worklist_item_answer(actor=parties.insurer_a_user, item=b_item, answer="already_operating")
    with pytest.raises(PermissionDeniedError):
        services.worklist_item_answer(actor=parties.regulator_user, item=b_item, answer="already_operating")
    event = lead.events.get(action="insurer_answered")
    assert event.organization == parties.insurer_a and event.detail["answer"] == "non_operating_confirmed"


def test_answer_other_needs_a_note(parties, dispatched):
    from apps.core.errors import ApplicationError

    _lead, a_item, _b, _pa, _pb = dispatched
    with pytest.raises(ApplicationError):
        services.worklist_item_answer(actor=parties.insurer_a_user, item=a_item, answer="other", note="")
    a_item.refresh_from_db()
    assert a_item.state == InsurerWorklistItem.State.OPEN


def test_transport_sees_the_answers_to_its_own_leads(parties, dispatched, client):
    lead, a_item, _b, _pa, _pb = dispatched
    services.worklist_item_answer(actor=parties.insurer_a_user, item=a_item, answer="non_operating_confirmed")
    client.force_login(parties.transport_user)
    body = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "经核对：确按非营运承保" in body and parties.insurer_a.name in body


def test_lead_visibility_per_side(parties, deliver):
    car = private_car()
    draft = services.lead_flag(actor=parties.transport_user, plate=car.plate, evidence="e")
    report = services.lead_report_by_company(actor=parties.company_a_user, plate=car.plate, evidence="r")
    # transport's draft is not the insurance side's business until pushed; the company report is not transport's
    assert access.is_visible(parties.transport_user, draft)
    assert not access.is_visible(parties.regulator_user, draft)
    assert access.is_visible(parties.ins_assoc_user, report) and access.is_visible(parties.regulator_user, report)
    assert not access.is_visible(parties.transport_user, report)
    assert access.is_visible(parties.company_a_user, report) and not access.is_visible(parties.company_b_user, report)
    services.lead_push(actor=parties.transport_user, leads=[draft])
    assert access.is_visible(parties.regulator_user, draft)
    for user in (parties.insurer_a_user, parties.taxi_assoc_user, parties.company_a_user):
        assert not access.is_visible(user, draft)
