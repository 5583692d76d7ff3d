"""Settings of the exchange. Each reads ``settings.<NAME>`` first, then the environment, then the default here.

| name | default | meaning |
|---|---|---|
| EXCHANGE_MAX_ATTEMPTS | 8 | delivery attempts before a batch is marked failed for good (a person may retry it) |
| EXCHANGE_RETRY_BACKOFF_SECONDS | 30 | first retry delay; doubles each attempt |
| EXCHANGE_RETRY_BACKOFF_MAX_SECONDS | 3600 | longest retry delay (must stay below the broker's visibility timeout, 4 h) |
| EXCHANGE_SWEEP_SECONDS | 60 | how often Celery beat runs ``exchange_sweep`` |
| EXCHANGE_SWEEP_GRACE_SECONDS | 120 | a new batch is left to its after-commit enqueue this long before the sweep re-enqueues it |
| EXCHANGE_REQUEUE_SECONDS | 300 | after the sweep re-enqueues a batch it waits this long before doing it again |
| EXCHANGE_DELIVERING_STALE_SECONDS | 300 | a batch in ``delivering`` this long, with no worker holding it, was lost by a dead worker |
| EXCHANGE_SWEEP_LIMIT | 500 | batches handled per sweep run |
| EXCHANGE_PUBLISH_MAX_RETRIES | 2 | broker publish retries before an enqueue is given up (the outbox keeps the batch) |
| EXCHANGE_SUITE | intl | the deployment's algorithm suite, ``intl`` or ``sm`` (国密); settings.py reads it |
| EXCHANGE_LOG_HEAD_SECONDS | 3600 | interval of the periodic signed tree head of the transparency log |
"""

from __future__ import annotations

import os

from django.conf import settings


def _int(name: str, default: int) -> int:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, default)
    return int(value)


def max_attempts() -> int:
    return max(_int("EXCHANGE_MAX_ATTEMPTS", 8), 1)


def retry_backoff_seconds() -> int:
    return _int("EXCHANGE_RETRY_BACKOFF_SECONDS", 30)


def retry_backoff_max_seconds() -> int:
    return _int("EXCHANGE_RETRY_BACKOFF_MAX_SECONDS", 3600)


def retry_delay(attempts: int) -> int:
    """Exponential back-off after the ``attempts``-th failed attempt: base, 2·base, 4·base, … capped."""
    return min(retry_backoff_seconds() * 2 ** max(attempts - 1, 0), retry_backoff_max_seconds())


def sweep_seconds() -> int:
    return _int("EXCHANGE_SWEEP_SECONDS", 60)


def sweep_grace_seconds() -> int:
    return _int("EXCHANGE_SWEEP_GRACE_SECONDS", 120)


def requeue_seconds() -> int:
    return _int("EXCHANGE_REQUEUE_SECONDS", 300)


def delivering_stale_seconds() -> int:
    return _int("EXCHANGE_DELIVERING_STALE_SECONDS", 300)


def sweep_limit() -> int:
    return _int("EXCHANGE_SWEEP_LIMIT", 500)


def publish_retry_policy() -> dict:
    return {
        "max_retries": _int("EXCHANGE_PUBLISH_MAX_RETRIES", 2),
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.5,
    }


def visibility_timeout() -> int:
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {}
    return int(options.get("visibility_timeout", 3600))


def deployment_suite() -> str:
    """The deployment's suite family, ``settings.EXCHANGE_SUITE`` ("intl" or "sm"; read in settings.py)."""
    return str(getattr(settings, "EXCHANGE_SUITE", "intl") or "intl")


def log_head_seconds() -> int:
    """How often the platform signs the transparency log's tree head (besides after each batch)."""
    return int(getattr(settings, "EXCHANGE_LOG_HEAD_SECONDS", 3600) or 3600)
