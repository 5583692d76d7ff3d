"""A joint inspection of insurer A, insurer B and company A planned by the regulator with both associations and
transport; insurer A and company A have problems, insurer B none."""

import datetime as dt

import pytest
from django.utils import timezone

from apps.inspections import services
from apps.inspections.models import Conclusion


@pytest.fixture
def inspection(parties):
    p = parties
    today = timezone.localdate()
    return services.inspection_plan(
        actor=p.regulator_user, scope="网约车承保使用性质核验；营运车辆投保台账",
        planned_start=today - dt.timedelta(days=5), planned_end=today + dt.timedelta(days=5),
        participants=[p.ins_assoc, p.taxi_assoc, p.transport], inspected_parties=[p.insurer_a, p.insurer_b, p.company_a])


@pytest.fixture
def findings(parties, inspection):
    p = parties
    today = timezone.localdate()
    return {
        "insurer_a": services.finding_record(actor=p.ins_assoc_user, inspection=inspection, party=p.insurer_a,
                                             inspected_on=today, conclusion=Conclusion.PROBLEMS_FOUND,
                                             problems="人保问题：3 笔网约车按家庭自用承保"),
        "insurer_b": services.finding_record(actor=p.regulator_user, inspection=inspection, party=p.insurer_b,
                                             inspected_on=today, conclusion=Conclusion.NO_PROBLEMS),
        "company_a": services.finding_record(actor=p.taxi_assoc_user, inspection=inspection, party=p.company_a,
                                             inspected_on=today, conclusion=Conclusion.PROBLEMS_FOUND,
                                             problems="龙城问题：驾驶员台账缺 5 人"),
    }


@pytest.fixture
def notice(parties, findings):
    return services.notice_issue(actor=parties.ins_assoc_user, finding=findings["insurer_a"],
                                 requirement="按营运性质批改并重新核定保费")
