"""Where a form sends the user after a POST: the ``next`` it carried, but only a path on this site (an open
redirect would let a crafted link bounce a signed-in user to any address through the platform's own URL)."""

from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, default: str) -> str:
    """The request's ``next`` (POST, then GET) when it points at this host over the request's own scheme;
    ``default`` otherwise (absent, another host, ``javascript:`` and the like)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default
