"""Celery tasks of the policies app (thin: call a service)."""

from celery import shared_task

from apps.parties.rights import SystemActor


@shared_task(name="apps.policies.tasks.policies_expire", acks_late=True)
def policies_expire() -> int:
    """Mark policies whose period has ended as expired (schedule: ``CELERY_BEAT_SCHEDULE`` in settings)."""

    from .services import policies_expire as expire

    return expire(actor=SystemActor("policies.expire"))
