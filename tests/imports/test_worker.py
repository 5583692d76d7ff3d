"""The import runs in a real Celery worker (validation of a big file, then the chunked import) with progress."""


import pytest

from apps.imports import selectors, services
from apps.imports.models import ImportJob
from apps.vehicles.models import Vehicle
from tests.helpers import wait_for

from .helpers import VEHICLE_HEADERS, csv_bytes, upload, vehicle_rows


def _wait(job, statuses, timeout=60):
    seen = []

    def reached():
        job.refresh_from_db()
        seen.append(selectors.progress(job)["percent"])
        return job.status in statuses

    wait_for(reached, timeout=timeout, every=0.05,
             what=lambda: f"the job (stayed {job.status}; progress seen {seen[-5:]})")
    return job, seen


@pytest.mark.celery_worker
def test_big_file_is_validated_and_imported_by_the_worker(celery_worker, settings):
    from tests.factories import OrganizationFactory, user_of

    settings.IMPORT_SYNC_VALIDATE_ROWS = 10  # bigger files are validated by the worker
    settings.IMPORT_CHUNK_ROWS = 25
    user = user_of("transport", organization=OrganizationFactory(kind="transport", name="交通运输局(worker)"))
    rows = vehicle_rows(120)
    rows[50][0] = "桂B 12345"  # row 52 is invalid
    job = services.import_job_create(actor=user, kind="vehicles", upload=upload(csv_bytes(VEHICLE_HEADERS, rows)))
    assert job.status == ImportJob.Status.VALIDATING  # handed to the worker
    job, _seen = _wait(job, {ImportJob.Status.PREVIEWED})
    assert (job.total, job.valid, job.invalid) == (120, 119, 1)
    assert job.row_errors.get().row_number == 52

    job = services.import_job_start(actor=user, job=job, mode=ImportJob.Mode.VALID_ROWS)
    job, seen = _wait(job, {ImportJob.Status.DONE, ImportJob.Status.FAILED})
    assert job.status == ImportJob.Status.DONE, job.error_message
    assert (job.processed, job.created_count) == (119, 119)
    assert selectors.progress(job)["percent"] == 100
    assert seen == sorted(seen)  # progress only moves forward
    assert Vehicle.objects.count() == 119


@pytest.mark.celery_worker
def test_vehicle_import_is_shared_between_two_worker_processes(transactional_db, settings):
    """Two parts on a real worker with two execution slots (threads here; processes under `make run`)."""
    from celery.contrib.testing.worker import start_worker
    from kombu import pools

    from apps.imports.models import ImportChunk
    from liuzhou_regulation.celery import app
    from tests.factories import OrganizationFactory, user_of

    settings.IMPORT_WORKERS = 2
    settings.IMPORT_CHUNK_ROWS = 10
    settings.IMPORT_SYNC_VALIDATE_ROWS = 10  # the preview is shared between the two as well
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    app.control.purge()
    user = user_of("transport", organization=OrganizationFactory(kind="transport", name="交通运输局(parts)"))
    rows = vehicle_rows(96)
    rows[90][1] = rows[5][1]  # the VIN of row 7 again on row 92 (chunks 0 and 9: not the same part)
    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, loglevel="WARNING",
                      shutdown_timeout=20):
        job = services.import_job_create(actor=user, kind="vehicles", upload=upload(csv_bytes(VEHICLE_HEADERS, rows)))
        job, _seen = _wait(job, {ImportJob.Status.PREVIEWED, ImportJob.Status.FAILED})
        assert (job.valid, job.invalid) == (95, 1), job.error_message
        assert job.row_errors.get().row_number == 92
        job = services.import_job_start(actor=user, job=job, mode=ImportJob.Mode.VALID_ROWS)
        job, seen = _wait(job, {ImportJob.Status.DONE, ImportJob.Status.FAILED})
    assert job.status == ImportJob.Status.DONE, job.error_message
    assert (job.processed, job.created_count) == (95, 95)
    assert Vehicle.objects.count() == 95
    assert sorted(ImportChunk.objects.filter(job=job).values_list("index", flat=True)) == list(range(10))
    assert seen == sorted(seen)
