"""The bulk importer: reading files, preview errors, both modes, idempotent re-import, failures, access."""

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from apps.core.errors import ApplicationError, PermissionDeniedError
from apps.core.models import AuditEvent
from apps.imports import registry, runner, selectors, services
from apps.imports.errors import ImportFileError
from apps.imports.models import ImportJob, ImportRowError
from apps.policies.models import Policy
from apps.vehicles.models import OperatingPermit, Vehicle
from apps.vehicles.usage import UsageNature
from tests.factories import make_resident_id
from tests.vehicles.factories import VehicleFactory, make_plate, make_vin

from .helpers import VEHICLE_HEADERS, csv_bytes, upload, vehicle_rows, xlsx_bytes


def _bad_vin(n: int) -> str:
    vin = make_vin(n)
    return vin[:8] + ("0" if vin[8] != "0" else "1") + vin[9:]


def _stored_files() -> int:
    root = Path(settings.MEDIA_ROOT) / "imports"
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0


def _run(job: ImportJob, user, mode=ImportJob.Mode.VALID_ROWS) -> ImportJob:
    job = services.import_job_start(actor=user, job=job, mode=mode)
    if job.status == ImportJob.Status.IMPORTING:
        job = runner.import_job_run(job=job)
    return job


@pytest.fixture
def transport(parties):
    return parties.transport_user


def test_preview_reports_row_number_column_and_reason_in_chinese(transport):
    rows = vehicle_rows(4)
    rows[2][1] = _bad_vin(7002)  # spreadsheet row 4 (header is row 1)
    rows[3][2] = "五"  # row 5: seats not a number
    job = services.import_job_create(actor=transport, kind="vehicles",
                                     upload=upload(csv_bytes(VEHICLE_HEADERS, rows)))
    assert job.status == ImportJob.Status.PREVIEWED
    assert (job.total, job.valid, job.invalid) == (4, 2, 2)
    assert job.encoding == "utf-8-sig"
    errors = list(ImportRowError.objects.filter(job=job).order_by("row_number"))
    assert [(e.row_number, e.column) for e in errors] == [(4, "车辆识别代号"), (5, "核定载客人数")]
    assert "校验位" in errors[0].reason
    assert Vehicle.objects.count() == 0  # a preview writes nothing


def test_import_valid_rows_then_reimport_changes_nothing(transport):
    rows = vehicle_rows(3)
    rows.append(vehicle_rows(1, start=7100, **{"车辆识别代号": _bad_vin(7100)})[0])
    data = csv_bytes(VEHICLE_HEADERS, rows)
    job = _run(services.import_job_create(actor=transport, kind="vehicles", upload=upload(data)), transport)
    assert job.status == ImportJob.Status.DONE
    assert (job.created_count, job.updated_count, job.unchanged_count, job.skipped_count) == (3, 0, 0, 0)
    assert Vehicle.objects.count() == 3
    vehicle = Vehicle.objects.get(vin=make_vin(7000))
    assert vehicle.plate == make_plate(7000) and vehicle.usage_nature == UsageNature.RIDE_HAILING
    assert vehicle.owner_name == "韦小宝" and vehicle.owner_id_no == make_resident_id(seq=0)
    assert vehicle.registered_on == dt.date(2023, 3, 1)
    stamps = dict(Vehicle.objects.values_list("vin", "updated_at"))
    audits = AuditEvent.objects.exclude(action__startswith="import.").count()

    again = services.import_job_create(actor=transport, kind="vehicles", upload=upload(data))
    assert selectors.previous_import(again).pk == job.pk  # the page says "this file was imported before"
    again = _run(again, transport)
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 3)
    assert dict(Vehicle.objects.values_list("vin", "updated_at")) == stamps
    assert AuditEvent.objects.exclude(action__startswith="import.").count() == audits


