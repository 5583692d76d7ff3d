"""Rule J11 (交强险承保实务规程, 附件一 第 15 条): the documents list is due 1 working day after the insurer
receives the claim request (索赔/赔偿请求) — not after the accident report, which starts the M13 1-hour survey
dispatch clock. The claim request is its own fact on the claim."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.claims import clocks, services
from apps.claims.models import Claim
from apps.core.deadlines import deadline_for
from apps.core.errors import ApplicationError
from apps.core.models import Deadline

from .factories import make_claim, make_policy, sh

pytestmark = pytest.mark.django_db


def eod(y, m, d):
    return sh(y, m, d, 23, 59, 59).replace(microsecond=999999)


def test_j11_documents_list_clock_starts_at_the_claim_request_not_the_report(parties):
    claim = make_claim(user=parties.insurer_a_user, reported_at=sh(2026, 11, 13, 16, 0))  # Friday: the report
    dispatch = deadline_for(rule=clocks.DISPATCH, subject=claim)
    assert dispatch.starts_at == sh(2026, 11, 13, 16, 0)  # M13: the report starts the 1-hour dispatch clock
    assert deadline_for(rule=clocks.DOCUMENTS_LIST, subject=claim) is None  # no claim request yet: no J11 clock
    services.claim_advance(claim=claim, actor=parties.insurer_a_user,
                           facts={"claim_requested_at": sh(2026, 11, 16, 10, 0)})  # Monday: the claim request
    documents = deadline_for(rule=clocks.DOCUMENTS_LIST, subject=claim)
    assert documents.starts_at == sh(2026, 11, 16, 10, 0)
    assert documents.due_at == eod(2026, 11, 17)  # 1 working day after the request, not Monday after the report


def test_j11_claim_request_made_with_the_report_starts_the_clock_at_creation(parties):
    claim = make_claim(user=parties.insurer_a_user, reported_at=sh(2026, 11, 13, 16, 0),
                       claim_requested_at=sh(2026, 11, 13, 17, 0))
    documents = deadline_for(rule=clocks.DOCUMENTS_LIST, subject=claim)
    assert documents.starts_at == sh(2026, 11, 13, 17, 0) and documents.due_at == eod(2026, 11, 16)


def test_j11_documents_list_is_the_answer_to_a_claim_request(parties):
    claim = make_claim(user=parties.insurer_a_user, reported_at=sh(2026, 11, 13, 16, 0))
    with pytest.raises(ApplicationError) as exc:
        services.claim_advance(claim=claim, actor=parties.insurer_a_user,
                               facts={"documents_requested_at": sh(2026, 11, 13, 17, 0)})
    assert exc.value.code == "claim_request_missing" and "索赔请求" in exc.value.message
    claim.refresh_from_db()
    assert claim.documents_requested_at is None
    with pytest.raises(ApplicationError) as exc:  # not before the request it answers
        services.claim_advance(claim=claim, actor=parties.insurer_a_user, facts={
            "claim_requested_at": sh(2026, 11, 14, 9, 0), "documents_requested_at": sh(2026, 11, 13, 17, 0)})
    assert exc.value.code == "out_of_order"
    with pytest.raises(ApplicationError):  # nor can the request precede the report
        services.claim_advance(claim=claim, actor=parties.insurer_a_user,
                               facts={"claim_requested_at": sh(2026, 11, 13, 15, 0)})


def test_j11_documents_list_met_from_the_claim_request(parties):
    claim = make_claim(user=parties.insurer_a_user, reported_at=sh(2026, 11, 13, 16, 0),
                       claim_requested_at=sh(2026, 11, 16, 9, 0), documents_requested_at=sh(2026, 11, 17, 15, 0))
    assert deadline_for(rule=clocks.DOCUMENTS_LIST, subject=claim).status == Deadline.Status.MET


def test_j11_m13_clock_specs_name_their_rule_start_and_basis():
    documents = clocks.CLOCKS[clocks.DOCUMENTS_LIST]
    assert documents.rule_id == "J11" and str(documents.basis) == "收到索赔请求"
    assert "交强险承保实务规程" in str(documents.legal_basis) and "赔偿请求" in str(documents.legal_basis)
    dispatch = clocks.CLOCKS[clocks.DISPATCH]
    assert dispatch.rule_id == "M13" and str(dispatch.basis) == "报案"
    for rule in (clocks.DECISION, clocks.REFUSAL_NOTICE, clocks.PAYMENT):
        assert clocks.CLOCKS[rule].rule_id == "J11"
    for rule in (clocks.SMALL_CLOSE, clocks.PROGRESS):
        assert clocks.CLOCKS[rule].rule_id == "M13"


def test_j11_claim_request_from_the_page_and_the_push(parties, client, api):
    user = parties.insurer_a_user
    policy = make_policy(insurer=parties.insurer_a)
    client.force_login(user)
    page = client.get(reverse("claims-create")).content.decode()
    assert "收到索赔请求时间" in page
    client.post(reverse("claims-create"), {
        "number": "J11-PAGE", "policy_number": policy.number, "occurred_at": "2026-11-09T08:10",
        "reported_at": "2026-11-09T08:30", "injured_passengers": "0"})
    claim = Claim.objects.get(number="J11-PAGE")
    detail = client.get(reverse("claims-detail", args=[claim.pk])).content.decode()
    assert 'data-action="claim_request"' in detail and 'data-action="documents_requested"' not in detail
    client.post(reverse("claims-action", args=[claim.pk, "claim_request"]), {"claim_request-at": "2026-11-10T09:00"})
    claim.refresh_from_db()
    assert claim.claim_requested_at == sh(2026, 11, 10, 9, 0)
    assert deadline_for(rule=clocks.DOCUMENTS_LIST, subject=claim).due_at == eod(2026, 11, 11)
    pushed = api.as_user(user).post("/api/v1/claims/batch/", {"claims": [{
        "number": "J11-PUSH", "policy_number": policy.number, "occurred_at": "2026-11-09T08:10:00+08:00",
        "reported_at": "2026-11-09T08:30:00+08:00", "claim_requested_at": "2026-11-12T10:00:00+08:00",
        "documents_requested_at": "2026-11-12T15:00:00+08:00"}]}, format="json").json()
    assert pushed["results"][0]["result"] == "created", pushed
    claim = Claim.objects.get(number="J11-PUSH")
    documents = deadline_for(rule=clocks.DOCUMENTS_LIST, subject=claim)
    assert documents.starts_at == sh(2026, 11, 12, 10, 0) and documents.status == Deadline.Status.MET
