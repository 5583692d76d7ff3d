"""Settings of the exchange: typed accessors over ``django.conf.settings``.

The defaults (and the environment variables of the same names) are in ``liuzhou_regulation/settings.py``, the one
module that reads the environment; docs/operations.md lists them.

| name | meaning |
|---|---|
| EXCHANGE_MAX_ATTEMPTS | delivery attempts before a batch is marked failed for good (a person may retry it) |
| EXCHANGE_RETRY_BACKOFF_SECONDS | first retry delay; doubles each attempt |
| EXCHANGE_RETRY_BACKOFF_MAX_SECONDS | longest retry delay (must stay below the broker's visibility timeout, 4 h) |
| EXCHANGE_SWEEP_SECONDS | how often Celery beat runs ``exchange_sweep`` (the beat schedule in settings) |
| EXCHANGE_SWEEP_GRACE_SECONDS | a new batch is left to its after-commit enqueue this long before the sweep re-enqueues it |
| EXCHANGE_REQUEUE_SECONDS | after the sweep re-enqueues a batch it waits this long before doing it again |
| EXCHANGE_DELIVERING_STALE_SECONDS | a batch in ``delivering`` this long, with no worker holding it, was lost by a dead worker |
| EXCHANGE_SWEEP_LIMIT | batches handled per sweep run |
| EXCHANGE_PUBLISH_MAX_RETRIES | broker publish retries before an enqueue is given up (the outbox keeps the batch) |
| EXCHANGE_SUITE | the deployment's algorithm suite, ``intl`` or ``sm`` (国密) |
| EXCHANGE_LOG_HEAD_SECONDS | interval of the periodic signed tree head of the transparency log (the beat schedule in settings) |
| EXCHANGE_KEY_OVERLAP_SECONDS | a party's previous own signing key stays valid this long after it registers a new one |
| EXCHANGE_KEY_CHALLENGE_SECONDS | lifetime of a key-registration challenge (proof of possession) |
| EXCHANGE_SIGNATURE_WINDOW_SECONDS | an own-key receipt signature must reach the platform within this long of its ``signed_at`` |
| EXCHANGE_TSA_URL | the RFC 3161 timestamp authority asked for a token over each signed tree head; empty: none |
| EXCHANGE_TSA_CERT | PEM file of the TSA's root certificate: a token is stored only when it verifies to it |
| EXCHANGE_TSA_TIMEOUT_SECONDS | how long one request to the TSA may take |
| EXCHANGE_TSA_RETRY_SECONDS | delay before a head the TSA did not timestamp is asked for again |
"""

from __future__ import annotations

from django.conf import settings


def max_attempts() -> int:
    return max(int(settings.EXCHANGE_MAX_ATTEMPTS), 1)


def retry_backoff_seconds() -> int:
    return int(settings.EXCHANGE_RETRY_BACKOFF_SECONDS)


def retry_backoff_max_seconds() -> int:
    return int(settings.EXCHANGE_RETRY_BACKOFF_MAX_SECONDS)


def retry_delay(attempts: int) -> int:
    """Exponential back-off after the ``attempts``-th failed attempt: base, 2·base, 4·base, … capped."""
    return min(retry_backoff_seconds() * 2 ** max(attempts - 1, 0), retry_backoff_max_seconds())


def sweep_grace_seconds() -> int:
    return int(settings.EXCHANGE_SWEEP_GRACE_SECONDS)


def requeue_seconds() -> int:
    return int(settings.EXCHANGE_REQUEUE_SECONDS)


def delivering_stale_seconds() -> int:
    return int(settings.EXCHANGE_DELIVERING_STALE_SECONDS)


def sweep_limit() -> int:
    return int(settings.EXCHANGE_SWEEP_LIMIT)


def publish_retry_policy() -> dict:
    return {
        "max_retries": int(settings.EXCHANGE_PUBLISH_MAX_RETRIES),
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.5,
    }


def visibility_timeout() -> int:
    return int(settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"])


def deployment_suite() -> str:
    """The deployment's suite family, ``settings.EXCHANGE_SUITE`` ("intl" or "sm")."""
    return str(settings.EXCHANGE_SUITE)


def key_overlap_seconds() -> int:
    """How long a party's previous own signing key stays valid after it registers a new one (rotation)."""
    return max(int(settings.EXCHANGE_KEY_OVERLAP_SECONDS), 0)


def key_challenge_seconds() -> int:
    return max(int(settings.EXCHANGE_KEY_CHALLENGE_SECONDS), 60)


def signature_window_seconds() -> int:
    return max(int(settings.EXCHANGE_SIGNATURE_WINDOW_SECONDS), 60)


def tsa_url() -> str:
    return str(settings.EXCHANGE_TSA_URL or "").strip()


def tsa_certificates() -> list:
    """The TSA root certificates of EXCHANGE_TSA_CERT (none when unset)."""
    from pathlib import Path

    from . import tsa

    path = str(settings.EXCHANGE_TSA_CERT or "").strip()
    return tsa.load_certificates(Path(path).read_bytes()) if path else []


def tsa_timeout_seconds() -> int:
    return max(int(settings.EXCHANGE_TSA_TIMEOUT_SECONDS), 1)


def tsa_retry_seconds() -> int:
    return max(int(settings.EXCHANGE_TSA_RETRY_SECONDS), 1)
