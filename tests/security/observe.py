"""Asking the application what each role gets, one request at a time, each inside a savepoint that is rolled
back (so a POST by one role changes nothing the next role sees)."""

from __future__ import annotations

from html.parser import HTMLParser

from django.conf import settings
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client


def clients(world) -> dict[str, Client]:
    """One client per column of the table, logged in once (``force_login``)."""
    result = {}
    for role in world.roles:
        client = Client(raise_request_exception=False)
        if role != "anon":
            client.force_login(world.users[role])
        result[role] = client
    return result


def token(response) -> str:
    """The table's word for a response: ``L`` = redirected to a login page, otherwise the status code; a ``*``
    after it = the request wrote an audit event (it changed something, or revealed audited personal data)."""
    login = resolve_url(settings.LOGIN_URL)
    if response.status_code == 302 and response["Location"].split("?")[0] in (login, "/admin/login/"):
        return "L"
    return str(response.status_code) + ("*" if getattr(response, "changed", False) else "")


def ask(client: Client, method: str, url: str, *, public: bool = False, **extra):
    """One request; ``public``: a rate-limited public form (every column starts with a fresh per-IP allowance)."""
    from apps.complaints import ratelimit
    from apps.core.models import AuditEvent

    if public:
        ratelimit.reset("127.0.0.1")
    with transaction.atomic():
        before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        response = client.post(url, **extra) if method == "POST" else client.get(url, **extra)
        response.changed = AuditEvent.objects.filter(pk__gt=before).exists()
        transaction.set_rollback(True)
    return response


class _Forms(HTMLParser):
    """The POST forms of a page: for each, its action and whether it carries the CSRF token."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._open = {"method": (attrs.get("method") or "get").lower(), "action": attrs.get("action") or "",
                          "csrf": False}
            self.forms.append(self._open)
        elif tag == "input" and self._open is not None and attrs.get("name") == "csrfmiddlewaretoken" \
                and attrs.get("value"):
            self._open["csrf"] = True

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None


def post_forms(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return [f for f in parser.forms if f["method"] == "post"]
