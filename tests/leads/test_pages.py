"""Pages of the leads app (Chinese): boxes per role, the flag and upload forms, bulk actions, the lead page with
its trail and the vehicle's picture, penalties, worklist, screening and the risk model."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.exchange.models import Batch
from apps.leads import services
from apps.leads.models import Lead, LeadAttachment, Penalty, RiskModelWeights, Status
from apps.vehicles.usage import UsageNature

from .factories import operating_car, permit, policy, private_car


def _login(client, user):
    client.force_login(user)
    return client


def test_boxes_render_for_each_side_and_nav_has_entries(parties, client):
    for user in (parties.transport_user, parties.regulator_user, parties.ins_assoc_user):
        _login(client, user)
        for url in ("/leads/", "/leads/outbox/", "/leads/penalties/", "/leads/screening/"):
            assert client.get(url).status_code == 200, (user, url)
    _login(client, parties.transport_user)
    body = client.get("/").content.decode()
    assert "线索收件箱" in body and "处罚决定" in body
    _login(client, parties.insurer_a_user)
    body = client.get("/").content.decode()
    assert "核查清单" in body and "线索收件箱" not in body
    assert client.get("/leads/").status_code == 403


def test_flag_form_creates_and_pushes(parties, client):
    car = private_car()
    _login(client, parties.transport_user)
    response = client.post("/leads/flag/", {
        "plate": car.plate, "evidence": "柳州站东广场揽客", "push": "on",
        "attachments": [SimpleUploadedFile("现场照片.jpg", b"\xff\xd8jpeg", content_type="image/jpeg")],
    })
    lead = Lead.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/leads/{lead.pk}/"
    assert lead.status == Status.PUSHED and Batch.objects.filter(kind="leads").count() == 1
    attachment = LeadAttachment.objects.get()
    assert attachment.name == "现场照片.jpg" and attachment.lead == lead and len(attachment.sha256) == 64
    download = client.get(f"/leads/attachments/{attachment.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"\xff\xd8jpeg"
    _login(client, parties.company_a_user)
    assert client.get(f"/leads/attachments/{attachment.pk}/").status_code == 404


def test_flag_form_shows_the_plate_error_and_creates_nothing(parties, client):
    _login(client, parties.transport_user)
    response = client.post("/leads/flag/", {"plate": "桂B 12345", "evidence": "e"})
    assert response.status_code == 200
    assert "空格" in response.content.decode()
    assert not Lead.objects.exists()


def test_upload_csv_creates_leads_pushed_as_one_batch(parties, client):
    cars = [private_car() for _ in range(3)]
    text = "号牌号码,线索依据\n" + "".join(f"{c.plate},夜间机场揽客\n" for c in cars)
    upload = SimpleUploadedFile("清单.csv", ("\ufeff" + text).encode("utf-8"), content_type="text/csv")
    _login(client, parties.transport_user)
    response = client.post("/leads/upload/", {"file": upload, "push": "on"})
    assert response.status_code == 302
    assert Lead.objects.filter(status=Status.PUSHED).count() == 3
    batch = Batch.objects.get(kind="leads")
    assert batch.row_count == 3
    assert set(Lead.objects.values_list("evidence", flat=True)) == {"夜间机场揽客"}


def test_upload_xlsx_without_header_reads_the_first_column(parties, client):
    from openpyxl import Workbook

    cars = [private_car() for _ in range(2)]
    wb = Workbook()
    for car in cars:
        wb.active.append([car.plate])
    data = io.BytesIO()
    wb.save(data)
    upload = SimpleUploadedFile("list.xlsx", data.getvalue())
    _login(client, parties.transport_user)
    assert client.post("/leads/upload/", {"file": upload}).status_code == 302
    assert Lead.objects.filter(status=Status.NEW).count() == 2 and not Batch.objects.exists()


def test_upload_with_errors_lists_them_by_row_and_creates_nothing(parties, client):
    car = private_car()
    text = f"号牌号码\n{car.plate}\n桂B-1234\n\n{car.plate}\n"
    upload = SimpleUploadedFile("list.csv", text.encode("gb18030"))
    _login(client, parties.transport_user)
    response = client.post("/leads/upload/", {"file": upload, "push": "on"})
    body = response.content.decode()
    assert response.status_code == 200 and 'data-testid="upload-errors"' in body
    assert "<td>3</td>" in body and "<td>5</td>" in body and "重复" in body
    assert not Lead.objects.exists() and not Batch.objects.exists()


def test_upload_refuses_an_old_excel_file(parties, client):
    upload = SimpleUploadedFile("list.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    _login(client, parties.transport_user)
    response = client.post("/leads/upload/", {"file": upload})
    assert ".xls" in response.content.decode() and not Lead.objects.exists()


def test_bulk_push_from_the_outbox_is_one_batch(parties, client):
    leads = [services.lead_flag(actor=parties.transport_user, plate=private_car().plate, evidence="e")
             for _ in range(2)]
    _login(client, parties.transport_user)
    response = client.post("/leads/bulk/", {"action": "push", "ids": [lead.pk for lead in leads],
                                            "next": "/leads/outbox/"})
    assert response.status_code == 302 and response["Location"] == "/leads/outbox/"
    assert Batch.objects.filter(kind="leads").count() == 1
    assert Lead.objects.filter(status=Status.PUSHED).count() == 2


def test_bulk_actions_refuse_leads_outside_the_audience(parties, client):
    lead = services.lead_flag(actor=parties.transport_user, plate=private_car().plate, evidence="e")
    _login(client, parties.regulator_user)  # transport's draft is not visible to the regulator
    assert client.post("/leads/bulk/", {"action": "push", "ids": [lead.pk]}).status_code == 404
    lead.refresh_from_db()
    assert lead.status == Status.NEW


def test_bulk_check_and_dismiss_in_the_inbox(parties, client, deliver):
    """Rule M2: the regulator requests the offline checks in bulk; transport finds them in its inbox and records
    its findings in bulk."""
    leads = [services.lead_flag(actor=parties.transport_user, plate=private_car().plate, evidence="e", push=True)
             for _ in range(2)]
    deliver()
    _login(client, parties.regulator_user)
    ids = [lead.pk for lead in leads]
    client.post("/leads/bulk/", {"action": "request_check", "ids": ids, "reason": "请核查是否载客"})
    assert Lead.objects.filter(status=Status.OFFLINE_CHECK, check_request_note="请核查是否载客").count() == 2
    _login(client, parties.transport_user)
    inbox = client.get("/leads/").content.decode()
    assert all(f'data-lead="{i}"' in inbox for i in ids)
    client.post("/leads/bulk/", {"action": "dismiss", "ids": ids, "reason": "车辆已报废"})
    assert Lead.objects.filter(status=Status.DISMISSED, dismissed_reason="车辆已报废").count() == 2
    client.post("/leads/bulk/", {"action": "dispose", "ids": ids})
    assert Lead.objects.filter(status=Status.DISPOSED).count() == 2


def test_bulk_dismiss_without_reason_changes_nothing(parties, client, deliver):
    leads = [services.lead_flag(actor=parties.transport_user, plate=private_car().plate, evidence="e", push=True)
             for _ in range(2)]
    deliver()
    for lead in leads:
        services.lead_check_start(actor=parties.transport_user, lead=lead)
    _login(client, parties.transport_user)
    response = client.post("/leads/bulk/", {"action": "dismiss", "ids": [lead.pk for lead in leads]}, follow=True)
    assert "理由" in response.content.decode()
    assert Lead.objects.filter(status=Status.OFFLINE_CHECK).count() == 2


def test_lead_page_shows_trail_picture_and_each_sides_actions(parties, client, deliver):
    car = operating_car(company=parties.company_a)
    permit(car)
    pol = policy(car, parties.insurer_a, usage=UsageNature.FAMILY)
    lead = services.lead_flag(actor=parties.transport_user, plate=car.plate, evidence="机场揽客", push=True)
    deliver()
    _login(client, parties.regulator_user)
    body = client.get(f"/leads/{lead.pk}/").content.decode()
    assert 'data-testid="vehicle-picture"' in body and car.vin in body and pol.number in body
    assert parties.company_a.name in body
    assert "按非营运性质投保" in body and 'data-action="worklist_dispatched"' in body
    # rule M2: the regulator verifies insurance and may request the check; it records no finding
    assert 'data-testid="request-check"' in body and 'data-testid="verify"' in body
    assert 'data-testid="check-start"' not in body and 'data-testid="check-form"' not in body
    client.post(f"/leads/{lead.pk}/request-check/", {"note": "请核查是否通过平台接单"})
    lead.refresh_from_db()
    assert lead.status == Status.OFFLINE_CHECK
    # transport sees the request and its clock, and records its finding
    _login(client, parties.transport_user)
    body = client.get(f"/leads/{lead.pk}/").content.decode()
    assert 'data-testid="check-request"' in body and 'data-testid="check-clock"' in body
    assert 'data-testid="check-form"' in body
    response = client.post(f"/leads/{lead.pk}/check/", {
        "outcome": "confirmed", "result": "约谈车主，承认通过平台接单",
        "attachments": [SimpleUploadedFile("笔录.pdf", b"%PDF-1.4")],
    })
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.status == Status.DISPOSED and lead.checked_by == parties.transport_user
    assert lead.defined_by == parties.transport
    assert lead.attachments.filter(stage=LeadAttachment.Stage.CHECK).count() == 1
    body = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "通报承保保险公司依法处理" in body and "记入信用档案" in body
    # the regulator sees the same lead and transport's finding, with nothing left to do
    _login(client, parties.regulator_user)
    body = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "交通运输部门界定为非法营运" in body and "当前无需本单位办理" in body


def test_company_reports_a_vehicle(parties, client):
    car = private_car()
    _login(client, parties.company_a_user)
    response = client.post("/leads/report/", {"plate": car.plate, "evidence": "司机私下接单"})
    lead = Lead.objects.get()
    assert response.status_code == 302 and lead.source == "company_report" and lead.origin == parties.company_a
    outbox = client.get("/leads/outbox/").content.decode()
    assert outbox.count(f'data-lead="{lead.pk}"') == 1 and 'data-testid="bulk-push"' not in outbox
    _login(client, parties.company_b_user)
    assert client.get(f"/leads/{lead.pk}/").status_code == 404


def test_penalty_form_records_and_pushes(parties, client):
    car = private_car()
    _login(client, parties.transport_user)
    response = client.post("/leads/penalties/new/", {
        "decision_no": "柳交执罚〔2026〕88号", "decided_on": "2026-11-01", "plate": car.plate,
        "facts": "未取得运输证从事网约车经营", "amount": "10000",
    })
    penalty = Penalty.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/leads/penalties/{penalty.pk}/"
    assert penalty.batch.kind == "penalties"
    assert "柳交执罚〔2026〕88号" in client.get("/leads/penalties/").content.decode()
    response = client.post("/leads/penalties/new/", {"decision_no": "柳交执罚〔2026〕88号", "decided_on": "2026-11-01",
                                                     "plate": car.plate, "facts": "f"})
    assert response.status_code == 200 and "已录入" in response.content.decode()
    _login(client, parties.regulator_user)
    assert client.get("/leads/penalties/new/").status_code == 403


def test_screening_pages(parties, client, deliver):
    car = operating_car()
    permit(car)
    policy(car, parties.insurer_a, usage=UsageNature.FAMILY)
    _login(client, parties.transport_user)
    assert client.post("/leads/screening/push/").status_code == 302
    deliver()
    _login(client, parties.regulator_user)
    listing = client.get("/leads/screening/").content.decode()
    run_id = Batch.objects.get(kind="lawful_list").refs[0].removeprefix("LL")
    body = client.get(f"/leads/screening/{run_id}/").content.decode()
    assert car.plate in body and "未按营运性质投保" in body and "规则 M6" in body
    assert "1" in listing
    assert 'data-testid="review-form"' in body and 'data-testid="pending-review"' in body


def test_risk_page_edit_weights_and_run(parties, client):
    _login(client, parties.ins_assoc_user)
    page = client.get("/leads/risk/").content.decode()
    assert "持有效运输证但按非营运投保" in page and 'data-testid="weights-form"' in page
    response = client.post("/leads/risk/", {"threshold": "4", "note": "提高阈值", "w_non_operating_in_ledger": "3",
                                            "w_non_operating_with_permit": "3", "w_penalties": "2",
                                            "w_confirmed_leads": "1"})
    assert response.status_code == 302
    assert RiskModelWeights.objects.get().threshold == 4
    assert client.post("/leads/risk/run/").status_code == 302
    _login(client, parties.regulator_user)
    page = client.get("/leads/risk/").content.decode()
    assert 'data-testid="weights-form"' not in page
    assert client.post("/leads/risk/", {"threshold": "1"}).status_code == 403


@pytest.mark.parametrize("url", ["/leads/flag/", "/leads/upload/"])
def test_only_transport_flags_through_pages(parties, client, url):
    _login(client, parties.ins_assoc_user)
    assert client.get(url).status_code == 403


def test_a_company_report_waits_in_the_associations_inbox_and_is_pushed_from_there(parties, client, deliver):
    lead = services.lead_report_by_company(actor=parties.company_a_user, plate=private_car().plate, evidence="r")
    _login(client, parties.ins_assoc_user)
    body = client.get("/leads/").content.decode()
    assert f'data-lead="{lead.pk}"' in body and parties.company_a.name in body
    client.post("/leads/bulk/", {"action": "push", "ids": [lead.pk]})
    deliver()
    lead.refresh_from_db()
    assert lead.status == Status.VERIFIED and lead.recipient == parties.transport
    _login(client, parties.transport_user)
    assert f'data-lead="{lead.pk}"' in client.get("/leads/").content.decode()
