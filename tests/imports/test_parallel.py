"""A "valid rows" import of independent rows (vehicles) shared out between parts that run side by side: every chunk
is applied exactly once, whichever part, repeated or concurrent task reaches it, and the last one ends the job."""


import pytest
from django.db import connection

from apps.core.models import AuditEvent
from apps.imports import runner, services
from apps.imports.models import ImportChunk, ImportJob
from apps.vehicles.models import Vehicle
from liuzhou_regulation.celery import app
from tests.helpers import in_threads
from tests.vehicles.factories import make_vin

from .helpers import VEHICLE_HEADERS, csv_bytes, upload, vehicle_rows


@pytest.fixture
def parallel(settings):
    settings.IMPORT_WORKERS = 3
    settings.IMPORT_CHUNK_ROWS = 2
    yield
    app.control.purge()  # the part tasks this test queued for a worker it did not start


def _started(user, rows) -> ImportJob:
    job = services.import_job_create(actor=user, kind="vehicles", upload=upload(csv_bytes(VEHICLE_HEADERS, rows)))
    return services.import_job_start(actor=user, job=job, mode=ImportJob.Mode.VALID_ROWS)


def _chunk_rows(job) -> int:
    return sum(ImportChunk.objects.filter(job=job).values_list("rows", flat=True))


def test_parts_share_the_chunks_and_the_last_one_ends_the_job(parties, parallel):
    user = parties.transport_user
    rows = vehicle_rows(11)
    rows[4][0] = "桂B 1234"  # invalid at preview: not imported, not counted in a chunk
    job = _started(user, rows)
    assert job.valid == 10  # 5 chunks of 2 rows: part 0 takes chunks 0 and 3, part 1 chunks 1 and 4, part 2 chunk 2

    job = runner.import_job_run(job=job)  # part 0, here; parts 1 and 2 were queued for the worker processes
    assert job.status == ImportJob.Status.IMPORTING
    assert sorted(ImportChunk.objects.filter(job=job).values_list("index", flat=True)) == [0, 3]
    assert job.processed == 4 == Vehicle.objects.count()

    job = runner.import_job_part(job=job, part=2, parts=3)
    assert job.status == ImportJob.Status.IMPORTING and job.processed == 6
    job = runner.import_job_part(job=job, part=1, parts=3)
    assert job.status == ImportJob.Status.DONE
    assert (job.processed, job.created_count, job.skipped_count) == (10, 10, 0)
    assert Vehicle.objects.count() == 10 and _chunk_rows(job) == 10
    assert AuditEvent.objects.filter(action="import.done", object_id=str(job.pk)).count() == 1

    # a redelivered part finds its chunks committed: nothing is applied twice, the job stays as it is
    again = runner.import_job_part(job=ImportJob(pk=job.pk), part=1, parts=3)
    assert (again.status, again.processed, again.created_count) == (ImportJob.Status.DONE, 10, 10)
    assert AuditEvent.objects.filter(action="import.done", object_id=str(job.pk)).count() == 1


def test_a_failing_part_fails_the_job_and_the_others_stop(parties, parallel):
    user = parties.transport_user
    job = _started(user, vehicle_rows(10))
    with connection.cursor() as cursor:  # a real failure in part 1's first chunk (rows 3 and 4 of the file)
        cursor.execute(f"""
            CREATE FUNCTION lz_test_refuse() RETURNS trigger AS $$
            BEGIN IF NEW.vin = '{make_vin(7002)}' THEN RAISE EXCEPTION 'refused by test trigger'; END IF;
            RETURN NEW; END $$ LANGUAGE plpgsql;
            CREATE TRIGGER lz_test_refuse BEFORE INSERT ON vehicles_vehicle
            FOR EACH ROW EXECUTE FUNCTION lz_test_refuse();""")
    job = runner.import_job_part(job=job, part=1, parts=3)
    assert job.status == ImportJob.Status.FAILED and "导入中断" in job.error_message
    assert job.processed == 0 and not ImportChunk.objects.filter(job=job).exists()

    job = runner.import_job_run(job=job)  # part 0 comes later: the job has failed, it applies nothing
    assert job.status == ImportJob.Status.FAILED
    assert Vehicle.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_two_tasks_on_the_same_part_at_once_apply_each_chunk_once(parallel, settings):
    """Two workers run the same part concurrently (a redelivery while the first is still running): the chunk
    record, inserted first in each chunk's transaction, makes the second wait and then skip."""
    from tests.factories import OrganizationFactory, user_of

    settings.IMPORT_CHUNK_ROWS = 5
    user = user_of("transport", organization=OrganizationFactory(kind="transport", name="交通运输局(parallel)"))
    job = _started(user, vehicle_rows(40))
    in_threads(lambda: runner.import_job_part(job=ImportJob(pk=job.pk), part=0, parts=1))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.error_message
    assert (job.processed, job.created_count, job.unchanged_count) == (40, 40, 0)
    assert Vehicle.objects.count() == 40 and ImportChunk.objects.filter(job=job).count() == 8
    assert AuditEvent.objects.filter(action="import.done", object_id=str(job.pk)).count() == 1


def _errors(job) -> list[tuple[int, str, str]]:
    return list(job.row_errors.order_by("row_number", "column", "reason").values_list("row_number", "column", "reason"))


def test_preview_in_parts_finds_what_one_pass_finds(parties, parallel, settings):
    """Row errors in several parts, and natural keys repeated across parts and inside one: the preview shared
    between three parts reports the same rows, columns and reasons, and the same counts, as one pass."""
    user = parties.transport_user
    rows = vehicle_rows(12)
    rows[3][0] = "桂B 1234"  # part 1: plate with a space
    rows[8][1] = rows[0][1]  # part 1 (chunk 4) repeats the VIN of row 2 (part 0)
    rows[9][0] = rows[4][0]  # part 1 (chunk 4) repeats the plate of row 6 (part 2)
    rows[11][0] = rows[10][0]  # part 2, same chunk: repeated plate
    data = csv_bytes(VEHICLE_HEADERS, rows)

    settings.IMPORT_SYNC_VALIDATE_ROWS = 100  # one pass, during the upload
    one = services.import_job_create(actor=user, kind="vehicles", upload=upload(data))
    assert one.status == ImportJob.Status.PREVIEWED

    settings.IMPORT_SYNC_VALIDATE_ROWS = 2  # the worker's way: three parts
    job = services.import_job_create(actor=user, kind="vehicles", upload=upload(data))
    assert job.status == ImportJob.Status.VALIDATING
    job = services.import_job_validate(job=job)  # part 0; parts 1 and 2 queued
    assert job.status == ImportJob.Status.VALIDATING
    job = services.import_job_validate_part(job=job, part=2, parts=3)
    assert job.status == ImportJob.Status.VALIDATING
    job = services.import_job_validate_part(job=job, part=1, parts=3)
    assert job.status == ImportJob.Status.PREVIEWED
    assert (job.total, job.valid, job.invalid, job.validated) == (one.total, one.valid, one.invalid, one.validated)
    assert (job.valid, job.invalid) == (8, 4)
    assert _errors(job) == _errors(one)
    assert {number for number, _c, _r in _errors(job)} == {5, 10, 11, 13}
    assert any("与第 2 行重复" in reason for _n, _c, reason in _errors(job))

    # a redelivered part writes nothing more
    again = services.import_job_validate_part(job=ImportJob(pk=job.pk), part=1, parts=3)
    assert (again.status, again.valid, again.invalid) == (ImportJob.Status.PREVIEWED, 8, 4)
    assert _errors(again) == _errors(one)
