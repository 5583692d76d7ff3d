"""Attack findings on unbounded dates and amounts: a value that poisons every read of its row (a policy starting
0001-01-01 at +08:00 is a BC instant in UTC), batch rows that overflow Python (9999-12-31, 1e30) and gave a 500
after earlier rows had committed, the same cells in an import file, and a penalty decided in year 1.

Ranges live in ``apps.core.validators``; the services check them with a per-field Chinese error, and the database's
CHECK constraints refuse what any other path might try to store."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.imports import runner, services
from apps.imports.models import ImportJob, ImportRowError
from apps.leads import services as lead_services
from apps.leads.models import Penalty
from apps.policies.models import Coverage, Policy
from apps.vehicles.models import OperatingPermit, Vehicle
from tests.imports.helpers import csv_bytes, upload
from tests.policies.factories import PolicyFactory
from tests.vehicles.factories import VehicleFactory, make_plate, make_vin

API = "/api/v1"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _row(n: int, **over) -> dict:
    row = {"保单号": f"BND{n:04d}", "险种": "交强险", "号牌号码": make_plate(9300 + n), "车辆识别代号": make_vin(9300 + n),
           "核定载客人数": "5", "使用性质": "预约出租客运", "保险起期": "2026-05-01", "保险止期": "2027-04-30",
           "保费": "950"}
    row.update(over)
    return row


def _reads_stay_200(api, parties) -> None:
    for user in (parties.insurer_a_user, parties.transport_user, parties.regulator_user):
        response = api.as_user(user).get(f"{API}/policies/")
        assert response.status_code == 200, (user, response.content[:300])


def test_batch_row_starting_0001_01_01_is_refused_per_field_and_nothing_is_stored(parties, api, client):
    client = api.as_user(parties.insurer_a_user)
    PolicyFactory(insurer=parties.insurer_a)  # a readable row beside it
    response = client.post(f"{API}/policies/batch/", {"rows": [_row(1, 保险起期="0001-01-01")]}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["counts"] == {"created": 0, "updated": 0, "unchanged": 0, "error": 1}
    errors = body["results"][0]["errors"]
    assert body["results"][0]["outcome"] == "error" and "保险起期" in errors
    assert "超出允许范围" in errors["保险起期"][0]
    assert not Policy.objects.filter(number="BND0001").exists()
    assert not Vehicle.objects.filter(vin=make_vin(9301)).exists()
    _reads_stay_200(api, parties)
    client.force_login(parties.regulator_user)
    export = client.get("/policies/", {"export": "csv"})
    assert export.status_code == 200
    lines = b"".join(export.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 2  # the header and the readable policy: the export is complete


def test_api_create_and_update_refuse_implausible_dates_and_amounts_by_field(parties, api):
    client = api.as_user(parties.insurer_a_user)
    body = {"number": "BNDAPI1", "kind": "compulsory", "vin": make_vin(9390), "plate": make_plate(9390), "seats": 5,
            "usage_nature_insured": "ride_hailing", "starts_at": "0001-01-01T00:00:00+08:00",
            "ends_at": "2027-04-30T00:00:00+08:00", "premium": "950.00"}
    refused = client.post(f"{API}/policies/", body, format="json")
    assert refused.status_code == 400, refused.content
    assert "starts_at" in refused.json()["error"]["fields"]
    assert not Policy.objects.filter(number="BNDAPI1").exists()
    policy = PolicyFactory(insurer=parties.insurer_a)
    patched = client.patch(f"{API}/policies/{policy.pk}/", {"ends_at": "2199-12-31T00:00:00+08:00"}, format="json")
    assert patched.status_code == 400 and "ends_at" in patched.json()["error"]["fields"]
    _reads_stay_200(api, parties)


@pytest.mark.parametrize(("column", "value"), [("保险止期", "9999-12-31"), ("保费", "1e30"), ("保费", "NaN"),
                                               ("责任限额", "1e30"), ("保险止期", "9999-12-31 10:00")])
def test_batch_overflowing_cells_are_per_row_refusals_and_earlier_rows_are_reported(parties, api, column, value):
    client = api.as_user(parties.insurer_a_user)
    rows = [_row(11), _row(12, **{column: value}), _row(13)]
    response = client.post(f"{API}/policies/batch/", {"rows": rows}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["counts"] == {"created": 2, "updated": 0, "unchanged": 0, "error": 1}
    first, bad, last = body["results"]
    assert (first["row"], first["outcome"]) == (1, "created") and first["id"] is not None
    assert (last["row"], last["outcome"]) == (3, "created")
    assert bad["outcome"] == "error" and column in bad["errors"]
    assert set(Policy.objects.filter(number__startswith="BND").values_list("number", flat=True)) == {
        "BND0011", "BND0013"}
    _reads_stay_200(api, parties)


HEADERS = ["保单号", "险种", "号牌号码", "车辆识别代号", "核定载客人数", "使用性质", "保险起期", "保险止期", "保费"]


def test_csv_import_with_such_cells_reports_row_errors_and_the_job_finishes(parties):
    user = parties.insurer_a_user
    rows = [[_row(n, **over)[h] for h in HEADERS] for n, over in (
        (21, {}), (22, {"保险止期": "9999-12-31"}), (23, {"保费": "1e30"}), (24, {"保险起期": "0001-01-01"}),
        (25, {}))]
    job = services.import_job_create(actor=user, kind="policies", upload=upload(csv_bytes(HEADERS, rows), "p.csv"))
    assert job.status == ImportJob.Status.PREVIEWED, job.error_message
    assert "预览中断" not in job.error_message
    assert (job.total, job.valid, job.invalid) == (5, 2, 3)
    errors = {(e.row_number, e.column) for e in ImportRowError.objects.filter(job=job)}
    assert errors == {(3, "保险止期"), (4, "保费"), (5, "保险起期")}
    job = services.import_job_start(actor=user, job=job, mode=ImportJob.Mode.VALID_ROWS)
    if job.status == ImportJob.Status.IMPORTING:
        job = runner.import_job_run(job=job)
    assert job.status == ImportJob.Status.DONE, job.error_message
    assert set(Policy.objects.values_list("number", flat=True)) == {"BND0021", "BND0025"}


def test_database_refuses_out_of_range_values_whatever_the_path(parties):
    """An ORM ``.update()`` skips every service: the CHECK constraints still refuse the value."""
    policy = PolicyFactory(insurer=parties.insurer_a)
    year_one = dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    for values in ({"starts_at": year_one}, {"ends_at": dt.datetime(2300, 1, 1, tzinfo=dt.UTC)},
                   {"rescinded_at": dt.datetime(1899, 12, 31, tzinfo=dt.UTC)}, {"premium": Decimal("-1")}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Policy.objects.filter(pk=policy.pk).update(**values)
    coverage = Coverage.objects.create(policy=policy, kind="other", limit=Decimal("100"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Coverage.objects.filter(pk=coverage.pk).update(per_seat_limit=Decimal("-0.01"))
    vehicle = VehicleFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Vehicle.objects.filter(pk=vehicle.pk).update(registered_on=dt.date(1, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        OperatingPermit.objects.create(vehicle=vehicle, number="BND-P", valid_from=dt.date(2026, 1, 1),
                                       valid_to=dt.date(9999, 12, 31))
    policy.refresh_from_db()  # the row reads back as it was
    assert policy.starts_at.year >= 1990


def test_penalty_decided_in_year_one_is_refused(parties):
    car = VehicleFactory()
    for decided_on in (dt.date(1, 1, 1), dt.date(1899, 12, 31)):
        with pytest.raises(ApplicationError) as exc:
            lead_services.penalty_record(actor=parties.transport_user, decision_no=f"柳交执罚〔{decided_on.year}〕1号",
                                         decided_on=decided_on, facts="未取得网约车运输证载客", plate=car.plate)
        assert "decided_on" in exc.value.extra["fields"]
        assert "超出允许范围" in exc.value.extra["fields"]["decided_on"][0]
    with pytest.raises(ApplicationError) as exc:
        lead_services.penalty_record(actor=parties.transport_user, decision_no="柳交执罚〔2026〕9号",
                                     decided_on=timezone.localdate(), facts="未取得网约车运输证载客", plate=car.plate,
                                     amount=Decimal("1e30"))
    assert "amount" in exc.value.extra["fields"]
    assert not Penalty.objects.exists()


def test_penalty_api_refuses_year_one_with_a_field_error(parties, api):
    car = VehicleFactory()
    response = api.as_user(parties.transport_user).post(f"{API}/penalties/", {
        "decision_no": "柳交执罚〔2026〕77号", "decided_on": "0001-01-01", "plate": car.plate,
        "facts": "未取得网约车运输证载客"}, format="json")
    assert response.status_code == 400, response.content
    assert "decided_on" in str(response.json()["error"])
    assert not Penalty.objects.exists()
