"""The regulator sees every status change of every policy — those that had a rescission case included — with its
path (解除/退保/批改/顺延/期满), on the policy page and in the API; an insurer only its own policies'."""

import datetime as dt
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from apps.parties.rights import SystemActor
from apps.policies.models import LifecyclePath, Policy, PolicyStatusChange
from apps.policies.services import policies_expire, policy_cancel, policy_endorse
from tests.policies.factories import PolicyFactory, shanghai


def _history(parties):
    policy = PolicyFactory(insurer=parties.insurer_a, usage_nature_insured="family", starts_at=shanghai(2026, 1, 1),
                           ends_at=shanghai(2027, 1, 1))
    policy_endorse(actor=parties.insurer_a_user, policy=policy, usage_nature="ride_hailing",
                   effective_on=dt.date(2026, 7, 2), premium_mode="policy_year", reason="解除案件中批改",
                   new_premium=Decimal("1800.00"), source=policy)
    policy_cancel(actor=parties.insurer_a_user, policy=policy, ground="deregistered", evidence="注销证明",
                  at=shanghai(2026, 9, 1))
    return policy


def test_m12_regulator_sees_the_status_history_with_paths_on_the_page(parties, client):
    policy = _history(parties)
    client.force_login(parties.regulator_user)
    page = client.get(reverse("policies:detail", args=[policy.pk])).content.decode()
    assert 'data-testid="status-history"' in page
    assert 'data-path="endorsement"' in page and 'data-path="cancellation"' in page
    assert str(LifecyclePath.CANCELLATION.label) in page and "解除案件中批改" in page


def test_m12_regulator_sees_the_status_history_in_the_api(parties, api):
    policy = _history(parties)
    # a rescission recorded by the case decision (linked to its case) belongs to the same history
    PolicyStatusChange.objects.create(
        policy=policy, from_status=Policy.Status.CANCELLED, to_status=Policy.Status.CANCELLED,
        at=shanghai(2026, 9, 2), path=LifecyclePath.RESCISSION, reason="案件",
        source_content_type=ContentType.objects.get_for_model(Policy), source_object_id=str(policy.pk))
    body = api.as_user(parties.regulator_user).get(f"/api/v1/policies/{policy.pk}/history/").json()
    assert [c["path"] for c in body["status_changes"]] == ["endorsement", "cancellation", "rescission"]
    assert body["status_changes"][1]["to_status"] == "cancelled" and body["status_changes"][1]["actor"]
    assert body["endorsements"][0]["premium_delta"] == "850.00"
    assert api.as_user(parties.insurer_b_user).get(f"/api/v1/policies/{policy.pk}/history/").status_code == 404


def test_m12_expiry_is_recorded_as_the_system_job(parties):
    policy = PolicyFactory(insurer=parties.insurer_a, starts_at=shanghai(2025, 1, 1), ends_at=shanghai(2026, 1, 1))
    assert policies_expire(actor=SystemActor("policies.expire")) == 1
    change = PolicyStatusChange.objects.get(policy=policy)
    assert (change.path, change.to_status, change.system_job, change.actor) == (
        "expiry", "expired", "policies.expire", None)
