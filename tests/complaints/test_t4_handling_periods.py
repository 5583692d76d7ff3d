"""12378 complaints follow the banking and insurance consumer complaint handling measures (rule T4, with M16):
15 days from receipt, extendable to 30 for a complex case and by a further 30 with approval, each extension with
its reason and approver; a reporter not satisfied asks for re-handling (重办), which opens a new handling period.
The session clock is frozen at Wednesday 2026-11-25 10:00 in Liuzhou (tests/clock.py)."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from apps.complaints.models import ComplaintEvent, HandlingExtension, HandlingPeriod, Status
from apps.complaints.services import (
    HANDLING_RULE,
    complaint_extend,
    complaint_give_feedback,
    complaint_rehandle,
    complaint_resolve,
    complaint_start_verifying,
    complaint_submit,
    next_extension,
    public_reporter,
)
from apps.core.deadlines import deadline_scan, local_date
from apps.core.errors import ApplicationError, PermissionDeniedError
from apps.core.models import AuditEvent, Deadline
from apps.core.rules import rule_get
from tests.factories import user_of

from .factories import report_12328, report_12378

pytestmark = pytest.mark.django_db


def _received(parties):
    complaint, _code = complaint_submit(**report_12378(parties.insurer_a), actor=public_reporter())
    complaint_start_verifying(actor=parties.regulator_user, complaint=complaint)
    complaint.refresh_from_db()
    return complaint


def _clock(complaint, number=1) -> Deadline:
    return HandlingPeriod.objects.get(complaint=complaint, number=number).deadline


def _fed_back(parties, complaint):
    complaint_resolve(actor=parties.regulator_user, complaint=complaint, finding="unsubstantiated",
                      result="经核查，保险公司已按约定赔付。", record_credit=False)
    complaint_give_feedback(actor=parties.regulator_user, complaint=complaint, feedback="经核查，赔付符合约定。")
    complaint.refresh_from_db()
    return complaint


def test_t4_rule_registered_with_its_basis_and_setting(settings):
    rule = rule_get(HANDLING_RULE)
    assert rule is not None and "T4" in rule.rule_ids
    assert rule.unit == Deadline.Unit.NATURAL_DAYS and "投诉处理管理办法" in str(rule.legal_basis)
    assert rule.resolved_amount() == 15
    settings.COMPLAINT_HANDLING_DAYS = 20
    assert rule.resolved_amount() == 20


def test_t4_first_period_is_15_days_from_receipt(parties):
    complaint = _received(parties)
    period = HandlingPeriod.objects.get(complaint=complaint)
    assert period.number == 1 and period.kind == HandlingPeriod.Kind.INITIAL
    assert period.starts_at == complaint.received_at
    deadline = period.deadline
    assert deadline.rule == HANDLING_RULE and deadline.amount == 15 and deadline.responsible == parties.regulator
    # received Wednesday 2026-11-25: day 1 is the 26th (Civil Code art. 201), day 15 Thursday 10 December
    assert local_date(deadline.due_at) == dt.date(2026, 12, 10)
    assert complaint.feedback_deadline == deadline
    # the 12328 hotline keeps its own feedback clock (rule M16), with no handling period
    transport, _ = complaint_submit(**report_12328(), actor=public_reporter())
    assert not HandlingPeriod.objects.filter(complaint=transport).exists()
    assert Deadline.objects.filter(rule="complaint.feedback", object_id=str(transport.pk)).exists()
    assert not Deadline.objects.filter(rule="complaint.feedback", object_id=str(complaint.pk)).exists()


def test_t4_extension_steps_15_to_30_then_60_with_reason_and_approver(parties):
    complaint = _received(parties)
    assert next_extension(complaint)[1:] == (15, 30)
    first = complaint_extend(actor=parties.regulator_user, complaint=complaint, reason="需调取理赔卷宗，情况复杂")
    assert (first.step, first.from_days, first.to_days) == (1, 15, 30)
    assert first.approved_by == parties.regulator_user and first.reason == "需调取理赔卷宗，情况复杂"
    deadline = _clock(complaint)
    assert deadline.amount == 30 and local_date(deadline.due_at) == dt.date(2026, 12, 25)  # a Friday
    assert first.old_due_at.date() <= first.due_at.date() and first.due_at == deadline.due_at
    assert next_extension(complaint)[1:] == (30, 60)
    second = complaint_extend(actor=parties.regulator_user, complaint=complaint, reason="涉及多家机构，需上级审批",
                              to_days=60)
    assert (second.step, second.from_days, second.to_days) == (2, 30, 60)
    deadline = _clock(complaint)
    # day 60 is Sunday 24 January 2027: it rolls over to Monday the 25th (rule T1)
    assert deadline.amount == 60 and local_date(deadline.due_at) == dt.date(2027, 1, 25)
    assert next_extension(complaint) is None
    with pytest.raises(ApplicationError):
        complaint_extend(actor=parties.regulator_user, complaint=complaint, reason="再延长")
    assert _clock(complaint).amount == 60 and HandlingExtension.objects.count() == 2
    # the reporter is told (public event), the audit carries the reason
    public = complaint.events.filter(public=True, kind=ComplaintEvent.Kind.EXTENDED)
    assert public.count() == 2 and "需调取理赔卷宗" in public.first().note
    assert AuditEvent.objects.filter(action="deadline.extend", detail__reason="涉及多家机构，需上级审批").exists()


def test_t4_second_extension_needs_the_approval_right(parties):
    complaint = _received(parties)
    complaint_extend(actor=parties.regulator_user, complaint=complaint, reason="情况复杂")
    clerk = user_of("regulator", organization=parties.regulator)
    clerk.user_permissions.add(Permission.objects.get(codename="change_complaint"))
    # a regulator's staff member whose role group lost the approval right (the table decides)
    from django.contrib.auth.models import Group

    group = Group.objects.get(name="regulator_staff")
    approve = Permission.objects.get(codename="approve_extension")
    group.permissions.remove(approve)
    clerk = type(clerk).objects.get(pk=clerk.pk)
    with pytest.raises(PermissionDeniedError):
        complaint_extend(actor=clerk, complaint=complaint, reason="需再延长")
    assert _clock(complaint).amount == 30 and HandlingExtension.objects.count() == 1
    clerk.user_permissions.add(approve)  # entitled to approve
    clerk = type(clerk).objects.get(pk=clerk.pk)
    extension = complaint_extend(actor=clerk, complaint=complaint, reason="需再延长")
    assert extension.step == 2 and extension.approved_by == clerk


def test_t4_only_the_handling_organisation_extends(parties):
    complaint = _received(parties)
    with pytest.raises(PermissionDeniedError):
        complaint_extend(actor=parties.insurer_a_user, complaint=complaint, reason="情况复杂")
    other_regulator = user_of("regulator")
    with pytest.raises(PermissionDeniedError):
        complaint_extend(actor=other_regulator, complaint=complaint, reason="情况复杂")
    assert _clock(complaint).amount == 15 and not HandlingExtension.objects.exists()


@pytest.mark.parametrize(("values", "field"), [
    ({"reason": "  "}, "reason"),
    ({"reason": "情况复杂", "to_days": 60}, "to_days"),
    ({"reason": "情况复杂", "to_days": 45}, "to_days"),
    ({"reason": "长" * 5000}, "reason"),
])
def test_t4_bad_extension_names_the_field_and_changes_nothing(parties, values, field):
    complaint = _received(parties)
    with pytest.raises(ApplicationError) as info:
        complaint_extend(actor=parties.regulator_user, complaint=complaint, **values)
    assert field in info.value.extra["fields"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(info.value.extra["fields"][field]))
    assert _clock(complaint).amount == 15 and not HandlingExtension.objects.exists()
    assert not complaint.events.filter(kind=ComplaintEvent.Kind.EXTENDED).exists()


def test_t4_12328_keeps_its_rule_and_cannot_be_extended(parties):
    complaint, _ = complaint_submit(**report_12328(), actor=public_reporter())
    with pytest.raises(ApplicationError):
        complaint_extend(actor=parties.transport_user, complaint=complaint, reason="情况复杂")
    assert Deadline.objects.get(rule="complaint.feedback", object_id=str(complaint.pk)).amount == 15


def test_t4_an_overdue_period_cannot_be_extended_after_the_fact(parties):
    complaint = _received(parties)
    deadline_scan(now=timezone.now() + dt.timedelta(days=20))
    assert _clock(complaint).status == Deadline.Status.BREACHED
    with pytest.raises(ApplicationError):
        complaint_extend(actor=parties.regulator_user, complaint=complaint, reason="情况复杂")
    assert _clock(complaint).amount == 15


def test_t4_rehandling_opens_a_new_period_and_keeps_the_old_outcome(parties):
    complaint = _fed_back(parties, _received(parties))
    assert _clock(complaint).status == Deadline.Status.MET
    period = complaint_rehandle(actor=parties.regulator_user, complaint=complaint, reason="投诉人认为赔付金额不足")
    complaint.refresh_from_db()
    assert period.number == 2 and period.kind == HandlingPeriod.Kind.REHANDLING
    assert period.request_reason == "投诉人认为赔付金额不足" and period.requested_by == parties.regulator_user
    assert complaint.status == Status.VERIFYING and complaint.feedback == "" and complaint.finding == ""
    first = HandlingPeriod.objects.get(complaint=complaint, number=1)
    assert first.finding == "unsubstantiated" and first.feedback == "经核查，赔付符合约定。"
    assert first.deadline.status == Deadline.Status.MET
    new_clock = period.deadline
    assert new_clock.pk != first.deadline.pk and new_clock.status == Deadline.Status.OPEN
    assert new_clock.amount == 15 and new_clock.starts_at == period.starts_at
    assert complaint.feedback_deadline == new_clock
    # the new period has its own extensions, starting again at 15 → 30
    assert next_extension(complaint)[1:] == (15, 30)
    # and its own outcome
    _fed_back(parties, complaint)
    period = HandlingPeriod.objects.get(pk=period.pk)
    assert period.feedback_at is not None and period.deadline.status == Deadline.Status.MET
    first.refresh_from_db()
    assert first.feedback == "经核查，赔付符合约定。"


def test_t4_rehandling_only_after_feedback_and_with_a_reason(parties):
    complaint = _received(parties)
    with pytest.raises(ApplicationError):
        complaint_rehandle(actor=parties.regulator_user, complaint=complaint, reason="不满意")
    complaint = _fed_back(parties, complaint)
    with pytest.raises(ApplicationError) as info:
        complaint_rehandle(actor=parties.regulator_user, complaint=complaint, reason=" ")
    assert "reason" in info.value.extra["fields"]
    with pytest.raises(PermissionDeniedError):
        complaint_rehandle(actor=parties.insurer_a_user, complaint=complaint, reason="不满意")
    assert HandlingPeriod.objects.filter(complaint=complaint).count() == 1
    complaint.refresh_from_db()
    assert complaint.status == Status.FEEDBACK_GIVEN


def test_t4_overdue_handling_period_notifies_the_regulator(parties):
    from apps.core.models import Notification

    complaint = _received(parties)
    deadline_scan(now=timezone.now() + dt.timedelta(days=20))
    assert complaint.feedback_deadline.status == Deadline.Status.BREACHED
    assert Notification.objects.filter(user=parties.regulator_user, kind="complaint.handling_breach").count() == 1


def test_t4_extension_and_rehandling_need_an_explicit_actor(parties):
    complaint = _received(parties)
    with pytest.raises(TypeError):
        complaint_extend(actor=None, complaint=complaint, reason="情况复杂")
    complaint = _fed_back(parties, complaint)
    with pytest.raises(TypeError):
        complaint_rehandle(actor=None, complaint=complaint, reason="不满意")
    assert not HandlingExtension.objects.exists()
    assert HandlingPeriod.objects.filter(complaint=complaint).count() == 1
