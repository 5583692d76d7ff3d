from celery import shared_task

from apps.parties.rights import SystemActor

from . import services


@shared_task(name="apps.rescissions.tasks.rescission_reminders", acks_late=True)
def rescission_reminders() -> int:
    """Celery beat: remind insurers of open cases on days 20, 25 and 28 (idempotent per case, day and user)."""
    return services.rescission_reminders_send(actor=SystemActor("rescissions.reminders"))
