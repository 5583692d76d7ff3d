"""Rule M14 (issue 15, one clock table): the platform company's results of a focused-check list have a clock from
the table, ``claims.focused_check`` (subject: the list): it starts at the company's receipt of the list, runs
``CLAIM_FOCUSED_CHECK_DAYS`` natural days (default 30, rolling over a rest day), is met when the list's last
pending check is recorded, is breached by the scan otherwise, and shows on the company's pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from apps.claims import analytics
from apps.claims.models import Claim, FocusedCheck, FocusedCheckList
from apps.core.deadlines import compute_due, deadline_for, deadline_scan
from apps.core.models import Deadline
from apps.core.rules import rule_get
from apps.exchange.services import batch_deliver

from .factories import make_policy, make_vehicle

pytestmark = pytest.mark.django_db


def _claims(insurer, vehicle, count=3):
    policy = make_policy(insurer=insurer, vehicle=vehicle)
    for i in range(count):
        at = timezone.now() - dt.timedelta(days=30, hours=i)
        Claim.objects.create(
            insurer=insurer, number=f"FC{vehicle.pk}-{i}-{Claim.objects.count()}", policy=policy, vehicle=vehicle,
            occurred_at=at, reported_at=at + dt.timedelta(minutes=20), amount_claimed=Decimal("20000"),
        )


def _received_list(parties, vehicles=1) -> FocusedCheckList:
    for _ in range(vehicles):
        _claims(parties.insurer_a, make_vehicle(company=parties.company_a))
    run = analytics.analytics_run(actor=parties.ins_assoc_user)
    check_list = FocusedCheckList.objects.get(run=run)
    assert batch_deliver(batch_id=check_list.batch_id) == "delivered"
    check_list.refresh_from_db()
    return check_list


def test_m14_focused_check_clock_is_registered_with_its_setting():
    rule = rule_get(analytics.FOCUSED_CHECK_RULE)
    assert rule is not None and rule.rule_ids == "M14" and rule.legal_basis
    assert rule.unit == Deadline.Unit.NATURAL_DAYS and rule.roll_over and rule.resolved_amount() == 30
    with override_settings(CLAIM_FOCUSED_CHECK_DAYS=12):
        assert rule.resolved_amount() == 12


def test_m14_receipt_starts_the_clock_and_the_last_result_meets_it(parties, client):
    check_list = _received_list(parties, vehicles=2)
    clock = deadline_for(rule=analytics.FOCUSED_CHECK_RULE, subject=check_list)
    assert clock is not None
    assert (clock.responsible, clock.starts_at, clock.unit, clock.amount) == (
        parties.company_a, check_list.received_at, Deadline.Unit.NATURAL_DAYS, 30)
    due, _provisional = compute_due(starts_at=check_list.received_at, unit=Deadline.Unit.NATURAL_DAYS, amount=30,
                                    region=clock.calendar_region)
    assert clock.due_at == due

    client.force_login(parties.company_a_user)
    due_text = timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M")
    assert due_text in client.get("/claims/checks/").content.decode()
    first, second = FocusedCheck.objects.filter(check_list=check_list).order_by("pk")
    assert due_text in client.get(f"/claims/checks/{first.pk}/").content.decode()

    analytics.focused_check_record(actor=parties.company_a_user, check=first, result="no_violation", note="已核查")
    clock.refresh_from_db()
    assert clock.status == Deadline.Status.OPEN  # one check of the list is still pending
    analytics.focused_check_record(actor=parties.company_a_user, check=second, result="no_violation", note="已核查")
    clock.refresh_from_db()
    assert clock.status == Deadline.Status.MET and clock.breached_at is None


def test_m14_a_list_without_all_results_is_breached_by_the_scan(parties):
    check_list = _received_list(parties)
    clock = deadline_for(rule=analytics.FOCUSED_CHECK_RULE, subject=check_list)
    deadline_scan(now=clock.due_at - dt.timedelta(minutes=1))
    clock.refresh_from_db()
    assert clock.breached_at is None
    deadline_scan(now=clock.due_at + dt.timedelta(minutes=1))
    clock.refresh_from_db()
    assert clock.status == Deadline.Status.BREACHED


def test_m14_the_clock_length_follows_the_setting(parties):
    with override_settings(CLAIM_FOCUSED_CHECK_DAYS=10):
        check_list = _received_list(parties)
    clock = deadline_for(rule=analytics.FOCUSED_CHECK_RULE, subject=check_list)
    assert clock.amount == 10
    due, _provisional = compute_due(starts_at=check_list.received_at, unit=Deadline.Unit.NATURAL_DAYS, amount=10,
                                    region=clock.calendar_region)
    assert clock.due_at == due


def test_m14_a_list_not_yet_received_has_no_clock(parties):
    _claims(parties.insurer_a, make_vehicle(company=parties.company_a))
    run = analytics.analytics_run(actor=parties.ins_assoc_user)
    check_list = FocusedCheckList.objects.get(run=run)
    assert check_list.sent_at is not None and check_list.received_at is None
    assert deadline_for(rule=analytics.FOCUSED_CHECK_RULE, subject=check_list) is None
