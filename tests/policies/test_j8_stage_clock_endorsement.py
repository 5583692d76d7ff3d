"""Rules J8, J9, M6 (issue 15, one clock table): the endorsement clock (``policy.endorsement``) concerns one policy —
an endorsement of that policy meets it and no other; the policy's end (expiry, cancellation, rescission) cancels it
with the reason, since no endorsement is owed on a policy no longer in force."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from apps.core.deadlines import deadline_for, local_date
from apps.core.models import AuditEvent, Deadline
from apps.parties.rights import SystemActor
from apps.policies.models import Policy, PolicyKind
from apps.policies.services import ENDORSEMENT_RULE, endorsement_clocks_open, policies_expire, policy_endorse
from apps.vehicles.usage import UsageNature
from tests.rescissions.factories import days_ago, open_case, risk_increase


def _owed(parties):
    case = open_case(parties.insurer_a, known_at=days_ago(3, 9), kind=PolicyKind.COMPULSORY)
    case = risk_increase(case, parties.insurer_a_user)
    return case.policy, deadline_for(rule=ENDORSEMENT_RULE, subject=case.case_policies.get())


def test_j8_an_endorsement_meets_only_its_own_policys_clock(parties):
    first, first_clock = _owed(parties)
    second, second_clock = _owed(parties)
    assert list(endorsement_clocks_open([first.pk])) == [first_clock]
    policy_endorse(actor=parties.insurer_a_user, policy=first, usage_nature=UsageNature.RIDE_HAILING,
                   effective_on=local_date(days_ago(0)), premium_mode="policy_year", reason="改为网约车，批改",
                   new_premium=Decimal("2850.00"))
    first_clock.refresh_from_db()
    second_clock.refresh_from_db()
    assert first_clock.status == Deadline.Status.MET
    assert second_clock.status == Deadline.Status.OPEN


def test_j8_an_expired_policy_owes_no_endorsement(parties):
    policy, clock = _owed(parties)
    other, other_clock = _owed(parties)
    Policy.objects.filter(pk=other.pk).update(ends_at=policy.ends_at + dt.timedelta(days=30))
    assert policies_expire(actor=SystemActor("policies.expire"), now=policy.ends_at + dt.timedelta(minutes=1)) == 1
    clock.refresh_from_db()
    other_clock.refresh_from_db()
    assert clock.status == Deadline.Status.CANCELLED and other_clock.status == Deadline.Status.OPEN
    cancel = AuditEvent.objects.get(action="deadline.cancel", object_id=str(clock.pk))
    assert "保险期间届满" in cancel.detail["reason"] and cancel.system_job == "policies.expire"
