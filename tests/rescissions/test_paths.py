"""What follows a finding of illegal operation depends on the policy's kind and on WHEN the vehicle began operating
(rules J5, J8, J9, J13, M6, M12; Insurance Law arts. 16 and 52). Each test fails if its rule broke."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from apps.core.deadlines import local_date
from apps.core.errors import ApplicationError, ConflictError
from apps.core.models import Deadline
from apps.parties.rights import SystemActor
from apps.policies.models import Policy, PolicyKind
from apps.rescissions import selectors, services
from apps.rescissions.models import Decision, EventKind, Fault, Path, RescissionCase, Status, Trigger
from apps.rescissions.notices import NoticeKind, notice_content
from apps.vehicles.usage import UsageNature

from .factories import (
    days_ago,
    non_disclosure,
    notice_through,
    open_case,
    policy_for,
    receipt,
    refresh,
    risk_increase,
)


def pdf_text(notice) -> str:
    content = notice_content(notice)
    assert hashlib.sha256(content).hexdigest() == notice.sha256
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).replace("\n", "")


def endorse(case, user, policy, premium="2850.00"):
    return services.rescission_endorse(
        case=case, actor=user, policy=policy, usage_nature=UsageNature.RIDE_HAILING,
        effective_on=local_date(days_ago(0)), new_premium=Decimal(premium), reason="承保后改为网约车营运，批改使用性质")


# --- J13 / J9: 交强险 whose risk increased after inception is endorsed, never rescinded ------------------------------


def test_j13_compulsory_usage_change_after_inception_is_endorsed_not_rescinded(parties):
    user = parties.insurer_a_user
    case = risk_increase(open_case(parties.insurer_a, known_at=days_ago(3, 9), kind=PolicyKind.COMPULSORY), user)
    assert case.path == Path.RISK_INCREASE
    actions = selectors.next_actions(case, user)
    assert "endorse" in actions
    assert not {"notice_send", "rescind", "terminate", "conditions_not_met"} & set(actions)
    with pytest.raises(ConflictError) as exc:
        services.rescission_decide(case=case, actor=user, decision=Decision.RESCINDED, reason="使用性质改变")
    assert exc.value.code == "compulsory_not_rescindable"
    with pytest.raises(ConflictError) as exc:
        services.rescission_notice_send(case=case, actor=user, contact_name="李明", contact_phone="0772-2881234")
    assert exc.value.code == "wrong_path"
    assert refresh(case).policy.status == Policy.Status.ACTIVE

    case = endorse(refresh(case), user, case.policy)
    case = refresh(case)
    policy = Policy.objects.get(pk=case.policy_id)
    assert (case.status, case.decision) == (Status.ENDORSED, Decision.ENDORSED)
    assert policy.status == Policy.Status.ACTIVE and policy.usage_nature_insured == UsageNature.RIDE_HAILING
    endorsement = policy.endorsements.get()
    assert endorsement.premium_mode == "policy_year"  # J9: re-rated for the policy year
    assert case.case_policies.get().outcome == Decision.ENDORSED
    assert not case.notices.exists()


# --- art. 52: a commercial policy whose risk increased: raise the premium or terminate ----------------------------


def test_art52_commercial_risk_increase_terminates_without_the_j5_notice(parties):
    user = parties.insurer_a_user
    case = risk_increase(open_case(parties.insurer_a, known_at=days_ago(3, 9), kind=PolicyKind.THIRD_PARTY), user)
    actions = selectors.next_actions(case, user)
    assert {"endorse", "terminate"} <= set(actions)
    assert not {"notice_send", "rescind", "conditions_not_met"} & set(actions)
    assert not selectors.notice_available(case, NoticeKind.DISCLOSURE_REQUEST)
    with pytest.raises(ConflictError) as exc:
        services.rescission_decide(case=case, actor=user, decision=Decision.CONDITIONS_NOT_MET, reason="不解除")
    assert exc.value.code == "wrong_path"
    with pytest.raises(ApplicationError) as exc:
        services.rescission_decide(case=case, actor=user, decision=Decision.RESCINDED, reason="")
    assert exc.value.code == "reason_required"

    case = refresh(services.rescission_decide(case=case, actor=user, decision=Decision.RESCINDED,
                                              reason="承保后改为网约车营运，危险程度显著增加且未通知"))
    assert case.status == Status.RESCINDED
    assert Policy.objects.get(pk=case.policy_id).status == Policy.Status.RESCINDED
    kinds = set(case.notices.values_list("kind", flat=True))
    assert kinds == {NoticeKind.RISK_INCREASE_TERMINATION}  # no 附件三, 附件四 or 附件七
    text = pdf_text(case.notices.get())
    assert "《中华人民共和国保险法》第五十二条" in text and "危险程度显著增加" in text
    assert "机动车交通事故责任强制保险条例" not in text


def test_art52_commercial_premium_increase_is_an_endorsement_closing_the_case(parties):
    user = parties.insurer_a_user
    case = risk_increase(open_case(parties.insurer_a, known_at=days_ago(3, 9), kind=PolicyKind.THIRD_PARTY), user)
    case = refresh(endorse(case, user, case.policy, premium="4200.00"))
    assert (case.status, case.decision) == (Status.ENDORSED, Decision.ENDORSED)
    assert Policy.objects.get(pk=case.policy_id).status == Policy.Status.ACTIVE


# --- J5 / art. 16: non-disclosure at inception, notice wording per kind ---------------------------------------------


def test_j5_non_disclosure_needs_the_finding_of_fault_and_its_basis(parties):
    user = parties.insurer_a_user
    case = open_case(parties.insurer_a, known_at=days_ago(3, 9))
    start = local_date(case.policy.starts_at)
    with pytest.raises(ConflictError) as exc:  # no path recorded: no 附件三 yet
        services.rescission_notice_send(case=case, actor=user, contact_name="李明", contact_phone="0772-2881234")
    assert exc.value.code == "path_required"
    with pytest.raises(ApplicationError) as exc:
        services.rescission_path_record(case=case, actor=user, path=Path.NON_DISCLOSURE, operating_since=start,
                                        reason="投保时已营运", basis="")
    assert exc.value.code == "path_incomplete" and {"fault", "basis"} <= set(exc.value.extra["fields"])
    # began operating after the policy started, not meant at inception: that is a risk increase, not J5
    with pytest.raises(ConflictError) as exc:
        services.rescission_path_record(case=case, actor=user, path=Path.NON_DISCLOSURE, reason="投保时已营运",
                                        operating_since=start + dt.timedelta(days=20), fault=Fault.INTENTIONAL,
                                        basis="平台接单记录")
    assert exc.value.code == "path_conflict"
    # and a vehicle operating before the policy started is no risk increase after inception
    with pytest.raises(ConflictError) as exc:
        services.rescission_path_record(case=case, actor=user, path=Path.RISK_INCREASE, reason="承保后改变用途",
                                        operating_since=start - dt.timedelta(days=20))
    assert exc.value.code == "path_conflict"
    case = refresh(services.rescission_path_record(
        case=case, actor=user, path=Path.NON_DISCLOSURE, reason="投保时已营运", fault=Fault.INTENTIONAL,
        operating_since=start + dt.timedelta(days=20), meant_at_inception=True, basis="投保前已注册网约车平台"))
    assert (case.path, case.fault) == (Path.NON_DISCLOSURE, Fault.INTENTIONAL)
    assert case.events.filter(kind=EventKind.PATH_RECORDED).count() == 1


@pytest.mark.parametrize(("kind", "cited", "not_cited"), [
    (PolicyKind.COMPULSORY, "《机动车交通事故责任强制保险条例》", "保险法"),
    (PolicyKind.THIRD_PARTY, "《中华人民共和国保险法》第十六条", "强制保险条例"),
])
def test_j5_notice_cites_the_basis_of_the_policy_kind(parties, kind, cited, not_cited):
    user = parties.insurer_a_user
    case = non_disclosure(open_case(parties.insurer_a, known_at=days_ago(3, 9), kind=kind), user)
    case = notice_through(case, user, sent_at=days_ago(2, 10), received_at=days_ago(2, 15))
    text = pdf_text(case.notices.get(kind=NoticeKind.DISCLOSURE_REQUEST))
    assert "未履行如实告知义务通知书" in text and cited in text and not_cited not in text


# --- an endorsement closes an open case as "endorsed" ---------------------------------------------------------------


def test_j9_an_endorsement_made_outside_the_case_closes_it_as_endorsed_not_lapsed(parties):
    from apps.policies.services import policy_endorse

    user = parties.insurer_a_user
    case = notice_through(open_case(parties.insurer_a, known_at=days_ago(3, 9)), user, sent_at=days_ago(2, 10))
    assert case.status == Status.NOTICE_SENT
    policy_endorse(actor=user, policy=case.policy, usage_nature=UsageNature.RIDE_HAILING,
                   effective_on=local_date(days_ago(0)), premium_mode="policy_year", reason="改为网约车，批改",
                   new_premium=Decimal("2850.00"))
    case = refresh(case)
    assert (case.status, case.decision) == (Status.ENDORSED, Decision.ENDORSED)
    assert case.events.filter(kind=EventKind.ENDORSED).exists()
    deadline = services.decide_deadline(case)
    assert deadline.status == Deadline.Status.MET and deadline.breached_at is None
    # the clock's lapse no longer touches it
    services.rescission_lapse(actor=SystemActor("rescissions.decision_deadline_passed"), case=case, deadline=deadline)
    assert refresh(case).status == Status.ENDORSED


# --- cases are per policyholder and insurer; refusals ---------------------------------------------------------------


def test_m12_a_duplicate_open_case_on_one_policy_is_refused(parties):
    case = open_case(parties.insurer_a, known_at=days_ago(3, 9), trigger_ref="柳交罚〔2026〕7号")
    with pytest.raises(ConflictError) as exc:
        services.rescission_open(policy=case.policy, trigger=Trigger.LEAD_CONFIRMED, trigger_ref="L-1",
                                 known_at=days_ago(1, 9), actor=receipt(case.policy))
    assert exc.value.code == "duplicate_open_case" and case.number in exc.value.message
    assert RescissionCase.objects.count() == 1


def test_art16_a_case_known_before_the_policy_started_is_refused(parties):
    policy = policy_for(parties.insurer_a)
    with pytest.raises(ApplicationError) as exc:
        services.rescission_open(policy=policy, trigger=Trigger.PENALTY, trigger_ref="P-1",
                                 known_at=policy.starts_at - dt.timedelta(days=1), actor=receipt(policy))
    assert exc.value.code == "known_before_start" and "第十六条" in exc.value.message
    assert not RescissionCase.objects.exists()


def test_j13_a_policy_insured_as_operating_gets_no_case(parties):
    policy = policy_for(parties.insurer_a, usage_nature_insured=UsageNature.RIDE_HAILING)
    with pytest.raises(ConflictError) as exc:
        services.rescission_open(policy=policy, trigger=Trigger.PENALTY, trigger_ref="P-2", known_at=days_ago(1),
                                 actor=receipt(policy))
    assert exc.value.code == "insured_as_operating" and "营运" in exc.value.message
    assert not RescissionCase.objects.exists()


def test_m6_a_screening_finding_opens_no_rescission_case(parties):
    policy = policy_for(parties.insurer_a)
    with pytest.raises(ApplicationError) as exc:
        services.rescission_open(policy=policy, trigger=Trigger.SCREENING_FINDING, trigger_ref="screening:1",
                                 known_at=days_ago(1), actor=receipt(policy))
    assert exc.value.code == "screening_not_a_case"
    assert not RescissionCase.objects.exists()


def test_m2_a_confirmed_lead_is_labelled_as_transport_s_finding():
    label = str(Trigger.LEAD_CONFIRMED.label)
    assert "交通运输部门" in label and "核实确认" not in label


def test_j5_one_notice_covers_several_policies_of_one_policyholder(parties):
    user = parties.insurer_a_user
    compulsory = policy_for(parties.insurer_a, kind=PolicyKind.COMPULSORY, policyholder_name="王芳")
    commercial = policy_for(parties.insurer_a, kind=PolicyKind.THIRD_PARTY, vehicle=compulsory.vehicle,
                            policyholder_name="王芳")
    other_car = policy_for(parties.insurer_a, kind=PolicyKind.COMPULSORY, policyholder_name="王芳")
    stranger = policy_for(parties.insurer_a, kind=PolicyKind.COMPULSORY, policyholder_name="赵强")
    known = days_ago(3, 9)
    first, created = services.rescission_open(policy=compulsory, trigger=Trigger.PENALTY, trigger_ref="柳交罚〔2026〕9号",
                                              known_at=known, actor=receipt(compulsory))
    second, joined = services.rescission_open(policy=commercial, trigger=Trigger.PENALTY, trigger_ref="柳交罚〔2026〕9号",
                                              known_at=known, actor=receipt(commercial))
    assert created and joined and second.pk == first.pk
    case = services.rescission_policy_add(case=refresh(first), actor=user, policy=other_car)
    with pytest.raises(ConflictError) as exc:
        services.rescission_policy_add(case=refresh(case), actor=user, policy=stranger)
    assert exc.value.code == "other_policyholder"
    case = refresh(case)
    assert set(case.case_policies.values_list("policy_id", flat=True)) == {compulsory.pk, commercial.pk, other_car.pk}
    case = notice_through(case, user, sent_at=days_ago(2, 10))
    notice = case.notices.get()  # ONE 附件三
    assert notice.kind == NoticeKind.DISCLOSURE_REQUEST
    text = pdf_text(notice)
    for policy in (compulsory, commercial, other_car):
        assert policy.number in text
    assert stranger.number not in text
    assert "《机动车交通事故责任强制保险条例》" in text and "《中华人民共和国保险法》第十六条" in text
    # the policies of the case are no longer open to another case
    with pytest.raises(ConflictError) as exc:
        services.rescission_open(policy=commercial, trigger=Trigger.LEAD_CONFIRMED, trigger_ref="L-2",
                                 known_at=days_ago(1), actor=receipt(commercial))
    assert exc.value.code == "duplicate_open_case"
