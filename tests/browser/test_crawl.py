"""Every page each role can reach, opened in Chromium with the demo data and checked for what a user must never see.

For each role of the platform (one demo user per kind of organisation) the test logs in through the form and
follows, breadth first, every same-origin link reachable from the home page (GET only; logout, the language
switch, the admin and the API are left out). One URL is opened per (URL name, role) — a second policy's detail page
would only repeat the first — up to ``PAGE_CAP`` pages per role. axe-core runs on each role's home page and on the
first page of every other URL name, whichever role reaches it first (one template serves every role; running it
on every page would triple the run time). A page fails on:

- an HTTP status ≥ 500 (downloads such as PDFs and CSV exports are checked for their status only), or a link that
  leads the role to a page it is refused (403) or that does not exist (404);
- a JavaScript error (an uncaught exception or a console error, which includes a resource that failed to load);
- a stored choice value (``third_party``, ``rectification_order`` …) or ``#<digits>`` in the visible text: the
  Chinese interface shows labels and business numbers, never codes or database ids;
- an ``<input type=date>`` / ``datetime-local`` whose value is not ISO (the browser would show it blank);
- an axe-core violation of impact ``serious`` or ``critical``.

Then, at phone width (390×844), axe-core runs again on a sample of what the role reached (``PHONE_SAMPLE``; the
whole crawl twice would double its time): its home page, also with the menu opened, a list with filters, a detail
page and a form — of each kind the first whose URL name no earlier role's sample had, else the first. These are
reported with ``(390px)`` before the URL.

The failure message lists every (role, URL, problem) found, not only the first.
"""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db.models import Choices
from django.urls import Resolver404, resolve
from playwright.sync_api import Error as PlaywrightError

from apps.demo.management.commands import generate_city
from apps.demo.management.commands.seed_demo import DEMO_PASSWORD
from apps.parties.models import OrganizationKind, User

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
PHONE_SAMPLE = ("home", "list", "detail", "form")  # per role, a page of each kind it reached
PAGE_CAP = 80  # pages per role; the demo world has far fewer distinct URL names than this
SKIP_PREFIXES = ("/admin/", "/api/", "/i18n/", "/accounts/logout/", "/static/", "/media/")
SKIP_URL_NAMES = {"logout", "set_language"}
IMPACTS = {"serious", "critical"}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")
DATABASE_ID = re.compile(r"#\d+")
CODE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")

# Read in the page after it has loaded: the visible text, the links, and the date inputs' written values.
PAGE_FACTS = """() => ({
  text: document.body ? document.body.innerText : "",
  links: Array.from(document.querySelectorAll("a[href]")).map(a => a.getAttribute("href")),
  dates: Array.from(document.querySelectorAll("input[type=date], input[type=datetime-local]")).map(i => ({
    name: i.name || i.id, type: i.type, attr: i.getAttribute("value"), value: i.value})),
  form: !!document.querySelector(
    "main form[method=post] :is(input:not([type=hidden]):not([type=checkbox]), select, textarea)"),
  rows: document.querySelectorAll("main table tbody tr").length,
  filters: !!document.querySelector("main details.filterbox"),
})"""


