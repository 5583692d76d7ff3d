"""The 12378 complaint's handling periods on the staff page and the API (rule T4): due date, extensions with
reason and approver, only the lawful next extension offered, 重办; bad input answers in Chinese naming the field and
changes nothing. The session clock is frozen at Wednesday 2026-11-25 10:00 in Liuzhou."""

import datetime as dt

import pytest
from django.utils import timezone

from apps.complaints.models import HandlingExtension, HandlingPeriod
from apps.complaints.services import (
    complaint_extend,
    complaint_give_feedback,
    complaint_resolve,
    complaint_start_verifying,
    complaint_submit,
    public_reporter,
)
from apps.core.deadlines import deadline_scan

from .factories import report_12378

pytestmark = pytest.mark.django_db


def _verifying(parties):
    complaint, _code = complaint_submit(**report_12378(parties.insurer_a), actor=public_reporter())
    complaint_start_verifying(actor=parties.regulator_user, complaint=complaint)
    complaint.refresh_from_db()
    return complaint


def _amount(complaint, number=1):
    return HandlingPeriod.objects.get(complaint=complaint, number=number).deadline.amount


def test_t4_detail_page_shows_period_due_date_and_only_the_next_lawful_extension(client, parties):
    complaint = _verifying(parties)
    client.force_login(parties.regulator_user)
    url = f"/complaints/staff/{complaint.pk}/"
    body = client.get(url).content.decode()
    assert 'data-testid="handling-periods"' in body and "2026-12-10" in body
    assert "15 日 → 30 日" in body and "30 日 → 60 日" not in body
    response = client.post(f"{url}extend/", {"reason": "需调取理赔卷宗", "to_days": "30"})
    assert response.status_code == 302
    body = client.get(url).content.decode()
    assert "2026-12-25" in body and "需调取理赔卷宗" in body and str(parties.regulator_user) in body
    assert "30 日 → 60 日" in body and "15 日 → 30 日" not in body
    client.post(f"{url}extend/", {"reason": "涉及多家机构，经批准", "to_days": "60"})
    body = client.get(url).content.decode()
    assert "2027-01-25" in body and 'data-testid="extend-form"' not in body
    assert HandlingExtension.objects.filter(period__complaint=complaint).count() == 2


def test_t4_page_bad_extension_names_the_field_and_changes_nothing(client, parties):
    complaint = _verifying(parties)
    client.force_login(parties.regulator_user)
    url = f"/complaints/staff/{complaint.pk}/extend/"
    response = client.post(url, {"reason": "", "to_days": "30"})
    assert response.status_code == 400 and "延长理由" in response.content.decode()
    response = client.post(url, {"reason": "情况复杂", "to_days": "60"})
    assert response.status_code == 400 and "延长后期限（日）只能是 30 日" in response.content.decode()
    assert _amount(complaint) == 15 and not HandlingExtension.objects.exists()


def test_t4_page_rehandling_opens_the_next_period(client, parties):
    complaint = _verifying(parties)
    complaint_resolve(actor=parties.regulator_user, complaint=complaint, finding="unsubstantiated", result="已赔付",
                      record_credit=False)
    complaint_give_feedback(actor=parties.regulator_user, complaint=complaint, feedback="经核查已赔付。")
    client.force_login(parties.regulator_user)
    url = f"/complaints/staff/{complaint.pk}/"
    assert 'data-testid="rehandle-form"' in client.get(url).content.decode()
    response = client.post(f"{url}rehandle/", {"reason": ""})
    assert response.status_code == 400 and "重办原因" in response.content.decode()
    assert HandlingPeriod.objects.filter(complaint=complaint).count() == 1
    assert client.post(f"{url}rehandle/", {"reason": "投诉人认为金额不足"}).status_code == 302
    body = client.get(url).content.decode()
    assert 'data-testid="period-2"' in body and "投诉人认为金额不足" in body and "经核查已赔付。" in body
    assert _amount(complaint, 2) == 15


def test_t4_api_extend_and_rehandle(api, parties):
    complaint = _verifying(parties)
    client = api.as_user(parties.regulator_user)
    base = f"/api/v1/complaints/{complaint.pk}"
    bad = client.post(f"{base}/extend/", {}, format="json")
    assert bad.status_code == 400 and "延长理由" in bad.content.decode()
    wrong = client.post(f"{base}/extend/", {"reason": "复杂", "to_days": 60}, format="json")
    assert wrong.status_code == 400 and "to_days" in wrong.json()["error"]["extra"]["fields"]
    assert _amount(complaint) == 15
    done = client.post(f"{base}/extend/", {"reason": "情况复杂"}, format="json")
    assert done.status_code == 200, done.content
    period = done.json()["periods"][0]
    assert period["days"] == 30 and period["extensions"][0]["reason"] == "情况复杂"
    assert period["extensions"][0]["approved_by"] == parties.regulator_user.pk
    # the forwarded insurer sees the complaint but may not extend it
    from apps.complaints.services import complaint_forward

    complaint_forward(actor=parties.regulator_user, complaint=complaint, insurer=parties.insurer_a)
    refused = api.as_user(parties.insurer_a_user).post(f"{base}/extend/", {"reason": "情况复杂"}, format="json")
    assert refused.status_code == 403 and _amount(complaint) == 30
    client = api.as_user(parties.regulator_user)
    early = client.post(f"{base}/rehandle/", {"reason": "不满意"}, format="json")
    assert early.status_code == 409
    client.post(f"{base}/resolve/", {"finding": "unsubstantiated", "result": "已赔付", "record_credit": False},
                format="json")
    client.post(f"{base}/feedback/", {"feedback": "已赔付。"}, format="json")
    again = client.post(f"{base}/rehandle/", {"reason": "不满意"}, format="json")
    assert again.status_code == 200 and [p["number"] for p in again.json()["periods"]] == [1, 2]
    assert again.json()["periods"][0]["feedback"] == "已赔付。" and again.json()["status"] == "verifying"


def test_t4_dashboard_counts_an_overdue_handling_period_as_late(parties):
    from apps.dashboard.periods import Period
    from apps.dashboard.selectors import complaint_summary

    complaint = _verifying(parties)
    complaint_extend(actor=parties.regulator_user, complaint=complaint, reason="情况复杂")
    deadline_scan(now=timezone.now() + dt.timedelta(days=40))
    month = timezone.localdate().replace(day=1)
    rows = complaint_summary(parties.regulator_user, Period(first=month, last=month))
    assert [(r.hotline, r.feedback_late) for r in rows] == [("12378", 1)]
