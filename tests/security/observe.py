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


class _InlineCode(HTMLParser):
    """Inline script (a <script> without src that a browser would run) and on* event-handler attributes."""

    DATA_TYPES = ("application/json", "application/ld+json", "text/template")

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs_d = dict(attrs)
        handlers = [name for name, _value in attrs if name.lower().startswith("on")]
        if handlers:
            self.found.append(f"<{tag} {' '.join(handlers)}=…>")
        if tag == "script" and not attrs_d.get("src") and (attrs_d.get("type") or "").lower() not in self.DATA_TYPES:
            self.found.append("<script> without src")
        for name in ("href", "src", "action", "formaction"):
            if (attrs_d.get(name) or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:…>")


def inline_code(html: str) -> list[str]:
    parser = _InlineCode()
    parser.feed(html)
    return parser.found


def script_src(policy: str) -> list[str]:
    for directive in policy.split(";"):
        parts = directive.split()
        if parts and parts[0] == "script-src":
            return parts[1:]
    for directive in policy.split(";"):  # no script-src: default-src governs scripts
        parts = directive.split()
        if parts and parts[0] == "default-src":
            return parts[1:]
    return []
