"""Per-IP fixed-window counters in the Django cache (Redis): public reports and status look-ups (rule M16)."""

from __future__ import annotations

import time

from django.core.cache import cache

from . import conf

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


def hit(action: str, ip: str) -> bool:
    """Count one attempt; False once the IP has used up its allowance for the current window."""
    limit, window = LIMITS[action]()
    key = _key(action, ip, window)
    cache.add(key, 0, timeout=window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 5)
        count = 1
    return count <= limit


def reset(ip: str) -> None:
    """Forget the counters of an IP (an administrator's tool, and test set-up)."""
    for action, limit in LIMITS.items():
        cache.delete(_key(action, ip, limit()[1]))
