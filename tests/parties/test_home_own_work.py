"""Each association's home is built around its own work (rules M2, M8, M12, M17): the insurance association's
督促 items, the proposals it decides, its risk-model runs and the inspections it takes part in; the taxi
association's proposals (companies and their drivers), inspections, training records and the companies' credit
files — not the regulator's panels. The platform operator's home links to the administration site and shows no
credit file of the platform itself. Each panel reads a fixed number of queries whatever the number of rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.core import home
from apps.credit import services as credit
from apps.inspections import services as inspections
from apps.leads import risk
from apps.parties.models import OrganizationKind
from apps.parties.rights import SystemActor
from tests.credit.factories import make_driver, make_vehicle
from tests.factories import OrganizationFactory, UserFactory
from tests.policies.factories import PolicyFactory

pytestmark = pytest.mark.django_db
JOB = SystemActor("tests.home_own_work")
REGULATOR_ONLY = ('data-panel="rescissions.watcher"', 'data-panel="rescissions.lapsing"')


def _home(client, user) -> str:
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def _urge(p):
    return credit.urging_item_open(actor=SystemActor("rescissions.decision_deadline_passed"), insurer=p.insurer_a,
                                   subject=PolicyFactory(insurer=p.insurer_a), rule="M12", reason="超期未作出决定")


def _propose(subject, **kw):
    values = {"event": "claims_violation", "severity": "moderate", "reason": "重点核查发现违规",
              "occurred_on": timezone.localdate() - dt.timedelta(days=3)}
    return credit.credit_proposal_create(actor=JOB, subject=subject, **{**values, **kw})


def _inspect(p, **kw):
    today = timezone.localdate()
    values = {"scope": "网约车承保使用性质核验", "planned_start": today + dt.timedelta(days=2),
              "planned_end": today + dt.timedelta(days=9), "participants": [p.ins_assoc, p.taxi_assoc],
              "inspected_parties": [p.insurer_a, p.company_a]}
    return inspections.inspection_plan(actor=p.regulator_user, **{**values, **kw})


def _train(p, topic="营运车辆投保规范"):
    return inspections.training_record(actor=p.taxi_assoc_user, held_on=timezone.localdate(), topic=topic,
                                       trainer="韦老师", companies=[p.company_a, p.company_b], drivers_count=40)


def test_m12_m2_m8_m17_insurance_association_home_shows_its_own_work_not_the_regulators_panels(client, parties):
    p = parties
    item = _urge(p)
    vehicle_proposal = _propose(make_vehicle())
    company_proposal = _propose(p.company_a)  # the taxi association decides it
    run = risk.risk_model_run(actor=p.ins_assoc_user)
    own = _inspect(p)
    other = _inspect(p, participants=[p.transport])  # not one the insurance association takes part in
    html = _home(client, p.ins_assoc_user)
    for key in ("credit.urging", "credit.proposals", "leads-risk-runs", "inspections.own"):
        assert f'data-panel="{key}"' in html, key
    assert not any(marker in html for marker in REGULATOR_ONLY)
    assert f'href="/credit/urging/{item.pk}/">{item.number}</a>' in html
    assert f'href="/credit/proposals/{vehicle_proposal.pk}/">{vehicle_proposal.number}</a>' in html
    assert company_proposal.number not in html
    assert f'/leads/risk/runs/{run.pk}/' in html and "次运行的结果待确认推送。" in html
    assert own.number in html and other.number not in html
    # own work comes before the panels it shares with other roles
    assert html.index('data-panel="credit.urging"') < html.index('data-panel="leads-inbox"')


def test_m2_m17_taxi_association_home_shows_its_proposals_inspections_trainings_and_company_files(client, parties):
    p = parties
    driver = make_driver(company=p.company_a)
    company_proposal, driver_proposal = _propose(p.company_a), _propose(driver)
    vehicle_proposal = _propose(make_vehicle())  # the insurance association decides it
    own, training = _inspect(p), _train(p)
    credit.credit_record_add(actor=p.taxi_assoc_user, subject=p.company_b, event="claims_violation",
                             severity="severe", occurred_on=timezone.localdate() - dt.timedelta(days=2),
                             detail="拒不配合理赔核查")
    html = _home(client, p.taxi_assoc_user)
    for key in ("credit.proposals", "inspections.own", "inspections.trainings", "credit.company_files"):
        assert f'data-panel="{key}"' in html, key
    assert 'data-panel="credit.urging"' not in html and 'data-panel="leads-risk-runs"' not in html
    assert company_proposal.number in html and driver_proposal.number in html
    assert vehicle_proposal.number not in html
    assert own.number in html and f'href="/inspections/trainings/{training.pk}/">{training.number}</a>' in html
    assert f'href="/credit/file/org/{p.company_b.pk}/">{p.company_b.name}</a>' in html


@pytest.mark.parametrize("name", ["regulator", "insurer_a", "company_a", "transport"])
def test_m2_association_panels_stay_off_the_other_roles_homes(client, parties, name):
    _urge(parties)
    _train(parties)
    html = _home(client, getattr(parties, f"{name}_user"))
    for key in ("credit.urging", "credit.proposals", "leads-risk-runs", "inspections.own", "inspections.trainings",
                "credit.company_files", "parties.operator"):
        assert f'data-panel="{key}"' not in html, key


def test_regulator_keeps_its_panels(client, parties):
    html = _home(client, parties.regulator_user)
    for key in ("leads-inbox", "rescissions.lapsing", "rescissions.watcher", "complaints", "credit.actions"):
        assert f'data-panel="{key}"' in html, key


def test_operator_home_links_to_the_admin_and_shows_no_credit_file_of_the_platform(client, parties):
    platform = OrganizationFactory(kind=OrganizationKind.PLATFORM, name="平台运维(测试)")
    operator = UserFactory(organization=platform, username="u_operator", is_staff=True, is_superuser=True)
    html = _home(client, operator)
    assert 'data-panel="parties.operator"' in html and 'href="/admin/"' in html
    assert 'data-panel="credit.own_file"' not in html and "本单位信用档案" not in html
    assert f"/credit/file/org/{platform.pk}/" not in html
    # a superuser no longer gets every role's panels
    assert 'data-panel="rescissions.insurer"' not in html and 'data-panel="credit.urging"' not in html
    assert client.get("/admin/").status_code == 200


def _panel_queries(key: str, user) -> int:
    panel = next(p for p in home._PANELS.values() if p.key == key)
    request = RequestFactory().get("/")
    request.user = user
    with CaptureQueriesContext(connection) as captured:
        render_to_string(panel.template, {"panel": panel.context(request), "request": request, "user": user})
    return len(captured.captured_queries)


def _more_data(p, i):
    _urge(p)
    _propose(make_vehicle())
    _propose(OrganizationFactory(kind=OrganizationKind.TAXI_COMPANY, name=f"测试出租{i}"))
    _propose(make_driver(company=p.company_a))
    _inspect(p)
    _train(p, topic=f"培训{i}")
    risk.risk_model_run(actor=p.ins_assoc_user)
    company = OrganizationFactory(kind=OrganizationKind.TAXI_COMPANY, name=f"记录出租{i}")
    credit.credit_record_add(actor=p.taxi_assoc_user, subject=company, event="claims_violation", severity="minor",
                             occurred_on=timezone.localdate() - dt.timedelta(days=1), detail="理赔核查违规")


@pytest.mark.parametrize(("key", "who"), [
    ("credit.urging", "ins_assoc"), ("credit.proposals", "ins_assoc"), ("credit.proposals", "taxi_assoc"),
    ("leads-risk-runs", "ins_assoc"), ("inspections.own", "ins_assoc"), ("inspections.own", "taxi_assoc"),
    ("inspections.trainings", "taxi_assoc"), ("credit.company_files", "taxi_assoc"),
])
def test_association_panels_take_a_fixed_number_of_queries(parties, key, who):
    user = getattr(parties, f"{who}_user")
    _more_data(parties, 0)
    few = _panel_queries(key, user)
    for i in range(1, 7):
        _more_data(parties, i)
    assert _panel_queries(key, user) == few
