"""Rule M9: onboarding check (pass/fail with Chinese reasons), online refusal, and the company worklist."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from apps.core.errors import ApplicationError, PermissionDeniedError
from apps.core.models import AuditEvent
from apps.policies.models import PolicyKind
from apps.policies.onboarding import company_worklist
from apps.vehicles.models import OnboardingCheck, Vehicle
from apps.vehicles.services import onboarding_check_run, vehicle_set_online
from apps.vehicles.usage import UsageNature
from tests.policies.factories import CoverageFactory, PolicyFactory, joint_standard
from tests.vehicles.factories import PermitFactory, VehicleFactory

API = "/api/v1"


def _now():
    return timezone.now().replace(microsecond=0)


def _insure(vehicle, insurer, *, days=365, usage=UsageNature.RIDE_HAILING, third_party=Decimal("1000000")):
    start, end = _now() - dt.timedelta(days=10), _now() + dt.timedelta(days=days)
    kw = {"starts_at": start, "ends_at": end, "usage_nature_insured": usage}
    PolicyFactory(vehicle=vehicle, insurer=insurer, kind=PolicyKind.COMPULSORY, **kw)
    tp = PolicyFactory(vehicle=vehicle, insurer=insurer, kind=PolicyKind.THIRD_PARTY, **kw)
    CoverageFactory(policy=tp, kind="third_party", limit=third_party)
    cl = PolicyFactory(vehicle=vehicle, insurer=insurer, kind=PolicyKind.CARRIER_LIABILITY, **kw)
    CoverageFactory(policy=cl, kind="carrier_liability", limit=Decimal("2000000"), per_seat_limit=Decimal("500000"),
                    seats=4)


def _permit(vehicle, days=800):
    today = timezone.localdate()
    return PermitFactory(vehicle=vehicle, valid_from=today - dt.timedelta(days=30),
                         valid_to=today + dt.timedelta(days=days))


@pytest.fixture
def good_vehicle(parties):
    vehicle = VehicleFactory()
    _permit(vehicle)
    _insure(vehicle, parties.insurer_a)
    return vehicle


def test_m9_passing_check_is_recorded_and_lets_vehicle_online(parties, good_vehicle):
    user = parties.company_a_user
    check = onboarding_check_run(actor=user, query=good_vehicle.plate)
    assert check.passed and check.reasons == []
    assert check.company == parties.company_a and check.checked_by == user
    assert check.verification["finding"] == "insured_as_operating"
    assert AuditEvent.objects.filter(action="onboarding.check", object_id=str(check.pk)).exists()
    vehicle = vehicle_set_online(actor=user, vehicle=good_vehicle)
    assert vehicle.online and vehicle.company == parties.company_a
    assert AuditEvent.objects.filter(action="vehicle.online", object_id=str(vehicle.pk)).exists()


def test_m9_check_by_vin_and_unknown_vehicle(parties, good_vehicle):
    check = onboarding_check_run(actor=parties.company_a_user, query=good_vehicle.vin.lower())
    assert check.vehicle == good_vehicle
    with pytest.raises(ApplicationError) as exc:
        onboarding_check_run(actor=parties.company_a_user, query="桂B9Z999")
    assert "没有号牌或车辆识别代号" in exc.value.message
    with pytest.raises(ApplicationError):
        onboarding_check_run(actor=parties.company_a_user, query="桂B-12")


def test_m9_fail_reasons_in_chinese(parties):
    joint_standard(proposer=parties.ins_assoc, approver=parties.taxi_assoc)  # rule M10
    vehicle = VehicleFactory(usage_nature=UsageNature.FAMILY)  # no permit, insured as 家庭自用, thin cover
    _insure(vehicle, parties.insurer_b, usage=UsageNature.FAMILY, third_party=Decimal("500000"), days=10)
    check = onboarding_check_run(actor=parties.company_a_user, query=vehicle.plate)
    assert not check.passed
    codes = [r["code"] for r in check.reasons]
    assert "no_valid_permit" in codes
    assert "insured_as_non_operating" in codes
    assert "coverage_gap" in codes
    assert all(r.get("severity") == "warning" for r in check.reasons if r["code"] == "coverage_gap")  # M10
    assert "policy_expiring" in codes
    messages = " ".join(r["message"] for r in check.reasons)
    assert "网络预约出租汽车运输证" in messages and "家庭自用" in messages and "100 万元" in messages
    assert "续保" in messages


def test_m9_uninsured_and_out_of_scope(parties):
    vehicle = VehicleFactory(seats=9)
    _permit(vehicle)
    check = onboarding_check_run(actor=parties.company_a_user, query=vehicle.plate)
    assert {r["code"] for r in check.reasons} >= {"not_in_scope", "uninsured"}


@override_settings(ONBOARDING_EXPIRY_WARN_DAYS=5)
def test_m9_expiry_window_is_a_setting(parties):
    vehicle = VehicleFactory()
    _permit(vehicle, days=20)
    _insure(vehicle, parties.insurer_a, days=10)
    assert onboarding_check_run(actor=parties.company_a_user, query=vehicle.plate).passed
    with override_settings(ONBOARDING_EXPIRY_WARN_DAYS=30):
        codes = {r["code"] for r in onboarding_check_run(actor=parties.company_a_user, query=vehicle.plate).reasons}
    assert codes == {"permit_expiring", "policy_expiring"}


def test_m9_online_refused_without_passing_check(parties):
    vehicle = VehicleFactory(company=parties.company_a)
    with pytest.raises(ApplicationError) as exc:
        vehicle_set_online(actor=parties.company_a_user, vehicle=vehicle)
    assert exc.value.code == "onboarding_not_passed"
    onboarding_check_run(actor=parties.company_a_user, vehicle=vehicle)  # fails: no permit, uninsured
    with pytest.raises(ApplicationError):
        vehicle_set_online(actor=parties.company_a_user, vehicle=vehicle)
    assert not Vehicle.objects.get(pk=vehicle.pk).online


def test_m9_online_refused_with_stale_check(parties, good_vehicle):
    old = _now() - dt.timedelta(days=8)
    onboarding_check_run(actor=parties.company_a_user, vehicle=good_vehicle, at=old)
    with pytest.raises(ApplicationError) as exc:
        vehicle_set_online(actor=parties.company_a_user, vehicle=good_vehicle)
    assert exc.value.code == "onboarding_stale"
    with override_settings(ONBOARDING_CHECK_VALID_DAYS=10):
        assert vehicle_set_online(actor=parties.company_a_user, vehicle=good_vehicle).online


def test_another_company_cannot_check_or_take_a_ledger_vehicle(parties, good_vehicle):
    onboarding_check_run(actor=parties.company_a_user, vehicle=good_vehicle)
    vehicle_set_online(actor=parties.company_a_user, vehicle=good_vehicle)
    with pytest.raises(PermissionDeniedError):
        onboarding_check_run(actor=parties.company_b_user, query=good_vehicle.plate)
    with pytest.raises(PermissionDeniedError):
        onboarding_check_run(actor=parties.insurer_a_user, query=good_vehicle.plate)


def test_worklist_lists_online_vehicles_that_no_longer_pass(parties, good_vehicle):
    user = parties.company_a_user
    onboarding_check_run(actor=user, vehicle=good_vehicle)
    vehicle_set_online(actor=user, vehicle=good_vehicle)
    assert company_worklist(company=parties.company_a) == []
    # the permit lapses and the policies expire: the vehicle is still online, and now on the worklist
    later = _now() + dt.timedelta(days=900)
    items = company_worklist(company=parties.company_a, at=later)
    assert [i.vehicle.pk for i in items] == [good_vehicle.pk]
    assert items[0].failing
    assert {r["code"] for r in items[0].reasons} >= {"no_valid_permit", "uninsured"}
    assert company_worklist(company=parties.company_b, at=later) == []
    # shortly before expiry it is a warning, not a failure
    soon = _now() + dt.timedelta(days=350)
    items = company_worklist(company=parties.company_a, at=soon)
    assert items and not items[0].failing
    assert company_worklist(company=parties.company_a, at=soon, include_warnings=False) == []


def test_onboarding_api_flow(parties, api, good_vehicle):
    client = api.as_user(parties.company_a_user)
    response = client.post(f"{API}/onboarding-checks/", {"query": good_vehicle.plate}, format="json")
    assert response.status_code == 201, response.content
    check = response.json()
    assert check["passed"] and check["reasons"] == []
    online = client.post(f"{API}/onboarding-checks/{check['id']}/go-online/")
    assert online.status_code == 200 and online.json()["online"]
    assert client.get(f"{API}/vehicles/worklist/").json()["results"] == []  # a page, like every list
    # a failing check: reasons in Chinese, going online refused with the API error shape
    bad = VehicleFactory()
    failed = client.post(f"{API}/onboarding-checks/", {"query": bad.plate}, format="json").json()
    assert not failed["passed"] and failed["reasons"]
    refused = client.post(f"{API}/onboarding-checks/{failed['id']}/go-online/")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "onboarding_not_passed"
    unknown = client.post(f"{API}/onboarding-checks/", {"query": "桂B0Z000"}, format="json")
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "vehicle_not_found"
    assert OnboardingCheck.objects.count() == 2
    # the vehicle taken online is now in company A's ledger and can be put offline again
    off = client.post(f"{API}/vehicles/{good_vehicle.pk}/online/", {"online": False}, format="json")
    assert off.status_code == 200, off.content
    assert not off.json()["online"]
    # company B neither sees the check nor can use it (the API client now acts as company B)
    other = api.as_user(parties.company_b_user)
    assert other.get(f"{API}/onboarding-checks/{check['id']}/").status_code == 404
    assert other.post(f"{API}/onboarding-checks/{check['id']}/go-online/").status_code == 404
    assert other.post(f"{API}/vehicles/{good_vehicle.pk}/online/", {"online": True}, format="json").status_code == 404
    assert _count(other.get(f"{API}/onboarding-checks/")) == 0


def _count(response):
    assert response.status_code == 200
    return response.json()["count"]

