"""The steps of a case (rules M12, J5): opening, notice, disclosure, decision, corrections, the trail, notices."""

import datetime as dt
import hashlib
import io

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from pypdf import PdfReader

from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from apps.core.models import AuditEvent, Deadline
from apps.parties.rights import SystemActor
from apps.policies.models import Policy
from apps.rescissions import services
from apps.rescissions.models import EventKind, RescissionCase, RescissionEvent, Status, Trigger
from apps.rescissions.notices import NoticeKind, notice_content
from tests.factories import user_of

from .factories import days_ago, non_disclosure, notice_through, open_case, policy_for, receipt, refresh


def pdf_text(notice) -> str:
    content = notice_content(notice)  # stored encrypted at rest
    assert hashlib.sha256(content).hexdigest() == notice.sha256
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


# --- opening ---------------------------------------------------------------------------------------------------


def test_m12_opening_twice_with_the_same_trigger_makes_one_case(parties):
    policy = policy_for(parties.insurer_a)
    first, created = services.rescission_open(policy=policy, trigger=Trigger.PENALTY, trigger_ref="柳交罚〔2026〕101号",
                                              known_at=days_ago(3, 9), actor=receipt(policy))
    again, created_again = services.rescission_open(policy=policy, trigger=Trigger.PENALTY,
                                                    trigger_ref="柳交罚〔2026〕101号", known_at=days_ago(1, 9),
                                                    actor=receipt(policy))
    assert created and not created_again and again.pk == first.pk
    assert again.known_at == days_ago(3, 9)  # the redelivery does not move the clock
    assert RescissionCase.objects.filter(policy=policy).count() == 1
    assert Deadline.objects.filter(rule=services.RULE_DECIDE, object_id=str(first.pk)).count() == 1
    assert first.events.filter(kind=EventKind.OPENED).count() == 1
    # another trigger for the same policy while its case is open is refused (one open case per policy) ...
    with pytest.raises(ConflictError) as exc:
        services.rescission_open(policy=policy, trigger=Trigger.LEAD_CONFIRMED, trigger_ref="L-9",
                                 known_at=days_ago(1, 9), actor=receipt(policy))
    assert exc.value.code == "duplicate_open_case"
    # ... and is another case once that one is closed
    services.rescission_decide(case=first, actor=parties.insurer_a_user, decision="conditions_not_met",
                               reason="经核实处罚决定已撤销。")
    other, created_other = services.rescission_open(policy=policy, trigger=Trigger.LEAD_CONFIRMED, trigger_ref="L-9",
                                                    known_at=days_ago(1, 9), actor=receipt(policy))
    assert created_other and other.pk != first.pk
    assert (first.insurer, first.vehicle) == (parties.insurer_a, policy.vehicle)


def test_m12_only_an_active_policy_gets_a_case(parties):
    policy = policy_for(parties.insurer_a, status=Policy.Status.EXPIRED)
    with pytest.raises(ConflictError) as exc:
        services.rescission_open(policy=policy, trigger=Trigger.PENALTY, trigger_ref="X", known_at=days_ago(1),
                                 actor=receipt(policy))
    assert exc.value.code == "policy_not_active"
    assert not RescissionCase.objects.exists()


def test_opening_refuses_a_future_known_at_and_a_bad_trigger(parties):
    policy = policy_for(parties.insurer_a)
    with pytest.raises(ApplicationError):
        services.rescission_open(policy=policy, trigger=Trigger.PENALTY, trigger_ref="X",
                                 known_at=timezone.now() + dt.timedelta(hours=1), actor=receipt(policy))
    with pytest.raises(ApplicationError):
        services.rescission_open(policy=policy, trigger="rumour", trigger_ref="X", known_at=days_ago(1),
                                 actor=receipt(policy))


def test_an_insurer_opens_only_for_its_own_policy_and_only_as_its_own_finding(parties):
    policy = policy_for(parties.insurer_a)
    with pytest.raises(PermissionDeniedError):
        services.rescission_open(policy=policy, trigger=Trigger.INSURER_FINDING, trigger_ref="",
                                 known_at=days_ago(1), actor=parties.insurer_b_user)
    with pytest.raises(PermissionDeniedError):
        services.rescission_open(policy=policy, trigger=Trigger.PENALTY, trigger_ref="",
                                 known_at=days_ago(1), actor=parties.insurer_a_user)
    with pytest.raises(PermissionDeniedError):
        services.rescission_open(policy=policy, trigger=Trigger.PENALTY, trigger_ref="",
                                 known_at=days_ago(1), actor=parties.company_a_user)
    case, created = services.rescission_open(policy=policy, trigger=Trigger.INSURER_FINDING, trigger_ref="INT-1",
                                             known_at=days_ago(1), actor=parties.insurer_a_user)
    assert created and case.opened_by == parties.insurer_a_user
    assert AuditEvent.objects.filter(action="rescission.open", object_id=str(case.pk)).exists()


