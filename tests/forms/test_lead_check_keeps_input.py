"""The lead check form (transport's finding, rule M2): a refused submission shows the page again with what was
typed and the error on the field at fault, instead of redirecting to an empty form."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.leads import services
from apps.leads.models import Status
from tests.helpers import deliver_pending
from tests.leads.factories import policy, private_car

from .html import controls

pytestmark = pytest.mark.django_db

TYPED = "线下核查：驾驶员称为亲友代驾，未见收费记录"


@pytest.fixture
def lead(parties, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    car = private_car()
    policy(car, parties.insurer_a)
    lead = services.lead_flag(actor=parties.transport_user, plate=car.plate, evidence="火车站揽客", push=True)
    deliver_pending()
    services.lead_offline_check_request(actor=parties.regulator_user, lead=lead, note="请核查")
    lead.refresh_from_db()
    assert lead.status == Status.OFFLINE_CHECK
    return lead


def test_a_dismissal_without_its_reason_keeps_the_typed_result_and_points_at_the_reason(client, parties, lead):
    client.force_login(parties.transport_user)
    response = client.post(reverse("leads:check", args=[lead.pk]), {"outcome": "dismissed", "result": TYPED})
    assert response.status_code == 400
    page = response.content.decode()
    assert TYPED in page  # the textarea still holds it
    form = response.context["check_form"]
    assert "reason" in form.errors and set(form.errors) == {"reason"}
    lead.refresh_from_db()
    assert lead.status == Status.OFFLINE_CHECK


def test_an_invalid_check_time_keeps_the_input_and_names_the_field(client, parties, lead):
    client.force_login(parties.transport_user)
    response = client.post(reverse("leads:check", args=[lead.pk]),
                           {"outcome": "dismissed", "result": TYPED, "reason": "亲友互助", "checked_at": "明天上午"})
    assert response.status_code == 400
    form = response.context["check_form"]
    assert set(form.errors) == {"checked_at"}
    assert TYPED in response.content.decode()
    outcomes = {o.get("value"): "checked" in o for o in controls(response.content.decode()).inputs
                if o.get("name") == "outcome"}
    assert outcomes["dismissed"] is True
    messages = [str(m) for m in response.context["messages"]]
    assert any("核查时间" in m for m in messages), messages
