"""Every URL pattern of the URL conf, found by walking ``get_resolver()`` recursively."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver


def _walk(resolver: URLResolver, prefix: str = "", namespace: str | None = None):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            route = prefix + str(pattern.pattern)
            # an unnamed pattern (e.g. the API's catch-all 404) is known by its route: ``route:<route>``
            yield route, name or f"route:{route}", pattern.lookup_str


def all_patterns() -> list[tuple[str, str | None, str]]:
    """``(route, name, view)`` for every pattern, Django's admin site excepted (its own permission system
    — is_staff — guards it; the table checks its index page only)."""
    return [(route, name, view) for route, name, view in _walk(get_resolver())
            if not route.startswith("admin/")]
