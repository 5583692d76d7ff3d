"""Public reports: routing by hotline, forwarding to one insurer, encryption, lifecycle and clock (rule M16)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from apps.complaints.models import Complaint, ComplaintEvent, ComplaintPhoto, Status
from apps.complaints.services import (
    complaint_add_note,
    complaint_forward,
    complaint_give_feedback,
    complaint_lookup,
    complaint_resolve,
    complaint_reveal_contact,
    complaint_start_verifying,
    complaint_submit,
    public_reporter,
)
from apps.core.errors import ApplicationError, PermissionDeniedError
from apps.core.models import AuditEvent, Deadline
from apps.credit.models import CreditProposal, CreditRecord
from apps.credit.services import credit_proposal_decide
from apps.parties import access
from tests.factories import user_of

from .factories import png_upload, report_12328, report_12378

pytestmark = pytest.mark.django_db


def test_m16_routing_by_hotline(parties):
    transport_case, code = complaint_submit(**report_12328(), actor=public_reporter())
    insurance_case, _ = complaint_submit(**report_12378(parties.insurer_a), actor=public_reporter())
    assert transport_case.routed_to == parties.transport and transport_case.status == Status.ROUTED
    assert insurance_case.routed_to == parties.regulator
    assert list(access.visible(parties.transport_user, Complaint)) == [transport_case]
    assert list(access.visible(parties.regulator_user, Complaint)) == [insurance_case]
    for other in ("ins_assoc_user", "taxi_assoc_user", "company_a_user", "insurer_a_user"):
        assert not access.visible(getattr(parties, other), Complaint).exists()
    assert len(code) == 8 and code not in transport_case.code_hash


def test_m16_feedback_deadline_started_on_kernel_table(parties, settings):
    settings.COMPLAINT_FEEDBACK_DAYS = 15
    complaint, _ = complaint_submit(**report_12328(), actor=public_reporter())
    deadline = Deadline.objects.get(rule="complaint.feedback", object_id=str(complaint.pk))
    assert deadline.responsible == parties.transport
    assert deadline.unit == Deadline.Unit.NATURAL_DAYS and deadline.amount == 15


def test_m16_forwarded_insurer_sees_that_complaint_and_no_other(parties):
    forwarded, _ = complaint_submit(**report_12378(parties.insurer_a), actor=public_reporter())
    other, _ = complaint_submit(**report_12378(parties.insurer_a), actor=public_reporter())
    complaint_forward(actor=parties.regulator_user, complaint=forwarded, insurer=parties.insurer_a, note="请核查")
    colleague = user_of("insurer", organization=parties.insurer_a)  # a colleague of the same insurer
    assert list(access.visible(parties.insurer_a_user, Complaint)) == [forwarded]
    assert list(access.visible(colleague, Complaint)) == [forwarded]
    assert not access.visible(parties.insurer_b_user, Complaint).exists()
    assert not access.visible(parties.insurer_a_user, Complaint).filter(pk=other.pk).exists()
    # the insurer answers; another insurer may not
    complaint_add_note(actor=parties.insurer_a_user, complaint=forwarded, note="已重新核定，同意赔付。")
    with pytest.raises(PermissionDeniedError):
        complaint_add_note(actor=parties.insurer_b_user, complaint=forwarded, note="x")
    assert forwarded.events.filter(kind=ComplaintEvent.Kind.INSURER_REPLY).count() == 1


def test_only_regulator_forwards_12378(parties):
    complaint, _ = complaint_submit(**report_12328(), actor=public_reporter())
    with pytest.raises(PermissionDeniedError):
        complaint_forward(actor=parties.transport_user, complaint=complaint, insurer=parties.insurer_a)


def test_personal_data_encrypted_in_database(parties):
    complaint, _ = complaint_submit(**report_12328(), actor=public_reporter())
    with connection.cursor() as cursor:
        cursor.execute("SELECT reporter_name, reporter_phone, reporter_phone_bidx, code_hash "
                       "FROM complaints_complaint WHERE id = %s", [complaint.pk])
        name, phone, phone_bidx, code_hash = cursor.fetchone()
    assert "13877201234" not in phone and "张三丰" not in name
    assert phone.startswith("gAAAA")  # a Fernet token
    assert phone_bidx and "13877201234" not in phone_bidx
    complaint.refresh_from_db()
    assert complaint.reporter_phone == "13877201234"
    assert complaint.reporter_phone_masked == "138****1234"


def test_reveal_only_by_handling_officer_and_audited(parties):
    complaint, _ = complaint_submit(**report_12328(), actor=public_reporter())
    colleague = user_of("transport", organization=parties.transport)
    complaint_start_verifying(actor=parties.transport_user, complaint=complaint)
    complaint.refresh_from_db()
    with pytest.raises(PermissionDeniedError):
        complaint_reveal_contact(actor=colleague, complaint=complaint)
    contact = complaint_reveal_contact(actor=parties.transport_user, complaint=complaint, reason="回访")
    assert contact == {"reporter_name": "张三丰", "reporter_phone": "13877201234"}
    reveals = AuditEvent.objects.filter(action="personal_data.reveal", object_id=str(complaint.pk))
    assert sorted(e.detail["field"] for e in reveals) == ["reporter_name", "reporter_phone"]
    assert all(e.actor == parties.transport_user for e in reveals)


def test_lifecycle_to_feedback_meets_clock_and_records_credit(parties):
    complaint, code = complaint_submit(**report_12378(parties.insurer_b), actor=public_reporter())
    complaint_start_verifying(actor=parties.regulator_user, complaint=complaint)
    complaint_resolve(actor=parties.regulator_user, complaint=complaint, finding="substantiated",
                      result="经核查，保险公司无理拒赔属实，已责令改正。")
    complaint_give_feedback(actor=parties.regulator_user, complaint=complaint, feedback="您反映的问题属实，保险公司已赔付。")
    complaint.refresh_from_db()
    assert complaint.status == Status.FEEDBACK_GIVEN
    assert complaint.feedback_deadline.status == Deadline.Status.MET
    # rule M2: the handler proposes the entry; the insurance association decides it for an insurer
    assert not CreditRecord.objects.exists()
    proposal = CreditProposal.objects.get(organization=parties.insurer_b, status="pending")
    assert proposal.source == complaint and proposal.event == "complaint_substantiated"
    credit_proposal_decide(actor=parties.ins_assoc_user, proposal=proposal, accept=True, reason="举报核查属实")
    record = CreditRecord.objects.get(organization=parties.insurer_b)
    assert record.proposal == proposal and record.event == "complaint_substantiated"
    found = complaint_lookup(tracking_no=complaint.tracking_no.lower(), code=code.lower())
    assert found == complaint
    assert complaint_lookup(tracking_no=complaint.tracking_no, code="WRONGCOD") is None
    public = [e.kind for e in complaint.events.filter(public=True)]
    assert public == ["received", "routed", "verifying", "resolved", "feedback"]


def test_steps_out_of_order_are_refused(parties):
    complaint, _ = complaint_submit(**report_12328(), actor=public_reporter())
    with pytest.raises(ApplicationError):
        complaint_give_feedback(actor=parties.transport_user, complaint=complaint, feedback="x")
    with pytest.raises(ApplicationError):
        complaint_resolve(actor=parties.transport_user, complaint=complaint, finding="substantiated", result="x")
    with pytest.raises(PermissionDeniedError):
        complaint_start_verifying(actor=parties.regulator_user, complaint=complaint)


@pytest.mark.parametrize(("overrides", "field"), [
    ({"plate": "桂B-12345"}, "plate"),
    ({"plate": ""}, "plate"),
    ({"hotline": "12378"}, "category"),
    ({"description": "太短"}, "description"),
    ({"reporter_phone": "12345"}, "reporter_phone"),
    ({"location": ""}, "location"),
    ({"occurred_at": None}, "occurred_at"),
])
def test_bad_input_gets_chinese_message_and_stores_nothing(parties, overrides, field):
    with pytest.raises(ApplicationError) as info:
        complaint_submit(**report_12328(**overrides), actor=public_reporter())
    assert field in info.value.extra["fields"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(info.value.extra["fields"][field]))
    assert not Complaint.objects.exists() and not Deadline.objects.exists()


def test_photos_are_checked_and_stored_privately(parties, settings, tmp_path):
    complaint, _ = complaint_submit(**report_12328(), photos=[png_upload()], actor=public_reporter())
    photo = ComplaintPhoto.objects.get(complaint=complaint)
    assert photo.content_type == "image/png"
    assert photo.file.path.startswith(str(tmp_path / "private" / "complaints"))
    fake = SimpleUploadedFile("evil.jpg", b"<?php echo 1; ?>" * 10, content_type="image/jpeg")
    with pytest.raises(ApplicationError) as info:
        complaint_submit(**report_12328(), photos=[fake], actor=public_reporter())
    assert "photos" in info.value.extra["fields"]
    settings.COMPLAINT_MAX_PHOTO_BYTES = 10
    with pytest.raises(ApplicationError):
        complaint_submit(**report_12328(), photos=[png_upload()], actor=public_reporter())
    assert Complaint.objects.count() == 1


def test_telephone_report_recorded_by_staff_only(parties):
    complaint, code = complaint_submit(**report_12378(parties.insurer_a), channel="telephone",
                                       actor=parties.regulator_user)
    assert complaint.channel == "telephone" and complaint.recorded_by == parties.regulator_user
    with pytest.raises(PermissionDeniedError):
        complaint_submit(**report_12328(), channel="telephone", actor=parties.insurer_a_user)


def test_m16_overdue_feedback_notifies_the_handling_organisation(parties):
    import datetime as dt

    from django.utils import timezone

    from apps.core.deadlines import deadline_scan
    from apps.core.models import Notification

    complaint, _ = complaint_submit(**report_12328(), actor=public_reporter())
    deadline_scan(now=timezone.now() + dt.timedelta(days=20))
    assert complaint.feedback_deadline.status == Deadline.Status.BREACHED
    assert Notification.objects.filter(user=parties.transport_user, kind="complaint.feedback_breach").count() == 1


def test_demo_seeder_is_idempotent(parties):
    import io

    from apps.demo.seeders.complaints import seed_demo_complaints
    from tests.factories import user_of

    user_of("regulator", organization=parties.regulator, username="regulator")
    seed_demo_complaints(io.StringIO())
    seed_demo_complaints(io.StringIO())
    assert Complaint.objects.count() == 2
    assert access.visible(parties.insurer_a_user, Complaint).count() == 1  # forwarded to the first insurer


def test_m16_a_12328_plate_report_becomes_a_lead_in_one_action(parties):
    from apps.complaints.services import complaint_to_lead
    from apps.leads.models import Lead

    complaint, _ = complaint_submit(**report_12328(), photos=[png_upload()], actor=public_reporter())
    lead = complaint_to_lead(actor=parties.transport_user, complaint=complaint)
    complaint.refresh_from_db()
    assert complaint.lead_id == lead.pk and complaint.status == Status.VERIFYING
    lead = Lead.objects.get(pk=lead.pk)
    assert lead.source == "complaint" and lead.external_ref == complaint.tracking_no and lead.plate == "桂B12345"
    assert lead.attachments.count() == 1
    assert complaint.events.filter(kind=ComplaintEvent.Kind.LEAD_CREATED).exists()
    with pytest.raises(ApplicationError):  # only once
        complaint_to_lead(actor=parties.transport_user, complaint=complaint)
    insurance_case, _ = complaint_submit(**report_12378(parties.insurer_a), actor=public_reporter())
    with pytest.raises(ApplicationError):  # 12378 reports do not become leads
        complaint_to_lead(actor=parties.regulator_user, complaint=insurance_case)
