"""Vehicle, permit and driver services: validators, ledger ownership, VIN override audit, upsert idempotency."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from apps.core.errors import PermissionDeniedError
from apps.core.models import AuditEvent
from apps.vehicles.models import Driver, Vehicle
from apps.vehicles.services import (
    UpsertOutcome,
    driver_update,
    driver_upsert,
    permit_upsert,
    vehicle_create,
    vehicle_update,
    vehicle_upsert,
)
from tests.factories import make_resident_id
from tests.vehicles.factories import VehicleFactory, make_vin


def test_j1_plate_validated_and_new_car_without_plate(parties):
    with pytest.raises(ValidationError) as exc:
        vehicle_create(actor=parties.transport_user, plate="桂B·12345", vin=make_vin(6001), seats=5)
    assert "plate" in exc.value.message_dict
    car = vehicle_create(actor=parties.transport_user, plate=None, vin=make_vin(6002), seats=5)
    other = vehicle_create(actor=parties.transport_user, plate="", vin=make_vin(6003), seats=5)
    assert car.plate is None and other.plate is None  # several unregistered cars may coexist
    assert car.label.endswith(car.vin)
    assert vehicle_create(actor=parties.transport_user, plate="桂bd12345", vin=make_vin(6004), seats=5).plate == "桂BD12345"


def test_vin_override_is_explicit_and_audited(parties):
    vin = make_vin(6010)
    bad = vin[:8] + ("0" if vin[8] != "0" else "1") + vin[9:]
    with pytest.raises(ValidationError):
        vehicle_create(actor=parties.transport_user, vin=bad, seats=5)
    vehicle = vehicle_create(actor=parties.transport_user, vin=bad, seats=5, vin_override=True)
    assert vehicle.vin_override
    event = AuditEvent.objects.get(action="vehicle.vin_override", object_id=str(vehicle.pk))
    assert event.actor == parties.transport_user and event.detail["vin"] == bad
    # asking for the override on a VIN that needs none records nothing
    fine = vehicle_create(actor=parties.transport_user, vin=make_vin(6011), seats=5, vin_override=True)
    assert not fine.vin_override


def test_m1_in_scope_property():
    assert Vehicle(seats=7).in_scope and not Vehicle(seats=8).in_scope


def test_company_writes_only_its_ledger(parties):
    mine = vehicle_create(actor=parties.company_a_user, vin=make_vin(6020), seats=5)
    assert mine.company == parties.company_a
    theirs = VehicleFactory(company=parties.company_b)
    with pytest.raises(PermissionDeniedError):
        vehicle_update(actor=parties.company_a_user, vehicle=theirs, seats=6)
    with pytest.raises(PermissionDeniedError):
        vehicle_upsert(actor=parties.company_a_user, vin=theirs.vin, seats=6)
    with pytest.raises(PermissionDeniedError):
        vehicle_create(actor=parties.insurer_a_user, vin=make_vin(6021), seats=5)
    assert Vehicle.objects.get(pk=theirs.pk).seats == 5


def test_owner_id_accepts_resident_id_or_uscc(parties):
    person = vehicle_create(actor=parties.transport_user, vin=make_vin(6030), seats=5,
                            owner_id_no=make_resident_id(seq=30))
    assert person.owner_id_no_bidx
    firm = vehicle_create(actor=parties.transport_user, vin=make_vin(6031), seats=5, owner_id_no=parties.company_a.uscc)
    assert firm.owner_id_no == parties.company_a.uscc
    with pytest.raises(ValidationError):
        vehicle_create(actor=parties.transport_user, vin=make_vin(6032), seats=5, owner_id_no="123456")


def test_vehicle_upsert_idempotent_and_partial(parties):
    actor = parties.transport_user
    vin = make_vin(6040)
    v, outcome = vehicle_upsert(actor=actor, vin=vin, plate="桂B6A040", seats=5, usage_nature="出租客运")
    assert outcome == UpsertOutcome.CREATED
    events = AuditEvent.objects.count()
    assert vehicle_upsert(actor=actor, vin=vin, plate="桂B6A040", seats=5, usage_nature="出租客运")[1] == "unchanged"
    assert vehicle_upsert(actor=actor, vin=vin.lower(), seats=None)[1] == UpsertOutcome.UNCHANGED
    assert AuditEvent.objects.count() == events
    _, outcome = vehicle_upsert(actor=actor, vin=vin, make_model="吉利牌")
    assert outcome == UpsertOutcome.UPDATED
    v.refresh_from_db()
    assert v.make_model == "吉利牌" and v.usage_nature == "cruising_taxi" and v.plate == "桂B6A040"


def test_permit_upsert_keyed_by_number(parties):
    vehicle, other = VehicleFactory(), VehicleFactory()
    actor = parties.transport_user
    kwargs = {"number": "桂交运管001", "vehicle": vehicle, "valid_from": dt.date(2026, 1, 1),
              "valid_to": dt.date(2028, 1, 1)}
    permit, outcome = permit_upsert(actor=actor, **kwargs)
    assert outcome == UpsertOutcome.CREATED
    assert permit_upsert(actor=actor, **kwargs) == (permit, UpsertOutcome.UNCHANGED)
    assert permit_upsert(actor=actor, **{**kwargs, "valid_to": dt.date(2029, 1, 1)})[1] == UpsertOutcome.UPDATED
    with pytest.raises(ValidationError):
        permit_upsert(actor=actor, **{**kwargs, "vehicle": other})
    with pytest.raises(PermissionDeniedError):
        permit_upsert(actor=parties.company_a_user, **{**kwargs, "number": "桂交运管002"})


def test_driver_upsert_by_blind_index(parties):
    id_no = make_resident_id(seq=40)
    actor = parties.company_a_user
    driver, outcome = driver_upsert(actor=actor, id_no=id_no.lower(), name="孙七", phone="13800001111")
    assert outcome == UpsertOutcome.CREATED and driver.company == parties.company_a
    assert driver_upsert(actor=actor, id_no=id_no, name="孙七")[1] == UpsertOutcome.UNCHANGED
    assert driver_upsert(actor=actor, id_no=id_no, phone="13800002222")[1] == UpsertOutcome.UPDATED
    assert Driver.objects.count() == 1
    with pytest.raises(PermissionDeniedError):
        driver_update(actor=parties.company_b_user, driver=driver, phone="13800003333")
    with pytest.raises(ValidationError):
        driver_upsert(actor=actor, id_no="450202198503120000", name="错号")