def test_reimport_with_a_changed_cell_updates_only_that_vehicle(transport):
    rows = vehicle_rows(3)
    _run(services.import_job_create(actor=transport, kind="vehicles", upload=upload(csv_bytes(VEHICLE_HEADERS, rows))),
         transport)
    rows[1][3] = "家庭自用"
    rows[2][4] = ""  # an empty cell leaves the stored value as it is
    job = _run(services.import_job_create(actor=transport, kind="vehicles",
                                          upload=upload(csv_bytes(VEHICLE_HEADERS, rows))), transport)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 1, 2)
    assert Vehicle.objects.get(vin=make_vin(7001)).usage_nature == UsageNature.FAMILY
    assert Vehicle.objects.get(vin=make_vin(7002)).owner_name == "韦小宝"
    event = AuditEvent.objects.filter(action="vehicle.import").latest("id")
    assert event.detail["updated"] == {str(Vehicle.objects.get(vin=make_vin(7001)).pk): ["usage_nature"]}


def test_mode_nothing_with_bad_rows_writes_nothing(transport):
    rows = vehicle_rows(3)
    rows[1][0] = "桂B-1234"  # rule J1: symbols are an error
    job = services.import_job_create(actor=transport, kind="vehicles", upload=upload(csv_bytes(VEHICLE_HEADERS, rows)))
    job = _run(job, transport, mode=ImportJob.Mode.NOTHING)
    assert job.status == ImportJob.Status.DISCARDED
    assert "未导入任何数据" in job.error_message
    assert Vehicle.objects.count() == 0


def test_discard_writes_nothing(transport):
    job = services.import_job_create(actor=transport, kind="vehicles",
                                     upload=upload(csv_bytes(VEHICLE_HEADERS, vehicle_rows(2))))
    job = services.import_job_discard(actor=transport, job=job)
    assert job.status == ImportJob.Status.DISCARDED
    assert Vehicle.objects.count() == 0
    with pytest.raises(ApplicationError):
        services.import_job_start(actor=transport, job=job, mode=ImportJob.Mode.VALID_ROWS)


def test_mode_nothing_imports_everything_in_one_transaction(transport):
    job = services.import_job_create(actor=transport, kind="vehicles",
                                     upload=upload(csv_bytes(VEHICLE_HEADERS, vehicle_rows(5))))
    job = _run(job, transport, mode=ImportJob.Mode.NOTHING)
    assert job.status == ImportJob.Status.DONE
    assert (job.processed, job.created_count) == (5, 5)
    assert Vehicle.objects.count() == 5


@pytest.fixture
def refuse_vin():
    """A database trigger that rejects one VIN: a real failure in the middle of an import (no mocks)."""

    def install(vin: str):
        with connection.cursor() as cursor:
            cursor.execute(f"""
                CREATE OR REPLACE FUNCTION lz_test_refuse_vin() RETURNS trigger AS $$
                BEGIN
                  IF NEW.vin = '{vin}' THEN RAISE EXCEPTION 'refused by test trigger'; END IF;
                  RETURN NEW;
                END $$ LANGUAGE plpgsql;
                CREATE TRIGGER lz_test_refuse_vin BEFORE INSERT OR UPDATE ON vehicles_vehicle
                  FOR EACH ROW EXECUTE FUNCTION lz_test_refuse_vin();
            """)

    yield install
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS lz_test_refuse_vin ON vehicles_vehicle; "
                       "DROP FUNCTION IF EXISTS lz_test_refuse_vin();")


def test_failure_mid_import_leaves_no_partial_chunk(transport, settings, refuse_vin):
    settings.IMPORT_CHUNK_ROWS = 2
    job = services.import_job_create(actor=transport, kind="vehicles",
                                     upload=upload(csv_bytes(VEHICLE_HEADERS, vehicle_rows(6))))
    refuse_vin(make_vin(7002))  # the first row of the second chunk
    job = _run(job, transport)
    assert job.status == ImportJob.Status.FAILED
    assert "导入中断" in job.error_message
    # the first chunk is committed with its counters; nothing of the second chunk (7002 and 7003) is written
    assert sorted(Vehicle.objects.values_list("vin", flat=True)) == sorted([make_vin(7000), make_vin(7001)])
    assert (job.processed, job.created_count) == (2, 2)


