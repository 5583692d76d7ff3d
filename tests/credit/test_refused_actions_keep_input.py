"""A refused action on a credit detail page (a proposal's decision, a measure's 结案) changes nothing and shows the
page again with what the user typed and the error beside the field at fault — 400 for invalid input, the service's
403 / 409 for its refusal — instead of a redirect that loses the input (issues 16, 18: one mechanism,
``apps.core.actions.form_action``; rule M2: the association decides a proposal)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.credit.models import CreditProposal, CreditRecord, SupervisoryAction
from apps.credit.services import credit_proposal_decide, supervisory_action_issue
from tests.helpers import form_html

pytestmark = pytest.mark.django_db

TYPED = "措施事实清楚，证据充分（保留的决定理由）"


@pytest.fixture
def measure(parties):
    return supervisory_action_issue(
        actor=parties.regulator_user, target=parties.insurer_a, kind="rectification_order",
        ground="unlawful_refusal", facts="对网约车违规拒保。", starts_on=timezone.localdate())


@pytest.fixture
def proposal(measure):
    return CreditProposal.objects.get(source_object_id=str(measure.pk))


def test_m2_a_decision_without_its_choice_keeps_the_reason_and_names_the_field(client, parties, proposal):
    client.force_login(parties.ins_assoc_user)
    response = client.post(reverse("credit:proposal_decide", args=[proposal.pk]), {"reason": TYPED})
    assert response.status_code == 400
    form = form_html(response.content.decode(), 'data-testid="decide-form"')
    assert TYPED in form  # the textarea still holds it
    assert 'class="errorlist' in form  # the error sits in the form, beside its field
    assert set(response.context["form"].errors) == {"decision"}
    messages = [str(m) for m in response.context["messages"]]
    assert any(m.startswith("决定：") for m in messages), messages
    proposal.refresh_from_db()
    assert proposal.status == CreditProposal.Status.PENDING and not CreditRecord.objects.exists()


def test_m2_a_decision_already_taken_is_a_conflict_and_changes_nothing(client, parties, proposal):
    client.force_login(parties.ins_assoc_user)
    client.get(reverse("credit:proposal", args=[proposal.pk]))  # the page is open …
    credit_proposal_decide(actor=parties.ins_assoc_user, proposal=proposal, accept=True, reason="已决定")  # … elsewhere
    response = client.post(reverse("credit:proposal_decide", args=[proposal.pk]),
                           {"decision": "reject", "reason": TYPED})
    assert response.status_code == 409
    assert response.context["form"].data["reason"] == TYPED
    messages = [str(m) for m in response.context["messages"]]
    assert any("已作出决定" in m for m in messages), messages
    proposal.refresh_from_db()
    assert proposal.status == CreditProposal.Status.ACCEPTED and proposal.decision_reason == "已决定"


def test_m2_a_decision_taken_redirects_to_the_proposal(client, parties, proposal):
    client.force_login(parties.ins_assoc_user)
    response = client.post(reverse("credit:proposal_decide", args=[proposal.pk]),
                           {"decision": "reject", "reason": TYPED})
    assert response.status_code == 302 and response["Location"] == reverse("credit:proposal", args=[proposal.pk])
    proposal.refresh_from_db()
    assert proposal.status == CreditProposal.Status.REJECTED and proposal.decision_reason == TYPED


def test_m15_closing_a_measure_without_its_result_is_400_on_the_result_field(client, parties, measure):
    client.force_login(parties.regulator_user)
    response = client.post(reverse("credit:action_close", args=[measure.pk]), {"result": "x" * 4001})
    assert response.status_code == 400
    form = form_html(response.content.decode(), 'data-testid="close-form"')
    assert "x" * 4001 in form and 'class="errorlist' in form
    assert set(response.context["close_form"].errors) == {"result"}
    messages = [str(m) for m in response.context["messages"]]
    assert any(m.startswith("结案情况：") for m in messages), messages
    measure.refresh_from_db()
    assert measure.status == SupervisoryAction.Status.OPEN


def test_m15_the_target_may_not_close_the_measure_403_and_nothing_changes(client, parties, measure):
    client.force_login(parties.insurer_a_user)
    response = client.post(reverse("credit:action_close", args=[measure.pk]), {"result": "已整改到位。"})
    assert response.status_code == 403
    assert response.context["close_form"].data["result"] == "已整改到位。"
    messages = [str(m) for m in response.context["messages"]]
    assert any("只有作出该措施的单位可以结案" in m for m in messages), messages
    measure.refresh_from_db()
    assert measure.status == SupervisoryAction.Status.OPEN
    client.force_login(parties.regulator_user)
    response = client.post(reverse("credit:action_close", args=[measure.pk]), {"result": "已整改到位。"})
    assert response.status_code == 302 and response["Location"] == reverse("credit:action", args=[measure.pk])
    measure.refresh_from_db()
    assert measure.status == SupervisoryAction.Status.CLOSED
