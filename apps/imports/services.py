"""The importer's services — the job lifecycle: upload → preview → choice → import (by the chunk runner,
``runner.py``) → the uploaded file purged. Pages, the API and tests call these; the Celery tasks (``tasks.py``)
only pass ids to them.

1. ``import_job_create`` reads the upload (``decoding.read_sheet``), finds the header row, checks the headers
   against the kind's row spec (``layout.find_layout``), and stores the file, encrypted, under MEDIA_ROOT
   (``files.py``). A bad file (not CSV/XLSX, empty, too big, wrong headers) is refused with a Chinese message and
   nothing is stored.
2. ``import_job_validate`` parses every row with the row spec (``apps/<app>/rows.py``, built on
   ``apps/imports/rows.py``) and stores the errors (row number as in the spreadsheet, column header, reason in
   Chinese). Small files are validated during the upload request; big ones by the Celery task
   ``import_job_validate_task``, shared between ``IMPORT_WORKERS`` parts (``import_job_validate_part``; the page
   polls the progress).
3. The user chooses "导入有效行" (``import_job_start(mode=valid_rows)``) or "全部不导入" (``import_job_discard``,
   nothing is written). Mode ``nothing`` ("有错误则全部不导入", the API's all-or-nothing) is refused when any row is
   invalid, and runs the whole import in ONE transaction.
4. ``runner.import_job_run`` (Celery task ``import_job_run_task``) applies the valid rows in chunks. Upserts are
   idempotent: re-importing the same file reports every row as "unchanged" and writes nothing.
5. ``import_files_purge`` (Celery beat, daily) deletes uploaded files after ``IMPORT_FILE_RETENTION_DAYS``.

Import kinds are registered by the apps that own the registers (``registry.register_import_kind``), with the row spec,
who may import, an optional cheap per-row precheck, the natural key (duplicates inside one file are reported at
preview) and an optional set-based applier for large files (``copy.copy_insert`` writes its new rows).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.core.audit import audit_record
from apps.core.errors import ApplicationError, PermissionDeniedError
from apps.core.notifications import Text, stored
from apps.imports.errors import ErrorCode
from apps.parties.rights import SystemActor

from . import tasks
from .conf import (
    chunk_rows,
    file_retention_days,
    import_workers,
    max_rows,
    max_stored_errors,
    sync_validate_rows,
)
from .decoding import Sheet, read_sheet
from .errors import ImportFileError
from .files import import_job_layout, read_upload, store_upload
from .layout import data_records, errors_by_header, find_layout, job_spec, parse_record, row_reason
from .models import ImportJob, ImportPreviewPart, ImportRowError
from .registry import ImportKind, all_kinds, get_kind
from .runner import claim

logger = logging.getLogger(__name__)


def import_job_create(*, actor, kind: str, upload, name: str | None = None) -> ImportJob:
    """Read and check the uploaded file, store it, and validate it now (small) or in a Celery task (big).

    Refused files store nothing: the file is written only after every whole-file check passed.
    """
    import_kind = get_kind(kind)
    if not import_kind.may_import(actor):
        raise PermissionDeniedError(_("您没有导入%(label)s的权限。") % {"label": import_kind.label})
    name = name or getattr(upload, "name", "") or "upload"
    data = read_upload(upload)
    sheet = read_sheet(data, name)
    if not sheet.records:
        raise ImportFileError(_("文件是空的。"), code=ErrorCode.IMPORT_EMPTY)
    spec = import_kind.row_spec()
    try:
        layout = find_layout(spec, sheet.records)
    except ImportFileError as exc:
        raise _with_kind_hint(exc, import_kind, sheet) from None
    total = sum(1 for _r in data_records(sheet, layout))
    if total == 0:
        raise ImportFileError(_("文件只有表头，没有数据行。"), code=ErrorCode.IMPORT_EMPTY)
    if total > max_rows():
        raise ImportFileError(_("文件有 %(n)d 行数据，超过单次导入上限 %(max)d 行；请拆分后分批导入。") % {
            "n": total, "max": max_rows()}, code=ErrorCode.IMPORT_TOO_MANY_ROWS)
    digest = hashlib.sha256(data).hexdigest()
    extension = "xlsx" if sheet.format == ImportJob.Format.XLSX else "csv"
    with transaction.atomic():
        job = ImportJob(
            kind=import_kind.key, organization=actor.organization, created_by=actor, original_name=name[:255],
            file_sha256=digest, file_format=sheet.format, encoding=sheet.encoding, total=total,
            status=ImportJob.Status.VALIDATING, header_row=layout.header_row, ignored_columns=layout.ignored[:50],
        )
        store_upload(job, data, extension)
        try:
            job.full_clean(exclude=["file"])
            job.save()
            audit_record(actor=actor, action="import.upload", obj=job, detail={
                "kind": job.kind, "file": job.original_name, "sha256": digest, "rows": total,
                "ignored_columns": layout.ignored})
        except Exception:
            job.file.delete(save=False)
            raise
        if total > sync_validate_rows():
            job_id = job.pk
            transaction.on_commit(lambda: tasks.import_job_validate_task.delay(job_id))
    if total <= sync_validate_rows():
        import_job_validate(job=job)
        job.refresh_from_db()
    return job


def _with_kind_hint(exc: ImportFileError, chosen: ImportKind, sheet: Sheet) -> ImportFileError:
    """A file of another kind (policies uploaded as vehicles) gets a hint naming the kind it looks like."""
    if exc.code != "import_headers":
        return exc
    for other in all_kinds():
        if other.key == chosen.key:
            continue
        try:
            find_layout(other.row_spec(), sheet.records)
        except ImportFileError:
            continue
        return ImportFileError(exc.message + _("该文件的表头与“%(other)s”导入模板相符，是否选错了导入内容？") % {
            "other": other.label}, code=exc.code, extra={**exc.extra, "looks_like": other.key})
    return exc


def _duplicate_errors(seen: dict, number: int, keys: dict[str, Any], spec) -> list[tuple[str, str, dict]]:
    """A natural key already met on an earlier row (``seen``: key → first row number) is an error on this row."""
    errors = []
    for key_field, value in keys.items():
        first = seen.setdefault((key_field, value), number)
        if first != number:
            errors.append((spec.header_for(key_field), *row_reason(ValidationError(Text(
                gettext_noop("与第 %(n)d 行重复（%(v)s），同一文件中只能出现一次。"), n=first, v=str(value))))))
    return errors


def _validation_parts(job: ImportJob) -> int:
    """Files validated by the worker are shared out between ``IMPORT_WORKERS`` parts (validation only reads the
    registers, so every kind can be); the upload request validates small files alone."""
    if job.total <= sync_validate_rows():
        return 1
    size = max(chunk_rows(), 1)
    return max(1, min(import_workers(), (job.total + size - 1) // size))


def import_job_validate(*, job: ImportJob) -> ImportJob:
    """Parse every row and store the errors; the job becomes ``previewed`` with its counts. Big files: this task
    validates part 0 and queues the other parts (``import_job_validate_part_task``); the part that commits last
    checks the natural keys repeated across the whole file and ends the preview."""
    job = ImportJob.objects.get(pk=job.pk)
    if job.status != ImportJob.Status.VALIDATING:
        return job
    parts = _validation_parts(job)
    for part in range(1, parts):
        tasks.import_job_validate_part_task.delay(job.pk, part, parts)
    return import_job_validate_part(job=job, part=0, parts=parts)


def import_job_validate_part(*, job: ImportJob, part: int, parts: int) -> ImportJob:
    """Validate the rows of chunks ``part`` modulo ``parts`` (chunks of ``chunk_rows()`` rows, in file order);
    commit their errors with an ``ImportPreviewPart`` record, then end the preview if every part is in."""
    job = ImportJob.objects.select_related("created_by").get(pk=job.pk)
    if job.status != ImportJob.Status.VALIDATING or ImportPreviewPart.objects.filter(job=job, part=part).exists():
        return job
    kind = get_kind(job.kind)
    spec = job_spec(kind.row_spec())
    try:
        sheet, layout = import_job_layout(job)
    except ImportFileError as exc:
        ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.VALIDATING).update(
            status=ImportJob.Status.FAILED, error_message=exc.message, finished_at=timezone.now())
        return ImportJob.objects.get(pk=job.pk)
    user = job.created_by
    valid = invalid = 0
    errors: list[ImportRowError] = []
    keys: list = []
    limit = -(-max_stored_errors() // parts)
    size = max(chunk_rows(), 1)
    try:
        for position, (number, cells) in enumerate(data_records(sheet, layout)):
            if (position // size) % parts != part:
                continue
            try:
                kwargs = parse_record(spec, kind, layout, cells, user)
            except ValidationError as exc:
                invalid += 1
                if len(errors) < limit:
                    errors.extend(ImportRowError(job=job, row_number=number, column=column[:80], reason=reason,
                                                 reason_msg=message)
                                  for column, reason, message in errors_by_header(exc))
            else:
                valid += 1
                if kind.natural_keys is not None:
                    keys.append([number, [[f, _json_key(v)] for f, v in kind.natural_keys(kwargs).items()
                                          if v not in (None, "")]])
            if (valid + invalid) % size == 0:  # progress only: the counts are set when the preview ends
                ImportJob.objects.filter(pk=job.pk).update(validated=F("validated") + size)
        with transaction.atomic():
            if claim(ImportPreviewPart, job_id=job.pk, part=part, parts=parts, valid=valid, invalid=invalid,
                      keys=keys):
                ImportRowError.objects.bulk_create(errors[:limit])
        _preview_complete(job, spec)
    except Exception as exc:  # noqa: BLE001 - the preview fails visibly instead of staying "validating"
        logger.exception("import job %s: preview failed", job.pk)
        text, message = stored(Text(gettext_noop("预览中断：%(e)s。未导入任何数据；请重新上传文件。"),
                                    e=exc.__class__.__name__))
        ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.VALIDATING).update(
            status=ImportJob.Status.FAILED, finished_at=timezone.now(), error_message=text, error_message_msg=message)
    return ImportJob.objects.get(pk=job.pk)


def _json_key(value):
    # natural keys are strings, ids, or tuples of them (insurer id + policy number)
    return list(value) if isinstance(value, tuple) else value


def _preview_complete(job: ImportJob, spec) -> None:
    """Under the job's row lock, once every part is committed: a natural key met on an earlier row (in any part)
    makes the row invalid, exactly as a sequential pass over the file would; then the job is ``previewed``."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        parts = list(ImportPreviewPart.objects.filter(job=job))
        if job.status != ImportJob.Status.VALIDATING or not parts or len(parts) < parts[0].parts:
            return
        rows = sorted(row for p in parts for row in p.keys)
        seen: dict = {}
        duplicates: list[ImportRowError] = []
        for number, pairs in rows:
            keys = {f: tuple(v) if isinstance(v, list) else v for f, v in pairs}
            found = _duplicate_errors(seen, number, keys, spec)
            if found:
                duplicates.append([ImportRowError(job=job, row_number=number, column=c[:80], reason=r, reason_msg=m)
                                   for c, r, m in found])
        stored = ImportRowError.objects.filter(job=job, at_import=False).count()
        room = max(max_stored_errors() - stored, 0)
        ImportRowError.objects.bulk_create([e for row in duplicates for e in row][:room])
        valid = sum(p.valid for p in parts) - len(duplicates)
        invalid = sum(p.invalid for p in parts) + len(duplicates)
        ImportJob.objects.filter(pk=job.pk).update(
            validated=valid + invalid, valid=valid, invalid=invalid, status=ImportJob.Status.PREVIEWED)
        ImportPreviewPart.objects.filter(job=job).update(keys=[])  # served their purpose


