"""Public pages and the staff desk over HTTP: validation, honeypot, CSRF, rate limit, masking, reveal (M16)."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from apps.complaints import ratelimit
from apps.complaints.models import Complaint
from apps.complaints.services import (
    complaint_forward,
    complaint_start_verifying,
    complaint_submit,
    public_reporter,
)
from apps.core.models import AuditEvent

from .factories import png_upload, report_12328, report_12378

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_limits(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ratelimit.reset("127.0.0.1")
    yield
    ratelimit.reset("127.0.0.1")


def _form(**overrides):
    data = {
        "hotline": "12328", "category": "private_car_carrying", "plate": "桂B54321",
        "description": "一辆私家车每天在柳州站拉客，按人头收费二十元。", "location": "柳州站",
        "occurred_at": (timezone.localtime() - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "reporter_name": "王五", "reporter_phone": "13800001111", "website": "",
    }
    data.update(overrides)
    return data


def test_public_report_needs_no_account_and_gives_tracking_and_code(client, parties):
    page = client.get("/complaints/report/?category=private_car_carrying")
    assert page.status_code == 200 and "12328" in page.content.decode()
    response = client.post("/complaints/report/", {**_form(), "photos": [png_upload()]})
    assert response.status_code == 302
    done = client.get(response["Location"]).content.decode()
    complaint = Complaint.objects.get()
    assert complaint.tracking_no in done and complaint.photos.count() == 1
    assert complaint.routed_to == parties.transport
    # the receipt is shown once
    assert client.get("/complaints/report/done/").status_code == 302


def test_bad_input_gets_chinese_messages_and_stores_nothing(client, parties):
    response = client.post("/complaints/report/", _form(plate="桂B.12345", reporter_phone="123"))
    body = response.content.decode()
    assert response.status_code == 400
    assert "号牌" in body and "联系电话格式不正确" in body
    assert not Complaint.objects.exists()


def test_wrong_hotline_for_the_situation_is_explained(client, parties):
    response = client.post("/complaints/report/", _form(hotline="12378"))
    assert response.status_code == 400
    assert "不属于该热线受理范围" in response.content.decode()
    assert not Complaint.objects.exists()


def test_honeypot_stores_nothing(client, parties):
    response = client.post("/complaints/report/", _form(website="http://spam.example"))
    assert response.status_code == 400 and not Complaint.objects.exists()


def test_csrf_is_enforced_on_the_public_form(parties):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/complaints/report/", _form())
    assert response.status_code == 403 and not Complaint.objects.exists()


def test_rate_limited_per_ip(client, parties, settings):
    settings.COMPLAINT_SUBMIT_LIMIT = 2
    for _ in range(2):
        assert client.post("/complaints/report/", _form()).status_code == 302
    blocked = client.post("/complaints/report/", _form())
    assert blocked.status_code == 429 and "频繁" in blocked.content.decode()
    assert Complaint.objects.count() == 2
    # another address is not affected
    other = client.post("/complaints/report/", _form(), REMOTE_ADDR="10.0.0.9")
    ratelimit.reset("10.0.0.9")
    assert other.status_code == 302


def test_oversized_or_fake_photo_refused(client, parties, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("a.png", b"not really a picture at all", content_type="image/png")
    response = client.post("/complaints/report/", {**_form(), "photos": [fake]})
    assert response.status_code == 400 and "不是 JPG、PNG 或 WebP" in response.content.decode()
    settings.COMPLAINT_MAX_PHOTOS = 1
    response = client.post("/complaints/report/", {**_form(), "photos": [png_upload(), png_upload("b.png")]})
    assert response.status_code == 400 and "最多上传 1 张照片" in response.content.decode()
    assert not Complaint.objects.exists()


def test_status_page_needs_tracking_number_and_code(client, parties):
    complaint, code = complaint_submit(**report_12328(), actor=public_reporter())
    wrong = client.post("/complaints/status/", {"tracking_no": complaint.tracking_no, "code": "AAAAAAAA"})
    assert wrong.status_code == 404 and "不正确" in wrong.content.decode()
    ok = client.post("/complaints/status/", {"tracking_no": complaint.tracking_no, "code": code})
    body = ok.content.decode()
    assert ok.status_code == 200 and "已分办" in body and complaint.tracking_no in body
    assert "13877201234" not in body and "张三丰" not in body


def test_staff_page_masks_contact_and_reveal_is_audited(client, parties):
    complaint, _ = complaint_submit(**report_12328(), actor=public_reporter())
    client.force_login(parties.transport_user)
    body = client.get(f"/complaints/staff/{complaint.pk}/").content.decode()
    assert "138****1234" in body and "13877201234" not in body and "张*丰" in body
    client.post(f"/complaints/staff/{complaint.pk}/verify/")
    revealed = client.post(f"/complaints/staff/{complaint.pk}/reveal/", {"reason": "回访"}).content.decode()
    assert "13877201234" in revealed
    assert AuditEvent.objects.filter(action="personal_data.reveal", actor=parties.transport_user).count() == 2


def test_forwarded_insurer_pages_see_only_that_complaint(client, parties):
    forwarded, _ = complaint_submit(**report_12378(parties.insurer_a), actor=public_reporter())
    other, _ = complaint_submit(**report_12378(parties.insurer_a), actor=public_reporter())
    complaint_forward(actor=parties.regulator_user, complaint=forwarded, insurer=parties.insurer_a)
    client.force_login(parties.insurer_a_user)
    listing = client.get("/complaints/staff/?status=all").content.decode()
    assert forwarded.tracking_no in listing and other.tracking_no not in listing
    assert client.get(f"/complaints/staff/{forwarded.pk}/").status_code == 200
    assert client.get(f"/complaints/staff/{other.pk}/").status_code == 404
    client.force_login(parties.insurer_b_user)
    assert client.get(f"/complaints/staff/{forwarded.pk}/").status_code == 404


def test_photo_download_only_for_the_audience(client, parties):
    complaint, _ = complaint_submit(**report_12328(), photos=[png_upload()], actor=public_reporter())
    photo = complaint.photos.get()
    assert client.get(f"/complaints/staff/{complaint.pk}/photos/{photo.pk}/").status_code == 302  # login
    client.force_login(parties.regulator_user)
    assert client.get(f"/complaints/staff/{complaint.pk}/photos/{photo.pk}/").status_code == 404
    client.force_login(parties.transport_user)
    response = client.get(f"/complaints/staff/{complaint.pk}/photos/{photo.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"


def test_telephone_intake_page(client, parties):
    client.force_login(parties.regulator_user)
    response = client.post("/complaints/staff/new/", _form(hotline="12378", category="claim_misconduct", plate="",
                                                           insurer=parties.insurer_b.pk))
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and complaint.channel == "telephone"
    assert complaint.routed_to == parties.regulator
    client.force_login(parties.insurer_a_user)
    assert client.get("/complaints/staff/new/").status_code == 404


def test_api_staff_and_public(api, parties):
    public = api.post("/api/v1/public/complaints/", {**report_12328(), "occurred_at": timezone.now().isoformat()},
                      format="json")
    assert public.status_code == 201, public.content
    tracking, code = public.json()["tracking_no"], public.json()["code"]
    status = api.post("/api/v1/public/complaints/status/", {"tracking_no": tracking, "code": code}, format="json")
    assert status.status_code == 200 and status.json()["status"] == "routed"
    bad = api.post("/api/v1/public/complaints/", {**report_12328(plate="ABC"), "occurred_at": timezone.now().isoformat()},
                   format="json")
    assert bad.status_code == 400 and "plate" in bad.json()["error"]["extra"]["fields"]
    client = api.as_user(parties.transport_user)
    listing = client.get("/api/v1/complaints/").json()
    row = listing["results"][0]
    assert row["reporter_phone_masked"] == "138****1234" and "reporter_phone" not in row
    pk = row["id"]
    assert client.post(f"/api/v1/complaints/{pk}/verify/").status_code == 200
    assert client.post(f"/api/v1/complaints/{pk}/resolve/", {"finding": "unsubstantiated", "result": "现场未发现"},
                       format="json").status_code == 200
    done = client.post(f"/api/v1/complaints/{pk}/feedback/", {"feedback": "经核查未发现该车载客。"}, format="json")
    assert done.json()["status"] == "feedback_given"
    assert api.as_user(parties.regulator_user).get(f"/api/v1/complaints/{pk}/").status_code == 404


def test_handler_must_take_the_case_before_reveal(parties):
    complaint, _ = complaint_submit(**report_12328(), actor=public_reporter())
    complaint_start_verifying(actor=parties.transport_user, complaint=complaint)
    assert Complaint.objects.get().handling_officer == parties.transport_user


def test_public_pages_available_in_english(client, parties):
    client.cookies["django_language"] = "en"
    body = client.get("/complaints/report/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Private car carrying paying passengers" in body and "Submit the report" in body
    response = client.post("/complaints/report/", _form(plate="桂B-1"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Your report has errors" in response.content.decode()


def test_to_lead_button_makes_a_lead(client, parties):
    from apps.leads.models import Lead

    complaint, _ = complaint_submit(**report_12328(), actor=public_reporter())
    client.force_login(parties.transport_user)
    assert 'data-testid="to-lead"' in client.get(f"/complaints/staff/{complaint.pk}/").content.decode()
    response = client.post(f"/complaints/staff/{complaint.pk}/to-lead/")
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert Lead.objects.get(pk=complaint.lead_id).external_ref == complaint.tracking_no
    again = client.post(f"/complaints/staff/{complaint.pk}/to-lead/")
    assert again.status_code == 409 and "已转为线索" in again.content.decode()
