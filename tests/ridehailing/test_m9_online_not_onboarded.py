"""Rule M9: a vehicle the company's ride-hailing data shows online (a login, a trip) whose onboarding check it
never passed at that company — never checked, only failed, checked by another company only, not in the register —
is listed on that company's worklist; a vehicle that passed is not; each company sees only its own."""

from __future__ import annotations

import datetime as dt

from apps.ridehailing.onboarding import online_without_onboarding
from tests import clock
from tests.vehicles.factories import OnboardingCheckFactory, VehicleFactory

from .conftest import post
from .test_operating_data import at, depart, login

D = clock.TODAY - dt.timedelta(days=1)
CHECKED = dt.datetime(2026, 11, 1, 10, tzinfo=clock.SHANGHAI)


def _world(rh):
    a, b = rh.parties.company_a, rh.parties.company_b
    passed = VehicleFactory(plate="桂B12345", company=a)
    OnboardingCheckFactory(vehicle=passed, company=a, passed=False, checked_at=CHECKED)
    OnboardingCheckFactory(vehicle=passed, company=a, passed=True, checked_at=CHECKED + dt.timedelta(days=1))
    failed = VehicleFactory(plate="桂B22345", company=a)
    OnboardingCheckFactory(vehicle=failed, company=a, passed=False, checked_at=CHECKED)
    never = VehicleFactory(plate="桂B32345")
    other = VehicleFactory(plate="桂B42345")
    OnboardingCheckFactory(vehicle=other, company=b, passed=True, checked_at=CHECKED)  # another company's check
    records = [depart(f"O-{plate}", at(9, day=D), plate=plate) for plate in ("桂B12345", "桂B22345", "桂B42345")]
    assert {r["outcome"] for r in post(rh.client_a, "operateDepart", records).json()["results"]} == {"stored"}
    post(rh.client_a, "operateLogin", [login(at(8, day=D), plate="桂B32345"), login(at(8, day=D), plate="桂B52345")])
    # company B's own data: its vehicle checked by A only is B's matter
    post(rh.client_b, "operateLogin", [login(at(8, day=D), plate="桂B22345", company="CX0002")])
    return never, failed


def test_m9_online_in_ride_hailing_data_without_a_passed_onboarding_check(rh, django_assert_max_num_queries):
    never, failed = _world(rh)
    with django_assert_max_num_queries(3):
        rows = online_without_onboarding(company=rh.parties.company_a, at=clock.NOW)
    assert [(r.plate, r.vehicle is not None, r.checked, r.trips, r.last) for r in rows] == [
        ("桂B22345", True, True, 1, D),
        ("桂B32345", True, False, 0, D),
        ("桂B42345", True, False, 1, D),
        ("桂B52345", False, False, 0, D),
    ]
    assert [r.plate for r in online_without_onboarding(company=rh.parties.company_b, at=clock.NOW)] == ["桂B22345"]
    # a check passed later does not count before it
    OnboardingCheckFactory(vehicle=failed, company=rh.parties.company_a, passed=True,
                           checked_at=clock.NOW + dt.timedelta(hours=1))
    assert "桂B22345" in [r.plate for r in online_without_onboarding(company=rh.parties.company_a, at=clock.NOW)]


def test_m9_the_company_worklist_shows_its_own_section(rh, client):
    _world(rh)
    client.force_login(rh.parties.company_a_user)
    page = client.get("/vehicles/worklist/").content.decode()
    section = page[page.index('data-testid="worklist-ridehailing"'):]
    assert "桂B22345" in section and "桂B52345" in section and "桂B12345" not in section
    assert "车辆登记中没有该号牌" in section and "上线核查未通过" in section
    client.force_login(rh.parties.company_b_user)
    section = client.get("/vehicles/worklist/").content.decode().split('data-testid="worklist-ridehailing"')[1]
    assert "桂B22345" in section and "桂B52345" not in section and "桂B42345" not in section