def test_opening_notifies_the_insurers_staff(parties):
    case = open_case(parties.insurer_a, known_at=days_ago(1))
    note = parties.insurer_a_user.notifications.get(kind="rescission.opened")
    assert case.number in note.title and note.link == f"/rescissions/{case.pk}/"
    assert not parties.insurer_b_user.notifications.exists()


# --- notice, disclosure, decision -------------------------------------------------------------------------------


def test_j5_notice_sent_issues_annex_3_pdf_with_plate_and_policy_number(parties):
    case = open_case(parties.insurer_a, known_at=days_ago(4, 9))
    case = notice_through(case, parties.insurer_a_user, sent_at=days_ago(3, 10))
    assert case.status == Status.NOTICE_SENT
    notice = case.notices.get(kind=NoticeKind.DISCLOSURE_REQUEST)
    text = pdf_text(notice)
    assert case.vehicle.plate in text
    assert case.policy.number in text
    assert "未履行如实告知义务通知书" in text
    assert "张三" in text and "李明" in text and "0772-2881234" in text
    assert notice.file.name.startswith(f"rescissions/{case.pk}/") and notice.size > 1000


def test_j5_disclosure_within_five_days_forbids_rescission(parties):
    user = parties.insurer_a_user
    case = open_case(parties.insurer_a, known_at=days_ago(10, 9))
    case = notice_through(case, user, sent_at=days_ago(9, 9), received_at=days_ago(8, 9))
    assert case.status == Status.AWAITING_DISCLOSURE
    case = services.rescission_disclosure_record(case=case, actor=user, disclosed_at=days_ago(4, 10),
                                                 note="投保人说明车辆已加入网约车平台")
    case = refresh(case)
    assert case.disclosed_at <= case.disclosure_due_at
    assert (case.status, case.decision) == (Status.NOT_RESCINDED, "not_rescinded")
    assert "不得解除" in case.decision_reason
    with pytest.raises(ConflictError):
        services.rescission_decide(case=case, actor=user, decision="rescinded")
    assert refresh(case).policy.status == Policy.Status.ACTIVE
    assert services.decide_deadline(case).status == Deadline.Status.MET
    assert services.disclosure_clock(case).status == Deadline.Status.MET


def test_j5_rescission_refused_while_the_five_days_run(parties):
    user = parties.insurer_a_user
    case = open_case(parties.insurer_a, known_at=days_ago(5, 9))
    case = notice_through(case, user, sent_at=days_ago(3, 9), received_at=days_ago(2, 9))
    with pytest.raises(ConflictError) as exc:
        services.rescission_decide(case=case, actor=user, decision="rescinded")
    assert exc.value.code == "disclosure_period_running"


def test_j5_rescission_without_a_notice_is_refused(parties):
    case = open_case(parties.insurer_a, known_at=days_ago(10, 9))
    with pytest.raises(ConflictError) as exc:  # not even the path is recorded
        services.rescission_decide(case=case, actor=parties.insurer_a_user, decision="rescinded")
    assert exc.value.code == "path_required"
    case = non_disclosure(case, parties.insurer_a_user)
    with pytest.raises(ConflictError) as exc:
        services.rescission_decide(case=case, actor=parties.insurer_a_user, decision="rescinded")
    assert exc.value.code == "notice_required"


def test_j5_rescind_sets_the_policy_rescinded_at_decision_time_and_issues_annex_4_and_7(parties):
    user = parties.insurer_a_user
    case = open_case(parties.insurer_a, known_at=days_ago(12, 9))
    case = notice_through(case, user, sent_at=days_ago(11, 9), received_at=days_ago(10, 9))
    decided_at = timezone.now() - dt.timedelta(hours=2)
    case = refresh(services.rescission_decide(case=case, actor=user, decision="rescinded", decided_at=decided_at))
    assert (case.status, case.decided_at) == (Status.RESCINDED, decided_at)
    assert case.decision_recorded_at >= decided_at
    policy = Policy.objects.get(pk=case.policy_id)
    assert (policy.status, policy.rescinded_at) == (Policy.Status.RESCINDED, decided_at)
    kinds = set(case.notices.values_list("kind", flat=True))
    assert kinds == {NoticeKind.DISCLOSURE_REQUEST, NoticeKind.RESCISSION, NoticeKind.VEHICLE_ADMIN}
    for kind, title in ((NoticeKind.RESCISSION, "合同解除通知书"), (NoticeKind.VEHICLE_ADMIN, "合同解除通报书")):
        text = pdf_text(case.notices.get(kind=kind))
        assert title in text and case.vehicle.plate in text and case.policy.number in text
    assert "车辆管理所" in pdf_text(case.notices.get(kind=NoticeKind.VEHICLE_ADMIN))
    assert services.decide_deadline(case).status == Deadline.Status.MET
    assert AuditEvent.objects.filter(action="policy.rescind", object_id=str(policy.pk)).exists()


