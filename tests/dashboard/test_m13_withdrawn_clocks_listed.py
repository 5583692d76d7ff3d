"""A withdrawn claim's clocks on the list of clocks (rule M13, issue 14): closed as withdrawn, visible to the
regulator, labelled 因撤案终止 — never the kernel's bare 已撤销."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.claims import services
from tests.claims.factories import make_claim

pytestmark = pytest.mark.django_db
REASON = "索赔人书面撤回索赔请求"


def _table(page: str) -> str:
    table = page[page.index('data-testid="deadline-table"'):]
    return table[:table.index("</table>")]


def test_m13_regulator_lists_a_withdrawn_claims_clocks_as_closed_by_withdrawal(parties, client):
    reported = timezone.now() - dt.timedelta(minutes=30)
    claim = make_claim(user=parties.insurer_a_user, reported_at=reported, claim_requested_at=reported)
    services.claim_withdraw(claim=claim, actor=parties.insurer_a_user, reason=REASON, confirm=True)
    client.force_login(parties.regulator_user)
    table = _table(client.get(reverse("dashboard:deadlines"), {"when": "withdrawn", "scope": "all"}).content.decode())
    assert claim.number in table
    assert "因撤案终止" in table and "已撤销" not in table
    # still not among the unmet clocks
    assert claim.number not in _table(client.get(reverse("dashboard:deadlines"), {"scope": "all"}).content.decode())


def test_m13_insurer_sees_its_own_withdrawn_clocks_labelled(parties, client):
    reported = timezone.now() - dt.timedelta(minutes=30)
    claim = make_claim(user=parties.insurer_a_user, reported_at=reported, claim_requested_at=reported)
    services.claim_withdraw(claim=claim, actor=parties.insurer_a_user, reason=REASON, confirm=True)
    client.force_login(parties.insurer_a_user)
    table = _table(client.get(reverse("dashboard:deadlines"), {"when": "withdrawn"}).content.decode())
    assert claim.number in table and "因撤案终止" in table and "已撤销" not in table
