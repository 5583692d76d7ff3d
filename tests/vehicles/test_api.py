"""Vehicles, permits, drivers, onboarding API: access isolation on every endpoint, masking, audited reveal."""

from decimal import Decimal

import pytest
from django.db import connection

from apps.core.models import AuditEvent
from apps.policies.models import PolicyKind
from apps.vehicles.models import Driver, Vehicle
from tests.factories import make_resident_id
from tests.policies.factories import CoverageFactory, PolicyFactory
from tests.vehicles.factories import DriverFactory, PermitFactory, VehicleFactory, make_vin

API = "/api/v1"


@pytest.fixture
def world(parties):
    w = type("W", (), {})()
    w.va = VehicleFactory(company=parties.company_a, owner_name="王小明", owner_id_no=make_resident_id(seq=111))
    w.vb = VehicleFactory(company=parties.company_b)
    w.loose = VehicleFactory()  # in no company's ledger
    w.pa = PermitFactory(vehicle=w.va)
    w.pb = PermitFactory(vehicle=w.vb)
    w.da = DriverFactory(company=parties.company_a, name="陈大文", id_no=make_resident_id(seq=222))
    w.db = DriverFactory(company=parties.company_b)
    w.pol_a = PolicyFactory(vehicle=w.va, insurer=parties.insurer_a)
    return w


def _ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_company_sees_only_own_vehicles(parties, api, world):
    client = api.as_user(parties.company_a_user)
    assert _ids(client.get(f"{API}/vehicles/")) == {world.va.pk}
    assert client.get(f"{API}/vehicles/{world.vb.pk}/").status_code == 404
    assert client.get(f"{API}/vehicles/{world.loose.pk}/").status_code == 404
    assert client.patch(f"{API}/vehicles/{world.vb.pk}/", {"seats": 6}, format="json").status_code == 404
    assert client.get(f"{API}/vehicles/{world.vb.pk}/verification/").status_code == 404
    assert client.post(f"{API}/vehicles/{world.vb.pk}/online/", {"online": True}, format="json").status_code == 404
    assert client.post(f"{API}/vehicles/{world.vb.pk}/reveal/", {"field": "owner_id_no"},
                       format="json").status_code == 404
    assert Vehicle.objects.get(pk=world.vb.pk).seats == 5


def test_company_sees_only_own_permits_and_drivers(parties, api, world):
    client = api.as_user(parties.company_a_user)
    assert _ids(client.get(f"{API}/permits/")) == {world.pa.pk}
    assert client.get(f"{API}/permits/{world.pb.pk}/").status_code == 404
    assert _ids(client.get(f"{API}/drivers/")) == {world.da.pk}
    assert client.get(f"{API}/drivers/{world.db.pk}/").status_code == 404
    assert client.patch(f"{API}/drivers/{world.db.pk}/", {"phone": "13900000000"}, format="json").status_code == 404
    assert client.post(f"{API}/drivers/{world.db.pk}/reveal/", {"field": "id_no", "reason": "核查"},
                                               format="json").status_code == 404


def test_insurer_sees_only_vehicles_it_insures_read_only(parties, api, world):
    client = api.as_user(parties.insurer_a_user)
    assert _ids(client.get(f"{API}/vehicles/")) == {world.va.pk}
    assert _ids(client.get(f"{API}/permits/")) == {world.pa.pk}
    assert client.get(f"{API}/vehicles/{world.vb.pk}/").status_code == 404
    assert client.patch(f"{API}/vehicles/{world.va.pk}/", {"seats": 6}, format="json").status_code == 403
    assert client.get(f"{API}/drivers/").status_code == 403  # no driver permission at all
    other = api.as_user(parties.insurer_b_user)
    assert _ids(other.get(f"{API}/vehicles/")) == set()


def test_supervisors_read_everything_taxi_association_reads_company_fleets(parties, api, world):
    for user in (parties.transport_user, parties.regulator_user, parties.ins_assoc_user):
        client = api.as_user(user)
        assert _ids(client.get(f"{API}/vehicles/")) == {world.va.pk, world.vb.pk, world.loose.pk}
        assert _ids(client.get(f"{API}/drivers/")) == {world.da.pk, world.db.pk}
    client = api.as_user(parties.taxi_assoc_user)
    assert _ids(client.get(f"{API}/vehicles/")) == {world.va.pk, world.vb.pk}
    assert _ids(client.get(f"{API}/drivers/")) == {world.da.pk, world.db.pk}
    assert client.get(f"{API}/onboarding-checks/").status_code == 403


def test_personal_fields_encrypted_at_rest_and_masked_in_output(parties, api, world):
    with connection.cursor() as cursor:
        cursor.execute("SELECT owner_name, owner_id_no FROM vehicles_vehicle WHERE id = %s", [world.va.pk])
        raw_name, raw_id = cursor.fetchone()
        cursor.execute("SELECT name, id_no, phone FROM vehicles_driver WHERE id = %s", [world.da.pk])
        raw_driver = cursor.fetchone()
    assert "王小明" not in raw_name and world.va.owner_id_no not in raw_id
    assert world.da.id_no not in raw_driver[1] and "陈大文" not in raw_driver[0] and "13907721234" not in raw_driver[2]
    data = api.as_user(parties.transport_user).get(f"{API}/vehicles/{world.va.pk}/").json()
    assert data["owner_name"] == "王*明"
    assert data["owner_id_no"].startswith("4502") and "*" in data["owner_id_no"]
    assert world.va.owner_id_no not in str(data)
    driver = api.as_user(parties.company_a_user).get(f"{API}/drivers/{world.da.pk}/").json()
    assert driver["name"] == "陈*文" and "*" in driver["id_no"] and driver["phone"] == "139****1234"


