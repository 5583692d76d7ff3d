"""CSRF on every form and every URL, the admin site for administrators only, production settings that pass
``check --deploy``, and personal data (rule M3) never written to the logs."""

from __future__ import annotations

import io
import logging
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from apps.core.logging import PersonalDataFilter

from .observe import ask, clients, post_forms, token
from .params import url_for
from .test_access_table import NAMES, PUBLIC_FORMS, TABLE
from .world import ROLES

ROOT = Path(settings.BASE_DIR)
# The public JSON API of the 12328/12378 reports takes no session (authentication_classes = []), so there is no
# session for a forged request to ride on; it is rate-limited per IP instead (rule M16).
SESSIONLESS_API = {"public-complaint-create", "public-complaint-status"}


@pytest.fixture(scope="module")
def role_clients(world, django_db_blocker):
    with django_db_blocker.unblock():
        return clients(world)


# --- CSRF ---------------------------------------------------------------------------------------------------------


def test_the_form_reader_sees_forms_and_their_tokens(world, db):
    """The access-table test checks every POST form of every page it opens with ``post_forms``; here the reader
    itself is checked on two real pages (the public report form and a logged-in form)."""
    anonymous = Client()
    forms = post_forms(anonymous.get(reverse("complaints:report")).content.decode())
    assert forms and all(f["csrf"] for f in forms)
    company = Client()
    company.force_login(world.users["company_a"])
    forms = post_forms(company.get(reverse("vehicles:driver_create")).content.decode())
    assert forms and all(f["csrf"] for f in forms)
    assert post_forms('<form method="post" action="/x/"><input name="a"></form>') == [
        {"method": "post", "action": "/x/", "csrf": False}]


def test_a_post_without_the_csrf_token_is_refused_on_every_url(world, db):
    """Every URL, posted by a logged-in user (and by an anonymous visitor for the public pages) through a client
    that enforces CSRF like a browser: 403, and nothing written."""
    from apps.core.models import AuditEvent

    signed_in = Client(enforce_csrf_checks=True)
    signed_in.force_login(world.users["admin"])
    anonymous = Client(enforce_csrf_checks=True)
    accepted = []
    for name in sorted(n for n in TABLE if n in NAMES and n not in SESSIONLESS_API):
        url = url_for(name, world)
        for client in (signed_in, anonymous) if name in PUBLIC_FORMS | {"login"} else (signed_in,):
            before = AuditEvent.objects.count()
            with transaction.atomic():
                response = client.post(url, {"x": "1"})
                transaction.set_rollback(True)
            if name == "route:^api/v1/":  # no view: the API's 404 in its error shape, nothing to forge or write
                if (response.status_code != 404 or response.json()["error"]["code"] != "not_found"
                        or AuditEvent.objects.count() != before):
                    accepted.append(f"{name} {url}: {response.status_code}")
                continue
            if response.status_code != 403 or AuditEvent.objects.count() != before:
                accepted.append(f"{name} {url}: {response.status_code}")
            elif b"CSRF" not in response.content and name != "api-docs":  # the Swagger page renders no detail
                accepted.append(f"{name} {url}: 403 but not for CSRF")
    assert not accepted, "POST without a CSRF token not refused:\n" + "\n".join(accepted)


