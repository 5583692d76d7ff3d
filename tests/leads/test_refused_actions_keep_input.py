"""A refused action on the lead page changes nothing and shows the page again with what the user typed and the
error beside the field at fault — 400 for invalid input, the service's 403 / 409 for its refusal — instead of a
redirect that loses the input (issues 16, 18: one mechanism, ``apps.core.actions.form_action``; rule M2: the
regulator requests the offline check, transport checks and defines)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.leads import services
from apps.leads.models import Lead, LeadEvent, Status
from tests.helpers import deliver_pending, form_html, messages_of

from .factories import policy, private_car

pytestmark = pytest.mark.django_db

TYPED = "请核查该车 11 月在火车站东广场的揽客情况（保留的请求）"


@pytest.fixture
def lead(parties):
    car = private_car()
    policy(car, parties.insurer_a)
    lead = services.lead_flag(actor=parties.transport_user, plate=car.plate, evidence="火车站揽客", push=True)
    deliver_pending()
    lead.refresh_from_db()
    assert lead.status == Status.VERIFIED
    return lead


def _trail(lead: Lead) -> int:
    return LeadEvent.objects.filter(lead=lead).count()


def test_m2_a_check_request_without_its_matter_is_400_and_names_the_field(client, parties, lead):
    client.force_login(parties.regulator_user)
    before = _trail(lead)
    response = client.post(reverse("leads:request-check", args=[lead.pk]), {"note": "  "})
    assert response.status_code == 400
    assert 'class="errorlist' in form_html(response.content.decode(), 'data-testid="request-check-form"')
    assert set(response.context["request_form"].errors) == {"note"}
    assert any(m.startswith("请求核查事项：") for m in messages_of(response)), messages_of(response)
    lead.refresh_from_db()
    assert lead.status == Status.VERIFIED and _trail(lead) == before


def test_m2_a_check_request_the_state_no_longer_allows_is_409_with_the_input_kept(client, parties, lead):
    services.lead_offline_check_request(actor=parties.regulator_user, lead=lead, note="已请求")
    before = _trail(lead)
    client.force_login(parties.regulator_user)
    response = client.post(reverse("leads:request-check", args=[lead.pk]), {"note": TYPED})
    assert response.status_code == 409
    assert response.context["request_form"].data["note"] == TYPED
    assert any("不能执行" in m for m in messages_of(response)), messages_of(response)
    lead.refresh_from_db()
    assert lead.status == Status.OFFLINE_CHECK and _trail(lead) == before


def test_m2_transport_may_not_verify_insurance_403_and_nothing_changes(client, parties, lead):
    before = _trail(lead)
    client.force_login(parties.transport_user)
    response = client.post(reverse("leads:verify", args=[lead.pk]), {"note": TYPED})
    assert response.status_code == 403
    assert response.context["verify_form"].data["note"] == TYPED
    assert any("只有金融监管部门可以核验" in m for m in messages_of(response)), messages_of(response)
    assert _trail(lead) == before


def test_m2_a_check_request_made_redirects_to_the_lead(client, parties, lead):
    client.force_login(parties.regulator_user)
    response = client.post(reverse("leads:request-check", args=[lead.pk]), {"note": TYPED})
    assert response.status_code == 302 and response["Location"] == reverse("leads:detail", args=[lead.pk])
    lead.refresh_from_db()
    assert lead.status == Status.OFFLINE_CHECK


def test_m2_a_filled_but_invalid_value_on_the_check_form_is_called_invalid_by_its_field(client, parties, lead):
    """The reported case on the offline-check form: a value that is filled in but wrong is not asked for again
    (请填写…) — the message names the field and says what is wrong with it, and the typed text stays."""
    services.lead_offline_check_request(actor=parties.regulator_user, lead=lead, note="请核查")
    client.force_login(parties.transport_user)
    response = client.post(reverse("leads:check", args=[lead.pk]), {
        "outcome": "dismissed", "result": TYPED, "reason": "亲友互助", "checked_at": "11月3日上午"})
    assert response.status_code == 400
    form = form_html(response.content.decode(), 'data-testid="check-form"')
    assert TYPED in form and 'value="11月3日上午"' in form and 'class="errorlist' in form
    mine = [m for m in messages_of(response) if m.startswith("核查时间：")]
    assert mine and all("请填写" not in m for m in mine), messages_of(response)
    lead.refresh_from_db()
    assert lead.status == Status.OFFLINE_CHECK
