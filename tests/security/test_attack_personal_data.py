"""Attack findings on personal data (rule M3): guessing numbers through exact search, numbers in access logs,
reveals without a reason, password spraying from one address, unbounded free text."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from apps.core.crypto import mask_id_no, mask_phone
from apps.core.models import AuditEvent
from tests.factories import make_resident_id, user_of
from tests.vehicles.factories import DriverFactory, VehicleFactory

PASSWORD = "Test-password-1"


def _login(client, username, password=PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


# --- finding 4: lockout per IP across usernames -------------------------------------------------------------------


def test_m3_password_spray_from_one_ip_locks_that_ip(parties):
    """One address tries a wrong password on many accounts, each fewer times than the per-account limit: once
    its failures reach AXES_IP_FAILURE_LIMIT the address is locked, even for another user's right password."""
    from apps.parties.models import OrganizationKind

    limit = settings.AXES_IP_FAILURE_LIMIT
    assert limit > settings.AXES_FAILURE_LIMIT
    victims = [user_of(OrganizationKind.INSURER, organization=parties.insurer_a, username=f"spray{i}")
               for i in range(limit)]
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    for victim in victims[:-1]:
        assert _login(attacker, victim.username, "wrong-password").status_code == 200
    assert _login(attacker, victims[-1].username, "wrong-password").status_code == 429  # the limit is reached
    locked = _login(attacker, parties.insurer_b_user.username)  # the right password of yet another account
    assert locked.status_code == 429 and "_auth_user_id" not in attacker.session
    assert "登录已被暂时锁定" in locked.content.decode()
    # another address is not affected
    assert _login(Client(REMOTE_ADDR="203.0.113.8"), parties.insurer_b_user.username).status_code == 302


def test_m3_a_successful_login_does_not_reset_the_ip_count(parties):
    """Holding one account must not let the sprayer clear the address's count by logging in between rounds."""
    from apps.parties.models import OrganizationKind

    limit = settings.AXES_IP_FAILURE_LIMIT
    victims = [user_of(OrganizationKind.INSURER, organization=parties.insurer_a, username=f"round{i}")
               for i in range(limit)]
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for victim in victims[: limit - 1]:
        assert _login(attacker, victim.username, "wrong-password").status_code == 200
    assert _login(attacker, parties.insurer_b_user.username).status_code == 302  # the sprayer's own account
    attacker.post("/accounts/logout/")
    assert _login(attacker, victims[-1].username, "wrong-password").status_code == 429


# --- finding 1: exact search by a personal field ----------------------------------------------------------------

API = "/api/v1"


@pytest.fixture
def ledger(parties):
    w = type("Ledger", (), {})()
    w.driver = DriverFactory(company=parties.company_a, name="陈大文", id_no=make_resident_id(seq=301),
                             phone="13977150001")
    w.vehicle = VehicleFactory(company=parties.company_a, owner_id_no=make_resident_id(seq=302))
    from tests.policies.factories import PolicyFactory

    PolicyFactory(vehicle=w.vehicle, insurer=parties.insurer_a)  # the insurer sees the vehicle
    return w


def _rates(settings, **rates):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates}}


@pytest.mark.parametrize("role, path, param, attr", [
    ("taxi_assoc", "drivers", "id_no", "driver.id_no"),
    ("taxi_assoc", "drivers", "phone", "driver.phone"),
    ("ins_assoc", "drivers", "id_no", "driver.id_no"),
    ("insurer_a", "vehicles", "owner_id_no", "vehicle.owner_id_no"),
])
def test_m3_search_by_personal_field_refused_to_roles_that_may_not_reveal_it(api, parties, ledger, role, path,
                                                                             param, attr):
    """The role sees the records (masked) but may not reveal the field: searching by it would confirm a guess,
    so it is refused with a Chinese message naming the field, nothing is listed and nothing audited."""
    owner, field = attr.split(".")
    value = getattr(getattr(ledger, owner), field)
    client = api.as_user(getattr(parties, f"{role}_user"))
    assert client.get(f"{API}/{path}/").status_code == 200  # the list itself stays open to the role
    response = client.get(f"{API}/{path}/", {param: value})
    assert response.status_code == 403, response.content
    body = response.json()["error"]
    assert body["code"] == "personal_search_denied" and "无权按" in body["message"]
    assert value not in response.content.decode()
    assert not AuditEvent.objects.filter(action="personal_data.search").exists()


