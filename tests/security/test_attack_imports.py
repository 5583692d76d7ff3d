"""Attacks through the importer and the doors beside it (issue "[2/9] Close what an attack found").

Each test replays one attack end to end through the public services and API, and checks the outcome a party
outside the data's audience must get.
"""

from __future__ import annotations

import pytest

from apps.imports import decoding, errors, runner, services, tasks
from apps.imports.models import ImportJob, ImportRowError
from apps.vehicles import services as vehicles
from apps.vehicles.models import Vehicle
from apps.vehicles.usage import UsageNature
from tests.factories import make_resident_id
from tests.imports.helpers import csv_bytes, upload
from tests.vehicles.factories import make_plate, make_vin


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded import files go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return settings.MEDIA_ROOT


def _run(job: ImportJob, user, mode=ImportJob.Mode.VALID_ROWS) -> ImportJob:
    job = services.import_job_start(actor=user, job=job, mode=mode)
    if job.status == ImportJob.Status.IMPORTING:
        job = runner.import_job_run(job=job)
    return job


def _errors(job: ImportJob) -> str:
    return "\n".join(f"{e.row_number} {e.column} {e.reason}" for e in ImportRowError.objects.filter(job=job))


@pytest.fixture
def private_car(parties):
    """A private car in no company's ledger, registered by transport with its owner's particulars."""
    owner_id = make_resident_id(seq=321)
    car = vehicles.vehicle_create(actor=parties.transport_user, vin=make_vin(9101), plate=make_plate(9101), seats=5,
                                  usage_nature=UsageNature.FAMILY, owner_name="黄秀英", owner_id_no=owner_id)
    return car


# --- finding 1: ledger takeover by import (rule M9) ---------------------------------------------------------------


@pytest.mark.parametrize("full_row", [False, True], ids=["vin_and_company_only", "full_row"])
def test_m9_company_import_cannot_take_a_private_car_into_its_ledger(parties, api, private_car, full_row):
    company = parties.company_a_user
    learned = {}

    # Step 1 of the attack: the plate-conflict error of an import row gave away the other vehicle's VIN.
    headers = ["号牌号码", "车辆识别代号", "核定载客人数"]
    probe = services.import_job_create(actor=company, kind="vehicles", upload=upload(csv_bytes(
        headers, [[private_car.plate, make_vin(9102), "5"]])))
    probe = _run(probe, company)
    learned["probe"] = _errors(probe)
    assert private_car.plate in learned["probe"]  # the row error names the row's own plate ...
    assert private_car.vin not in learned["probe"]  # ... never the other vehicle's VIN
    assert not Vehicle.objects.filter(vin=make_vin(9102)).exists()

    # Step 2: a row with only the car's VIN and the company's own name (or a full row overwriting the particulars).
    if full_row:
        headers = ["车辆识别代号", "核定载客人数", "使用性质", "所有人", "所有人证件号码", "所属企业"]
        row = [private_car.vin, "5", "预约出租客运", "某某", make_resident_id(seq=654), parties.company_a.name]
    else:
        headers = ["车辆识别代号", "所属企业"]
        row = [private_car.vin, parties.company_a.name]
    job = services.import_job_create(actor=company, kind="vehicles", upload=upload(csv_bytes(headers, [row])))
    job = _run(job, company)

    car = Vehicle.objects.get(pk=private_car.pk)
    assert car.company_id is None  # the car did not join the company's ledger
    assert car.usage_nature == UsageNature.FAMILY
    assert (car.owner_name, car.owner_id_no) == ("黄秀英", private_car.owner_id_no)
    assert job.status == ImportJob.Status.DONE and job.skipped_count == 1
    assert job.created_count + job.updated_count == 0
    error = ImportRowError.objects.get(job=job)
    assert error.row_number == 2 and "台账" in error.reason and "上线核查" in error.reason  # a clear reason, in Chinese
    for secret in (private_car.owner_id_no, "黄秀英", private_car.plate):
        assert secret not in _errors(job)

    # Step 3: the reveal the attack ended with.
    response = api.as_user(company).post(f"/api/v1/vehicles/{private_car.pk}/reveal/", {"field": "owner_id_no"},
                                         format="json")
    assert response.status_code in (403, 404)
    assert private_car.owner_id_no not in response.content.decode()