def test_reveal_is_audited_and_limited_to_entitled_roles(parties, api, world):
    for user in (parties.company_a_user, parties.transport_user, parties.regulator_user):
        response = api.as_user(user).post(f"{API}/drivers/{world.da.pk}/reveal/", {"field": "id_no", "reason": "核查"},
                                               format="json")
        assert response.status_code == 200
        assert response.json()["value"] == world.da.id_no
    events = AuditEvent.objects.filter(action="personal_data.reveal", object_id=str(world.da.pk))
    assert events.count() == 3
    assert {e.actor_id for e in events} == {parties.company_a_user.pk, parties.transport_user.pk,
                                              parties.regulator_user.pk}
    assert all(e.detail["field"] == "id_no" for e in events)
    # the taxi and insurance associations see the driver but may not reveal
    for user in (parties.taxi_assoc_user, parties.ins_assoc_user):
        response = api.as_user(user).post(f"{API}/drivers/{world.da.pk}/reveal/", {"field": "id_no", "reason": "核查"},
                                               format="json")
        assert response.status_code == 403
    assert events.count() == 3
    bad = api.as_user(parties.transport_user).post(f"{API}/drivers/{world.da.pk}/reveal/", {"field": "company"},
                                                   format="json")
    assert bad.status_code == 400
    owner = api.as_user(parties.company_a_user).post(f"{API}/vehicles/{world.va.pk}/reveal/",
                                                     {"field": "owner_name", "reason": "核查"}, format="json")
    assert owner.json()["value"] == "王小明"


def test_company_creates_vehicle_and_driver_in_own_ledger(parties, api):
    client = api.as_user(parties.company_a_user)
    response = client.post(f"{API}/vehicles/", {"plate": "桂B2A345", "vin": make_vin(7001), "seats": 5,
                                                "usage_nature": "预约出租客运", "owner_id_no": make_resident_id(seq=7)},
                           format="json")
    assert response.status_code == 201, response.content
    assert response.json()["company"] == parties.company_a.pk
    bad = client.post(f"{API}/vehicles/", {"plate": "桂B-2A346", "vin": make_vin(7002), "seats": 5}, format="json")
    assert bad.status_code == 400 and "plate" in bad.json()["error"]["fields"]
    other = client.post(f"{API}/vehicles/", {"vin": make_vin(7003), "seats": 5, "company": parties.company_b.pk},
                        format="json")
    assert other.status_code == 403
    driver = client.post(f"{API}/drivers/", {"name": "刘一", "id_no": make_resident_id(seq=71),
                                             "phone": "13812345678"}, format="json")
    assert driver.status_code == 201, driver.content
    assert Driver.objects.get(pk=driver.json()["id"]).company == parties.company_a
    dup = client.post(f"{API}/drivers/", {"name": "刘一", "id_no": Driver.objects.get().id_no}, format="json")
    assert dup.status_code == 400


def test_only_transport_writes_permits(parties, api, world):
    body = {"vehicle": world.va.pk, "number": "桂交运管柳字450200777777", "kind": "ride_hailing",
            "valid_from": "2026-01-01", "valid_to": "2028-12-31"}
    assert api.as_user(parties.company_a_user).post(f"{API}/permits/", body, format="json").status_code == 403
    response = api.as_user(parties.transport_user).post(f"{API}/permits/", body, format="json")
    assert response.status_code == 201, response.content
    revoke = api.as_user(parties.transport_user).post(f"{API}/permits/{response.json()['id']}/revoke/",
                                                      {"reason": "车辆退出经营"}, format="json")
    assert revoke.status_code == 200 and revoke.json()["revoked_at"]
    assert not revoke.json()["valid_now"]


def _insure_fully(vehicle, insurer, **kw):
    PolicyFactory(vehicle=vehicle, insurer=insurer, kind=PolicyKind.COMPULSORY, **kw)
    tp = PolicyFactory(vehicle=vehicle, insurer=insurer, kind=PolicyKind.THIRD_PARTY, **kw)
    CoverageFactory(policy=tp, kind="third_party", limit=Decimal("1000000"))
    cl = PolicyFactory(vehicle=vehicle, insurer=insurer, kind=PolicyKind.CARRIER_LIABILITY, **kw)
    CoverageFactory(policy=cl, kind="carrier_liability", limit=Decimal("2000000"), per_seat_limit=Decimal("500000"),
                    seats=4)


def test_verification_endpoint_redacts_other_insurers_for_an_insurer(parties, api, world):
    PolicyFactory(vehicle=world.va, insurer=parties.insurer_b, kind=PolicyKind.THIRD_PARTY)
    at = "2026-06-01T12:00:00+08:00"
    full = api.as_user(parties.regulator_user).get(f"{API}/vehicles/{world.va.pk}/verification/", {"at": at}).json()
    assert {p["insurer_name"] for p in full["policies"]} == {parties.insurer_a.name, parties.insurer_b.name}
    seen = api.as_user(parties.insurer_a_user).get(f"{API}/vehicles/{world.va.pk}/verification/", {"at": at}).json()
    assert full["finding"] == seen["finding"] == "insured_as_operating"
    others = [p for p in seen["policies"] if p["insurer_id"] is None]
    assert len(others) == 1 and others[0]["number"] == "" and others[0]["insurer_name"] == "其他保险公司"
    bad = api.as_user(parties.regulator_user).get(f"{API}/vehicles/{world.va.pk}/verification/", {"at": "yesterday"})
    assert bad.status_code == 400
