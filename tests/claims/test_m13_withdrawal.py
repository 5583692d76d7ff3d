"""A claim's actions depend on its state (rules M13, J11; issue 14). Closing a claim before it is decided or paid
is a withdrawal (撤案): with a reason and a confirmation (page: a confirmation step; API: an explicit action). Its
running clocks are closed as withdrawn — visible to the regulator on the claim's timeline and in the SLA table,
never a bare "已撤销"; a clock already overdue keeps its breach. Steps not valid in the state are not offered and
are refused by the service with a Chinese message."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.claims import clocks, selectors, services
from apps.claims.models import Claim
from apps.core.deadlines import deadline_for
from apps.core.errors import ApplicationError, ConflictError
from apps.core.models import AuditEvent, Deadline

from .factories import make_claim, sh

pytestmark = pytest.mark.django_db
REASON = "索赔人书面撤回索赔请求，双方已自行协商处理"


def fresh(parties, **kwargs):
    """A claim reported an hour ago with its claim request: dispatch and documents-list clocks running."""
    reported = timezone.now() - dt.timedelta(minutes=30)
    return make_claim(user=parties.insurer_a_user, reported_at=reported, claim_requested_at=reported, **kwargs)


def paid(parties):
    return make_claim(user=parties.insurer_a_user, reported_at=sh(2026, 11, 2, 9, 0),
                      claim_requested_at=sh(2026, 11, 2, 9, 0), survey_dispatched_at=sh(2026, 11, 2, 9, 30),
                      documents_requested_at=sh(2026, 11, 2, 10, 0), amount_claimed=Decimal("3000.00"),
                      documents_complete_at=sh(2026, 11, 3, 10, 0), decision="covered",
                      decided_at=sh(2026, 11, 4, 10, 0), amount_agreed=Decimal("2800.00"),
                      agreed_at=sh(2026, 11, 4, 11, 0), paid_at=sh(2026, 11, 5, 10, 0))


def test_m13_closing_an_undecided_claim_is_refused_and_names_the_withdrawal(parties):
    claim = fresh(parties)
    with pytest.raises(ApplicationError) as exc:
        services.claim_advance(claim=claim, actor=parties.insurer_a_user, facts={"closed_at": timezone.now()})
    assert exc.value.code == "withdrawal_required" and "撤案" in exc.value.message
    claim.refresh_from_db()
    assert claim.closed_at is None
    assert deadline_for(rule=clocks.DISPATCH, subject=claim).status == Deadline.Status.OPEN


def test_m13_closing_a_covered_unpaid_claim_is_refused_and_names_the_withdrawal(parties):
    claim = make_claim(user=parties.insurer_a_user, reported_at=sh(2026, 11, 2, 9, 0),
                       amount_claimed=Decimal("3000.00"), documents_complete_at=sh(2026, 11, 3, 10, 0),
                       decision="covered", decided_at=sh(2026, 11, 4, 10, 0))
    with pytest.raises(ApplicationError) as exc:
        services.claim_advance(claim=claim, actor=parties.insurer_a_user, facts={"closed_at": sh(2026, 11, 5, 10, 0)})
    assert exc.value.code == "withdrawal_required"
    assert services.may_withdraw(claim) and not services.may_close(claim)


def test_m13_withdrawal_needs_a_reason_and_a_confirmation(parties):
    claim = fresh(parties)
    with pytest.raises(ApplicationError) as exc:
        services.claim_withdraw(claim=claim, actor=parties.insurer_a_user, reason=" ", confirm=True)
    assert exc.value.code == "reason_required" and "撤案原因" in exc.value.message
    with pytest.raises(ApplicationError) as exc:
        services.claim_withdraw(claim=claim, actor=parties.insurer_a_user, reason=REASON, confirm=False)
    assert exc.value.code == "confirmation_required" and "确认" in exc.value.message
    claim.refresh_from_db()
    assert claim.withdrawn_at is None and claim.closed_at is None


def test_m13_withdrawal_closes_the_running_clocks_as_withdrawn_and_keeps_a_breach(parties):
    reported = timezone.now() - dt.timedelta(hours=3)  # the 1-hour dispatch clock is overdue
    claim = make_claim(user=parties.insurer_a_user, reported_at=reported, claim_requested_at=reported)
    claim = services.claim_withdraw(claim=claim, actor=parties.insurer_a_user, reason=REASON, confirm=True)
    assert claim.status == Claim.Status.WITHDRAWN and claim.get_status_display() == "已撤案"
    assert claim.withdrawal_reason == REASON and claim.closed_at == claim.withdrawn_at
    documents = deadline_for(rule=clocks.DOCUMENTS_LIST, subject=claim)
    assert documents.status == Deadline.Status.CANCELLED
    cancel = AuditEvent.objects.get(action="deadline.cancel", object_id=str(documents.pk))
    assert cancel.detail["reason"] == f"撤案：{REASON}"
    dispatch = deadline_for(rule=clocks.DISPATCH, subject=claim)
    assert dispatch.status == Deadline.Status.OPEN and dispatch.due_at < claim.withdrawn_at  # the breach stands
    event = AuditEvent.objects.get(action="claim.withdraw", object_id=str(claim.pk))
    assert event.detail["reason"] == REASON and event.detail["clocks_closed"] == [clocks.DOCUMENTS_LIST]


def test_m13_withdrawn_claim_refuses_further_steps_with_a_message(parties):
    claim = fresh(parties)
    services.claim_withdraw(claim=claim, actor=parties.insurer_a_user, reason=REASON, confirm=True)
    with pytest.raises(ConflictError) as exc:
        services.claim_advance(claim=claim, actor=parties.insurer_a_user,
                               facts={"survey_dispatched_at": timezone.now()})
    assert "已撤案" in exc.value.message
    with pytest.raises(ConflictError) as exc:
        services.claim_withdraw(claim=claim, actor=parties.insurer_a_user, reason=REASON, confirm=True)
    assert "已于" in exc.value.message and "撤案" in exc.value.message
    assert services.claim_actions(Claim.objects.get(pk=claim.pk)) == []


def test_m13_decided_claims_are_closed_not_withdrawn(parties):
    done = paid(parties)
    with pytest.raises(ConflictError) as exc:
        services.claim_withdraw(claim=done, actor=parties.insurer_a_user, reason=REASON, confirm=True)
    assert "赔款已支付" in exc.value.message
    refused = make_claim(user=parties.insurer_a_user, reported_at=sh(2026, 11, 2, 9, 0),
                         amount_claimed=Decimal("3000.00"), documents_complete_at=sh(2026, 11, 3, 10, 0),
                         decision="refused", decided_at=sh(2026, 11, 4, 10, 0), refusal_reason="非保险事故")
    with pytest.raises(ConflictError) as exc:
        services.claim_withdraw(claim=refused, actor=parties.insurer_a_user, reason=REASON, confirm=True)
    assert "拒赔" in exc.value.message
    services.claim_advance(claim=done, actor=parties.insurer_a_user, facts={"closed_at": sh(2026, 11, 6, 10, 0)})
    done.refresh_from_db()
    assert done.status == Claim.Status.CLOSED and done.withdrawn_at is None


def test_m13_page_offers_only_the_actions_valid_in_the_state(parties, client):
    client.force_login(parties.insurer_a_user)

    def offered(claim):
        page = client.get(reverse("claims-detail", args=[claim.pk])).content.decode()
        return {name for name in ("close", "withdraw", "agreement", "payment", "documents_requested")
                if f'data-action="{name}"' in page}

    assert offered(fresh(parties)) == {"withdraw", "documents_requested"}
    assert offered(paid(parties)) == {"close"}
    refused = make_claim(user=parties.insurer_a_user, reported_at=sh(2026, 11, 2, 9, 0),
                         amount_claimed=Decimal("3000.00"), documents_complete_at=sh(2026, 11, 3, 10, 0),
                         decision="refused", decided_at=sh(2026, 11, 4, 10, 0), refusal_reason="非保险事故")
    assert offered(refused) == set()  # the refusal notice first, then close


def test_m13_page_withdrawal_asks_for_confirmation_first(parties, client):
    claim = fresh(parties)
    client.force_login(parties.insurer_a_user)
    at = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    url = reverse("claims-action", args=[claim.pk, "withdraw"])
    page = client.post(url, {"withdraw-at": at, "withdraw-reason": REASON}).content.decode()
    assert 'data-testid="withdraw-confirm"' in page and REASON in page
    assert f'data-rule="{clocks.DOCUMENTS_LIST}"' in page  # names the clocks it closes
    claim.refresh_from_db()
    assert claim.withdrawn_at is None  # nothing happened yet
    response = client.post(url, {"withdraw-at": at, "withdraw-reason": REASON, "confirm": "1"}, follow=True)
    assert "已撤案" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.WITHDRAWN and claim.withdrawal_reason == REASON


def test_m13_regulator_sees_the_withdrawal_on_the_timeline_and_in_the_sla_table(parties, client, api):
    claim = fresh(parties)
    services.claim_withdraw(claim=claim, actor=parties.insurer_a_user, reason=REASON, confirm=True)
    client.force_login(parties.regulator_user)
    page = client.get(reverse("claims-detail", args=[claim.pk])).content.decode()
    timeline = page[page.index('data-testid="timeline"'):]
    timeline = timeline[:timeline.index("</ul>")]
    assert f"撤案：{REASON}" in timeline and "时限因撤案终止" in timeline
    clocks_table = page[page.index('data-testid="clocks-table"'):]
    clocks_table = clocks_table[:clocks_table.index("</table>")]
    assert "因撤案终止" in clocks_table and "已撤销" not in clocks_table
    today = timezone.localdate()
    table = selectors.sla_table(user=parties.regulator_user, start=today - dt.timedelta(days=1), end=today)
    row = next(r for r in table if r.insurer_id == parties.insurer_a.pk)
    assert row.cells[clocks.DOCUMENTS_LIST].withdrawn == 1 and row.cells[clocks.DISPATCH].withdrawn == 1
    sla = client.get(reverse("claims-sla"), {"start": (today - dt.timedelta(days=1)).isoformat(),
                                             "end": today.isoformat()}).content.decode()
    assert "因撤案终止" in sla
    shown = api.as_user(parties.regulator_user).get(f"/api/v1/claims/{claim.pk}/").json()
    assert shown["status"] == "withdrawn" and shown["withdrawal_reason"] == REASON
    assert {c["rule"]: c["closed_as"] for c in shown["clocks"]}[clocks.DOCUMENTS_LIST] == "withdrawn"


def test_m13_api_withdrawal_is_an_explicit_action_and_closed_at_is_refused(parties, api):
    claim = fresh(parties)
    client = api.as_user(parties.insurer_a_user)
    pushed = client.post("/api/v1/claims/batch/", {"claims": [
        {"number": claim.number, "closed_at": timezone.now().isoformat()}]}, format="json").json()
    assert pushed["results"][0]["result"] == "error"
    assert pushed["results"][0]["error"]["code"] == "withdrawal_required"
    url = f"/api/v1/claims/{claim.pk}/withdraw/"
    refused = client.post(url, {"reason": REASON, "confirm": False}, format="json")
    assert refused.status_code == 400
    claim.refresh_from_db()
    assert claim.withdrawn_at is None
    assert api.as_user(parties.insurer_b_user).post(url, {"reason": REASON, "confirm": True},
                                                    format="json").status_code == 404
    assert api.as_user(parties.regulator_user).post(url, {"reason": REASON, "confirm": True},
                                                    format="json").status_code == 403
    done = api.as_user(parties.insurer_a_user).post(url, {"reason": REASON, "confirm": True}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "withdrawn"