def test_failure_in_mode_nothing_rolls_back_everything(transport, settings, refuse_vin):
    settings.IMPORT_CHUNK_ROWS = 2
    job = services.import_job_create(actor=transport, kind="vehicles",
                                     upload=upload(csv_bytes(VEHICLE_HEADERS, vehicle_rows(6))))
    refuse_vin(make_vin(7004))
    job = _run(job, transport, mode=ImportJob.Mode.NOTHING)
    assert job.status == ImportJob.Status.FAILED
    assert Vehicle.objects.count() == 0
    assert job.created_count == 0


def test_row_refused_at_import_is_reported_and_skipped(transport):
    rows = vehicle_rows(3)
    job = services.import_job_create(actor=transport, kind="vehicles", upload=upload(csv_bytes(VEHICLE_HEADERS, rows)))
    # between preview and import somebody registers the plate of row 3 on another vehicle
    VehicleFactory(plate=make_plate(7001), vin=make_vin(9999))
    job = _run(job, transport)
    assert (job.created_count, job.skipped_count) == (2, 1)
    error = ImportRowError.objects.get(job=job, at_import=True)
    assert (error.row_number, error.column) == (3, "号牌号码")
    assert make_vin(9999) in error.reason


def test_duplicate_keys_in_one_file_are_errors(transport):
    rows = vehicle_rows(3)
    rows[2][1] = rows[0][1]
    job = services.import_job_create(actor=transport, kind="vehicles", upload=upload(csv_bytes(VEHICLE_HEADERS, rows)))
    error = ImportRowError.objects.get(job=job)
    assert (error.row_number, error.column) == (4, "车辆识别代号")
    assert "与第 2 行重复" in error.reason


def test_gbk_csv_is_read(transport):
    data = csv_bytes(VEHICLE_HEADERS, vehicle_rows(2), encoding="gbk")
    job = services.import_job_create(actor=transport, kind="vehicles", upload=upload(data))
    assert job.encoding == "gb18030"
    assert (job.valid, job.invalid) == (2, 0)
    _run(job, transport)
    assert Vehicle.objects.get(vin=make_vin(7000)).owner_name == "韦小宝"


def test_utf8_without_bom_and_aliases_and_semicolons(transport):
    text = f"车牌号;VIN;座位数;使用性质\n桂BA7000;{make_vin(7000)};5;网约车\n"
    job = services.import_job_create(actor=transport, kind="vehicles", upload=upload(text.encode("utf-8")))
    assert (job.encoding, job.valid) == ("utf-8", 1)


def test_xlsx_with_title_row_dates_and_numbers(transport):
    rows = [[make_plate(7000), make_vin(7000), 5, "出租客运", "覃师傅", make_resident_id(seq=7), dt.date(2022, 6, 30)],
            [make_plate(7001), make_vin(7001), 7.0, "家庭自用", "", "", dt.datetime(2021, 1, 2)],
            [make_plate(7002), make_vin(7002), 5, "家庭自用", "", 450202198503120000, None]]
    data = xlsx_bytes(VEHICLE_HEADERS, rows, title_row="柳州市车辆信息表")
    job = services.import_job_create(actor=transport, kind="vehicles", upload=upload(data, "vehicles.xlsx"))
    assert job.file_format == ImportJob.Format.XLSX
    assert (job.total, job.valid, job.invalid) == (3, 2, 1)
    error = ImportRowError.objects.get(job=job)
    assert (error.row_number, error.column) == (5, "所有人证件号码")  # title row 1, header row 2
    assert "15 位" in error.reason
    _run(job, transport)
    taxi = Vehicle.objects.get(vin=make_vin(7000))
    assert (taxi.seats, taxi.registered_on, taxi.usage_nature) == (5, dt.date(2022, 6, 30), UsageNature.CRUISING_TAXI)
    assert Vehicle.objects.get(vin=make_vin(7001)).seats == 7


