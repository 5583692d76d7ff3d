"""Celery tasks of the exchange: thin wrappers around the services (ids in, outcome out).

``deliver_batch`` is acknowledged after it runs (``acks_late``) and re-queued if its worker is lost
(``reject_on_worker_lost``). A failed attempt is recorded in the outbox and retried with exponential back-off
(``EXCHANGE_RETRY_BACKOFF_SECONDS`` doubling up to ``EXCHANGE_RETRY_BACKOFF_MAX_SECONDS``, at most
``EXCHANGE_MAX_ATTEMPTS`` attempts); the longest back-off stays below the broker's visibility timeout (4 h), so
Redis never hands a waiting retry to a second worker. Database outages before the outbox can record anything
are retried by Celery's own autoretry. Whatever the queue loses, ``exchange_sweep`` finds again in the outbox.
"""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import conf, log, services


@shared_task(
    bind=True,
    name="apps.exchange.tasks.deliver_batch",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=False,
    max_retries=10,
)
def deliver_batch(self, batch_id: str) -> str:
    try:
        return services.batch_deliver(batch_id=batch_id)
    except services.DeliveryRetry as exc:
        raise self.retry(exc=exc, countdown=exc.countdown, max_retries=conf.max_attempts()) from exc


@shared_task(name="apps.exchange.tasks.exchange_sweep", acks_late=True)
def exchange_sweep() -> dict:
    """Celery beat, every EXCHANGE_SWEEP_SECONDS: reclaim batches lost by dead workers, re-enqueue due ones."""
    return services.batch_sweep()


@shared_task(name="apps.exchange.tasks.exchange_log_heads", acks_late=True)
def exchange_log_heads() -> dict:
    """Celery beat, every EXCHANGE_LOG_HEAD_SECONDS: catch up the transparency log, sign its tree head, send the
    latest head to every party."""
    return log.log_heads_periodic()


@shared_task(name="apps.exchange.tasks.exchange_log_timestamps", bind=True, acks_late=True)
def exchange_log_timestamps(self) -> dict:
    """Scheduled when the TSA did not answer for a new tree head: ask again for every head still without a token;
    while the TSA stays down, again after EXCHANGE_TSA_RETRY_SECONDS (the periodic head task catches up too)."""
    result = log.log_timestamp_pending()
    if result["waiting"] and self.request.id and self.request.retries < conf.max_attempts():
        raise self.retry(countdown=conf.tsa_retry_seconds(), max_retries=conf.max_attempts())
    return result