def choice_codes() -> set[str]:
    """The stored values of the project's choice sets that look like codes (lowercase ASCII words)."""
    codes = set()
    for model in django_apps.get_models():
        if not model.__module__.startswith("apps."):
            continue
        for field in model._meta.get_fields():
            for value, _label in getattr(field, "flatchoices", None) or []:
                if isinstance(value, str) and CODE.match(value):
                    codes.add(value)
    import apps as project_apps  # also choice sets not bound to a field (filters, forms)

    for cls in _subclasses(Choices):
        if cls.__module__.startswith(project_apps.__name__ + "."):
            codes.update(v for v in cls.values if isinstance(v, str) and CODE.match(v))
    return codes


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def url_name(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


@pytest.fixture
def demo(transactional_db, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # A smaller demo city: every list still has rows, and seeding takes seconds instead of minutes.
    monkeypatch.setattr(generate_city, "DEMO_POLICIES", 200)
    call_command("seed_demo", quiet_logins=True, verbosity=0)


def role_users() -> list[User]:
    """One demo user per kind of organisation that has users."""
    users = []
    for kind in OrganizationKind.values:
        user = (User.objects.filter(organization__kind=kind, is_system=False, is_active=True)
                .order_by("username").first())
        if user is not None:
            users.append(user)
    return users


class Crawl:
    def __init__(self, page, base_url: str, role: str, codes: set[str], axe, axe_seen: set[str]):
        self.page, self.base, self.role, self.axe, self.axe_seen = page, base_url, role, axe, axe_seen
        self.code_pattern = re.compile(
            r"(?<![A-Za-z0-9_/.@-])(" + "|".join(sorted(map(re.escape, codes), key=len, reverse=True))
            + r")(?![A-Za-z0-9_/@-])")
        self.problems: list[tuple[str, str, str]] = []
        self.candidates: dict[str, list[tuple[str, str]]] = {}  # kind of page (PHONE_SAMPLE) → [(URL name, path)]
        self.js_errors: list[str] = []
        page.on("pageerror", lambda exc: self.js_errors.append(f"page error: {exc}"))
        page.on("console", lambda msg: msg.type == "error" and self.js_errors.append(
            f"console error: {msg.text} {msg.location.get('url', '')}"))

    def problem(self, url: str, what: str):
        self.problems.append((self.role, url, what))

    def same_origin_path(self, href: str, current: str) -> str | None:
        if not href or href.startswith(("mailto:", "tel:", "javascript:")):
            return None
        absolute, _fragment = urldefrag(urljoin(current, href))
        parts = urlsplit(absolute)
        if f"{parts.scheme}://{parts.netloc}" != self.base:
            return None
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if parts.path.startswith(SKIP_PREFIXES):
            return None
        return path

    def run(self, cap: int = PAGE_CAP) -> int:
        queue, seen_names, seen_paths, visited = deque(["/"]), set(), set(), 0
        while queue and visited < cap:
            path = queue.popleft()
            name = url_name(urlsplit(path).path) or f"unresolved:{urlsplit(path).path}"
            if path in seen_paths or name in seen_names or name.split(":")[-1] in SKIP_URL_NAMES:
                continue
            seen_paths.add(path)
            seen_names.add(name)
            visited += 1
            for link in self.visit(path, name):
                if link not in seen_paths:
                    queue.append(link)
        return visited

    def visit(self, path: str, name: str) -> list[str]:
        url = self.base + path
        self.js_errors.clear()
        try:
            response = self.page.goto(url, wait_until="load")
        except PlaywrightError as error:
            if "Download is starting" not in str(error):
                raise
            # a download (PDF, spreadsheet): its status only, asked again without the browser
            response = self.page.context.request.get(url, max_redirects=0, fail_on_status_code=False)
        status = response.status if response else None
        if status is None or status >= 500:
            self.problem(path, f"HTTP {status or '—'}")
            return []
        if status in (403, 404):
            self.problem(path, f"a link leads to HTTP {status}")
            return []
        if not response.headers.get("content-type", "").startswith("text/html") or status >= 400:
            return []  # a file shown or downloaded (PDF, CSV, spreadsheet): its status only
        if urlsplit(self.page.url).path.startswith("/accounts/login/"):
            self.problem(path, "redirected to the login page")
            return []
        facts = self.page.evaluate(PAGE_FACTS)
        for error in self.js_errors:
            self.problem(path, error)
        text = facts["text"]
        for match in sorted(set(self.code_pattern.findall(text))):
            self.problem(path, f"raw choice value {match!r} in the text: …{_around(text, match)}…")
        for match in sorted(set(DATABASE_ID.findall(text))):
            self.problem(path, f"database id {match!r} in the text: …{_around(text, match)}…")
        for field in facts["dates"]:
            pattern = ISO_DATE if field["type"] == "date" else ISO_DATETIME
            if field["attr"] and not pattern.match(field["attr"]):
                self.problem(path, f"{field['type']} input {field['name']!r} has the non-ISO value {field['attr']!r}")
        kind = ("home" if path == "/" else "detail" if name.endswith("detail")
                else "list" if facts["filters"] and facts["rows"] else "form" if facts["form"] else None)
        if kind:
            self.candidates.setdefault(kind, []).append((name, path))
        if path == "/" or name not in self.axe_seen:  # one template serves every role; each home page differs
            self.axe_seen.add(name)
            self.check_axe(path)
        current = self.page.url
        links = [self.same_origin_path(href, current) for href in facts["links"]]
        return [link for link in links if link]

    def check_axe(self, path: str, where: str = ""):
        results = self.axe.run(self.page)
        for violation in results.response["violations"]:
            if violation["impact"] in IMPACTS:
                targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
                self.problem(where + path,
                             f"axe {violation['impact']} {violation['id']}: {violation['help']} [{targets}]")

    def check_phone(self, phone_seen: set[str]) -> list[str]:
        """axe-core at 390×844 on a sample of the pages the crawl reached (home, a list, a detail page, a form),
        preferring URL names not in ``phone_seen`` (the earlier roles' samples); the paths checked."""
        self.page.set_viewport_size(PHONE)
        checked = []
        for kind in PHONE_SAMPLE:
            candidates = self.candidates.get(kind, [])
            if not candidates:
                continue
            name, path = next((c for c in candidates if c[0] not in phone_seen), candidates[0])
            phone_seen.add(name)
            self.js_errors.clear()
            response = self.page.goto(self.base + path, wait_until="load")
            if response is None or not response.ok:
                self.problem("(390px) " + path, f"HTTP {response.status if response else '—'}")
                continue
            for error in self.js_errors:
                self.problem("(390px) " + path, error)
            self.check_axe(path, "(390px) ")
            if kind == "home":  # the narrow screen's own menu, opened
                self.page.locator("button.navtoggle").click()
                self.check_axe(path, "(390px, menu open) ")
            checked.append(path)
        return checked


def _around(text: str, needle: str, width: int = 30) -> str:
    at = text.find(needle)
    return " ".join(text[max(0, at - width): at + len(needle) + width].split())


def test_every_page_each_role_reaches_shows_no_error_code_id_bad_date_or_serious_axe_violation(
        demo, browser_page, live_server):
    from axe_playwright_python.sync_playwright import Axe

    axe, codes, axe_seen, phone_seen = Axe(), choice_codes(), set(), set()
    problems, visited, phone = [], {}, {}
    users = role_users()
    assert {u.organization.kind for u in users} >= {k for k in OrganizationKind.values}, "a role has no demo user"
    for user in users:
        page = browser_page(user, DEMO_PASSWORD)
        crawl = Crawl(page, live_server.url, user.organization.kind, codes, axe, axe_seen)
        visited[user.organization.kind] = crawl.run()
        phone[user.organization.kind] = crawl.check_phone(phone_seen)
        problems += crawl.problems
        page.context.close()
    assert all(count > 1 for count in visited.values()), visited
    assert all(len(paths) > 1 for paths in phone.values()), phone  # each role: home and at least one more at 390px
    assert not problems, f"{len(problems)} problems on {sum(visited.values())} pages:\n" + "\n".join(
        f"{role:<22} {url:<50} {what}" for role, url, what in problems)
