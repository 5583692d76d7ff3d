"""The rights table in the registers, the policies and the importer.

Every service takes its actor (``actor=None`` is a ``TypeError``, not "the system"); no flag skips a check (an
insurer's policy reaches the register only through ``vehicle_register_for_policy``, which never changes a known
vehicle); a role outside the table is refused by the service itself; the file purge is audited as its job; and a
company importing another company's driver neither takes the driver over nor learns that the driver exists.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.core.deadlines import SHANGHAI
from apps.core.errors import PermissionDeniedError
from apps.core.models import AuditEvent
from apps.imports import runner, services
from apps.imports.models import ImportJob, ImportRowError
from apps.parties.rights import SystemActor
from apps.policies import services as policies
from apps.policies.models import Policy
from apps.vehicles import services as vehicles
from apps.vehicles.models import Driver, Vehicle
from apps.vehicles.usage import UsageNature
from tests.factories import make_resident_id
from tests.imports.helpers import csv_bytes, upload
from tests.vehicles.factories import make_plate, make_vin


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return settings.MEDIA_ROOT


@pytest.fixture
def ledger_car(parties):
    """A car of company A's ledger whose owner is not yet recorded."""
    return vehicles.vehicle_create(actor=parties.company_a_user, vin=make_vin(9701), plate=make_plate(9701), seats=5,
                                   usage_nature=UsageNature.RIDE_HAILING)


def _policy_kwargs(parties, **extra):
    return {"actor": parties.insurer_a_user, "kind": "compulsory", "usage_nature_insured": UsageNature.FAMILY,
            "premium": Decimal("950.00"), "starts_at": dt.datetime(2026, 12, 1, tzinfo=SHANGHAI),
            "ends_at": dt.datetime(2027, 12, 1, tzinfo=SHANGHAI), **extra}


def test_services_called_without_an_actor_raise_type_error_and_write_nothing(parties, ledger_car):
    driver = vehicles.driver_create(actor=parties.company_a_user, name="韦师傅", id_no=make_resident_id(seq=701))
    calls = {
        "vehicle_create": lambda: vehicles.vehicle_create(actor=None, vin=make_vin(9702), seats=5),
        "vehicle_update": lambda: vehicles.vehicle_update(actor=None, vehicle=ledger_car, seats=6),
        "vehicle_upsert": lambda: vehicles.vehicle_upsert(actor=None, vin=make_vin(9703), seats=5),
        "vehicle_register_for_policy": lambda: vehicles.vehicle_register_for_policy(
            actor=None, vin=make_vin(9704), fields={"seats": 5}),
        "permit_create": lambda: vehicles.permit_create(
            actor=None, vehicle=ledger_car, number="桂交运管柳字N0000001", valid_from=dt.date(2026, 1, 1),
            valid_to=dt.date(2028, 1, 1)),
        "driver_create": lambda: vehicles.driver_create(actor=None, name="无名", id_no=make_resident_id(seq=702)),
        "driver_update": lambda: vehicles.driver_update(actor=None, driver=driver, phone="13907720009"),
        "driver_upsert": lambda: vehicles.driver_upsert(actor=None, id_no=make_resident_id(seq=703), name="无名"),
        "driver_assign": lambda: vehicles.driver_assign(actor=None, driver=driver, vehicle=ledger_car),
        "onboarding_check_run": lambda: vehicles.onboarding_check_run(actor=None, vehicle=ledger_car),
        "vehicle_set_online": lambda: vehicles.vehicle_set_online(actor=None, vehicle=ledger_car),
        "policy_create": lambda: policies.policy_create(
            **_policy_kwargs(parties, actor=None, insurer=parties.insurer_a), number="PNONE001", vehicle=ledger_car),
        "policy_upsert": lambda: policies.policy_upsert(
            **_policy_kwargs(parties, actor=None, insurer=parties.insurer_a), number="PNONE002", vin=ledger_car.vin),
        "coverage_standard_publish": lambda: policies.coverage_standard_publish(
            actor=None, name="无", effective_from=timezone.localdate() + dt.timedelta(days=400),
            requirements=[{"policy_kind": "compulsory"}]),
        "import_job_create": lambda: services.import_job_create(
            actor=None, kind="vehicles", upload=upload(csv_bytes(["车辆识别代号", "核定载客人数"], [[make_vin(9705), "5"]]))),
    }
    events = AuditEvent.objects.count()
    for name, call in calls.items():
        with pytest.raises(TypeError):
            call()
        assert AuditEvent.objects.count() == events, name
    assert not Vehicle.objects.filter(vin__in=[make_vin(n) for n in range(9702, 9706)]).exists()
    assert not Policy.objects.exists() and Driver.objects.count() == 1


def test_vehicle_services_have_no_trusted_flag(parties):
    for service in (vehicles.vehicle_create, vehicles.vehicle_upsert):
        with pytest.raises(TypeError):
            service(actor=parties.insurer_a_user, trusted=True, vin=make_vin(9710), seats=5)
    assert not Vehicle.objects.filter(vin=make_vin(9710)).exists()


