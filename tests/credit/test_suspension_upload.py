"""Rule M15: while the regulator's suspension of an insurer's ride-hailing business is in effect, the platform
refuses that insurer's new ride-hailing policies — through the upload page (importer) and the API."""


import pytest
from django.utils import timezone

from apps.credit.services import supervisory_action_issue
from apps.imports.models import ImportJob, ImportRowError
from apps.policies.models import Policy
from tests.helpers import wait_for
from tests.imports.helpers import csv_bytes
from tests.vehicles.factories import make_plate, make_vin

HEADERS = ["保险公司", "保单号", "险种", "号牌号码", "车辆识别代号", "核定载客人数", "使用性质", "保险起期", "保险止期",
           "保费", "责任限额"]
MESSAGE = "网约车保险业务已被金融监管分局暂停"


def _suspend(parties):
    return supervisory_action_issue(
        actor=parties.regulator_user, target=parties.insurer_a, kind="business_suspension",
        ground="invented_claim_conditions", facts="违规设置理赔条件，情节严重。", starts_on=timezone.localdate(),
        reference_no="柳金监罚〔2026〕3号")


def _api_policy(n: int, usage: str) -> dict:
    today = timezone.localdate()
    return {"number": f"PDZA2026SUSP{n:04d}", "kind": "compulsory", "vin": make_vin(8800 + n),
            "plate": make_plate(8800 + n), "seats": 5, "usage_nature_insured": usage,
            "starts_at": f"{today.isoformat()}T00:00:00+08:00", "ends_at": f"{today.replace(year=today.year + 1)}T00:00:00+08:00",
            "premium": "1800.00"}


@pytest.mark.django_db
def test_m15_suspension_blocks_ride_hailing_policy_through_api(api, parties):
    _suspend(parties)
    client = api.as_user(parties.insurer_a_user)
    refused = client.post("/api/v1/policies/", _api_policy(1, "ride_hailing"), format="json")
    assert refused.status_code == 400, refused.content
    assert refused.json()["error"]["code"] == "ride_hailing_business_suspended"
    assert MESSAGE in refused.json()["error"]["message"] and "柳金监罚〔2026〕3号" in refused.json()["error"]["message"]
    assert not Policy.objects.filter(number="PDZA2026SUSP0001").exists()
    # its non-ride-hailing business and other insurers go on
    assert client.post("/api/v1/policies/", _api_policy(2, "family"), format="json").status_code == 201
    other = api.as_user(parties.insurer_b_user).post("/api/v1/policies/", _api_policy(3, "ride_hailing"), format="json")
    assert other.status_code == 201
    # the batch endpoint refuses the row with the same message and keeps the others
    batch = api.as_user(parties.insurer_a_user).post("/api/v1/policies/batch/", {"rows": [
        {"保单号": "PDZA2026SUSP0004", "险种": "交强险", "号牌号码": make_plate(8804), "车辆识别代号": make_vin(8804),
         "核定载客人数": "5", "使用性质": "预约出租客运", "保险起期": timezone.localdate().isoformat(),
         "保险止期": timezone.localdate().replace(year=timezone.localdate().year + 1).isoformat(), "保费": "1800"},
    ]}, format="json")
    assert batch.status_code == 200, batch.content
    row = batch.json()["results"][0]
    assert row["outcome"] == "error" and MESSAGE in str(row["errors"])


def _wait_for(job_pk: int) -> ImportJob:
    def finished():
        job = ImportJob.objects.get(pk=job_pk)
        return job if job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED) else None

    return wait_for(finished, timeout=60, every=0.2, what="the import to finish")


@pytest.mark.celery_worker
def test_m15_suspension_blocks_ride_hailing_policy_through_upload_page(celery_worker, parties, client, settings,
                                                                      tmp_path):
    settings.MEDIA_ROOT = tmp_path
    _suspend(parties)
    today = timezone.localdate()
    end = today.replace(year=today.year + 1)
    rows = [
        ["", "PDZA2026UP0001", "交强险", make_plate(8900), make_vin(8900), "5", "预约出租客运", today, end, "1800", ""],
        ["", "PDZA2026UP0002", "交强险", make_plate(8901), make_vin(8901), "5", "家庭自用", today, end, "950", ""],
    ]
    client.force_login(parties.insurer_a_user)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("policies.csv", csv_bytes(HEADERS, rows), content_type="text/csv")
    response = client.post("/imports/upload/", {"kind": "policies", "file": upload})
    assert response.status_code == 302, response.content.decode()[:3000]
    job = ImportJob.objects.get()
    client.post(f"/imports/{job.pk}/start/", {"mode": "valid_rows"})
    job = _wait_for(job.pk)
    assert job.status == ImportJob.Status.DONE and (job.created_count, job.skipped_count) == (1, 1)
    error = ImportRowError.objects.get(job=job, at_import=True)
    assert error.row_number == 2 and MESSAGE in error.reason
    assert list(Policy.objects.values_list("number", flat=True)) == ["PDZA2026UP0002"]
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert MESSAGE in page
