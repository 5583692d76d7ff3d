from celery import shared_task

from . import services


@shared_task(name="apps.dashboard.tasks.joint_report_announce", acks_late=True)
def joint_report_announce() -> int:
    """Celery beat: once a month is over, tell the regulators its joint report is ready (idempotent)."""
    return services.joint_report_announce()
