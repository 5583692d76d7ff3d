"""Each path has its own wording (rule J13): a case on the risk-increase path of a commercial policy (Insurance Law
art. 52) that passes its period undecided did not see a rescission right lapse — the insurer did not increase the
premium or terminate within the period; the J5 path keeps "解除权已消灭"."""

from __future__ import annotations

import pytest

from apps.credit.models import UrgingItem
from apps.parties.rights import SystemActor
from apps.policies.models import PolicyKind
from apps.rescissions import services
from apps.rescissions.models import Status

from .factories import days_ago, non_disclosure, open_case, refresh, risk_increase

pytestmark = pytest.mark.django_db


def _lapse(case):
    return refresh(services.rescission_lapse(actor=SystemActor("rescissions.decision_deadline_passed"), case=case,
                                             deadline=services.decide_deadline(case)))


def _notice(user):
    return user.notifications.get(kind="rescission.lapsed")


def test_art52_lapse_says_no_premium_increase_or_termination_not_a_lapsed_right(parties):
    user = parties.insurer_a_user
    case = risk_increase(open_case(parties.insurer_a, known_at=days_ago(25, 9), kind=PolicyKind.THIRD_PARTY), user)
    case = _lapse(case)
    assert case.status == Status.LAPSED
    notice = _notice(user)
    text = f"{notice.title} {notice.body}"
    assert "解除权已消灭" not in text and "解除事由" not in text
    assert "增加保险费或解除合同" in text and "第五十二条" in text
    assert "解除权" not in case.get_status_display()  # the status label lists and pages show is true of this path
    urging = UrgingItem.objects.get(insurer=parties.insurer_a)
    assert "第五十二条" in urging.reason and "解除事由" not in urging.reason


def test_j9_compulsory_risk_increase_lapse_names_the_missing_endorsement(parties):
    user = parties.insurer_a_user
    case = risk_increase(open_case(parties.insurer_a, known_at=days_ago(25, 9), kind=PolicyKind.COMPULSORY), user)
    notice = (_lapse(case), _notice(user))[1]
    text = f"{notice.title} {notice.body}"
    assert "解除权已消灭" not in text and "批改保单" in text and "J9" in text


def test_j5_non_disclosure_lapse_keeps_the_lapsed_right(parties):
    user = parties.insurer_a_user
    case = non_disclosure(open_case(parties.insurer_a, known_at=days_ago(25, 9)), user)
    _lapse(case)
    assert "解除权已消灭" in _notice(user).title
