"""A refused action on the staff desk changes nothing and shows the page again with what the handler typed and the
error beside the field at fault — 400 for invalid input, the service's 403 / 409 for its refusal — (issues 16, 18:
one mechanism, ``apps.core.actions.form_action``; rules M16, T4)."""

from __future__ import annotations

import pytest

from apps.complaints.models import Complaint, ComplaintEvent, HandlingPeriod, Status
from apps.complaints.services import (
    complaint_forward,
    complaint_start_verifying,
    complaint_submit,
    public_reporter,
)
from tests.helpers import messages_of

from .factories import report_12378

pytestmark = pytest.mark.django_db

TYPED = "已向保险公司调取理赔卷宗，拖延理赔属实（保留的处理结果）"


@pytest.fixture
def complaint(parties):
    complaint, _code = complaint_submit(**report_12378(parties.insurer_a), actor=public_reporter())
    complaint_start_verifying(actor=parties.regulator_user, complaint=complaint)
    complaint.refresh_from_db()
    assert complaint.status == Status.VERIFYING
    return complaint


def _events(complaint: Complaint) -> int:
    return ComplaintEvent.objects.filter(complaint=complaint).count()


def test_m16_a_resolution_without_its_finding_keeps_the_result_and_names_the_field(client, parties, complaint):
    before = _events(complaint)
    client.force_login(parties.regulator_user)
    response = client.post(f"/complaints/staff/{complaint.pk}/resolve/", {"result": TYPED})
    assert response.status_code == 400
    page = response.content.decode()
    form = page[page.index('data-testid="resolve-form"'):]
    form = form[:form.index("</form>")]
    assert TYPED in form and 'class="errorlist' in form
    assert set(response.context["resolve_form"].errors) == {"finding"}
    assert any(m.startswith("核查结论：") for m in messages_of(response)), messages_of(response)
    complaint.refresh_from_db()
    assert complaint.status == Status.VERIFYING and _events(complaint) == before


def test_t4_a_rehandling_before_feedback_is_409_with_the_reason_kept(client, parties, complaint):
    client.force_login(parties.regulator_user)
    response = client.post(f"/complaints/staff/{complaint.pk}/rehandle/", {"reason": "投诉人认为金额不足"})
    assert response.status_code == 409
    assert response.context["rehandle_form"].data["reason"] == "投诉人认为金额不足"
    assert HandlingPeriod.objects.filter(complaint=complaint).count() == 1


def test_t4_the_forwarded_insurer_may_not_extend_403_and_nothing_changes(client, parties, complaint):
    complaint_forward(actor=parties.regulator_user, complaint=complaint, insurer=parties.insurer_a)
    before = _events(complaint)
    client.force_login(parties.insurer_a_user)
    response = client.post(f"/complaints/staff/{complaint.pk}/extend/", {"reason": "情况复杂"})
    assert response.status_code == 403
    assert response.context["extend_form"].data["reason"] == "情况复杂"
    assert _events(complaint) == before


def test_m16_a_note_recorded_redirects_to_the_desk(client, parties, complaint):
    client.force_login(parties.regulator_user)
    response = client.post(f"/complaints/staff/{complaint.pk}/note/", {"note": "已电话联系保险公司"})
    assert response.status_code == 302 and response["Location"] == f"/complaints/staff/{complaint.pk}/"
    assert ComplaintEvent.objects.filter(complaint=complaint, note="已电话联系保险公司").exists()
