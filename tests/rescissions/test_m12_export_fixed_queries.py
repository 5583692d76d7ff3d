"""The case list's export names each case's policies (涉及保单) with one query for all of them, not one per case."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .factories import days_ago, open_case

pytestmark = pytest.mark.django_db


def _export_policy_queries(client) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/rescissions/?export=csv&state=all")
        assert response.status_code == 200
        text = b"".join(response.streaming_content).decode("utf-8-sig")
    return text, sum('FROM "rescissions_casepolicy"' in q["sql"] for q in captured.captured_queries)


def test_m12_case_export_reads_the_cases_policies_in_one_query(parties, client):
    client.force_login(parties.regulator_user)
    cases = [open_case(parties.insurer_a, known_at=days_ago(5 + i)) for i in range(4)]
    text, queries = _export_policy_queries(client)
    assert all(case.policy.number in text for case in cases)
    assert queries == 1


def _export_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/rescissions/?export=csv&state=all")
        assert response.status_code == 200
        b"".join(response.streaming_content)
    return len(captured.captured_queries)


def test_t1_case_export_reads_the_working_day_calendar_once_however_many_cases(parties, client):
    """Each row's day count, days left and last notice day come from the calendar (rule T1); a streamed export
    runs after the view returned, so it keeps its own calendar memo — the count of queries does not grow."""
    client.force_login(parties.regulator_user)
    open_case(parties.insurer_a, known_at=days_ago(5))
    open_case(parties.insurer_a, known_at=days_ago(6))
    few = _export_queries(client)
    for i in range(6):
        open_case(parties.insurer_a, known_at=days_ago(7 + i))
    assert _export_queries(client) == few
