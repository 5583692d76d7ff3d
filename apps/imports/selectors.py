"""Reads of the importer: a job's progress (what the progress bar polls) and the earlier import of the same file.
Querysets a user sees go through ``apps.parties.access`` (the audience rules are in ``access.py``)."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

from apps.parties import access

from .models import ImportJob


def job_for(user, pk: int) -> ImportJob:
    """One import the user's organisation uploaded (``Http404`` for any other: ``access.py``)."""
    return access.get_for_user(user, ImportJob.objects.select_related("created_by"), pk=pk)


def progress_key(job_id: int) -> str:
    """Cache key of the rows processed so far by an all-or-nothing import (its counters commit only at the end)."""
    return f"import-progress:{job_id}"


def progress(job: ImportJob) -> dict[str, Any]:
    """What the progress bar polls: status, counts and percent of the current phase."""
    processed = job.processed
    if job.status == ImportJob.Status.IMPORTING and job.mode == ImportJob.Mode.NOTHING:
        processed = max(processed, int(cache.get(progress_key(job.pk)) or 0))
    if job.status == ImportJob.Status.VALIDATING:
        percent = int(job.validated * 100 / job.total) if job.total else 0
    elif job.status == ImportJob.Status.DONE:
        percent = 100
    elif job.status == ImportJob.Status.IMPORTING:
        percent = min(99, int(processed * 100 / job.valid)) if job.valid else 0
    else:
        percent = int(processed * 100 / job.valid) if job.valid else 0
    return {
        "id": job.pk, "kind": job.kind, "status": job.status, "status_label": str(job.get_status_display()),
        "mode": job.mode, "total": job.total, "valid": job.valid, "invalid": job.invalid,
        "validated": job.validated, "processed": processed, "percent": percent,
        "created": job.created_count, "updated": job.updated_count, "unchanged": job.unchanged_count,
        "skipped": job.skipped_count, "error": job.display_error_message, "error_msg": job.error_message_msg,
        "finished": job.finished,
    }


def previous_import(job: ImportJob) -> ImportJob | None:
    """The same file (same SHA-256) imported before by the same organisation, if any."""
    return (ImportJob.objects.filter(organization_id=job.organization_id, kind=job.kind, file_sha256=job.file_sha256,
                                     status=ImportJob.Status.DONE)
            .exclude(pk=job.pk).order_by("-finished_at").first())