def test_m9_company_row_cannot_rewrite_another_companys_vehicle_and_error_says_no_more(parties, private_car):
    """The same refusal for a vehicle in another company's ledger: the message does not say whose it is."""
    other = vehicles.vehicle_create(actor=parties.company_b_user, vin=make_vin(9103), plate=make_plate(9103), seats=5,
                                    usage_nature=UsageNature.RIDE_HAILING, owner_name="陆小凤",
                                    owner_id_no=make_resident_id(seq=777))
    company = parties.company_a_user
    job = services.import_job_create(actor=company, kind="vehicles", upload=upload(csv_bytes(
        ["车辆识别代号", "使用性质"], [[other.vin, "家庭自用"], [private_car.vin, "家庭自用"]])))
    job = _run(job, company)
    reasons = [e.reason for e in ImportRowError.objects.filter(job=job).order_by("row_number")]
    assert len(reasons) == 2 and reasons[0] == reasons[1]  # no difference between "another company" and "none"
    assert parties.company_b.name not in reasons[0]
    assert Vehicle.objects.get(pk=other.pk).usage_nature == UsageNature.RIDE_HAILING
    assert Vehicle.objects.get(pk=private_car.pk).usage_nature == UsageNature.FAMILY


def test_m9_single_row_upsert_refuses_the_same_way(parties, private_car):
    """``vehicle_upsert`` (the row-by-row path other callers use) holds the same rule as the bulk importer."""
    from django.core.exceptions import ValidationError

    from apps.core.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        vehicles.vehicle_upsert(actor=parties.company_a_user, vin=private_car.vin, company=parties.company_a,
                                owner_name="某某")
    with pytest.raises(ValidationError) as exc:
        vehicles.vehicle_upsert(actor=parties.company_a_user, vin=make_vin(9104), plate=private_car.plate, seats=5)
    assert private_car.vin not in str(exc.value)
    car = Vehicle.objects.get(pk=private_car.pk)
    assert car.company_id is None and car.owner_name == "黄秀英"


# --- finding 3: an XLSX whose declared range would be materialised cell by cell -----------------------------------


