from celery import shared_task

from . import analytics


@shared_task(name="apps.claims.tasks.claims_analytics_run", acks_late=True)
def claims_analytics_run() -> dict:
    """Celery beat runs this every CLAIM_ANALYTICS_SECONDS (rule M14); the job itself is set-based SQL."""
    run = analytics.analytics_run(actor=analytics.scheduled_actor())
    return {"run": run.pk, "vehicles": run.vehicles_flagged, "drivers": run.drivers_flagged, "lists": run.lists_created}
