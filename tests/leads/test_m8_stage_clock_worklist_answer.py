"""Rule M8 (issue 15, one clock table): an insurer's answer to an item of its worklist has a clock from the table,
``lead.worklist_answer``: it starts at the item's receipt, runs ``LEAD_WORKLIST_ANSWER_DAYS`` natural days
(default 15, rolling over a rest day), is met by the answer, is breached by the scan when nobody answers, and its
due date shows on the worklist. An M6 endorsement item also starts the policy's endorsement clock
(``policy.endorsement``), met by the endorsement of that policy."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from apps.core.deadlines import compute_due, deadline_for, deadline_scan
from apps.core.models import Deadline
from apps.core.rules import rule_get
from apps.leads import services
from apps.leads.models import InsurerWorklistItem
from apps.leads.screening import (
    lawful_list_push,
    screening_dispatch,
    screening_dispatch_preview,
    screening_findings_review,
)
from apps.policies.services import ENDORSEMENT_RULE, policy_endorse
from apps.vehicles.usage import UsageNature

from .factories import operating_car, permit, policy, private_car


def _item(parties, deliver) -> InsurerWorklistItem:
    car = private_car()
    policy(car, parties.insurer_a, usage=UsageNature.FAMILY)
    services.lead_flag(actor=parties.transport_user, plate=car.plate, evidence="客运站揽客", push=True)
    deliver()
    return InsurerWorklistItem.objects.get(insurer=parties.insurer_a)


def test_m8_worklist_answer_clock_is_registered_with_its_setting():
    rule = rule_get(services.WORKLIST_ANSWER_RULE)
    assert rule is not None and rule.rule_ids == "M8" and rule.legal_basis
    assert rule.unit == Deadline.Unit.NATURAL_DAYS and rule.roll_over
    assert rule.resolved_amount() == 15
    with override_settings(LEAD_WORKLIST_ANSWER_DAYS=9):
        assert rule.resolved_amount() == 9


def test_m8_receipt_starts_the_answer_clock_and_the_answer_meets_it(parties, deliver, client):
    item = _item(parties, deliver)
    clock = deadline_for(rule=services.WORKLIST_ANSWER_RULE, subject=item)
    assert clock is not None
    assert (clock.responsible, clock.starts_at, clock.unit, clock.amount) == (
        parties.insurer_a, item.received_at, Deadline.Unit.NATURAL_DAYS, 15)
    due, _provisional = compute_due(starts_at=item.received_at, unit=Deadline.Unit.NATURAL_DAYS, amount=15,
                                    region=clock.calendar_region)
    assert clock.due_at == due

    client.force_login(parties.insurer_a_user)
    body = client.get("/leads/worklist/").content.decode()
    assert 'data-testid="answer-clock"' in body
    assert timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M") in body

    services.worklist_item_answer(actor=parties.insurer_a_user, item=item, answer="non_operating_confirmed")
    clock.refresh_from_db()
    assert clock.status == Deadline.Status.MET and clock.met_at is not None and clock.breached_at is None


def test_m8_an_unanswered_item_is_breached_by_the_scan(parties, deliver):
    item = _item(parties, deliver)
    clock = deadline_for(rule=services.WORKLIST_ANSWER_RULE, subject=item)
    deadline_scan(now=clock.due_at - dt.timedelta(minutes=1))
    clock.refresh_from_db()
    assert clock.breached_at is None
    deadline_scan(now=clock.due_at + dt.timedelta(minutes=1))
    clock.refresh_from_db()
    assert clock.status == Deadline.Status.BREACHED and clock.breached_at is not None


def test_m8_the_clock_length_follows_the_setting(parties, deliver):
    with override_settings(LEAD_WORKLIST_ANSWER_DAYS=7):
        item = _item(parties, deliver)
    clock = deadline_for(rule=services.WORKLIST_ANSWER_RULE, subject=item)
    assert clock.amount == 7
    due, _provisional = compute_due(starts_at=item.received_at, unit=Deadline.Unit.NATURAL_DAYS, amount=7,
                                    region=clock.calendar_region)
    assert clock.due_at == due


@pytest.fixture
def endorsement_item(parties, deliver):
    """A lawful operating vehicle insured as non-operating at insurer A, reviewed and dispatched (rule M6)."""
    car = operating_car()
    permit(car)
    insured = policy(car, parties.insurer_a, usage=UsageNature.FAMILY)
    run = lawful_list_push(actor=parties.transport_user)
    deliver()
    run.refresh_from_db()
    screening_findings_review(actor=parties.regulator_user, run=run,
                              finding_ids=list(run.findings.values_list("pk", flat=True)), decision="confirmed")
    screening_dispatch(actor=parties.regulator_user, run=run,
                       digest=screening_dispatch_preview(actor=parties.regulator_user, run=run).digest)
    deliver()
    item = InsurerWorklistItem.objects.get(kind=InsurerWorklistItem.Kind.ENDORSEMENT)
    return item, insured


def test_m6_an_endorsement_item_starts_the_endorsement_clock_met_by_the_endorsement(parties, endorsement_item, client):
    item, insured = endorsement_item
    clock = deadline_for(rule=ENDORSEMENT_RULE, subject=item)
    assert clock is not None
    assert (clock.responsible, clock.starts_at, clock.amount) == (parties.insurer_a, item.received_at, 15)
    assert deadline_for(rule=services.WORKLIST_ANSWER_RULE, subject=item) is not None

    client.force_login(parties.insurer_a_user)
    assert 'data-testid="endorsement-clock"' in client.get("/leads/worklist/").content.decode()

    policy_endorse(actor=parties.insurer_a_user, policy=insured, usage_nature=UsageNature.RIDE_HAILING,
                   effective_on=timezone.localdate(), premium_mode="daily_rate", reason="合法营运车辆清单比对：批改为网约车",
                   new_premium=Decimal("1800.00"))
    clock.refresh_from_db()
    assert clock.status == Deadline.Status.MET and clock.breached_at is None
    # the answer is a separate duty: still open until the insurer answers the item
    assert deadline_for(rule=services.WORKLIST_ANSWER_RULE, subject=item).status == Deadline.Status.OPEN


def test_m6_an_endorsement_not_recorded_in_time_is_breached(parties, endorsement_item):
    item, _insured = endorsement_item
    clock = deadline_for(rule=ENDORSEMENT_RULE, subject=item)
    deadline_scan(now=clock.due_at + dt.timedelta(minutes=1))
    clock.refresh_from_db()
    assert clock.status == Deadline.Status.BREACHED
