"""Celery tasks of the ride-hailing app (thin: they call the services)."""

from __future__ import annotations

from celery import shared_task

from apps.parties.rights import SystemActor

from . import services


@shared_task(name="apps.ridehailing.tasks.retention_sweep", acks_late=True)
def retention_sweep() -> list[str]:
    """Celery beat, daily: drop the raw operating partitions older than RIDEHAILING_RAW_RETENTION_DAYS."""
    return services.retention_sweep(actor=SystemActor("ridehailing.retention"))
