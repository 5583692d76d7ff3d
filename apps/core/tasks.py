from celery import shared_task

from . import deadlines


@shared_task(name="apps.core.tasks.deadline_scan", acks_late=True)
def deadline_scan() -> dict:
    """Celery beat runs this every DEADLINE_SCAN_SECONDS: warnings, breaches and the rules' consequences."""
    return deadlines.deadline_scan()