def test_rescinding_a_policy_closes_its_other_open_cases(parties):
    user = parties.insurer_a_user
    policy = policy_for(parties.insurer_a)
    case = open_case(parties.insurer_a, policy=policy, known_at=days_ago(12, 9))
    # a second open case on the same policy is refused today; one can remain from before (a migrated duplicate)
    sibling = open_case(parties.insurer_a, known_at=days_ago(2, 9), trigger=Trigger.LEAD_CONFIRMED)
    RescissionCase.objects.filter(pk=sibling.pk).update(policy=policy, vehicle=policy.vehicle)
    sibling.case_policies.update(policy=policy)
    case = notice_through(case, user, sent_at=days_ago(11, 9), received_at=days_ago(10, 9))
    services.rescission_decide(case=case, actor=user, decision="rescinded")
    sibling = refresh(sibling)
    assert sibling.status == Status.RESCINDED and case.number in sibling.decision_reason
    assert services.decide_deadline(sibling).status == Deadline.Status.MET


def test_conditions_not_met_needs_a_written_reason(parties):
    user = parties.insurer_a_user
    case = open_case(parties.insurer_a, known_at=days_ago(3, 9))
    with pytest.raises(ApplicationError) as exc:
        services.rescission_decide(case=case, actor=user, decision="conditions_not_met", reason="  ")
    assert exc.value.code == "reason_required"
    assert refresh(case).status == Status.OPEN
    case = services.rescission_decide(case=case, actor=user, decision="conditions_not_met",
                                      reason="经核实该车系家庭自用，处罚决定已被撤销。")
    assert case.status == Status.CONDITIONS_NOT_MET and "撤销" in case.decision_reason
    with pytest.raises(IntegrityError), transaction.atomic():  # the database insists on it as well
        RescissionCase.objects.filter(pk=case.pk).update(decision_reason="")


def test_decisions_cannot_be_dated_in_the_future_before_the_previous_step_or_long_ago(parties):
    user = parties.insurer_a_user
    case = open_case(parties.insurer_a, known_at=days_ago(12, 9))
    case = notice_through(case, user, sent_at=days_ago(11, 9), received_at=days_ago(10, 9))
    reason = "条件不符合：车辆已注销营运。"
    for decided_at, code in ((timezone.now() + dt.timedelta(hours=1), "future_time"),
                             (days_ago(10, 8), "before_previous_step"),
                             (timezone.now() - dt.timedelta(days=4), "before_previous_step")):
        with pytest.raises(ApplicationError) as exc:
            services.rescission_decide(case=case, actor=user, decision="conditions_not_met", reason=reason,
                                       decided_at=decided_at)
        assert exc.value.code == code
    assert refresh(case).status == Status.AWAITING_DISCLOSURE


def test_j5_no_decision_once_the_thirty_days_have_passed_even_if_backdated(parties):
    user = parties.insurer_a_user
    case = open_case(parties.insurer_a, known_at=days_ago(31, 9))
    with pytest.raises(ConflictError) as exc:
        services.rescission_decide(case=case, actor=user, decision="conditions_not_met", reason="理由理由理由",
                                   decided_at=timezone.now() - dt.timedelta(days=2))
    assert exc.value.code == "lapsed"


def test_steps_in_wrong_order_are_refused(parties):
    user = parties.insurer_a_user
    case = open_case(parties.insurer_a, known_at=days_ago(3, 9))
    with pytest.raises(ConflictError):
        services.rescission_notice_receive(case=case, actor=user)
    with pytest.raises(ConflictError):
        services.rescission_disclosure_record(case=case, actor=user)
    case = non_disclosure(case, user)
    with pytest.raises(ApplicationError) as exc:
        services.rescission_notice_send(case=case, actor=user, contact_name="李明", contact_phone="0772-2881234",
                                        sent_at=days_ago(4, 9))
    assert exc.value.code == "before_previous_step"
    with pytest.raises(ApplicationError) as exc:
        services.rescission_notice_send(case=case, actor=user, contact_name="", contact_phone="abc")
    assert set(exc.value.extra["fields"]) == {"contact_name", "contact_phone"}