def _may_act_on(actor, job: ImportJob) -> None:
    kind = get_kind(job.kind)
    if not kind.may_import(actor) or actor.organization_id != job.organization_id:
        raise PermissionDeniedError(_("您不能处理这次导入。"))


@transaction.atomic
def import_job_start(*, actor, job: ImportJob, mode: str) -> ImportJob:
    """The user's choice after the preview: import the valid rows, or (``nothing``) all rows in one transaction
    — refused when any row is invalid. The import itself runs in a Celery task after commit."""
    _may_act_on(actor, job)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if mode not in ImportJob.Mode.values:
        raise ApplicationError(_("未知的导入方式。"), code=ErrorCode.IMPORT_MODE)
    if job.status != ImportJob.Status.PREVIEWED:
        raise ApplicationError(_("这次导入已处理（%(s)s），不能再次开始。") % {"s": job.get_status_display()},
                               code=ErrorCode.IMPORT_STATE)
    if mode == ImportJob.Mode.NOTHING and job.invalid:
        job.status = ImportJob.Status.DISCARDED
        job.mode = mode
        job.finished_at = timezone.now()
        job.error_message, job.error_message_msg = stored(Text(
            gettext_noop("文件中有 %(n)d 行错误；按“有错误则全部不导入”，未导入任何数据。"), n=job.invalid))
        job.save(update_fields=["status", "mode", "finished_at", "error_message", "error_message_msg"])
        audit_record(actor=actor, action="import.refused", obj=job, detail={"invalid": job.invalid})
        return job
    if job.valid == 0:
        raise ApplicationError(_("没有可导入的有效行。"), code=ErrorCode.IMPORT_NOTHING_VALID)
    job.status = ImportJob.Status.IMPORTING
    job.mode = mode
    job.started_at = timezone.now()
    job.save(update_fields=["status", "mode", "started_at"])
    audit_record(actor=actor, action="import.start", obj=job, detail={"mode": mode, "valid": job.valid})
    job_id = job.pk
    transaction.on_commit(lambda: tasks.import_job_run_task.delay(job_id))
    return job


