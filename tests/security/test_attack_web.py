"""Regression tests for what an attack on the web side found (each test replays one attack and checks it no
longer works): stored XSS through links, inline script and the Content-Security-Policy, open redirects,
sessions of deactivated organisations, formula injection in spreadsheets, the public report form with Redis
down, EXIF in public photos, collectstatic in production, and the taxi association's credit-file audience."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from .test_hardening import _production_env
from .world import PASSWORD

ROOT = Path(settings.BASE_DIR)


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _private_car(world):
    """A private car registered by transport with no company (not in any company's ledger)."""
    from apps.vehicles import services as vehicles
    from apps.vehicles.usage import UsageNature
    from tests.factories import make_resident_id
    from tests.vehicles.factories import make_plate, make_vin

    return vehicles.vehicle_create(actor=world.users["transport"], plate=make_plate(), vin=make_vin(), seats=5,
                                   usage_nature=UsageNature.FAMILY, owner_name="赵六", owner_id_no=make_resident_id(),
                                   vehicle_type="小型轿车", make_model="大众牌SVW7155")


# --- 1. stored XSS through a credit record's evidence link --------------------------------------------------------


@pytest.mark.parametrize("link", ["javascript:alert(document.cookie)", "JavaScript:alert(1)", " javascript:alert(1)",
                                  "java\tscript:alert(1)", "data:text/html,<script>alert(1)</script>",
                                  "vbscript:msgbox(1)", "//evil.example/x"])
def test_evidence_link_with_a_script_scheme_is_refused_by_page_and_api(link, world, db):
    from apps.credit.models import CreditRecord

    client = _client(world.users["taxi_assoc"])
    before = CreditRecord.objects.count()
    response = client.post(reverse("credit:record_add"), {
        "subject_kind": "taxi_company", "organization": world.orgs["company_a"].pk, "event": "other",
        "severity": "minor", "occurred_on": timezone.localdate().isoformat(), "evidence_link": link,
        "detail": "证据见链接"})
    assert response.status_code == 200, response.status_code  # the form again, with the error
    assert "evidence_link" in response.context["form"].errors
    api = client.post(reverse("credit-record-list"), {
        "subject_kind": "taxi_company", "subject_id": world.orgs["company_a"].pk, "event": "other",
        "severity": "minor", "occurred_on": timezone.localdate().isoformat(), "evidence_link": link,
        "detail": "证据见链接"}, content_type="application/json")
    assert api.status_code == 400, (api.status_code, api.content)
    assert "evidence_link" in api.content.decode()
    assert CreditRecord.objects.count() == before


def test_evidence_link_http_and_platform_paths_are_still_accepted(world, db):
    from apps.credit import services

    for link in ("https://www.liuzhou.gov.cn/notice/1.html", "http://example.org/a?b=1", "/leads/1/"):
        record = services.credit_record_add(actor=world.users["taxi_assoc"], subject=world.orgs["company_a"],
                                            event="other", severity="minor", occurred_on=timezone.localdate(),
                                            evidence_link=link, detail="证据")
        assert record.evidence_link == link


def test_a_stored_script_link_is_never_rendered_as_href(world, db):
    """Defence in depth: a javascript: link that reached the database (an older row) is shown as text only."""
    from apps.credit import services
    from apps.credit.models import CreditRecord

    # written straight to the table (the file is append-only), as a row from before the check would be
    CreditRecord.objects.create(**services.subject_describe(world.orgs["company_a"]), event="other",
                                severity="minor", source="association", occurred_on=timezone.localdate(),
                                expires_on=timezone.localdate() + dt.timedelta(days=365),
                                evidence_link="javascript:alert(1)", detail="旧记录")
    page = _client(world.users["taxi_assoc"]).get(reverse("credit:file", args=["org", world.orgs["company_a"].pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'href="javascript:' not in html.lower()
    assert "javascript:alert(1)" in html  # still shown, as text


# --- 3. open redirect through ``next`` ----------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["https://evil.example/phish", "//evil.example/", "javascript:alert(1)",
                                    "https:evil.example"])
def test_vehicle_online_does_not_redirect_off_site(target, world, db):
    # a change the service refuses (a car in no company's ledger) answers with the path that followed ``next``
    client = _client(world.users["admin"])
    response = client.post(reverse("vehicles:online"), {"online": "0", "vehicle": _private_car(world).pk,
                                                        "next": target})
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/"), location
    assert not location.startswith("//") and "evil.example" not in location, location


def test_other_next_redirects_stay_on_site(world, db):
    client = _client(world.users["insurer_a"])
    response = client.post(reverse("notifications-read"), {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("notifications")
    response = client.post(reverse("notifications-read"), {"next": "/deadlines/"})
    assert response["Location"] == "/deadlines/"


# --- 4. a deactivated organisation's (or user's) existing session ------------------------------------------------


def test_deactivating_an_organisation_ends_its_existing_web_sessions(world, db):
    from apps.parties.models import Organization

    user = world.users["insurer_b"]
    client = Client(raise_request_exception=False)
    signed_in = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert signed_in.status_code == 302
    assert client.get(reverse("policies:list")).status_code == 200
    assert client.get(reverse("policy-list")).status_code == 200
    Organization.objects.filter(pk=user.organization_id).update(is_active=False)
    page = client.get(reverse("policies:list"))
    assert page.status_code == 302 and page["Location"].startswith(reverse("login")), page.status_code
    assert client.get(reverse("policy-list")).status_code in (401, 403)
    # and it cannot sign in again
    fresh = Client(raise_request_exception=False)
    login = fresh.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert login.status_code == 200 and "_auth_user_id" not in fresh.session


def test_deactivating_a_user_ends_their_existing_web_session(world, db):
    from apps.parties.models import User

    user = world.users["insurer_b"]
    client = _client(user)
    assert client.get(reverse("policies:list")).status_code == 200
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert client.get(reverse("policies:list")).status_code == 302


# --- 8. collectstatic with production settings -------------------------------------------------------------------


@pytest.mark.real_clock
def test_collectstatic_succeeds_with_production_settings():
    with tempfile.TemporaryDirectory(prefix="lz-static-") as var:
        env = {**_production_env(), "LZ_VAR_DIR": var}
        result = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput"], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        manifest = Path(var) / "staticfiles" / "staticfiles.json"
        assert manifest.exists()
        assert "vendor/chartjs/chart.umd.min.js" in manifest.read_text()


# --- 9. the taxi association and the credit file of a private car ------------------------------------------------


def test_taxi_association_cannot_read_or_write_a_private_cars_credit_file(world, db):
    from apps.credit import services
    from apps.credit.models import CreditRecord

    car = _private_car(world)
    # the insurance association (which keeps the file) has a record on it
    record = services.credit_record_add(actor=world.users["ins_assoc"], subject=car, event="other",
                                        severity="minor", occurred_on=timezone.localdate(), detail="私家车记录")
    client = _client(world.users["taxi_assoc"])
    assert client.get(reverse("vehicles:detail", args=[car.pk])).status_code == 404
    url = reverse("credit:file", args=["vehicle", car.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {}).status_code == 404
    assert client.get(reverse("credit-record-file", args=["vehicle", car.pk])).status_code == 404
    assert client.get(reverse("credit-record-detail", args=[record.pk])).status_code == 404
    assert client.get(reverse("credit:record_correct", args=[record.pk])).status_code == 404
    assert record.pk not in [r["id"] for r in client.get(reverse("credit-record-list") + "?page_size=500").json()[
        "results"]]
    before = CreditRecord.objects.count()
    add = client.post(reverse("credit:record_add"), {
        "subject_kind": "vehicle", "plate": car.plate, "event": "other", "severity": "minor",
        "occurred_on": timezone.localdate().isoformat(), "detail": "越权录入"})
    assert add.status_code == 200 and "plate" in add.context["form"].errors
    api = client.post(reverse("credit-record-list"), {
        "subject_kind": "vehicle", "subject_id": car.pk, "event": "other", "severity": "minor",
        "occurred_on": timezone.localdate().isoformat(), "detail": "越权录入"}, content_type="application/json")
    assert api.status_code in (403, 404), api.status_code
    correct = client.post(reverse("credit:record_correct", args=[record.pk]), {
        "reason": "越权更正", "severity": "minor", "occurred_on": timezone.localdate().isoformat()})
    assert correct.status_code == 404
    assert CreditRecord.objects.count() == before


def test_taxi_association_still_keeps_the_files_of_company_vehicles_and_drivers(world, db):
    client = _client(world.users["taxi_assoc"])
    for kind, obj in (("vehicle", world.vehicle_a), ("driver", world.driver_a)):
        url = reverse("credit:file", args=[kind, obj.pk])
        assert client.get(url).status_code == 200, (kind, url)
        assert client.post(url, {}).status_code == 200, (kind, url)
        api = client.get(reverse("credit-record-file", args=[kind, obj.pk]))
        assert api.status_code == 200, api.status_code
    # rule M2: it sees them, but vehicles' files are the insurance association's to write (it may propose)
    from apps.credit.models import CreditRecord

    before = CreditRecord.objects.count()
    add = client.post(reverse("credit:record_add"), {
        "subject_kind": "vehicle", "plate": world.vehicle_a.plate, "event": "other", "severity": "minor",
        "occurred_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat(), "detail": "台账车辆记录"})
    assert add.status_code == 200 and "保险行业协会记车辆" in str(add.context["form"].errors)
    assert CreditRecord.objects.count() == before


# --- 5. formula injection in the monthly report's XLSX -----------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil.example/","点此")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)"]


def _all_cells(workbook) -> list:
    return [cell for ws in workbook.worksheets for row in ws.iter_rows() for cell in row if cell.value is not None]


def test_monthly_report_xlsx_escapes_names_that_start_like_a_formula(world, db):
    from openpyxl import load_workbook

    from apps.credit import services as credit
    from apps.parties.models import OrganizationKind
    from tests.factories import OrganizationFactory

    today = timezone.localdate()
    for n, name in enumerate(FORMULAS):
        insurer = OrganizationFactory(kind=OrganizationKind.INSURER, name=name)
        credit.supervisory_action_issue(
            actor=world.users["regulator"], target=insurer, kind="rectification_order", ground="unlawful_refusal",
            facts="无正当理由拒绝承保", starts_on=today, ends_on=today + dt.timedelta(days=30),
            reference_no=f"柳金监改〔2026〕F{n}号", requirement="限期整改")
        company = OrganizationFactory(kind=OrganizationKind.TAXI_COMPANY, name=name + "出租")
        credit.supervisory_action_issue(
            actor=world.users["taxi_assoc"], target=company, kind="self_discipline", ground="ledger_failure",
            facts="未按规定建立驾驶员台账", starts_on=today, ends_on=today + dt.timedelta(days=30))
    response = _client(world.users["regulator"]).get(reverse("dashboard:report-xlsx") + f"?month={today:%Y-%m}")
    assert response.status_code == 200
    cells = _all_cells(load_workbook(io.BytesIO(response.content)))
    formulas = [c.coordinate + " " + str(c.value) for c in cells if c.data_type == "f"]
    assert not formulas, formulas
    texts = [str(c.value) for c in cells]
    for name in FORMULAS:
        assert "'" + name in texts, name  # the name is there, as text a spreadsheet will not run
        assert "'" + name + "出租" in texts, name
        assert name not in texts and name + "出租" not in texts



# --- 6. Redis down: the public report is still accepted -----------------------------------------------------------


def _report_form(plate: str = "桂B54321") -> dict:
    return {"hotline": "12328", "category": "private_car_carrying", "plate": plate,
            "description": "一辆私家车每天在柳州站拉客，按人头收费二十元。", "location": "柳州站",
            "occurred_at": (timezone.localtime() - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "reporter_name": "王五", "reporter_phone": "13800001111", "website": ""}


@pytest.fixture
def redis_unreachable(tmp_path):
    """The cache the limiter counts in points at a Redis unix socket that does not exist (a real connection
    failure, as when Redis is down)."""
    from django.test import override_settings

    from apps.complaints import ratelimit

    ratelimit.reset("127.0.0.1")  # while Redis is still there: no counts left from earlier tests
    dead = {**settings.CACHES["default"], "LOCATION": f"unix://{tmp_path}/no-such-dir/redis.sock"}
    with override_settings(CACHES={**settings.CACHES, "default": dead}, COMPLAINT_SUBMIT_LIMIT=3,
                           MEDIA_ROOT=str(tmp_path / "media")):
        yield
    ratelimit.reset("127.0.0.1")


def test_public_report_is_accepted_when_the_rate_limiter_cannot_reach_redis(world, db, redis_unreachable):
    from django.core.cache import cache
    from redis.exceptions import ConnectionError as RedisConnectionError

    from apps.complaints.models import Complaint

    with pytest.raises(RedisConnectionError):  # the limiter's Redis really is unreachable
        cache.get("probe")
    client = Client(raise_request_exception=False)
    before = Complaint.objects.count()
    page = client.post(reverse("complaints:report"), _report_form())
    assert page.status_code == 302, page.status_code
    api = client.post(reverse("public-complaint-create"), _report_form(), content_type="application/json")
    assert api.status_code == 201, (api.status_code, api.content[:300])
    lookup = client.post(reverse("complaints:status"), {"tracking_no": "X", "code": "Y"})
    assert lookup.status_code < 500
    assert client.post(reverse("public-complaint-status"), {"tracking_no": "X", "code": "Y"},
                       content_type="application/json").status_code == 404
    assert Complaint.objects.count() == before + 2
    # the fallback still limits: the fourth report from the same address in the window is refused, not lost
    assert client.post(reverse("complaints:report"), _report_form()).status_code == 302
    refused = client.post(reverse("complaints:report"), _report_form())
    assert refused.status_code == 429
    assert Complaint.objects.count() == before + 3


# --- 7. EXIF (GPS, device) in public complaint photos -------------------------------------------------------------


def _jpeg_with_gps() -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "HUAWEI"  # Make
    exif[0x0110] = "Mate 60 Pro"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to show
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (24.0, 19.0, 34.8), 3: "E", 4: (109.0, 24.0, 41.4)})
    image = Image.new("RGB", (40, 20), (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, 10, 20))  # a blue band on the left: shows where the orientation went
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=95)
    return out.getvalue()


def test_public_complaint_photos_lose_exif_gps_and_device_data(world, db, tmp_path, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from apps.complaints import ratelimit
    from apps.complaints.models import Complaint

    settings.MEDIA_ROOT = str(tmp_path)
    raw = _jpeg_with_gps()
    with Image.open(io.BytesIO(raw)) as original:  # the attack's photo does carry them
        assert original.getexif().get_ifd(0x8825) and original.getexif()[0x0110] == "Mate 60 Pro"
    ratelimit.reset("127.0.0.1")
    response = Client().post(reverse("complaints:report"), {
        **_report_form(), "photos": [SimpleUploadedFile("IMG_0001.jpg", raw, content_type="image/jpeg")]})
    assert response.status_code == 302
    photo = Complaint.objects.order_by("-pk").first().photos.get()
    stored = photo.file.open("rb").read()
    assert b"Exif" not in stored and b"HUAWEI" not in stored and b"Mate 60" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.getexif() and not image.info.get("exif")
        assert image.size == (20, 40)  # the orientation was applied before the tag went
        top = image.getpixel((10, 2))
        assert top[2] > 150 and top[0] < 100, top  # the blue band is now at the top
    assert photo.size == len(stored)
    assert photo.sha256 == hashlib.sha256(stored).hexdigest()
    ratelimit.reset("127.0.0.1")


# --- 2. Content-Security-Policy on every page, and no inline script anywhere --------------------------------------
# Every URL of the table as every role: test_access_table.py's test_every_page_has_a_csp_without_inline_script
# (it reads the answers the table's walk got). Here the pages that walk does not reach.


@pytest.fixture(scope="module")
def walk_clients(world, django_db_blocker):
    from .observe import clients

    with django_db_blocker.unblock():
        return clients(world)


def test_pages_behind_the_walk_have_no_inline_script_either(world, walk_clients, db):
    """Pages the walk's empty requests do not reach: a notice preview, a re-shown form, the import progress."""
    from .observe import ask, inline_code, script_src

    pages = [("insurer_a", reverse("rescissions:notice", kwargs={"pk": world.case_a.pk, "kind": "disclosure_request"})),
             ("company_a", reverse("import-detail", args=[world.import_a.pk])),
             ("anon", reverse("complaints:report") + "?category=private_car_carrying"),
             ("regulator", reverse("dashboard:report"))]
    for role, url in pages:
        response = ask(walk_clients[role], "GET", url)
        assert response.status_code == 200, (role, url, response.status_code)
        assert "'unsafe-inline'" not in script_src(response["Content-Security-Policy"])
        assert not inline_code(response.content.decode()), (url, inline_code(response.content.decode()))
