"""Rules J8, J9, J13 (issue 15, one clock table): when a case's path is the risk increased after inception, each
交强险 policy of the case is to be endorsed (never rescinded) and gets the insurer's endorsement clock from the table,
``policy.endorsement`` (subject: the case's policy): it starts when the path is recorded, runs
``POLICY_ENDORSEMENT_DAYS`` natural days (default 15), is met by the endorsement of that policy (in the case or on
the policy page), is cancelled with its reason when the path changes or the case ends otherwise, is breached by the
scan, and shows on the case page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.test import override_settings
from django.utils import timezone

from apps.core.deadlines import compute_due, deadline_for, deadline_scan, local_date
from apps.core.models import AuditEvent, Deadline
from apps.core.rules import rule_get
from apps.parties.rights import SystemActor
from apps.policies.models import PolicyKind
from apps.policies.services import ENDORSEMENT_RULE, policy_endorse
from apps.rescissions import services
from apps.rescissions.models import Status
from apps.vehicles.usage import UsageNature

from .factories import days_ago, non_disclosure, open_case, refresh, risk_increase


def _compulsory_case(parties):
    case = open_case(parties.insurer_a, known_at=days_ago(3, 9), kind=PolicyKind.COMPULSORY)
    return risk_increase(case, parties.insurer_a_user)


def _clock(case) -> Deadline | None:
    return deadline_for(rule=ENDORSEMENT_RULE, subject=case.case_policies.get())


def test_j9_endorsement_clock_is_registered_with_its_setting():
    rule = rule_get(ENDORSEMENT_RULE)
    assert rule is not None and "J9" in rule.rule_ids and "M6" in rule.rule_ids and rule.legal_basis
    assert rule.unit == Deadline.Unit.NATURAL_DAYS and rule.roll_over and rule.resolved_amount() == 15
    with override_settings(POLICY_ENDORSEMENT_DAYS=20):
        assert rule.resolved_amount() == 20


def test_j9_the_risk_increase_path_starts_the_clock_and_the_endorsement_meets_it(parties, client):
    user = parties.insurer_a_user
    case = _compulsory_case(parties)
    clock = _clock(case)
    assert clock is not None
    assert (clock.responsible, clock.starts_at, clock.unit, clock.amount) == (
        parties.insurer_a, case.path_recorded_at, Deadline.Unit.NATURAL_DAYS, 15)
    due, _provisional = compute_due(starts_at=case.path_recorded_at, unit=Deadline.Unit.NATURAL_DAYS, amount=15,
                                    region=clock.calendar_region)
    assert clock.due_at == due

    client.force_login(user)
    body = client.get(f"/rescissions/{case.pk}/").content.decode()
    assert 'data-testid="endorsement-clock"' in body
    assert timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M") in body

    services.rescission_endorse(case=case, actor=user, policy=case.policy, usage_nature=UsageNature.RIDE_HAILING,
                                effective_on=local_date(days_ago(0)), new_premium=Decimal("2850.00"),
                                reason="承保后改为网约车营运，批改使用性质")
    clock.refresh_from_db()
    assert refresh(case).status == Status.ENDORSED
    assert clock.status == Deadline.Status.MET and clock.breached_at is None


def test_j9_an_endorsement_on_the_policy_page_meets_it_too(parties):
    case = _compulsory_case(parties)
    policy_endorse(actor=parties.insurer_a_user, policy=case.policy, usage_nature=UsageNature.RIDE_HAILING,
                   effective_on=local_date(days_ago(0)), premium_mode="policy_year", reason="改为网约车，批改",
                   new_premium=Decimal("2850.00"))
    assert _clock(refresh(case)).status == Deadline.Status.MET


def test_j13_a_commercial_policy_on_the_same_path_gets_no_endorsement_clock(parties):
    case = open_case(parties.insurer_a, known_at=days_ago(3, 9), kind=PolicyKind.THIRD_PARTY)
    case = risk_increase(case, parties.insurer_a_user)  # art. 52: endorse or terminate, the case's own clock
    assert _clock(case) is None


def test_j9_a_changed_path_cancels_the_clock_with_its_reason(parties):
    case = _compulsory_case(parties)
    clock = _clock(case)
    non_disclosure(case, parties.insurer_a_user)
    clock.refresh_from_db()
    assert clock.status == Deadline.Status.CANCELLED
    cancel = AuditEvent.objects.get(action="deadline.cancel", object_id=str(clock.pk))
    assert "未如实告知" in cancel.detail["reason"]


def test_j9_a_lapsed_case_cancels_the_clock(parties):
    case = _compulsory_case(parties)
    clock = _clock(case)
    services.rescission_lapse(actor=SystemActor("rescissions.decision_deadline_passed"), case=case,
                              deadline=services.decide_deadline(case))
    clock.refresh_from_db()
    assert refresh(case).status == Status.LAPSED and clock.status == Deadline.Status.CANCELLED


def test_j9_no_endorsement_in_time_is_breached_by_the_scan(parties):
    case = _compulsory_case(parties)
    clock = _clock(case)
    deadline_scan(now=clock.due_at - dt.timedelta(minutes=1))
    clock.refresh_from_db()
    assert clock.breached_at is None
    # the case's 30 days are the later clock here: only the endorsement clock is breached at its due instant
    deadline_scan(now=clock.due_at + dt.timedelta(minutes=1))
    clock.refresh_from_db()
    assert clock.status == Deadline.Status.BREACHED


def test_j9_the_clock_length_follows_the_setting(parties):
    with override_settings(POLICY_ENDORSEMENT_DAYS=6):
        case = _compulsory_case(parties)
    clock = _clock(case)
    assert clock.amount == 6
    due, _provisional = compute_due(starts_at=case.path_recorded_at, unit=Deadline.Unit.NATURAL_DAYS, amount=6,
                                    region=clock.calendar_region)
    assert clock.due_at == due