def test_scientific_notation_in_csv_is_explained(transport):
    rows = vehicle_rows(1)
    rows[0][5] = "4.50202E+17"
    job = services.import_job_create(actor=transport, kind="vehicles", upload=upload(csv_bytes(VEHICLE_HEADERS, rows)))
    assert "科学计数法" in ImportRowError.objects.get(job=job).reason


@pytest.mark.parametrize(("data", "name", "fragment"), [
    (b"", "a.csv", "空的"),
    ("号牌号码,车辆识别代号\n".encode(), "a.csv", "没有数据行"),
    ("姓名,电话\n张三,139\n".encode(), "a.csv", "没有找到可识别的列"),
    ("号牌号码,使用性质\n桂B12345,网约车\n".encode(), "a.csv", "缺少必需的列 车辆识别代号"),
    ("姓名,身份证号码,联系电话\n张三,450202198503120014,13907721234\n".encode(), "a.csv", "与“驾驶员”导入模板相符"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "a.xls", ".xls"),
    (b"PK\x03\x04garbage", "a.xlsx", "无法读取"),
    (b"\x00\x01\x02\x03binary", "a.csv", "不是文本格式"),
    (b"hello", "a.pdf", "只能导入 CSV 或 XLSX"),
])
def test_bad_files_are_refused_and_nothing_is_stored(transport, data, name, fragment):
    before = _stored_files()
    with pytest.raises(ImportFileError) as exc:
        services.import_job_create(actor=transport, kind="vehicles", upload=upload(data, name))
    assert fragment in exc.value.message
    assert ImportJob.objects.count() == 0
    assert _stored_files() == before


def test_too_big_file_is_refused(transport, settings):
    settings.IMPORT_MAX_FILE_MB = 0
    with pytest.raises(ImportFileError) as exc:
        services.import_job_create(actor=transport, kind="vehicles",
                                   upload=upload(csv_bytes(VEHICLE_HEADERS, vehicle_rows(1))))
    assert "文件过大" in exc.value.message
    assert ImportJob.objects.count() == 0


def test_company_imports_into_its_own_ledger_only(parties):
    user = parties.company_a_user
    headers = [*VEHICLE_HEADERS, "所属企业"]
    rows = [r + [parties.company_a.name] for r in vehicle_rows(1)]
    rows += [r + [parties.company_b.name] for r in vehicle_rows(1, start=7100)]
    rows += [r + [""] for r in vehicle_rows(1, start=7200)]
    job = services.import_job_create(actor=user, kind="vehicles", upload=upload(csv_bytes(headers, rows)))
    error = ImportRowError.objects.get(job=job)
    assert (error.row_number, error.column) == (3, "所属企业")
    _run(job, user)
    assert set(Vehicle.objects.values_list("company", flat=True)) == {parties.company_a.pk}
    assert Vehicle.objects.count() == 2


def test_who_may_import_what(parties):
    assert {k.key for k in registry.kinds_for(parties.transport_user)} == {"vehicles", "permits"}
    assert {k.key for k in registry.kinds_for(parties.company_a_user)} == {"vehicles", "drivers"}
    assert {k.key for k in registry.kinds_for(parties.insurer_a_user)} == {"policies"}
    assert registry.kinds_for(parties.regulator_user) == []
    with pytest.raises(PermissionDeniedError):
        services.import_job_create(actor=parties.company_a_user, kind="permits",
                                   upload=upload(b"x", "permits.csv"))


POLICY_HEADERS = ["保险公司", "保单号", "险种", "号牌号码", "车辆识别代号", "核定载客人数", "使用性质", "保险起期",
                  "保险止期", "保费", "责任限额"]