def test_m3_search_by_personal_field_on_the_driver_page_refused_with_a_message(client, parties, ledger):
    client.force_login(parties.taxi_assoc_user)
    response = client.get("/vehicles/drivers/", {"id_no": ledger.driver.id_no})
    assert response.status_code == 403
    page = response.content.decode()
    assert "无权按“身份证号码”查询" in page and "陈*文" not in page


def test_m3_entitled_search_is_audited_with_the_value_masked(api, client, parties, ledger):
    driver = ledger.driver
    transport = api.as_user(parties.transport_user)
    found = transport.get(f"{API}/drivers/", {"id_no": driver.id_no})
    assert found.status_code == 200 and [r["id"] for r in found.json()["results"]] == [driver.pk]
    assert transport.get(f"{API}/drivers/", {"phone": driver.phone}).status_code == 200
    company = api.as_user(parties.company_a_user)  # a company searches its own ledger, which it may reveal
    assert company.get(f"{API}/vehicles/", {"owner_id_no": ledger.vehicle.owner_id_no}).json()["count"] == 1
    client.force_login(parties.regulator_user)
    assert "陈*文" in client.get("/vehicles/drivers/", {"id_no": driver.id_no}).content.decode()
    events = list(AuditEvent.objects.filter(action="personal_data.search").order_by("id"))
    assert [(e.actor_id, e.detail["field"], e.detail["value"]) for e in events] == [
        (parties.transport_user.pk, "id_no", mask_id_no(driver.id_no)),
        (parties.transport_user.pk, "phone", mask_phone(driver.phone)),
        (parties.company_a_user.pk, "owner_id_no", mask_id_no(ledger.vehicle.owner_id_no)),
        (parties.regulator_user.pk, "id_no", mask_id_no(driver.id_no)),
    ]
    for secret in (driver.id_no, driver.phone, ledger.vehicle.owner_id_no):
        assert all(secret not in str(e.detail) for e in events)


def test_m3_personal_searches_and_reveals_are_throttled_together(api, client, parties, ledger, settings):
    """Guessing a number one request at a time meets the ``personal_data`` rate: API and page searches and
    reveals count together, and the refusal is a Chinese 429."""
    _rates(settings, personal_data="3/hour")
    driver = ledger.driver
    transport = api.as_user(parties.transport_user)
    for guess in ("13977150002", "13977150003"):
        assert transport.get(f"{API}/drivers/", {"phone": guess}).json()["count"] == 0
    client.force_login(parties.transport_user)
    assert client.get("/vehicles/drivers/", {"id_no": make_resident_id(seq=303)}).status_code == 200
    refused = transport.get(f"{API}/drivers/", {"phone": driver.phone})
    assert refused.status_code == 429 and "过于频繁" in refused.json()["error"]["message"]
    assert client.get("/vehicles/drivers/", {"id_no": driver.id_no}).status_code == 429
    reveal = client.post(f"/vehicles/drivers/{driver.pk}/reveal/phone/", {"reason": "核查"})
    assert reveal.status_code == 429 and "过于频繁" in reveal.json()["error"]
    assert AuditEvent.objects.filter(action="personal_data.search").count() == 3
    assert not AuditEvent.objects.filter(action="personal_data.reveal").exists()
    # another user has its own count
    assert api.as_user(parties.regulator_user).get(f"{API}/drivers/", {"phone": driver.phone}).json()["count"] == 1


def test_m3_every_api_request_is_throttled_per_user_and_per_address(api, parties, settings):
    _rates(settings, user="3/min", anon="2/min")
    client = api.as_user(parties.transport_user)
    assert [client.get(f"{API}/drivers/").status_code for _ in range(4)] == [200, 200, 200, 429]
    # anonymous callers are counted per address (the public report views keep their own limiter instead)
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory
    from rest_framework.settings import api_settings

    from apps.core.throttles import AnonThrottle

    assert AnonThrottle in api_settings.DEFAULT_THROTTLE_CLASSES
    request = RequestFactory().get(f"{API}/drivers/", REMOTE_ADDR="198.51.100.4")
    request.user = AnonymousUser()
    assert [AnonThrottle().allow_request(request, None) for _ in range(3)] == [True, True, False]


# --- finding 3: a reveal needs a reason -------------------------------------------------------------------------


