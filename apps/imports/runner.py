"""The chunk runner: applies the valid rows of a previewed file (Celery tasks ``import_job_run_task`` and
``import_job_part_task``, ``tasks.py``).

Mode ``valid_rows``: the file is re-read and its valid rows applied in chunks of ``IMPORT_CHUNK_ROWS``, one
transaction per chunk, the job's counters and an ``ImportChunk`` record committed with the chunk, so a failure
leaves no partial chunk and a redelivered task skips the chunks already committed. For kinds whose rows are
independent (``ImportKind.parallel``, e.g. vehicles) the chunks are shared out between ``IMPORT_WORKERS`` parts,
each a task of its own on its own worker process; the chunk record is claimed first in each chunk's transaction
(``claim``), so no chunk is ever applied twice, and the part that commits the last chunk ends the job.
Mode ``nothing``: the whole file in ONE transaction; any refused row rolls everything back.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_noop

from apps.core.audit import audit_record
from apps.core.notifications import Text, joined, quoted, stored

from .conf import chunk_rows, import_workers
from .files import import_job_layout
from .layout import Layout, data_records, errors_by_header, job_spec, parse_record
from .models import ImportChunk, ImportJob, ImportRowError
from .registry import ImportKind, get_kind
from .selectors import progress_key

logger = logging.getLogger(__name__)


def import_job_run(*, job: ImportJob) -> ImportJob:
    """Apply the valid rows (Celery task). Mode ``valid_rows``: one transaction per chunk, counters committed with
    it, resumable; for ``parallel`` kinds the chunks are shared with ``IMPORT_WORKERS - 1`` more tasks, this one
    doing part 0 (``import_job_part``). Mode ``nothing``: one transaction for the whole file; any refused row rolls
    everything back."""
    job = ImportJob.objects.select_related("created_by", "organization").get(pk=job.pk)
    if job.status != ImportJob.Status.IMPORTING:
        return job
    kind = get_kind(job.kind)
    if job.mode != ImportJob.Mode.NOTHING:
        parts = _parts(kind, job)
        for part in range(1, parts):
            from .tasks import import_job_part_task

            import_job_part_task.delay(job.pk, part, parts)
        return import_job_part(job=job, part=0, parts=parts)
    actor = job.created_by
    try:
        _run_all_or_nothing(job, kind, job_spec(kind.row_spec()), actor)
    except _RowRefused as exc:
        with transaction.atomic():
            ImportRowError.objects.bulk_create(
                [ImportRowError(job=job, row_number=exc.number, column=c[:80], reason=r, reason_msg=m, at_import=True)
                 for c, r, m in exc.errors])
            _finish(job, status=ImportJob.Status.FAILED, message=Text(
                gettext_noop("第 %(n)d 行导入时被拒绝（%(r)s）；按“有错误则全部不导入”，未导入任何数据。"),
                n=exc.number, r=_joined(exc.errors)))
    except Exception as exc:  # noqa: BLE001 - any failure ends the job visibly; nothing was written
        _interrupted(job, exc)
    finally:
        cache.delete(progress_key(job.pk))
    job = ImportJob.objects.get(pk=job.pk)
    if job.status == ImportJob.Status.DONE:
        _audit_done(job, actor)
    return job


def import_job_part(*, job: ImportJob, part: int, parts: int) -> ImportJob:
    """Part ``part`` of ``parts`` of a "valid rows" import (Celery task ``import_job_part_task``; part 0 of 1 when
    not shared): the chunks whose index is ``part`` modulo ``parts``. Ends the job when it commits the last chunk."""
    job = ImportJob.objects.select_related("created_by", "organization").get(pk=job.pk)
    if job.status != ImportJob.Status.IMPORTING or job.mode != ImportJob.Mode.VALID_ROWS:
        return job
    kind = get_kind(job.kind)
    try:
        layout, records = _importable(job)
        _run_in_chunks(job, kind, job_spec(kind.row_spec()), job.created_by, layout, records, part=part, parts=parts)
        _complete(job, _chunk_count(records))
    except Exception as exc:  # noqa: BLE001 - the job fails visibly; committed chunks stay
        _interrupted(job, exc)
    return ImportJob.objects.get(pk=job.pk)


class _RowRefused(Exception):
    """A row refused in mode ``nothing``: the whole import rolls back."""

    def __init__(self, number: int, errors: list[tuple[str, str, dict]]):
        super().__init__(number)
        self.number = number
        self.errors = errors


def _apply_rows(kind: ImportKind, spec, actor, job: ImportJob, rows: list[tuple[int, dict[str, Any]]],
                *, all_or_nothing: bool) -> tuple[dict[str, int], list[ImportRowError]]:
    """Apply one chunk inside the caller's transaction; returns outcome counts and the rows refused now."""
    counts = {"created": 0, "updated": 0, "unchanged": 0, "skipped": 0}
    refused: list[ImportRowError] = []
    bulk = kind.bulk_applier()
    if bulk is not None:
        results = bulk(actor=actor, job=job, rows=rows)
    else:
        results = []
        for _number, kwargs in rows:
            try:
                with transaction.atomic():
                    results.append(spec.apply(actor=actor, kwargs=kwargs))
            except ValidationError as exc:
                results.append(exc)
    for (number, _kwargs), result in zip(rows, results, strict=True):
        if isinstance(result, ValidationError):
            errors = errors_by_header(result)
            if all_or_nothing:
                raise _RowRefused(number, errors)
            counts["skipped"] += 1
            refused.extend(ImportRowError(job=job, row_number=number, column=c[:80], reason=r, reason_msg=m,
                                          at_import=True)
                           for c, r, m in errors)
        else:
            counts[result[1]] += 1
    return counts, refused