def test_the_api_with_a_session_also_needs_the_csrf_token_but_an_api_key_does_not(world, db):
    """A browser session calling the API is held to CSRF (DRF SessionAuthentication); a system client with an
    API key sends no cookie, so there is nothing to forge."""
    from apps.parties.services import api_key_create, user_create

    url = reverse("lead-flag")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.users["transport"])
    assert browser.post(url, {"plate": "桂B12345", "evidence": "x"}).status_code == 403

    system = user_create(organization=world.orgs["transport"], username="sec_transport_system", password=None,
                         is_system=True, actor=world.users["admin"])
    _key, plaintext = api_key_create(user=system, name="执法系统", actor=world.users["admin"])
    machine = Client(enforce_csrf_checks=True)
    with transaction.atomic():
        response = machine.post(url, {"plate": world.vehicle_b.plate, "evidence": "执法记录仪发现载客"},
                                content_type="application/json", HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
        transaction.set_rollback(True)
    assert response.status_code == 201, response.content


# --- the admin site ----------------------------------------------------------------------------------------------


def _admin_urls():
    def walk(resolver, prefix=""):
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                yield from walk(p, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern)

    for route in walk(get_resolver()):
        if not route.startswith("admin/") or route.startswith(("admin/login", "admin/logout")):
            continue
        # fill every path parameter with a value that names nothing
        path = re.sub(r"<(?:\w+:)?(\w+)>", "987654321", route)
        path = re.sub(r"\(\?P<\w+>[^)]*\)", "987654321", path).replace("^", "").replace("$", "").replace("\\Z", "")
        if re.search(r"[()\[\]?*+\\]", path):
            continue  # a regex route the substitution cannot fill (none today)
        yield "/" + path


def test_the_admin_site_is_for_platform_administrators_only(world, role_clients, db):
    """Every admin URL: anyone but the platform administrator is sent to the admin login; the administrator is
    let in (the index answers 200)."""
    urls = sorted(set(_admin_urls()))
    assert len(urls) > 50
    for url in urls:
        for role in ROLES:
            if role == "admin":
                continue
            response = ask(role_clients[role], "GET", url)
            assert token(response) == "L" or response.status_code == 404 and role == "anon" and "/r/" in url, (
                url, role, response.status_code)
    assert ask(role_clients["admin"], "GET", "/admin/").status_code == 200


# --- production settings -----------------------------------------------------------------------------------------


def _production_env() -> dict:
    def secret(n=48):
        return secrets.token_urlsafe(n)

    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_ENV": "production", "SECRET_KEY": secret(60),
        "DATABASE_URL": "postgres://lz:unused@127.0.0.1:5432/lz", "REDIS_URL": "redis://127.0.0.1:6379/0",
        "PERSONAL_DATA_KEYS": f"{secret(32)},{secret(32)}", "BLIND_INDEX_KEY": secret(32), "PLATFORM_KEY": secret(32),
        "ALLOWED_HOSTS": "lz-supervision.example.gov.cn", "LZ_VAR_DIR": "/nonexistent/var",
    }


