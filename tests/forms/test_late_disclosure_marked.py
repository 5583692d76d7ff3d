"""A disclosure registered after the 5-day window (rule J5) is marked 逾期 on the case page (the insurer may still
rescind); one within the window is not."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.rescissions import services
from tests.rescissions.factories import days_ago, notice_through, open_case, refresh

pytestmark = pytest.mark.django_db


def _case_page(client, user, case) -> str:
    client.force_login(user)
    response = client.get(reverse("rescissions:case", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_disclosure_after_its_window_is_marked_late(client, parties):
    user = parties.insurer_a_user
    case = open_case(parties.insurer_a, known_at=days_ago(12))
    case = notice_through(case, user, sent_at=days_ago(11), received_at=days_ago(10))
    assert case.disclosure_due_at < days_ago(2)
    case = refresh(services.rescission_disclosure_record(case=case, actor=user, disclosed_at=days_ago(2),
                                                         note="投保人补充告知营运情况"))
    assert case.disclosed_at > case.disclosure_due_at
    page = _case_page(client, user, case)
    assert 'data-testid="disclosure-late"' in page
    assert "逾期" in page


def test_a_disclosure_within_its_window_is_not_marked_late(client, parties):
    user = parties.insurer_a_user
    case = open_case(parties.insurer_a, known_at=days_ago(12))
    case = notice_through(case, user, sent_at=days_ago(11), received_at=days_ago(10))
    case = refresh(services.rescission_disclosure_record(case=case, actor=user, disclosed_at=days_ago(9)))
    page = _case_page(client, user, case)
    assert 'data-testid="disclosed"' in page
    assert 'data-testid="disclosure-late"' not in page