def _importable(job: ImportJob) -> tuple[Layout, list[tuple[int, list[str]]]]:
    """The file's layout and its data rows that were valid at preview (or beyond the stored-error cap), in file
    order: read once per task, for its chunks and for the count of chunks that ends the job."""
    sheet, layout = import_job_layout(job)
    invalid_rows = set(ImportRowError.objects.filter(job=job, at_import=False).values_list("row_number", flat=True))
    return layout, [(number, cells) for number, cells in data_records(sheet, layout) if number not in invalid_rows]


def _chunk_count(records: list) -> int:
    return -(-len(records) // max(chunk_rows(), 1))


def _valid_chunks(job: ImportJob, kind: ImportKind, spec, layout: Layout, records: list, *,
                  wanted: Callable[[int], bool] = lambda index: True):
    """``records`` in chunks of ``chunk_rows()``, numbered from 0: yields ``(index, [(number, kwargs or
    ValidationError), ...])`` for the ``wanted`` chunks, parsed again now (the registers may have changed since
    the preview); the others are not parsed."""
    size = max(chunk_rows(), 1)
    for index, start in enumerate(range(0, len(records), size)):
        if not wanted(index):
            continue
        chunk = []
        for number, cells in records[start:start + size]:
            try:
                chunk.append((number, parse_record(spec, kind, layout, cells, job.created_by, precheck=False)))
            except ValidationError as exc:
                chunk.append((number, exc))
        yield index, chunk


def _joined(errors: list[tuple[str, str, dict]]) -> Text | str:
    """A refused row's reasons as one text ("<column>：<reason>；…"), each reason by its message where it has one,
    so the job's failure message reads in the reader's language too (issue 16)."""
    return joined(Text(gettext_noop("%(column)s：%(reason)s"), column=column, reason=quoted(reason, message))
                  if column else quoted(reason, message) for column, reason, message in errors)


def _finish(job: ImportJob, *, status: str, message: str | Text = "") -> None:
    text, msg = stored(message)
    ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.IMPORTING).update(
        status=status, error_message=text, error_message_msg=msg, finished_at=timezone.now())


def _interrupted(job: ImportJob, exc: Exception) -> None:
    logger.exception("import job %s failed", job.pk)
    _finish(job, status=ImportJob.Status.FAILED, message=Text(gettext_noop(
        "导入中断：%(e)s。已提交的数据保留（见“已处理”行数），未完成的批次没有写入任何数据；可重新上传同一文件继续，"
        "已导入的行将显示为“无变化”。"), e=exc.__class__.__name__))


def _parts(kind: ImportKind, job: ImportJob) -> int:
    if not kind.parallel or job.mode != ImportJob.Mode.VALID_ROWS:
        return 1
    chunks = (job.valid + max(chunk_rows(), 1) - 1) // max(chunk_rows(), 1)
    return max(1, min(import_workers(), chunks))


