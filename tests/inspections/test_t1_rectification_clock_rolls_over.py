"""The rectification clock of a joint-inspection notice (rule M17) counts natural days and rolls over a rest day
(rule T1): a period whose last day is a Saturday ends at 24:00 of the next working day."""

from __future__ import annotations

import pytest

from apps.core.models import Deadline
from apps.inspections import services
from tests.credit.test_t1_followup_and_urging_clocks_roll_over import assert_rolled, days_to_a_rest_saturday

pytestmark = pytest.mark.django_db


def test_t1_rectification_period_ending_on_a_saturday_rolls_to_the_next_working_day(parties, findings, settings):
    n = days_to_a_rest_saturday()
    settings.INSPECTION_RECTIFICATION_DAYS = n
    notice = services.notice_issue(actor=parties.ins_assoc_user, finding=findings["insurer_a"],
                                   requirement="按营运性质批改并重新核定保费")
    assert notice.rectification_days == n
    assert_rolled(Deadline.objects.get(rule=services.RECTIFICATION_RULE, object_id=str(notice.pk)), n)