def test_insurer_cannot_import_policies_of_another_insurer(parties):
    user = parties.insurer_a_user
    rows = [
        ["", "PDZA2026001", "交强险", make_plate(7000), make_vin(7000), "5", "预约出租客运", "2026-05-01", "2027-04-30",
         "1800", ""],
        [parties.insurer_a.name, "PDZA2026002", "商业三者险", make_plate(7000), make_vin(7000), "5", "预约出租客运",
         "2026-05-01", "2027-04-30", "3200", "100万"],
        [parties.insurer_b.name, "PDZA2026003", "交强险", make_plate(7001), make_vin(7001), "5", "家庭自用",
         "2026-05-01", "2027-04-30", "950", ""],
    ]
    job = services.import_job_create(actor=user, kind="policies", upload=upload(csv_bytes(POLICY_HEADERS, rows)))
    error = ImportRowError.objects.get(job=job)
    assert (error.row_number, error.column) == (4, "保险公司")
    assert "只能导入本公司的保单" in error.reason
    job = _run(job, user)
    assert (job.created_count, job.skipped_count) == (2, 0)
    assert set(Policy.objects.values_list("insurer", flat=True)) == {parties.insurer_a.pk}
    assert not Policy.objects.filter(number="PDZA2026003").exists()
    # the other insurer cannot even see the import
    with pytest.raises(Exception) as exc:
        services.import_job_start(actor=parties.insurer_b_user, job=job, mode="valid_rows")
    assert exc.type.__name__ in {"PermissionDeniedError", "Http404"}


def test_permits_import_per_row_through_the_service(parties):
    user = parties.transport_user
    vehicle = VehicleFactory()
    headers = ["运输证号", "证件类别", "号牌号码", "有效期起", "有效期至"]
    rows = [["桂交运管柳字450200000001", "网约车", vehicle.plate, "2026-01-01", "2029-12-31"],
            ["桂交运管柳字450200000002", "网约车", "桂B99999", "2026-01-01", "2029-12-31"]]
    job = services.import_job_create(actor=user, kind="permits", upload=upload(csv_bytes(headers, rows)))
    assert (job.valid, job.invalid) == (1, 1)
    assert "请先导入车辆" in ImportRowError.objects.get(job=job).reason
    job = _run(job, user)
    assert OperatingPermit.objects.get().vehicle == vehicle
    again = _run(services.import_job_create(actor=user, kind="permits", upload=upload(csv_bytes(headers, rows))), user)
    assert (again.created_count, again.unchanged_count) == (0, 1)


def test_import_jobs_are_visible_to_their_organisation_only(parties, client):
    job = services.import_job_create(actor=parties.company_a_user, kind="vehicles",
                                     upload=upload(csv_bytes(VEHICLE_HEADERS, vehicle_rows(1))))
    client.force_login(parties.company_b_user)
    assert client.get(f"/imports/{job.pk}/").status_code == 404
    assert client.get(f"/imports/{job.pk}/progress/").status_code == 404
    assert client.post(f"/imports/{job.pk}/start/", {"mode": "valid_rows"}).status_code == 404
    client.force_login(parties.company_a_user)
    assert client.get(f"/imports/{job.pk}/").status_code == 200


