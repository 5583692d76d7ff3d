"""Natural-day clocks of the credit app roll over a rest day (rule T1, Civil Code arts. 201, 203): the supervisory
action's follow-up (M15, M17) and the association's 督促 item (M12, M17) counted N days from a start whose day N is
a Saturday end at 24:00 of the next working day, not on the Saturday."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from apps.core.calendar import is_workday, next_working_day_on_or_after
from apps.core.deadlines import deadline_for, end_of_day, local_date
from apps.credit import services
from apps.parties.rights import SystemActor
from tests.policies.factories import PolicyFactory

pytestmark = pytest.mark.django_db


def days_to_a_rest_saturday() -> int:
    """N such that today + N is a Saturday that is not a working day (a 调休 Saturday is skipped)."""
    today = local_date(timezone.now())
    n = (5 - today.weekday()) % 7 or 7
    while is_workday(today + dt.timedelta(days=n))[0]:
        n += 7
    return n


def assert_rolled(clock, n: int) -> None:
    last = local_date(clock.starts_at) + dt.timedelta(days=n)
    assert last.weekday() == 5 and clock.amount == n
    expected, moved, _ = next_working_day_on_or_after(last, clock.calendar_region or None)
    assert moved and expected > last
    assert clock.due_at == end_of_day(expected)


def test_t1_supervisory_action_followup_ending_on_a_saturday_rolls_to_the_next_working_day(parties, settings):
    n = days_to_a_rest_saturday()
    settings.SUPERVISORY_ACTION_FOLLOWUP_DAYS = {"rectification_order": n, "business_suspension": 90, "penalty": 30,
                                                 "self_discipline": 30}
    action = services.supervisory_action_issue(
        actor=parties.regulator_user, target=parties.insurer_b, kind="rectification_order",
        ground="unlawful_refusal", facts="对网约车违规拒保。", starts_on=timezone.localdate())
    assert_rolled(deadline_for(rule=services.FOLLOWUP_RULE, subject=action), n)


def test_t1_urging_item_ending_on_a_saturday_rolls_to_the_next_working_day(parties, settings):
    n = days_to_a_rest_saturday()
    settings.URGING_ITEM_DAYS = n
    item = services.urging_item_open(
        actor=SystemActor("rescissions.decision_deadline_passed"), insurer=parties.insurer_a,
        subject=PolicyFactory(insurer=parties.insurer_a), rule="M12", reason="超期未作出决定")
    assert_rolled(deadline_for(rule=services.URGING_RULE, subject=item), n)