def test_an_insurers_policy_on_a_ledger_car_changes_nothing_of_the_register(parties, ledger_car):
    before = Vehicle.objects.get(pk=ledger_car.pk)
    # the policy row carries the insurer's own idea of the owner and the car, and a company to move it to
    policy, _outcome = policies.policy_upsert(
        **_policy_kwargs(parties), number="PTAKE001", vin=ledger_car.vin,
        vehicle_fields={"owner_name": "冒名车主", "owner_id_no": make_resident_id(seq=704), "engine_no": "FAKE1",
                        "make_model": "冒牌", "usage_nature": UsageNature.FAMILY, "company": parties.company_b})
    assert policy.vehicle_id == ledger_car.pk
    after = Vehicle.objects.get(pk=ledger_car.pk)
    for field in ("owner_name", "owner_id_no", "engine_no", "make_model", "usage_nature", "company_id", "plate"):
        assert getattr(after, field) == getattr(before, field), field
    assert not AuditEvent.objects.filter(action="vehicle.update", object_id=str(ledger_car.pk)).exists()
    # and the insurer may not reach the register's own write either
    with pytest.raises(PermissionDeniedError):
        vehicles.vehicle_upsert(actor=parties.insurer_a_user, vin=ledger_car.vin, owner_name="冒名车主")
    with pytest.raises(PermissionDeniedError):
        vehicles.vehicle_update(actor=parties.insurer_a_user, vehicle=ledger_car, owner_name="冒名车主")
    assert Vehicle.objects.get(pk=ledger_car.pk).owner_name == before.owner_name


def test_a_car_new_to_the_register_is_registered_from_the_policy_in_no_ledger(parties):
    policy, _outcome = policies.policy_upsert(
        **_policy_kwargs(parties), number="PNEW001", vin=make_vin(9711), plate=make_plate(9711),
        vehicle_fields={"seats": 5, "owner_name": "覃先生", "usage_nature": UsageNature.RIDE_HAILING})
    car = policy.vehicle
    assert (car.company_id, car.usage_nature, car.owner_name, car.seats) == (None, "", "覃先生", 5)
    event = AuditEvent.objects.get(action="vehicle.create", object_id=str(car.pk))
    assert event.actor == parties.insurer_a_user and event.detail.get("for_policy") is True
    # the dedicated path is the insurer's: a company (no policies.add_policy) is refused by it
    with pytest.raises(PermissionDeniedError):
        vehicles.vehicle_register_for_policy(actor=parties.company_a_user, vin=make_vin(9712), fields={"seats": 5})


@pytest.mark.parametrize("role", ["regulator_user", "ins_assoc_user", "taxi_assoc_user", "insurer_a_user"])
def test_a_role_outside_the_table_is_refused_by_the_service(parties, role):
    actor = getattr(parties, role)
    with pytest.raises(PermissionDeniedError):
        vehicles.vehicle_create(actor=actor, vin=make_vin(9720), seats=5)
    with pytest.raises(PermissionDeniedError):
        vehicles.driver_create(actor=actor, name="某", id_no=make_resident_id(seq=720))
    assert not Vehicle.objects.filter(vin=make_vin(9720)).exists() and not Driver.objects.exists()


def test_a_system_actor_holds_only_its_organisations_row_and_the_system_row(parties):
    with pytest.raises(PermissionDeniedError):  # the SYSTEM row grants no register write
        vehicles.vehicle_create(actor=SystemActor("data_load"), vin=make_vin(9721), seats=5)
    car = vehicles.vehicle_create(actor=SystemActor("data_load", organization=parties.company_a),
                                  vin=make_vin(9722), seats=5)
    assert car.company_id == parties.company_a.pk  # acting for company A: its ledger, its right
    event = AuditEvent.objects.get(action="vehicle.create", object_id=str(car.pk))
    assert (event.actor, event.system_job) == (None, "data_load")


def test_the_import_file_purge_is_audited_as_its_job(parties):
    data = csv_bytes(["车辆识别代号", "核定载客人数"], [[make_vin(9730), "5"]])
    services.import_job_create(actor=parties.transport_user, kind="vehicles", upload=upload(data))
    assert services.import_files_purge(now=timezone.now() + dt.timedelta(days=400)) == 1
    event = AuditEvent.objects.get(action="import.files_purged")
    assert (event.actor, event.system_job) == (None, "import.purge_files")


def test_importing_another_companys_driver_neither_takes_it_over_nor_tells_it_exists(parties):
    theirs = vehicles.driver_create(actor=parties.company_b_user, name="黎师傅", id_no=make_resident_id(seq=740),
                                    phone="13907720740")
    stranger_id = make_resident_id(seq=741)
    company = parties.company_a_user
    job = services.import_job_create(actor=company, kind="drivers", upload=upload(csv_bytes(
        ["姓名", "身份证号码", "联系电话"],
        [["冒名", theirs.id_no, "13907729999"], ["新人", stranger_id, "13907720741"]]), "drivers.csv"))
    job = services.import_job_start(actor=company, job=job, mode=ImportJob.Mode.VALID_ROWS)
    if job.status == ImportJob.Status.IMPORTING:
        job = runner.import_job_run(job=job)
    theirs.refresh_from_db()
    assert (theirs.company_id, theirs.name, theirs.phone) == (parties.company_b.pk, "黎师傅", "13907720740")
    assert vehicles.driver_find(id_no=stranger_id).company_id == parties.company_a.pk  # the other row went in
    reasons = "\n".join(e.reason for e in ImportRowError.objects.filter(job=job))
    assert reasons  # the row is refused ...
    for hint in ("其他企业", "其他单位", "已登记", "属于", parties.company_b.name, "黎师傅", theirs.id_no):
        assert hint not in reasons, hint  # ... without saying whose, or that the driver exists elsewhere
    # the form and the row-by-row service answer the same
    with pytest.raises(ValidationError) as exc:
        vehicles.driver_upsert(actor=company, id_no=theirs.id_no, name="冒名")
    with pytest.raises(ValidationError) as created:
        vehicles.driver_create(actor=company, name="冒名", id_no=theirs.id_no)
    assert exc.value.message_dict == created.value.message_dict
    assert "其他企业" not in str(exc.value.message_dict)