def _xlsx_with_dimension(dimension: str | None, rows: int = 1) -> bytes:
    """A small, valid XLSX (built with openpyxl) whose sheet XML then declares ``dimension`` (``None``: no
    dimension element at all, so only the rows present bound the read)."""
    import io
    import re
    import zipfile

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["号牌号码", "车辆识别代号", "核定载客人数"])
    for i in range(rows):
        sheet.append([make_plate(9200 + i), make_vin(9200 + i), "5"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                replacement = b"" if dimension is None else b'<dimension ref="%s"/>' % dimension.encode()
                body, count = re.subn(rb"<dimension [^>]*/>", replacement, body)
                assert count == 1
            target.writestr(info, body)
    return out.getvalue()


@pytest.mark.parametrize("dimension", ["A1:XFD3001", "A1:XFD300", "A1:C5000"])
def test_xlsx_declaring_a_huge_range_is_refused_before_its_cells_exist(parties, settings, dimension):
    import tracemalloc

    settings.IMPORT_MAX_ROWS = 1000
    data = _xlsx_with_dimension(dimension)
    assert len(data) < 20_000  # the attack file is a few KB
    tracemalloc.start()
    try:
        with pytest.raises(errors.ImportFileError) as exc:
            services.import_job_create(actor=parties.transport_user, kind="vehicles",
                                       upload=upload(data, "bomb.xlsx"))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert exc.value.code == "import_too_big"
    assert "Excel 工作表的范围为" in exc.value.message and "请删除多余的行和列" in exc.value.message
    assert peak < 20 * 1024 * 1024  # refused from the declared range, not after building millions of cells
    assert ImportJob.objects.count() == 0


def test_xlsx_rows_actually_present_are_bounded_while_reading(settings):
    settings.IMPORT_MAX_ROWS = 20
    data = _xlsx_with_dimension(None, rows=100)  # no declared range: the rows themselves must stop the read
    with pytest.raises(errors.ImportFileError) as exc:
        decoding.read_sheet(data, "rows.xlsx")
    assert exc.value.code == "import_too_big" and "超过上限" in exc.value.message
    ok = decoding.read_sheet(_xlsx_with_dimension(None, rows=5), "rows.xlsx")  # a file within the bounds reads
    assert [cells[:2] for _n, cells in ok.records[1:3]] == [[make_plate(9200), make_vin(9200)],
                                                             [make_plate(9201), make_vin(9201)]]


def test_lead_plate_list_upload_reads_xlsx_within_the_same_bounds(settings):
    from apps.core.errors import ApplicationError
    from apps.leads.uploads import parse_plate_list

    with pytest.raises(ApplicationError) as exc:
        parse_plate_list(upload(_xlsx_with_dimension("A1:XFD3001"), "plates.xlsx"))
    assert "Excel 工作表的范围为" in exc.value.message


# --- finding 4: personal data outside encrypted columns (uploaded files, row error reasons) -----------------------


def _stored_path(job: ImportJob):
    from pathlib import Path

    return Path(job.file.path)


def test_stored_upload_is_encrypted_and_readable_by_the_server_only(parties):
    owner_id = make_resident_id(seq=432)
    data = csv_bytes(["号牌号码", "车辆识别代号", "核定载客人数", "所有人", "所有人证件号码"],
                     [[make_plate(9301), make_vin(9301), "5", "覃美玲", owner_id]])
    transport = parties.transport_user
    job = services.import_job_create(actor=transport, kind="vehicles", upload=upload(data))
    path = _stored_path(job)
    raw = path.read_bytes()
    assert owner_id.encode() not in raw and "覃美玲".encode() not in raw and raw != data
    assert path.stat().st_mode & 0o777 == 0o600
    job = _run(job, transport)  # the importer still reads its own file
    assert job.status == ImportJob.Status.DONE and job.created_count == 1
    assert Vehicle.objects.get(vin=make_vin(9301)).owner_id_no == owner_id


def test_expired_uploads_are_purged_and_fresh_ones_kept(parties, settings):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    from liuzhou_regulation.celery import app

    settings.IMPORT_FILE_RETENTION_DAYS = 30
    assert app.conf.beat_schedule["imports-purge-files"]["task"] == "apps.core.imports.import_files_purge_task"
    transport = parties.transport_user

    def upload_vehicle(n):
        data = csv_bytes(["车辆识别代号", "核定载客人数"], [[make_vin(n), "5"]])
        return services.import_job_create(actor=transport, kind="vehicles", upload=upload(data))

    with time_machine.travel(timezone.now() - dt.timedelta(days=31), tick=True):
        old_done = _run(upload_vehicle(9401), transport)
        old_waiting = upload_vehicle(9402)  # previewed, never started
    fresh = upload_vehicle(9403)
    old_paths = [_stored_path(old_done), _stored_path(old_waiting)]
    assert all(p.exists() for p in old_paths)

    assert tasks.import_files_purge_task.apply().get() == 2
    assert not any(p.exists() for p in old_paths)
    assert _stored_path(fresh).exists()
    old_done.refresh_from_db()
    old_waiting.refresh_from_db()
    assert not old_done.file and old_done.status == ImportJob.Status.DONE and old_done.created_count == 1
    assert not old_waiting.file and old_waiting.status == ImportJob.Status.DISCARDED
    assert "保存期限" in old_waiting.error_message
    with pytest.raises(Exception):  # noqa: B017 - the purged job cannot be started any more
        services.import_job_start(actor=transport, job=old_waiting, mode=ImportJob.Mode.VALID_ROWS)
    assert services.import_files_purge() == 0  # nothing left to purge


def test_row_error_for_a_bad_id_number_does_not_quote_it(parties):
    from apps.core.validators import resident_id_check_char

    body = "45020219850312987"
    bad_check = body + ("0" if resident_id_check_char(body) != "0" else "1")  # 18 digits, wrong check character
    bad_length = "4502021985031298"  # 16 digits
    company = parties.company_a_user
    vehicles_job = services.import_job_create(actor=company, kind="vehicles", upload=upload(csv_bytes(
        ["车辆识别代号", "核定载客人数", "所有人证件号码"],
        [[make_vin(9501), "5", bad_check], [make_vin(9502), "5", bad_length]])))
    good_id = make_resident_id(seq=876)
    drivers_job = services.import_job_create(actor=company, kind="drivers", upload=upload(csv_bytes(
        ["姓名", "身份证号码", "联系电话"],
        [["甲", good_id, "13907720001"], ["乙", good_id, "13907720002"], ["丙", bad_check, "1390772"]]),
        "drivers.csv"))
    _run(drivers_job, company)  # the drivers' numbers are checked by the service, at import
    reasons = [e.reason for e in ImportRowError.objects.filter(job__in=[vehicles_job, drivers_job])]
    assert len(reasons) >= 4  # two bad owner IDs, a repeated driver ID, a bad driver ID (and the bad phone)
    text = "\n".join(reasons)
    for number in (bad_check, bad_length, good_id):
        assert number not in text
    assert "所有人证件号码" in text and "重复" in text


# --- finding 2a: the claims batch as an oracle of who is a registered driver ---------------------------------------


def test_claims_batch_answers_the_same_for_a_registered_driver_and_anyone_else(parties, api):
    from apps.claims.models import Claim
    from tests.claims.factories import make_driver, make_policy

    insurer = parties.insurer_a_user
    policy = make_policy(insurer=parties.insurer_a)
    registered = make_driver(company=parties.company_a)
    stranger = make_resident_id(birth="19900101", seq=135)
    assert not type(registered).objects.filter(id_no_bidx=registered.id_no_bidx).exclude(pk=registered.pk).exists()

    def push(number, id_no):
        row = {"number": number, "policy_number": policy.number, "occurred_at": "2026-11-20T08:10:00+08:00",
               "reported_at": "2026-11-20T08:30:00+08:00", "driver_id_no": id_no}
        response = api.as_user(insurer).post("/api/v1/claims/batch/", {"claims": [row]}, format="json")
        assert response.status_code == 200, response.content
        (result,) = response.json()["results"]
        claim = Claim.objects.get(insurer=parties.insurer_a, number=number)
        shown = api.as_user(insurer).get(f"/api/v1/claims/{claim.pk}/").json()
        return {k: v for k, v in result.items() if k not in ("id", "number")}, shown["driver"], claim

    answer_registered, shown_registered, claim_registered = push("RPSEC001", registered.id_no)
    answer_stranger, shown_stranger, claim_stranger = push("RPSEC002", stranger)
    assert answer_registered == answer_stranger and answer_registered["result"] == "created"
    assert shown_registered is None and shown_stranger is None  # the insurer's view shows no register link
    assert claim_registered.driver_id == registered.pk  # the link is kept for the supervisors' analytics (M14)
    assert claim_stranger.driver_id is None
    regulator_view = api.as_user(parties.regulator_user).get(f"/api/v1/claims/{claim_registered.pk}/")
    assert regulator_view.status_code == 200 and regulator_view.json()["driver"] == registered.pk


# --- finding 2b: a policy registered on a guessed VIN -------------------------------------------------------------


def test_policy_on_a_guessed_vin_does_not_tell_the_insurer_the_registers_data(parties, api, private_car):
    import datetime as dt
    from decimal import Decimal

    from django.core.exceptions import ValidationError

    from apps.core.deadlines import SHANGHAI
    from apps.policies import services as policies

    insurer = parties.insurer_a_user
    common = {"actor": insurer, "insurer": parties.insurer_a, "kind": "compulsory", "vin": private_car.vin,
              "usage_nature_insured": UsageNature.FAMILY, "premium": Decimal("950.00"),
              "starts_at": dt.datetime(2026, 12, 1, tzinfo=SHANGHAI), "ends_at": dt.datetime(2027, 12, 1, tzinfo=SHANGHAI)}
    with pytest.raises(ValidationError) as exc:
        policies.policy_upsert(number="PDSEC0001", plate=make_plate(9601), **common)
    assert private_car.plate not in str(exc.value)  # the register's plate is not given away
    policy, _outcome = policies.policy_upsert(number="PDSEC0002", **common)  # underwriting a new car is lawful
    response = api.as_user(insurer).post(f"/api/v1/vehicles/{private_car.pk}/reveal/", {"field": "owner_id_no"},
                                         format="json")
    assert response.status_code in (403, 404) and private_car.owner_id_no not in response.content.decode()
    shown = api.as_user(insurer).get(f"/api/v1/vehicles/{private_car.pk}/").content.decode()
    assert private_car.owner_id_no not in shown and "黄秀英" not in shown