@transaction.atomic
def import_job_discard(*, actor, job: ImportJob) -> ImportJob:
    """"全部不导入": nothing is written; the file and the error report are kept for the record."""
    _may_act_on(actor, job)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status not in (ImportJob.Status.PREVIEWED, ImportJob.Status.VALIDATING):
        raise ApplicationError(_("这次导入已处理（%(s)s），不能放弃。") % {"s": job.get_status_display()},
                               code=ErrorCode.IMPORT_STATE)
    job.status = ImportJob.Status.DISCARDED
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at"])
    audit_record(actor=actor, action="import.discard", obj=job, detail={"valid": job.valid, "invalid": job.invalid})
    return job



# --- retention of uploaded files ------------------------------------------------------------------------------------


def import_files_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the uploaded files older than ``IMPORT_FILE_RETENTION_DAYS`` (Celery beat, daily). The job, its counts
    and its row errors stay for the record; a job still waiting for the user's choice (or stuck validating) can no
    longer run and becomes "未导入". A job being imported keeps its file until it ends. Returns the files deleted."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=file_retention_days())
    purged = []
    stale = (ImportJob.objects.filter(created_at__lt=cutoff).exclude(file="")
             .exclude(status=ImportJob.Status.IMPORTING).only("pk", "file", "status"))
    for job in stale.iterator():
        changes: dict[str, Any] = {"file": ""}
        if job.status in (ImportJob.Status.VALIDATING, ImportJob.Status.PREVIEWED):
            text, message = stored(Text(gettext_noop("上传的文件已超过保存期限（%(n)d 天）并被删除，未导入任何数据。"),
                                        n=file_retention_days()))
            changes.update(status=ImportJob.Status.DISCARDED, finished_at=now, error_message=text,
                           error_message_msg=message)
        # the row first, on the status read (an import started meanwhile keeps its file), then the file itself
        if ImportJob.objects.filter(pk=job.pk, status=job.status).update(**changes):
            job.file.storage.delete(job.file.name)
            purged.append(job.pk)
    if purged:
        audit_record(actor=SystemActor("import.purge_files"), action="import.files_purged", detail={
            "jobs": purged, "retention_days": file_retention_days()})
    return len(purged)
