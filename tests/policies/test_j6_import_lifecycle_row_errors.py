"""A policy import row that would change a lifecycle field — status, rescission or cancellation instant, the period
of a compulsory policy — is that row's error, in Chinese, naming the field (rules J5, J6, J8, C5; issue 14: a
policy changes only through its lifecycle). Nothing of it is applied, the other rows are."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.imports import runner, services
from apps.imports.models import ImportJob, ImportRowError
from apps.policies.models import Policy, PolicyStatusChange
from tests.imports.helpers import csv_bytes, upload
from tests.policies.factories import PolicyFactory
from tests.vehicles.factories import VehicleFactory

pytestmark = pytest.mark.django_db
HEADERS = ["保单号", "险种", "车辆识别代号", "使用性质", "保险起期", "保险止期", "保费", "状态", "解除时间", "退保时间"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _row(policy, **over):
    row = {"保单号": policy.number, "险种": "交强险", "车辆识别代号": policy.vehicle.vin, "使用性质": "预约出租客运",
           "保险起期": "2026-05-01", "保险止期": "2027-04-30", "保费": "950", "状态": "", "解除时间": "", "退保时间": ""}
    row.update(over)
    return [row[h] for h in HEADERS]


def _import(user, rows) -> ImportJob:
    job = services.import_job_create(actor=user, kind="policies", upload=upload(csv_bytes(HEADERS, rows), "p.csv"))
    if job.status == ImportJob.Status.PREVIEWED and job.valid:
        job = services.import_job_start(actor=user, job=job, mode=ImportJob.Mode.VALID_ROWS)
        if job.status == ImportJob.Status.IMPORTING:
            job = runner.import_job_run(job=job)
    return job


def _errors(job, row_number) -> dict[str, str]:
    return {e.column: e.reason for e in ImportRowError.objects.filter(job=job, row_number=row_number)}


def test_j6_j8_import_rows_changing_the_lifecycle_are_row_errors_naming_the_field(parties):
    policies = [PolicyFactory(insurer=parties.insurer_a, vehicle=VehicleFactory(seats=5)) for _ in range(7)]
    rows = [
        _row(policies[0], 状态="已解除", 解除时间="2026-06-01"),   # row 2
        _row(policies[1], 状态="已退保", 退保时间="2026-06-01"),   # row 3
        _row(policies[2], 退保时间="2026-06-01"),                   # row 4
        _row(policies[3], 保险止期="2027-08-31"),                   # row 5
        _row(policies[4], 保险起期="2026-06-01"),                   # row 6
        _row(policies[5], 保费="990"),                               # row 7: a lawful change, applied
        _row(policies[6], 状态="已解除"),                            # row 8: not "fill in 解除时间"
    ]
    job = _import(parties.insurer_a_user, rows)
    row2, row3, row4, row5, row6 = (_errors(job, n) for n in (2, 3, 4, 5, 6))
    assert "保单状态" in row2.get("状态", "") and "合同解除案件" in row2["状态"]
    assert "保单状态" in row3.get("状态", "") and "退保" in row3["状态"]
    assert "退保时间" in row4.get("退保时间", "")
    assert "保险期间" in row5.get("保险止期", "")
    assert "保险期间" in row6.get("保险起期", "")
    assert not _errors(job, 7)
    row8 = _errors(job, 8)
    assert "保单状态" in row8.get("状态", "") and "解除时间" not in row8
    for policy in policies[:5] + policies[6:]:
        fresh = Policy.objects.get(pk=policy.pk)
        assert fresh.status == Policy.Status.ACTIVE and fresh.rescinded_at is None and fresh.cancelled_at is None
        assert (fresh.starts_at, fresh.ends_at) == (policy.starts_at, policy.ends_at)
    assert not PolicyStatusChange.objects.exists()
    assert Policy.objects.get(pk=policies[5].pk).premium == Decimal("990.00")