def _audit_done(job: ImportJob, actor) -> None:
    audit_record(actor=actor, action="import.done", obj=job, organization=job.organization, detail={
        "kind": job.kind, "mode": job.mode, "sha256": job.file_sha256, "created": job.created_count,
        "updated": job.updated_count, "unchanged": job.unchanged_count, "skipped": job.skipped_count})


def _complete(job: ImportJob, total: int) -> None:
    """The job is done when all ``total`` chunks are committed: checked under the job's row lock, so exactly one
    part ends it (and records it)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("created_by", "organization").get(pk=job.pk)
        if job.status != ImportJob.Status.IMPORTING or ImportChunk.objects.filter(job=job).count() < total:
            return
        job.status = ImportJob.Status.DONE
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "finished_at"])
        _audit_done(job, job.created_by)


def _run_in_chunks(job, kind, spec, actor, layout, records, *, part: int, parts: int) -> None:
    done = set(ImportChunk.objects.filter(job=job).values_list("index", flat=True))
    chunks = _valid_chunks(job, kind, spec, layout, records,
                           wanted=lambda index: index % parts == part and index not in done)
    for index, chunk in chunks:
        if not ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.IMPORTING).exists():
            return  # another part failed: stop at a chunk boundary
        ready = [(n, kw) for n, kw in chunk if not isinstance(kw, ValidationError)]
        late = [(n, kw) for n, kw in chunk if isinstance(kw, ValidationError)]
        with transaction.atomic():
            if not claim(ImportChunk, job_id=job.pk, index=index, rows=len(chunk)):
                continue
            counts, refused = _apply_rows(kind, spec, actor, job, ready, all_or_nothing=False)
            for number, exc in late:
                counts["skipped"] += 1
                refused.extend(ImportRowError(job=job, row_number=number, column=c[:80], reason=r, reason_msg=m,
                                              at_import=True)
                               for c, r, m in errors_by_header(exc))
            ImportRowError.objects.bulk_create(refused)
            ImportJob.objects.filter(pk=job.pk).update(
                processed=F("processed") + len(chunk), created_count=F("created_count") + counts["created"],
                updated_count=F("updated_count") + counts["updated"],
                unchanged_count=F("unchanged_count") + counts["unchanged"],
                skipped_count=F("skipped_count") + counts["skipped"],
            )


def _run_all_or_nothing(job, kind, spec, actor) -> None:
    totals = {"created": 0, "updated": 0, "unchanged": 0, "skipped": 0}
    processed = 0
    layout, records = _importable(job)
    with transaction.atomic():
        for _index, chunk in _valid_chunks(job, kind, spec, layout, records):
            for number, kwargs in chunk:
                if isinstance(kwargs, ValidationError):
                    raise _RowRefused(number, errors_by_header(kwargs))
            counts, _refused = _apply_rows(kind, spec, actor, job, chunk, all_or_nothing=True)
            for key, value in counts.items():
                totals[key] += value
            processed += len(chunk)
            cache.set(progress_key(job.pk), processed, timeout=3600)
        ImportJob.objects.filter(pk=job.pk).update(
            processed=processed, created_count=totals["created"], updated_count=totals["updated"],
            unchanged_count=totals["unchanged"], skipped_count=0, status=ImportJob.Status.DONE,
            finished_at=timezone.now(),
        )




def claim(model, **values) -> bool:
    """Insert ``model``'s row in the current transaction unless its unique key (the model's one constraint) is
    taken: False when another task has committed it — or is committing it, since that insert holds the key: this
    one waits for its transaction and then finds the conflict. How a chunk or a preview part is done exactly once."""
    meta = model._meta
    (constraint,) = meta.constraints
    values["committed_at"] = timezone.now()
    columns = [meta.get_field(name).column for name in values]
    params = [json.dumps(v, ensure_ascii=False) if isinstance(v, list) else v for v in values.values()]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608 - model names
            f"VALUES ({', '.join(['%s'] * len(columns))}) ON CONFLICT ON CONSTRAINT {quote(constraint.name)} "
            "DO NOTHING RETURNING id", params)
        return cursor.fetchone() is not None


