"""The case's endorsement (批改, rules J8, J9; art. 52's premium increase) is an API action too, with the page's
service and rights: the insurer handling the case endorses; the regulator, who reads the case, may not; another
insurer does not see it; bad input names the field."""

from __future__ import annotations

import pytest

from apps.core.deadlines import local_date
from apps.policies.models import Policy, PolicyKind
from apps.rescissions.models import Decision, Status
from apps.vehicles.usage import UsageNature

from .factories import days_ago, open_case, refresh, risk_increase

pytestmark = pytest.mark.django_db


def _body(policy, **over):
    body = {"policy": policy.pk, "usage_nature": UsageNature.RIDE_HAILING,
            "effective_on": local_date(days_ago(0)).isoformat(), "new_premium": "4200.00",
            "reason": "承保后改为网约车营运，批改使用性质"}
    body.update(over)
    return body


def test_j9_api_endorsement_closes_a_commercial_risk_increase_case_as_endorsed(parties, api):
    user = parties.insurer_a_user
    case = risk_increase(open_case(parties.insurer_a, known_at=days_ago(3, 9), kind=PolicyKind.THIRD_PARTY), user)
    url = f"/api/v1/rescission-cases/{case.pk}/endorsement/"
    assert api.as_user(parties.regulator_user).post(url, _body(case.policy), format="json").status_code == 403
    assert api.as_user(parties.insurer_b_user).post(url, _body(case.policy), format="json").status_code == 404
    bad = api.as_user(user).post(url, _body(case.policy, reason="短"), format="json")
    assert bad.status_code == 400 and "批改" in str(bad.json())
    assert refresh(case).status != Status.ENDORSED
    response = api.as_user(user).post(url, _body(case.policy), format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == Status.ENDORSED
    case = refresh(case)
    assert (case.status, case.decision) == (Status.ENDORSED, Decision.ENDORSED)
    assert Policy.objects.get(pk=case.policy_id).status == Policy.Status.ACTIVE
