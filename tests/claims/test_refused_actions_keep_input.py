"""A refused step on the claim page changes nothing and shows the page again with what the user typed, in the
form of that step, and the error beside the field at fault — 400 for invalid input or a service refusal of the
input, the service's 403 / 409 otherwise — instead of a redirect that loses the input (issues 16, 18: one
mechanism, ``apps.core.actions.form_action``; rule M13: the insurer records its claim's steps)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.claims.models import Claim
from tests.helpers import form_html, messages_of

from .factories import make_claim

pytestmark = pytest.mark.django_db

TYPED = "事故系驾驶员酒后驾驶，属责任免除（保留的理由）"


@pytest.fixture
def claim(parties):
    reported = timezone.now() - dt.timedelta(hours=2)
    return make_claim(user=parties.insurer_a_user, reported_at=reported, claim_requested_at=reported,
                      documents_requested_at=reported + dt.timedelta(minutes=10),
                      documents_complete_at=reported + dt.timedelta(minutes=20), amount_claimed=Decimal("3000.00"))


def _at(minutes_ago: int) -> str:
    return (timezone.localtime() - dt.timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M")


def test_m13_an_invalid_time_keeps_the_typed_reason_in_the_decision_form(client, parties, claim):
    client.force_login(parties.insurer_a_user)
    response = client.post(reverse("claims-action", args=[claim.pk, "decision"]), {
        "decision-at": "明天上午", "decision-decision": "refused", "decision-refusal_reason": TYPED})
    assert response.status_code == 400
    page = response.content.decode()
    form = form_html(page, 'data-action="decision"')
    assert TYPED in form and 'class="errorlist' in form
    assert page.count(TYPED) == 1  # in its own step's form only
    assert any(m.startswith("时间：") for m in messages_of(response)), messages_of(response)
    claim.refresh_from_db()
    assert claim.decision == "" and claim.decided_at is None


def test_m13_a_refusal_without_its_reason_is_refused_beside_the_reason_with_the_time_kept(client, parties, claim):
    client.force_login(parties.insurer_a_user)
    at = _at(5)
    response = client.post(reverse("claims-action", args=[claim.pk, "decision"]), {
        "decision-at": at, "decision-decision": "refused", "decision-refusal_reason": ""})
    assert response.status_code == 400
    form = form_html(response.content.decode(), 'data-action="decision"')
    assert f'value="{at}"' in form and 'class="errorlist' in form
    bound = next(a["form"] for a in response.context["actions"] if a["name"] == "decision")
    assert set(bound.errors) == {"refusal_reason"}
    assert any("拒赔须填写理由" in m for m in messages_of(response)), messages_of(response)
    claim.refresh_from_db()
    assert claim.decision == ""


def test_m13_a_withdrawal_the_state_does_not_allow_is_409_and_changes_nothing(client, parties, claim):
    client.force_login(parties.insurer_a_user)
    client.post(reverse("claims-action", args=[claim.pk, "decision"]), {
        "decision-at": _at(5), "decision-decision": "refused", "decision-refusal_reason": TYPED})
    claim.refresh_from_db()
    assert claim.decision == Claim.Decision.REFUSED
    response = client.post(reverse("claims-action", args=[claim.pk, "withdraw"]), {
        "withdraw-at": _at(1), "withdraw-reason": "索赔人撤回索赔请求", "confirm": "1"})
    assert response.status_code == 409
    assert any("不能撤案" in m for m in messages_of(response)), messages_of(response)
    claim.refresh_from_db()
    assert claim.withdrawn_at is None and claim.status != Claim.Status.WITHDRAWN


def test_m13_a_step_recorded_redirects_to_the_claim(client, parties, claim):
    client.force_login(parties.insurer_a_user)
    response = client.post(reverse("claims-action", args=[claim.pk, "decision"]), {
        "decision-at": _at(5), "decision-decision": "covered"})
    assert response.status_code == 302 and response["Location"] == reverse("claims-detail", args=[claim.pk])
    claim.refresh_from_db()
    assert claim.decision == Claim.Decision.COVERED