def test_check_deploy_is_clean_in_production_mode():
    """``manage.py check --deploy`` with DJANGO_ENV=production and every required variable set: no error, and no
    security warning at all (HTTPS redirect, HSTS, secure cookies, …)."""
    command = [sys.executable, "manage.py", "check", "--deploy"]
    result = subprocess.run(command, cwd=ROOT, env=_production_env(), capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    security = subprocess.run(command + ["--tag", "security", "--fail-level", "WARNING"], cwd=ROOT,
                              env=_production_env(), capture_output=True, text=True, timeout=300)
    assert security.returncode == 0, security.stdout + security.stderr
    assert "security.W" not in output and "security.E" not in output, output


def test_production_refuses_to_start_with_a_placeholder_secret():
    env = {**_production_env(), "SECRET_KEY": "change-me" * 8}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


# --- personal data never in the logs (rule M3) ------------------------------------------------------------------


@pytest.fixture
def log_capture():
    """Everything logged at DEBUG, twice: the raw records, and the text the platform's console handler writes
    (with its personal-data filter), SQL included."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(PersonalDataFilter())
    raw: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            raw.append(record)

    keep = Keep(level=logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    saved = {name: logging.getLogger(name).level for name in ("django", "django.db.backends", "django.request")}
    root.setLevel(logging.DEBUG)
    for name in saved:
        logging.getLogger(name).setLevel(logging.DEBUG)
    root.addHandler(handler)
    root.addHandler(keep)
    connection.force_debug_cursor = True
    try:
        yield stream, raw
    finally:
        connection.force_debug_cursor = False
        root.removeHandler(handler)
        root.removeHandler(keep)
        root.setLevel(old_level)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def _raw_text(records) -> str:
    lines = []
    for record in records:
        lines.append(record.getMessage())
        if record.exc_info:
            lines.append(logging.Formatter().formatException(record.exc_info))
        lines.append(repr(getattr(record, "params", "")))
    return "\n".join(lines)


def test_m3_identity_and_phone_numbers_never_reach_the_logs(world, db, log_capture):
    """Create a driver (page and API), file a public 12328 report, refuse a bad ID number, reveal the driver's ID
    number and the reporter's phone (audited): neither the raw log records nor the written log contain them."""
    from apps.complaints.models import Complaint
    from apps.complaints.ratelimit import reset
    from apps.vehicles.models import Driver
    from tests.factories import make_resident_id

    stream, raw = log_capture
    id_page, id_api = make_resident_id(seq=811), make_resident_id(seq=822)
    valid = make_resident_id(seq=833)
    id_bad = valid[:-1] + ("0" if valid[-1] != "0" else "1")  # wrong check character
    phone_driver, phone_reporter, phone_api = "13977151234", "18677260987", "15077334455"
    company = Client()
    company.force_login(world.users["company_a"])
    response = company.post(reverse("vehicles:driver_create"), {
        "name": "覃志明", "id_no": id_page, "phone": phone_driver, "licence_no": "", "qualification_no": "QC1234567",
        "vehicle": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    driver = Driver.objects.get(qualification_no="QC1234567")
    assert company.post(reverse("vehicles:driver_create"), {"name": "错号", "id_no": id_bad}).status_code == 400
    api = Client()
    api.force_login(world.users["company_a"])
    created = api.post(reverse("driver-list"), {"name": "黄海", "id_no": id_api, "phone": phone_api},
                       content_type="application/json")
    assert created.status_code == 201, created.content

    reset("127.0.0.1")
    public = Client()
    response = public.post(reverse("complaints:report"), {
        "hotline": "12328", "category": "private_car_carrying", "plate": world.vehicle_a.plate,
        "description": "一辆白色私家车在火车站门口拉客，每人收费 20 元。", "occurred_at": "2026-11-20T09:30",
        "location": "柳州火车站东广场", "reporter_name": "韦小宝", "reporter_phone": phone_reporter, "website": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    complaint = Complaint.objects.order_by("-pk").first()

    transport = Client()
    transport.force_login(world.users["transport"])
    revealed = transport.post(reverse("vehicles:driver_reveal", kwargs={"pk": driver.pk, "field": "id_no"}),
                              {"reason": "核查"})
    assert revealed.status_code == 200 and id_page in revealed.content.decode()
    # the officer takes the report on (only the handling officer may see the reporter's contact)
    assert transport.post(reverse("complaint-verify", kwargs={"pk": complaint.pk})).status_code == 200
    contact = transport.post(reverse("complaint-reveal-contact", kwargs={"pk": complaint.pk}), {"reason": "回访"},
                             content_type="application/json")
    assert contact.status_code == 200 and phone_reporter in contact.content.decode()

    written, records = stream.getvalue(), _raw_text(raw)
    assert len(raw) > 20 and "SELECT" in records  # the capture did see the requests and their SQL
    for secret_value in (id_page, id_api, id_bad, phone_driver, phone_reporter, phone_api):
        assert secret_value not in records, f"{secret_value} in a log record:\n" + "\n".join(
            line for line in records.splitlines() if secret_value in line)[:3000]
        assert secret_value not in written


# --- private files ----------------------------------------------------------------------------------------------


def test_media_files_are_never_served_by_url(world, role_clients, db):
    """Lead evidence, complaint photos and notices are read only through views that check the audience: the
    URL conf has no /media/ route, whoever asks (docs/operations.md §6)."""
    names = [world.attachment.file.name, world.complaint_photo.file.name, world.notice_a.file.name]
    for name in names:
        for role in ("anon", "admin", "insurer_a", "transport"):
            response = ask(role_clients[role], "GET", f"/{settings.MEDIA_URL.strip('/')}/{name}")
            assert response.status_code == 404, (name, role, response.status_code)
    assert world.complaint_photo.file.name.startswith("private/") or "private" in world.complaint_photo.file.path
