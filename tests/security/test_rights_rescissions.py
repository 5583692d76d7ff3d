"""The rights table in the rescissions app: every service takes its actor; a case opened at a receipt is opened
by the exchange acting for the insurer (``rescissions.open_on_receipt``, the SYSTEM row), never by a person; the
clock's consequences are recorded by named system jobs.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.core.deadlines import deadline_scan
from apps.core.errors import PermissionDeniedError
from apps.core.models import AuditEvent, Deadline
from apps.leads import services as leads
from apps.parties.rights import SystemActor
from apps.policies.models import PolicyKind
from apps.rescissions import services
from apps.rescissions.models import RescissionCase, Status, Trigger
from apps.vehicles.usage import UsageNature
from tests.helpers import deliver_pending
from tests.leads.factories import policy as lead_policy
from tests.leads.factories import private_car
from tests.rescissions.factories import days_ago, open_case, policy_for, receipt


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_opening_without_an_actor_raises_type_error_and_opens_nothing(parties):
    policy = policy_for(parties.insurer_a)
    with pytest.raises(TypeError):
        services.rescission_open(policy=policy, trigger=Trigger.PENALTY, trigger_ref="X", known_at=days_ago(1),
                                 actor=None)
    assert not RescissionCase.objects.exists()


@pytest.mark.parametrize("role", ["transport", "regulator", "ins_assoc", "insurer_a"])
def test_no_person_opens_a_case_as_if_the_insurer_had_received_information(parties, role):
    policy = policy_for(parties.insurer_a)
    with pytest.raises(PermissionDeniedError):
        services.rescission_open(policy=policy, trigger=Trigger.PENALTY, trigger_ref="X", known_at=days_ago(1),
                                 actor=getattr(parties, f"{role}_user"))
    assert not RescissionCase.objects.exists()


@pytest.mark.parametrize("role", ["transport", "regulator", "ins_assoc"])
def test_the_supervisors_do_not_open_an_insurers_case_through_the_api(parties, api, role):
    policy = policy_for(parties.insurer_a)
    response = api.as_user(getattr(parties, f"{role}_user")).post("/api/v1/rescission-cases/", {
        "policy": policy.pk, "trigger_ref": "SUP-1", "known_at": days_ago(1).isoformat()}, format="json")
    assert response.status_code == 403
    assert not RescissionCase.objects.exists()


def test_a_receipt_job_acts_only_for_the_insurer_of_the_policy(parties):
    policy = policy_for(parties.insurer_a)
    with pytest.raises(PermissionDeniedError):
        services.rescission_open(policy=policy, trigger=Trigger.PENALTY, trigger_ref="X", known_at=days_ago(1),
                                 actor=SystemActor("exchange.ingest.penalties", organization=parties.insurer_b))
    assert not RescissionCase.objects.exists()


def test_the_case_opened_at_the_insurers_receipt_is_audited_as_the_exchange_job(parties):
    car = private_car()
    lead_policy(car, parties.insurer_a, usage=UsageNature.FAMILY, kind=PolicyKind.THIRD_PARTY)
    leads.penalty_record(actor=parties.transport_user, decision_no="柳交执罚〔2026〕R9号",
                         decided_on=timezone.localdate(), facts="擅自从事网约车经营", plate=car.plate)
    deliver_pending()

    case = RescissionCase.objects.get()
    opened = AuditEvent.objects.get(action="rescission.open", object_id=str(case.pk))
    assert (opened.actor, opened.system_job, opened.organization) == (None, "exchange.ingest.penalties",
                                                                       parties.insurer_a)
    assert case.opened_by is None
    assert parties.insurer_a_user.notifications.filter(kind="rescission.opened").exists()


def test_the_lapse_is_recorded_by_the_deadline_handler_job(parties):
    case = open_case(parties.insurer_a, known_at=days_ago(40, 9))
    deadline_scan()

    assert RescissionCase.objects.get(pk=case.pk).status == Status.LAPSED
    lapse = AuditEvent.objects.get(action="rescission.lapse", object_id=str(case.pk))
    assert (lapse.actor, lapse.system_job) == (None, "rescissions.decision_deadline_passed")
    # rule M12: the lapse opens a 督促 item for the insurance association, no credit record of the platform's own
    urging = AuditEvent.objects.get(action="credit.urging_open")
    assert urging.system_job == "rescissions.decision_deadline_passed"
    assert not AuditEvent.objects.filter(action="credit.record_create").exists()


def test_a_person_cannot_record_the_clocks_consequences(parties):
    case = open_case(parties.insurer_a, known_at=days_ago(3, 9))
    deadline = Deadline.objects.get(rule=services.RULE_DECIDE, object_id=str(case.pk))
    for user in (parties.insurer_a_user, parties.regulator_user):
        with pytest.raises(PermissionDeniedError):
            services.rescission_lapse(actor=user, case=case, deadline=deadline)
        with pytest.raises(PermissionDeniedError):
            services.rescission_remind(actor=user, deadline=deadline, day=20)
    assert RescissionCase.objects.get(pk=case.pk).status == Status.OPEN


def test_steps_are_recorded_only_by_the_cases_own_insurer_even_when_the_page_is_bypassed(parties):
    case = open_case(parties.insurer_a, known_at=days_ago(3, 9))
    for actor in (parties.insurer_b_user, parties.regulator_user, parties.ins_assoc_user, receipt(case.policy)):
        with pytest.raises(PermissionDeniedError):
            services.rescission_decide(case=case, actor=actor, decision="conditions_not_met",
                                       reason="经核实保单使用性质正确。")
    assert RescissionCase.objects.get(pk=case.pk).status == Status.OPEN
