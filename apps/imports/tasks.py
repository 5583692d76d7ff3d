"""Celery tasks of the importer (thin: ids in, the services and the runner do the work).

The tasks keep the names they were registered under when the importer lived in the kernel
(``apps.core.imports.<task>``): the beat entry ``imports-purge-files`` and any message already queued name them."""

from __future__ import annotations

from celery import shared_task

from . import runner, services
from .models import ImportJob

OLD_PREFIX = "apps.core.imports"


@shared_task(name=f"{OLD_PREFIX}.import_files_purge_task", acks_late=True)
def import_files_purge_task() -> int:
    return services.import_files_purge()


@shared_task(name=f"{OLD_PREFIX}.import_job_validate_task", acks_late=True)
def import_job_validate_task(job_id: int) -> str:
    return services.import_job_validate(job=ImportJob(pk=job_id)).status


@shared_task(name=f"{OLD_PREFIX}.import_job_validate_part_task", acks_late=True)
def import_job_validate_part_task(job_id: int, part: int, parts: int) -> str:
    return services.import_job_validate_part(job=ImportJob(pk=job_id), part=part, parts=parts).status


@shared_task(name=f"{OLD_PREFIX}.import_job_run_task", acks_late=True)
def import_job_run_task(job_id: int) -> str:
    return runner.import_job_run(job=ImportJob(pk=job_id)).status


@shared_task(name=f"{OLD_PREFIX}.import_job_part_task", acks_late=True)
def import_job_part_task(job_id: int, part: int, parts: int) -> str:
    return runner.import_job_part(job=ImportJob(pk=job_id), part=part, parts=parts).status
