"""Endorsements (批改) are their own records (rules J8, J9): usage nature from/to, effective date, premium delta.

Money is Decimal, rounded to the fen with ROUND_HALF_UP.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from apps.core.errors import ConflictError, PermissionDeniedError
from apps.core.models import AuditEvent
from apps.policies.models import Endorsement, LifecyclePath, Policy, PolicyStatusChange
from apps.policies.services import endorsement_premium, policy_endorse
from tests.policies.factories import PolicyFactory, shanghai


def _policy(parties, **over):
    values = {"insurer": parties.insurer_a, "usage_nature_insured": "family", "starts_at": shanghai(2026, 1, 1),
              "ends_at": shanghai(2027, 1, 1), "premium": Decimal("950.00")}
    values.update(over)
    return PolicyFactory(**values)


def test_j8_daily_rate_delta_is_remaining_days_over_period_days_times_premium_difference(parties):
    policy = _policy(parties)  # 2026-01-01 0时 … 2027-01-01 0时: 365 days
    e = policy_endorse(actor=parties.insurer_a_user, policy=policy, usage_nature="ride_hailing",
                       effective_on=dt.date(2026, 7, 2), premium_mode="daily_rate", reason="车辆转为网约车营运",
                       new_premium=Decimal("1800.00"))
    # 2026-07-02 … 2026-12-31 = 183 days; 183 / 365 × (1800 − 950) = 426.164… → 426.16
    assert (e.period_days, e.remaining_days) == (365, 183)
    assert e.premium_delta == Decimal("426.16")
    assert e.premium_after == Decimal("1376.16")
    assert (e.usage_nature_from, e.usage_nature_to) == ("family", "ride_hailing")
    policy.refresh_from_db()
    assert policy.usage_nature_insured == "ride_hailing" and policy.premium == Decimal("1376.16")
    assert policy.starts_at == shanghai(2026, 1, 1) and policy.ends_at == shanghai(2027, 1, 1)  # period untouched
    assert e.actor == parties.insurer_a_user


def test_j8_daily_rate_rounds_half_up_to_the_fen():
    # 1 / 4 × 0.10 = 0.025 → 0.03 (ROUND_HALF_UP; banker's rounding would give 0.02)
    assert endorsement_premium(mode="daily_rate", old_premium=Decimal("0"), new_premium=Decimal("0.10"),
                               period_days=4, remaining_days=1) == Decimal("0.03")
    # a decrease (operating → family) is negative: 100 / 200 × (600 − 1000) = −200.00
    assert endorsement_premium(mode="daily_rate", old_premium=Decimal("1000"), new_premium=Decimal("600"),
                               period_days=200, remaining_days=100) == Decimal("-200.00")


def test_j9_policy_year_rerates_the_whole_policy_year(parties):
    policy = _policy(parties)
    e = policy_endorse(actor=parties.insurer_a_user, policy=policy, usage_nature="ride_hailing",
                       effective_on=dt.date(2026, 11, 1), premium_mode="policy_year",
                       reason="使用性质改变致危险程度增加，未通知保险人（规则 J9）", new_premium=Decimal("1800.00"))
    assert e.premium_delta == Decimal("850.00")  # whole year, not 61/365 of it
    assert e.premium_after == Decimal("1800.00")


def test_j8_endorsement_is_recorded_in_history_and_audit_with_its_source(parties):
    policy = _policy(parties)
    source = PolicyFactory(insurer=parties.insurer_a)  # any model instance can be the linked cause
    e = policy_endorse(actor=parties.insurer_a_user, policy=policy, usage_nature="ride_hailing",
                       effective_on=dt.date(2026, 7, 2), premium_mode="daily_rate", reason="批改",
                       new_premium=Decimal("1800.00"), source=source)
    assert e.source == source
    change = PolicyStatusChange.objects.get(policy=policy)
    assert change.path == LifecyclePath.ENDORSEMENT and change.source == e
    assert change.from_status == change.to_status == Policy.Status.ACTIVE
    assert AuditEvent.objects.filter(action="policy.endorse", object_id=str(policy.pk)).exists()


def test_j8_endorsement_needs_a_change_a_reason_a_lawful_mode_and_a_date_in_the_period(parties):
    policy = _policy(parties)
    base = {"actor": parties.insurer_a_user, "policy": policy, "usage_nature": "ride_hailing",
            "effective_on": dt.date(2026, 7, 2), "premium_mode": "daily_rate", "reason": "批改",
            "new_premium": Decimal("1800.00")}
    for over, field in (({"usage_nature": "family"}, "usage_nature"), ({"reason": " "}, "reason"),
                        ({"premium_mode": "discount"}, "premium_mode"),
                        ({"effective_on": dt.date(2027, 1, 1)}, "effective_on"),
                        ({"effective_on": dt.date(2025, 12, 31)}, "effective_on"),
                        ({"new_premium": 1800.0}, "new_premium")):
        with pytest.raises(ValidationError) as exc:
            policy_endorse(**{**base, **over})
        assert field in exc.value.message_dict
    assert not Endorsement.objects.exists()


def test_j8_only_the_issuing_insurer_endorses_an_active_policy(parties):
    policy = _policy(parties)
    kwargs = {"policy": policy, "usage_nature": "ride_hailing", "effective_on": dt.date(2026, 7, 2),
              "premium_mode": "daily_rate", "reason": "批改", "new_premium": Decimal("1800.00")}
    for user in (parties.insurer_b_user, parties.regulator_user, parties.ins_assoc_user, parties.company_a_user):
        with pytest.raises(PermissionDeniedError):
            policy_endorse(actor=user, **kwargs)
    Policy.objects.filter(pk=policy.pk).update(status=Policy.Status.CANCELLED)
    with pytest.raises(ConflictError):
        policy_endorse(actor=parties.insurer_a_user, **kwargs)
    with pytest.raises(TypeError):
        policy_endorse(actor=None, **kwargs)
