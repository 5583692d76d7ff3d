"""Insurers push claims from their core systems in batches (API key), idempotently by (insurer, claim number):
re-pushing the same claim changes nothing; a later push with new timestamps advances it (rules M13, J11)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.claims import clocks
from apps.claims.models import Claim
from apps.core.deadlines import deadline_for
from apps.core.models import AuditEvent, Deadline
from apps.parties.models import OrganizationKind
from apps.parties.services import api_key_create
from tests.factories import UserFactory, user_of

from .factories import make_driver, make_policy

pytestmark = pytest.mark.django_db
URL = "/api/v1/claims/batch/"


@pytest.fixture
def core_system(parties):
    """The insurer's core system: a system account with an API key."""
    user = UserFactory(organization=parties.insurer_a, username="picc_core", is_system=True)
    _key, plaintext = api_key_create(user=user, name="理赔核心系统", actor=user_of(OrganizationKind.PLATFORM))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    return client


def first_push_rows(policy, driver):
    return [
        {"number": "RPCC2026110300001", "policy_number": policy.number, "occurred_at": "2026-11-03T08:10:00+08:00",
         "reported_at": "2026-11-03T08:30:00+08:00", "location": "柳州市鱼峰区", "amount_claimed": "6200.00",
         "driver_id_no": driver.id_no, "survey_dispatched_at": "2026-11-03T09:10:00+08:00"},
        {"number": "RPCC2026110300002", "policy_number": policy.number, "occurred_at": "2026-11-03T10:00:00+08:00",
         "reported_at": "2026-11-03T10:05:00+08:00", "amount_claimed": "120000.00"},
    ]


def test_batch_push_is_idempotent_and_later_pushes_advance(parties, core_system):
    policy = make_policy(insurer=parties.insurer_a)
    driver = make_driver()
    rows = first_push_rows(policy, driver)

    first = core_system.post(URL, {"claims": rows}, format="json")
    assert first.status_code == 200, first.content
    assert [r["result"] for r in first.json()["results"]] == ["created", "created"]
    claim = Claim.objects.get(insurer=parties.insurer_a, number="RPCC2026110300001")
    assert claim.source == Claim.Source.API and claim.driver == driver
    assert deadline_for(rule=clocks.DISPATCH, subject=claim).status == Deadline.Status.MET

    snapshot = (Claim.objects.count(), Deadline.objects.count(), AuditEvent.objects.count())
    again = core_system.post(URL, {"claims": rows}, format="json")
    assert [r["result"] for r in again.json()["results"]] == ["unchanged", "unchanged"]
    assert (Claim.objects.count(), Deadline.objects.count(), AuditEvent.objects.count()) == snapshot

    later = [
        # the documents list answers the claim request (rule J11): its clock starts there, not at the report
        {"number": "RPCC2026110300001", "claim_requested_at": "2026-11-03T10:00:00+08:00",
         "documents_requested_at": "2026-11-03T11:00:00+08:00",
         "documents_complete_at": "2026-11-05T15:00:00+08:00"},
        {**rows[1], "survey_dispatched_at": "2026-11-03T10:50:00+08:00",
         "documents_complete_at": "2026-11-06T10:00:00+08:00",
         "progress_notices": [{"sent_at": "2026-11-10T10:00:00+08:00", "note": "已定损"}]},
    ]
    advanced = core_system.post(URL, {"claims": later}, format="json").json()["results"]
    assert [r["result"] for r in advanced] == ["updated", "updated"]
    claim.refresh_from_db()
    assert claim.status == Claim.Status.DOCUMENTS_COMPLETE and claim.size == Claim.Size.SMALL
    assert deadline_for(rule=clocks.DOCUMENTS_LIST, subject=claim).status == Deadline.Status.MET
    assert deadline_for(rule=clocks.SMALL_CLOSE, subject=claim) is not None
    large = Claim.objects.get(number="RPCC2026110300002")
    assert large.size == Claim.Size.LARGE
    assert large.progress_notices.filter(sent_at__isnull=False).count() == 1
    assert large.progress_notices.filter(sent_at__isnull=True).count() == 1  # the next period is running

    # The same later push again: nothing changes, the progress notice is not recorded twice.
    snapshot = (Deadline.objects.count(), AuditEvent.objects.count(), large.progress_notices.count())
    repeat = core_system.post(URL, {"claims": later}, format="json").json()["results"]
    assert [r["result"] for r in repeat] == ["unchanged", "unchanged"]
    assert (Deadline.objects.count(), AuditEvent.objects.count(), large.progress_notices.count()) == snapshot


def test_batch_row_errors_change_nothing_and_do_not_block_others(parties, core_system):
    policy = make_policy(insurer=parties.insurer_a)
    core_system.post(URL, {"claims": first_push_rows(policy, make_driver())}, format="json")
    claim = Claim.objects.get(number="RPCC2026110300001")
    snapshot = (Deadline.objects.count(), AuditEvent.objects.count())
    rows = [
        # a recorded timestamp cannot be rewritten (met clocks are never recomputed away)
        {"number": "RPCC2026110300001", "survey_dispatched_at": "2026-11-03T08:40:00+08:00"},
        # not a date
        {"number": "RPCC2026110300003", "policy_number": policy.number, "occurred_at": "昨天",
         "reported_at": "2026-11-03T10:05:00+08:00"},
        # another insurer's policy number is unknown to this insurer
        {"number": "RPCC2026110300004", "policy_number": make_policy(insurer=parties.insurer_b).number,
         "occurred_at": "2026-11-03T10:00:00+08:00", "reported_at": "2026-11-03T10:05:00+08:00"},
        # a good row in the same batch goes through
        {"number": "RPCC2026110300005", "policy_number": policy.number, "occurred_at": "2026-11-04T10:00:00+08:00",
         "reported_at": "2026-11-04T10:05:00+08:00"},
    ]
    results = core_system.post(URL, {"claims": rows}, format="json").json()["results"]
    assert [r["result"] for r in results] == ["error", "error", "error", "created"]
    assert results[0]["error"]["code"] == "already_recorded" and "不能更改" in results[0]["error"]["message"]
    assert "occurred_at" in results[1]["error"]["fields"]
    assert results[2]["error"]["code"] == "policy_not_found"
    claim.refresh_from_db()
    assert claim.survey_dispatched_at.isoformat() == "2026-11-03T01:10:00+00:00"
    assert not Claim.objects.filter(number__in=["RPCC2026110300003", "RPCC2026110300004"]).exists()
    # only the good row added clocks and audit events: its dispatch clock (the report, rule M13); no claim request
    # came with it, so no documents-list clock (rule J11)
    assert Deadline.objects.count() == snapshot[0] + 1


def test_batch_push_needs_an_insurer(parties, api):
    response = api.as_user(parties.regulator_user).post(URL, {"claims": [{"number": "X"}]}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"]


def test_batch_is_validated_as_a_whole(parties, core_system):
    response = core_system.post(URL, {"claims": []}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
