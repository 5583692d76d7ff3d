"""Per-IP fixed-window counters in the Django cache (Redis): public reports and status look-ups (rule M16).

A citizen's report is never lost because Redis is down: when the cache cannot be reached the same windows are
counted in this process's memory instead (each worker process keeps its own, so the allowance is per process
while Redis is away), and the report is accepted or refused by that count.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache import cache
from redis.exceptions import RedisError

from . import conf

logger = logging.getLogger(__name__)
# what a cache whose server is away raises (redis-py's errors; a socket error below them)
_UNREACHABLE = (RedisError, OSError)
_local: dict[str, tuple[int, float]] = {}  # key → (count, expires at, monotonic)
_local_lock = threading.Lock()
_LOCAL_MAX_KEYS = 50_000

LIMITS = {"submit": conf.submit_limit, "lookup": conf.lookup_limit}


def client_ip(request) -> str:
    """REMOTE_ADDR, or the address the last trusted proxy saw (``COMPLAINT_TRUSTED_PROXIES``)."""
    proxies = conf.trusted_proxy_count()
    if proxies:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _key(action: str, ip: str, window: int) -> str:
    return f"complaints:rl:{action}:{ip}:{int(time.time() // window)}"


def _shared_count(key: str, window: int) -> int:
    cache.add(key, 0, timeout=window + 5)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 5)
        return 1


def _local_count(key: str, window: int) -> int:
    now = time.monotonic()
    with _local_lock:
        if len(_local) >= _LOCAL_MAX_KEYS:
            for stale in [k for k, (_c, until) in _local.items() if until <= now]:
                del _local[stale]
            if len(_local) >= _LOCAL_MAX_KEYS:  # still full: forget the oldest half rather than grow
                for old in list(_local)[: _LOCAL_MAX_KEYS // 2]:
                    del _local[old]
        count, until = _local.get(key, (0, now + window + 5))
        if until <= now:
            count, until = 0, now + window + 5
        _local[key] = (count + 1, until)
        return count + 1


def hit(action: str, ip: str) -> bool:
    """Count one attempt; False once the IP has used up its allowance for the current window."""
    limit, window = LIMITS[action]()
    key = _key(action, ip, window)
    try:
        count = _shared_count(key, window)
    except _UNREACHABLE as exc:
        logger.warning("complaint rate limiter: cache unreachable (%s), counting in this process",
                       exc.__class__.__name__)
        count = _local_count(key, window)
    return count <= limit


def reset(ip: str) -> None:
    """Forget the counters of an IP (an administrator's tool, and test set-up)."""
    for action, limit in LIMITS.items():
        key = _key(action, ip, limit()[1])
        with _local_lock:
            _local.pop(key, None)
        try:
            cache.delete(key)
        except _UNREACHABLE:
            pass