@pytest.mark.parametrize("reason", [None, "", "   ", "\t\n"])
def test_m3_reveal_without_a_reason_is_refused_and_not_audited(api, client, parties, ledger, reason):
    driver = ledger.driver
    body = {"field": "id_no"} if reason is None else {"field": "id_no", "reason": reason}
    response = api.as_user(parties.transport_user).post(f"{API}/drivers/{driver.pk}/reveal/", body, format="json")
    assert response.status_code == 400 and "理由" in response.json()["error"]["message"]
    assert driver.id_no not in response.content.decode()
    client.force_login(parties.company_a_user)
    page_body = {} if reason is None else {"reason": reason}
    page = client.post(f"/vehicles/{ledger.vehicle.pk}/reveal/owner_id_no/", page_body)
    assert page.status_code == 400 and "理由" in page.json()["error"]
    assert ledger.vehicle.owner_id_no not in page.content.decode()
    assert not AuditEvent.objects.filter(action="personal_data.reveal").exists()
    # with a reason the same reveal works and is audited with it
    ok = api.as_user(parties.transport_user).post(f"{API}/drivers/{driver.pk}/reveal/",
                                                  {"field": "id_no", "reason": " 核查资质 "}, format="json")
    assert ok.status_code == 200 and ok.json()["value"] == driver.id_no
    assert AuditEvent.objects.get(action="personal_data.reveal").detail["reason"] == "核查资质"


# --- finding 2: personal data in access logs ----------------------------------------------------------------------

ID_NO = make_resident_id(seq=404)
PHONE = "13977154321"


def test_m3_runserver_access_log_masks_numbers_in_the_query_string():
    """A real request through Django's development server (``WSGIRequestHandler``, which writes the access log
    to the ``django.server`` logger): the logged request line keeps neither the ID number nor the phone."""
    import io
    import logging
    import threading
    import urllib.error
    import urllib.request

    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer

    from apps.core.logging import PersonalDataFilter

    # the handlers the project's LOGGING configures (they carry their name from the configuration); pytest's own
    # capture handlers, which other tests leave on the logger, are not the access log
    handlers = [h for h in logging.getLogger("django.server").handlers if h.get_name()]
    assert handlers and all(any(isinstance(f, PersonalDataFilter) for f in h.filters) for h in handlers)
    captured = io.StringIO()
    previous = [h.setStream(captured) for h in handlers]
    server = WSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
    server.set_app(WSGIHandler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/no-such-page/?id_no={ID_NO}&phone={PHONE}&tel=%2B86{PHONE}"
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(url, timeout=10)
    finally:
        server.shutdown()
        server.server_close()
        for h, stream in zip(handlers, previous, strict=True):
            h.setStream(stream)
    written = captured.getvalue()
    assert "/no-such-page/?id_no=" in written and "404" in written  # the access line was written
    assert ID_NO not in written and PHONE not in written
    assert ID_NO[:4] + "*" * 10 + ID_NO[-4:] in written and f"{PHONE[:3]}****{PHONE[-4:]}" in written


def test_m3_gunicorn_access_log_masks_numbers_in_the_request_line(tmp_path):
    """gunicorn started as the Dockerfile and compose start it (``--config python:liuzhou_regulation.
    gunicorn_conf``): its access logger writes a request with the numbers in the query string masked."""
    import datetime as dt
    import importlib
    from pathlib import Path
    from types import SimpleNamespace

    from gunicorn.config import Config

    root = Path(settings.BASE_DIR)
    for started in ((root / "Dockerfile").read_text(), (root / "docker-compose.yml").read_text()):
        assert "python:liuzhou_regulation.gunicorn_conf" in started
    module = importlib.import_module("liuzhou_regulation.gunicorn_conf")
    cfg = Config()
    for name, value in vars(module).items():
        if name in cfg.settings:
            cfg.set(name, value)
    log_file = tmp_path / "access.log"
    cfg.set("accesslog", str(log_file))
    cfg.set("errorlog", str(tmp_path / "error.log"))
    logger = cfg.logger_class(cfg)
    query = f"id_no={ID_NO}&phone={PHONE}"
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"/api/v1/drivers/?{query}", "PATH_INFO": "/api/v1/drivers/",
               "QUERY_STRING": query, "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "10.0.0.5",
               "HTTP_REFERER": f"https://lz.example/vehicles/drivers/?{query}"}
    response = SimpleNamespace(status="200 OK", sent=512, headers=[])
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    logger.access(response, request, environ, dt.timedelta(milliseconds=12))
    logger.error("driver %s not found, phone %s", ID_NO, PHONE)
    for handler in logger.access_log.handlers + logger.error_log.handlers:
        handler.flush()
    written = log_file.read_text() + (tmp_path / "error.log").read_text()
    assert "/api/v1/drivers/?id_no=" in written and "not found" in written
    assert ID_NO not in written and PHONE not in written
    assert f"{PHONE[:3]}****{PHONE[-4:]}" in written


