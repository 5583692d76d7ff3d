"""Import of a 100,000-row vehicle CSV through the real importer (target: ≤ 20 s on the 2-core machine, every row
validated: plate J1, VIN check digit, seats, usage nature, owner ID number, company name).

The file goes through the same services as an upload on the page: ``import_job_create`` (read, header check,
then — the file being big — the preview task: validation of every row, error report) and ``import_job_start`` →
the Celery task ``import_job_run_task`` with one transaction per chunk and the set-based vehicle applier. Both
tasks run on a real Celery worker started here with two processes (as ``make run`` starts it), so the preview
and the import are each shared between two parts (``IMPORT_WORKERS=2``). Times: from the upload to the preview
being ready, and from the user's "import" click to the job's "done". Then the same file is imported again:
every row "unchanged", nothing written.

    .venv/bin/python -m benchmarks.import_vehicles [rows]
"""

import csv
import io
import os
import subprocess
import sys
import time

from benchmarks.common import machine, timed, use_bench_database

HEADERS = ["号牌号码", "车辆识别代号", "厂牌型号", "发动机号", "核定载客人数", "使用性质", "所有人", "所有人证件号码",
           "所属企业", "注册登记日期"]
LETTERS = "ABCEGHJKLMNPQRSUVWXYZ"  # not D/F/T: the generated city uses 桂BD…/桂BF…/桂BT…


def build_csv(rows: int, companies: list[str]) -> bytes:
    from apps.core.validators import resident_id_check_char, vin_check_digit

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for i in range(rows):
        body = f"LJDAA2150{i:08d}"
        vin = body[:8] + vin_check_digit(body) + body[9:]
        plate = f"桂B{LETTERS[i // 10000 % len(LETTERS)]}{i % 10000:04d}"
        id_body = f"45020{2 + i % 4}19{70 + i % 30:02d}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"
        operating = i % 3 != 0
        writer.writerow([
            plate, vin, "比亚迪牌BYD7003BEV", f"BYD{i:09d}", 5 if i % 10 else 7,
            "预约出租客运" if operating else "家庭自用", "韦" + "明华秀英强军"[i % 6], id_body + resident_id_check_char(id_body),
            companies[i % len(companies)] if operating else "", f"20{18 + i % 8}-0{1 + i % 9}-1{i % 9}",
        ])
    return out.getvalue().encode("utf-8-sig")


def _worker(queue: str) -> subprocess.Popen:
    """A Celery worker with two processes on this benchmark's own queue and database."""
    from liuzhou_regulation.celery import app

    env = {**os.environ, "LZ_CELERY_QUEUE": queue, "IMPORT_WORKERS": "2"}
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "celery", "-A", "liuzhou_regulation", "worker", "-l", "WARNING", "--concurrency", "2",
         "-Q", queue, "-n", f"{queue}@%h"], env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if app.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=0.5):
            return proc
    proc.terminate()
    raise SystemExit("the Celery worker did not start")


def _wait(job, *statuses):
    from apps.core.models import ImportJob

    while True:
        job.refresh_from_db()
        if job.status in (*statuses, ImportJob.Status.FAILED):
            return job
        time.sleep(0.05)


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    queue = os.environ["LZ_CELERY_QUEUE"] = "bench-import"
    use_bench_database()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection

    from apps.core import imports
    from apps.core.models import ImportJob
    from apps.parties.models import Organization, User
    from apps.vehicles.models import Vehicle
    from liuzhou_regulation.celery import app

    app.control.purge()
    user = User.objects.get(username="transport")
    companies = list(Organization.objects.filter(kind="taxi_company").values_list("short_name", flat=True))
    Vehicle.objects.filter(vin__startswith="LJDAA215").delete()  # an earlier run of this script
    with connection.cursor() as cursor:  # and its dead rows: every run starts from the same table
        cursor.execute("VACUUM ANALYZE vehicles_vehicle")
    data = build_csv(rows, companies)
    print(f"machine: {machine()}")
    print(f"file: {rows:,} rows, {len(data) / 1024 / 1024:.1f} MB; register holds {Vehicle.objects.count():,} vehicles")
    worker = _worker(queue)
    try:
        results: dict = {}
        for attempt in ("first import", "same file again"):
            print(f"--- {attempt}")
            with timed("total (upload, validate, import)", results):
                with timed("upload + preview (worker: 2 parts)", results):
                    job = imports.import_job_create(actor=user, kind="vehicles",
                                                    upload=SimpleUploadedFile("v.csv", data))
                    job = _wait(job, ImportJob.Status.PREVIEWED)
                with timed("import (worker: 2 parts, set-based upsert)", results):
                    job = imports.import_job_start(actor=user, job=job, mode=ImportJob.Mode.VALID_ROWS)
                    job = _wait(job, ImportJob.Status.DONE)
            print(f"    status={job.status} valid={job.valid} invalid={job.invalid} created={job.created_count} "
                  f"updated={job.updated_count} unchanged={job.unchanged_count} skipped={job.skipped_count}")
            print(f"    {rows / results['total (upload, validate, import)']:,.0f} rows/s")
    finally:
        worker.terminate()
        worker.wait(30)


if __name__ == "__main__":
    main()