def test_set_based_vehicle_import_matches_the_per_row_service(parties):
    """The bulk applier and ``vehicle_upsert`` reach the same state, outcomes and refusals, row for row."""
    from django.core.exceptions import ValidationError

    from apps.vehicles.rows import VEHICLE_ROWS
    from apps.vehicles.services import vehicles_bulk_upsert

    user = parties.company_a_user
    VehicleFactory(plate="桂BZ0001", vin=make_vin(9990), company=None)  # a plate already taken

    def rows(offset: int, usage: str, owner: str):
        raw = [
            {"号牌号码": make_plate(offset), "车辆识别代号": make_vin(offset), "核定载客人数": "5", "使用性质": usage,
             "所有人": owner, "所有人证件号码": make_resident_id(seq=7)},
            {"号牌号码": "", "车辆识别代号": make_vin(offset + 1), "核定载客人数": "7", "使用性质": "家庭自用"},
            {"号牌号码": "桂BZ0001", "车辆识别代号": make_vin(offset + 2), "核定载客人数": "5"},  # plate conflict
            {"车辆识别代号": make_vin(offset + 3)},  # a new vehicle without seats
            {"号牌号码": make_plate(offset + 4), "车辆识别代号": _bad_vin(offset + 4), "VIN校验位例外": "是",
             "核定载客人数": "5"},
        ]
        return [(n, VEHICLE_ROWS.parse(r)) for n, r in enumerate(raw, start=2)]

    def outcome(result):
        if isinstance(result, ValidationError):
            return ("error", sorted(result.message_dict))
        return result[1]

    def per_row(parsed):
        out = []
        for _n, kwargs in parsed:
            try:
                out.append(VEHICLE_ROWS.apply(actor=user, kwargs=kwargs))
            except ValidationError as exc:
                out.append(exc)
        return out

    fields = ["plate", "seats", "usage_nature", "owner_name", "owner_id_no", "company_id", "vin_override", "status",
              "owner_name_bidx", "owner_id_no_bidx", "engine_no", "make_model", "vehicle_type", "registered_on",
              "online", "online_since"]

    def state(offset):
        vehicles = {v.vin: v for v in Vehicle.objects.filter(vin__in=[make_vin(offset + i) for i in range(5)])}
        vehicles.update({v.vin: v for v in Vehicle.objects.filter(vin=_bad_vin(offset + 4))})
        vins = [make_vin(offset), make_vin(offset + 1), _bad_vin(offset + 4)]
        return [{f: getattr(vehicles[vin], f) for f in fields if f != "plate"} | {"plate": bool(vehicles[vin].plate)}
                for vin in vins]

    bulk = [outcome(r) for r in vehicles_bulk_upsert(actor=user, job=None, rows=rows(100, "网约车", "甲"))]
    service = [outcome(r) for r in per_row(rows(200, "网约车", "甲"))]
    assert bulk == service == ["created", "created", ("error", ["号牌号码"]), ("error", ["核定载客人数"]), "created"]
    # second pass: one changed cell, the rest unchanged
    bulk = [outcome(r) for r in vehicles_bulk_upsert(actor=user, job=None, rows=rows(100, "出租客运", "甲"))]
    service = [outcome(r) for r in per_row(rows(200, "出租客运", "甲"))]
    assert bulk == service == ["updated", "unchanged", ("error", ["号牌号码"]), ("error", ["核定载客人数"]),
                               "unchanged"]
    a, b = state(100), state(200)
    assert a == b
    assert a[0]["usage_nature"] == "cruising_taxi" and a[0]["owner_name"] == "甲" and a[2]["vin_override"]
    assert all(v["company_id"] == parties.company_a.pk for v in a)
    assert AuditEvent.objects.filter(action="vehicle.vin_override").count() == 2


def test_import_api_upload_preview_and_all_or_nothing_refusal(api, parties):
    client = api.as_user(parties.insurer_a_user)
    rows = [["", "PDZA2026101", "交强险", make_plate(7000), make_vin(7000), "5", "预约出租客运", "2026-05-01",
             "2027-04-30", "1800", ""],
            ["", "PDZA2026102", "交强险", make_plate(7001), "LSVAU2180N2183450", "5", "预约出租客运", "2026-05-01",
             "2027-04-30", "1800", ""]]
    response = client.post("/api/v1/imports/", {"kind": "policies",
                                                "file": upload(csv_bytes(POLICY_HEADERS, rows), "p.csv")},
                           format="multipart")
    assert response.status_code == 201, response.data
    body = response.data
    assert (body["status"], body["valid"], body["invalid"]) == ("previewed", 1, 1)
    assert body["errors"][0]["row"] == 3 and body["errors"][0]["column"] == "车辆识别代号"
    response = client.post(f"/api/v1/imports/{body['id']}/start/", {"mode": "nothing"}, format="json")
    assert response.data["status"] == "discarded"
    assert not Policy.objects.exists()
    other = api.as_user(parties.insurer_b_user)
    assert other.get(f"/api/v1/imports/{body['id']}/").status_code == 404
    response = api.as_user(parties.regulator_user).post(
        "/api/v1/imports/", {"kind": "policies", "file": upload(csv_bytes(POLICY_HEADERS, rows), "p.csv")},
        format="multipart")
    assert response.status_code == 403
