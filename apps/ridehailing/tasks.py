"""Celery tasks of the ride-hailing app (thin: they call the services)."""

from __future__ import annotations

from celery import shared_task

from apps.parties.rights import SystemActor

from . import services


@shared_task(name="apps.ridehailing.tasks.retention_sweep", acks_late=True)
def retention_sweep() -> list[str]:
    """Celery beat, daily: drop the raw operating partitions older than RIDEHAILING_RAW_RETENTION_DAYS."""
    return services.retention_sweep(actor=SystemActor("ridehailing.retention"))


@shared_task(name="apps.ridehailing.tasks.permit_check", acks_late=True)
def permit_check() -> list[str]:
    """Celery beat, daily (rule M5): yesterday's vehicles with trips and no valid ride-hailing permit become
    transport leads; returns their plates."""
    from .crosscheck import permit_check_for_transport

    return [f.plate for f in permit_check_for_transport()]


@shared_task(name="apps.ridehailing.tasks.insurance_check", acks_late=True)
def insurance_check() -> list[str]:
    """Celery beat, daily (rules M6, M8, M10): the platforms' reported insurance against the register — findings
    of the regulator and items of the insurers' worklists; returns the plates found."""
    from .insurance_check import insurance_check_for_regulator

    return [m.plate for m in insurance_check_for_regulator()]