@pytest.mark.parametrize("text, secret", [
    (f"GET /x/?id_no={ID_NO} HTTP/1.1", ID_NO),
    (f"GET /x/?id_no={ID_NO.lower()[:-1]}x", ID_NO[:-1]),
    ("old id 450202850312001", "450202850312001"),
    (f"tel +86{PHONE}", PHONE),
    (f"tel 0086-{PHONE[:3]}-{PHONE[3:7]}-{PHONE[7:]}", PHONE[3:]),
    (f"tel {PHONE[:3]} {PHONE[3:7]} {PHONE[7:]}", PHONE[3:7] + " " + PHONE[7:]),
    ("card 6222021234567890123", "6222021234567890123"),
])
def test_m3_log_filter_masks_numbers_in_message_and_args(text, secret):
    import logging

    from apps.core.logging import PersonalDataFilter

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%s", (text,), None)
    PersonalDataFilter().filter(record)
    assert secret not in record.getMessage() and record.args is None
    as_msg = logging.LogRecord("x", logging.INFO, __file__, 1, text, None, None)
    PersonalDataFilter().filter(as_msg)
    assert secret not in as_msg.getMessage()


# --- finding 5: unbounded free text -------------------------------------------------------------------------------

HUGE = "车" * (15 * 1024 * 1024 // 3)  # 15 MB of UTF-8


def test_m3_lead_evidence_of_15_mb_is_refused_by_api_and_page(api, client, parties):
    from apps.leads.models import Lead

    response = api.as_user(parties.transport_user).post(
        f"{API}/leads/flag/", {"plate": "桂B12345", "evidence": HUGE}, format="json")
    assert response.status_code == 400, response.content[:300]
    error = response.json()["error"]
    assert "线索依据" in error["message"] and "最多" in error["message"] and "evidence" in error["extra"]["fields"]
    client.force_login(parties.transport_user)
    page = client.post("/leads/flag/", {"plate": "桂B12345", "evidence": "车" * 5001})
    assert page.status_code in (200, 400) and "线索依据" in page.content.decode() and "最多" in page.content.decode()
    assert not Lead.objects.exists()
    ok = api.as_user(parties.transport_user).post(f"{API}/leads/flag/", {"plate": "桂B12345", "evidence": "车" * 5000},
                                                  format="json")
    assert ok.status_code == 201


def test_m3_other_free_text_is_bounded_at_the_service(parties):
    """Complaint results, credit record text and reasons: refused past their limit, with the field named, and
    nothing written."""
    import datetime as dt

    from apps.complaints.services import (
        complaint_resolve,
        complaint_start_verifying,
        complaint_submit,
        public_reporter,
    )
    from apps.core.errors import ApplicationError
    from apps.credit.models import CreditRecord
    from apps.credit.services import credit_record_add, credit_record_correct
    from tests.complaints.factories import report_12378

    day = dt.date(2026, 11, 10)
    with pytest.raises(ApplicationError) as refused:
        credit_record_add(actor=parties.ins_assoc_user, subject=parties.insurer_b, event="other", severity="minor",
                          occurred_on=day, detail="拒" * 5001)
    assert "说明" in refused.value.message and "detail" in refused.value.extra["fields"]
    record = credit_record_add(actor=parties.ins_assoc_user, subject=parties.insurer_b, event="other",
                               severity="minor", occurred_on=day, detail="拒绝承保")
    with pytest.raises(ApplicationError) as refused:
        credit_record_correct(actor=parties.ins_assoc_user, record=record, reason="因" * 2001, withdraw=True)
    assert "更正原因" in refused.value.message
    assert CreditRecord.objects.count() == 1

    complaint, _code = complaint_submit(**report_12378(parties.insurer_b), actor=public_reporter())
    complaint_start_verifying(actor=parties.regulator_user, complaint=complaint)
    with pytest.raises(ApplicationError) as refused:
        complaint_resolve(actor=parties.regulator_user, complaint=complaint, finding="substantiated",
                          result="查" * 100_000)
    assert "处理结果" in str(refused.value.extra["fields"]["result"])
    complaint.refresh_from_db()
    assert complaint.result == ""