def test_only_the_cases_insurer_records_steps(parties):
    case = open_case(parties.insurer_a, known_at=days_ago(3, 9))
    colleague = user_of("insurer", organization=parties.insurer_a, username="colleague_a")
    receipt_job = SystemActor("exchange.ingest.penalties", organization=parties.insurer_a)
    for actor in (parties.insurer_b_user, parties.regulator_user, parties.ins_assoc_user, receipt_job):
        with pytest.raises(PermissionDeniedError):
            services.rescission_notice_send(case=case, actor=actor, contact_name="李明", contact_phone="0772-2881234")
    with pytest.raises(TypeError):  # no actor is a programming error, not "the system"
        services.rescission_notice_send(case=case, actor=None, contact_name="李明", contact_phone="0772-2881234")
    case = non_disclosure(case, colleague)
    services.rescission_notice_send(case=case, actor=colleague, contact_name="李明", contact_phone="0772-2881234")
    assert refresh(case).status == Status.NOTICE_SENT


# --- trail and corrections -------------------------------------------------------------------------------------


def test_recorded_steps_cannot_be_edited_or_deleted(parties):
    case = open_case(parties.insurer_a, known_at=days_ago(3, 9))
    event = case.events.get(kind=EventKind.OPENED)
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        RescissionEvent.objects.filter(pk=event.pk).update(note="changed")
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        RescissionEvent.objects.filter(pk=event.pk).delete()


def test_a_receipt_time_is_corrected_by_a_new_event_with_a_reason(parties):
    user = parties.insurer_a_user
    case = open_case(parties.insurer_a, known_at=days_ago(6, 9))
    case = notice_through(case, user, sent_at=days_ago(5, 9), received_at=days_ago(4, 9))
    receipt = case.events.get(kind=EventKind.NOTICE_RECEIVED)
    old_clock = services.disclosure_clock(case)
    with pytest.raises(ApplicationError) as exc:
        services.rescission_correct(case=case, actor=user, event=receipt, at=days_ago(3, 9), reason="")
    assert exc.value.code == "reason_required"
    with pytest.raises(ApplicationError):
        services.rescission_correct(case=case, actor=user, event=receipt, at=days_ago(6, 8), reason="回执日期录错")
    correction = services.rescission_correct(case=case, actor=user, event=receipt, at=days_ago(3, 15),
                                             reason="挂号信回执显示 3 天前签收，原登记有误")
    case = refresh(case)
    assert case.notice_received_at == days_ago(3, 15)
    assert correction.corrects == receipt and correction.data["field"] == "notice_received_at"
    assert RescissionEvent.objects.get(pk=receipt.pk).at == days_ago(4, 9)  # the original stays as recorded
    old_clock.refresh_from_db()
    assert old_clock.status == Deadline.Status.CANCELLED
    new_clock = services.disclosure_clock(case)
    assert new_clock.pk != old_clock.pk and new_clock.due_at == case.disclosure_due_at
    with pytest.raises(ConflictError):  # correct the correction, not the original again
        services.rescission_correct(case=case, actor=user, event=receipt, at=days_ago(3, 16), reason="再次更正原记录")
    with pytest.raises(ApplicationError) as exc:
        services.rescission_correct(case=case, actor=user, event=case.events.get(kind=EventKind.OPENED),
                                    at=days_ago(5, 9), reason="想改知道时间")
    assert exc.value.code == "not_correctable"


def test_notice_wording_for_a_commercial_policy_names_its_insurance_and_the_insurance_law(parties):
    from apps.policies.models import PolicyKind
    from apps.rescissions.selectors import notice_data

    case = open_case(parties.insurer_a, known_at=days_ago(3, 9), kind=PolicyKind.THIRD_PARTY)
    data = notice_data(case, NoticeKind.RESCISSION, issued_on=None)
    assert data.title == "第三者责任险合同解除通知书"
    context = data.context()
    assert context["law"] == "《中华人民共和国保险法》第十六条" and context["policy_document"] == "保险单"
    compulsory = notice_data(open_case(parties.insurer_a, known_at=days_ago(3, 9)), NoticeKind.VEHICLE_ADMIN,
                             issued_on=None)
    assert compulsory.title == "机动车交通事故责任强制保险合同解除通报书"
    assert compulsory.context()["law"] == "《机动车交通事故责任强制保险条例》"
