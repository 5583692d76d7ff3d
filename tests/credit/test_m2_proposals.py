"""Who decides (rule M2): the platform and the parties propose entries into the industry credit file, only the
competent association decides — the insurance association for vehicles, drivers and insurers, the taxi
association for companies and their drivers. A lapsed rescission right (rule M12) opens a 督促 item for the
insurance association (M12, M17), not a credit record."""

import datetime as dt

import pytest
from django.utils import timezone

from apps.core.deadlines import deadline_for, deadline_scan
from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from apps.core.models import AuditEvent, Deadline, Notification
from apps.credit import services
from apps.credit.models import CreditProposal, CreditRecord, UrgingItem, UrgingNote
from apps.parties.rights import SystemActor
from apps.rescissions.models import Status as RescissionStatus
from apps.vehicles.usage import UsageNature
from tests.policies.factories import PolicyFactory
from tests.rescissions.factories import days_ago, open_case, refresh

from .factories import make_driver, make_vehicle

pytestmark = pytest.mark.django_db
JOB = SystemActor("credit.test_finding")  # the platform proposing by itself
DAY = dt.date(2026, 6, 1)


def _propose(subject, *, actor=JOB, source=None, **kw):
    values = {"event": "claims_violation", "severity": "moderate", "reason": "重点核查发现违规", "occurred_on": DAY}
    return services.credit_proposal_create(actor=actor, subject=subject, source=source, **{**values, **kw})


# --- only the competent association decides ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["transport", "regulator", "company_a", "insurer_a", "system"])
def test_m2_only_associations_decide_every_other_party_is_refused(parties, who):
    proposal = _propose(parties.insurer_a)
    actor = JOB if who == "system" else getattr(parties, f"{who}_user")
    with pytest.raises(PermissionDeniedError):
        services.credit_proposal_decide(actor=actor, proposal=proposal, accept=True, reason="直接记入")
    proposal.refresh_from_db()
    assert proposal.status == CreditProposal.Status.PENDING and proposal.record_id is None
    assert not CreditRecord.objects.exists()


@pytest.mark.parametrize("who", ["transport", "regulator", "company_a", "insurer_a", "taxi_assoc"])
def test_m2_only_the_competent_association_decides_via_the_api(api, parties, who):
    proposal = _propose(parties.insurer_a)
    url = f"/api/v1/credit-proposals/{proposal.pk}/decide/"
    response = api.as_user(getattr(parties, f"{who}_user")).post(url, {"accept": True, "reason": "记入"},
                                                                 format="json")
    assert response.status_code in (403, 404), (who, response.status_code)
    assert not CreditRecord.objects.exists()
    ok = api.as_user(parties.ins_assoc_user).post(url, {"accept": True, "reason": "事实清楚"}, format="json")
    assert ok.status_code == 200, ok.content
    assert ok.json()["status"] == "accepted" and ok.json()["status_label"] == "已采纳，记入信用档案"
    assert CreditRecord.objects.get().pk == ok.json()["record"]


def test_m2_insurance_association_cannot_decide_for_a_taxi_company(parties):
    proposal = _propose(parties.company_a, event="ledger_gap")
    with pytest.raises(PermissionDeniedError):
        services.credit_proposal_decide(actor=parties.ins_assoc_user, proposal=proposal, accept=True, reason="记入")
    assert not CreditRecord.objects.exists()
    services.credit_proposal_decide(actor=parties.taxi_assoc_user, proposal=proposal, accept=True, reason="台账缺漏属实")
    assert CreditRecord.objects.get().organization == parties.company_a


@pytest.mark.parametrize("subject", ["insurer", "vehicle"])
def test_m2_taxi_association_cannot_decide_for_an_insurer_or_a_vehicle(parties, subject):
    target = parties.insurer_b if subject == "insurer" else make_vehicle(company=parties.company_a)
    proposal = _propose(target)
    with pytest.raises(PermissionDeniedError):
        services.credit_proposal_decide(actor=parties.taxi_assoc_user, proposal=proposal, accept=True, reason="记入")
    assert not CreditRecord.objects.exists()


def test_m2_a_company_driver_is_decided_by_either_association_a_private_driver_by_the_insurance_one(parties):
    company_driver = make_driver(company=parties.company_a)
    private_driver = make_driver(company=None, name="赵六")
    first = services.credit_proposal_decide(actor=parties.taxi_assoc_user, proposal=_propose(company_driver),
                                            accept=True, reason="企业驾驶员违规属实")
    assert first.record.driver == company_driver
    with pytest.raises(PermissionDeniedError):
        services.credit_proposal_decide(actor=parties.taxi_assoc_user, proposal=_propose(private_driver),
                                        accept=True, reason="记入")
    proposal = CreditProposal.objects.get(driver=private_driver)
    services.credit_proposal_decide(actor=parties.ins_assoc_user, proposal=proposal, accept=True, reason="属实")
    assert CreditRecord.objects.filter(driver=private_driver).count() == 1


def test_m2_manual_entries_follow_the_same_competence(parties):
    vehicle = make_vehicle(company=parties.company_a)
    with pytest.raises(PermissionDeniedError):
        services.credit_record_add(actor=parties.taxi_assoc_user, subject=vehicle, event="other", severity="minor",
                                   occurred_on=DAY, detail="车辆记录")
    with pytest.raises(PermissionDeniedError):
        services.credit_record_add(actor=parties.ins_assoc_user, subject=parties.company_a, event="other",
                                   severity="minor", occurred_on=DAY, detail="企业记录")
    assert not CreditRecord.objects.exists()
    assert not hasattr(services, "credit_record_create")  # no public write path besides the associations'


# --- acceptance, rejection, duplicates, nothing half-written -----------------------------------------------------


def test_m2_accepted_proposal_creates_exactly_one_record_linked_to_its_source(parties, client):
    policy = PolicyFactory(insurer=parties.insurer_a)  # any proposing event: the link is generic
    proposal = _propose(parties.insurer_a, source=policy, evidence_link=f"/policies/{policy.pk}/")
    assert proposal.source == policy and policy.number in proposal.source_label
    assert Notification.objects.filter(user=parties.ins_assoc_user, kind="credit.proposal").exists()
    assert not Notification.objects.filter(user=parties.taxi_assoc_user, kind="credit.proposal").exists()
    decided = services.credit_proposal_decide(actor=parties.ins_assoc_user, proposal=proposal, accept=True,
                                              reason="事实清楚，证据充分")
    record = CreditRecord.objects.get()
    assert decided.record == record and record.proposal == decided
    assert (record.organization, record.event, record.severity) == (parties.insurer_a, "claims_violation", "moderate")
    assert record.created_by_organization == parties.ins_assoc and record.evidence_link == f"/policies/{policy.pk}/"
    assert decided.decided_by == parties.ins_assoc_user and decided.decision_reason == "事实清楚，证据充分"
    with pytest.raises(ConflictError):
        services.credit_proposal_decide(actor=parties.ins_assoc_user, proposal=decided, accept=True, reason="再次")
    with pytest.raises(ConflictError):  # the same event cannot be proposed again for the same subject
        _propose(parties.insurer_a, source=policy)
    assert CreditRecord.objects.count() == 1
    # the record page shows the proposal and the event it came from
    client.force_login(parties.insurer_a_user)
    page = client.get(f"/credit/file/org/{parties.insurer_a.pk}/").content.decode()
    assert 'data-testid="record-proposal"' in page and decided.number in page and policy.number in page
    # … and links the proposal only for those who may open it: the insurer the record is about reads its basis
    # there, the association that decided opens the proposal's page
    link = f'href="/credit/proposals/{decided.pk}/"'
    assert client.get(f"/credit/proposals/{decided.pk}/").status_code == 404 and link not in page
    client.force_login(parties.ins_assoc_user)
    page = client.get(f"/credit/file/org/{parties.insurer_a.pk}/").content.decode()
    assert link in page and client.get(f"/credit/proposals/{decided.pk}/").status_code == 200


def test_m2_reject_needs_a_reason_and_writes_nothing(parties):
    proposal = _propose(parties.insurer_a)
    before = AuditEvent.objects.count()
    for reason in ("", "   "):
        with pytest.raises(ApplicationError) as exc:
            services.credit_proposal_decide(actor=parties.ins_assoc_user, proposal=proposal, accept=False,
                                            reason=reason)
        assert "decision_reason" in exc.value.extra["fields"]
    proposal.refresh_from_db()
    assert proposal.status == CreditProposal.Status.PENDING and AuditEvent.objects.count() == before
    rejected = services.credit_proposal_decide(actor=parties.ins_assoc_user, proposal=proposal, accept=False,
                                               reason="证据不足，不予记入")
    assert rejected.status == CreditProposal.Status.REJECTED and rejected.record_id is None
    assert not CreditRecord.objects.exists()


def test_m2_duplicate_pending_proposal_for_the_same_source_and_subject_is_refused(parties):
    policy = PolicyFactory(insurer=parties.insurer_a)
    first = _propose(parties.insurer_a, source=policy)
    with pytest.raises(ConflictError):
        _propose(parties.insurer_a, source=policy)
    other_subject = _propose(parties.insurer_b, source=policy)  # another subject of the same event: its own
    assert CreditProposal.objects.count() == 2 and other_subject.pk != first.pk
    services.credit_proposal_decide(actor=parties.ins_assoc_user, proposal=first, accept=False, reason="不予记入")
    assert _propose(parties.insurer_a, source=policy).status == "pending"  # after a rejection: may be proposed anew


@pytest.mark.parametrize("bad", [
    {"severity": "huge"}, {"reason": "  "}, {"event": ""}, {"evidence_link": "javascript:alert(1)"},
    {"occurred_on": dt.date(1800, 1, 1)},
])
def test_m2_nothing_half_written_on_bad_input(parties, bad):
    before = (AuditEvent.objects.count(), Notification.objects.count())
    with pytest.raises(ApplicationError):
        _propose(parties.insurer_a, **bad)
    assert not CreditProposal.objects.exists()
    assert (AuditEvent.objects.count(), Notification.objects.count()) == before


def test_m2_an_organisation_outside_the_file_cannot_be_a_subject(parties):
    with pytest.raises(ApplicationError):
        _propose(parties.transport)
    assert not CreditProposal.objects.exists()


def test_m2_proposing_needs_an_actor_and_the_right(parties):
    with pytest.raises(TypeError):
        services.credit_proposal_create(actor=None, subject=parties.insurer_a, event="other", severity="minor",
                                        reason="x")
    parties.regulator.is_active = False  # an account of a deactivated organisation holds no right
    parties.regulator.save(update_fields=["is_active"])
    with pytest.raises(PermissionDeniedError):
        _propose(parties.insurer_a, actor=parties.regulator_user)
    assert not CreditProposal.objects.exists()


# --- pages --------------------------------------------------------------------------------------------------------


def test_m2_the_queue_shows_labels_and_numbers_and_the_proposer_sees_its_status(parties, client):
    vehicle = make_vehicle(company=parties.company_a, plate="桂B77777")
    proposal = _propose(vehicle, actor=parties.company_a_user, event="claims_violation", severity="serious")
    client.force_login(parties.ins_assoc_user)
    queue = client.get("/credit/proposals/").content.decode()
    assert proposal.number in queue and "桂B77777" in queue
    assert "理赔数据分析发现违规" in queue and "较重" in queue and "龙城出租(测试)" in queue
    assert ">serious<" not in queue and ">claims_violation<" not in queue
    detail = client.get(f"/credit/proposals/{proposal.pk}/").content.decode()
    assert 'id="decide"' in detail
    response = client.post(f"/credit/proposals/{proposal.pk}/decide/", {"decision": "reject", "reason": "重复提议"})
    assert response.status_code == 302
    client.force_login(parties.company_a_user)
    mine = client.get("/credit/proposals/").content.decode()
    assert proposal.number in mine and "未采纳" in mine
    assert 'id="decide"' not in client.get(f"/credit/proposals/{proposal.pk}/").content.decode()
    client.force_login(parties.company_b_user)
    assert client.get(f"/credit/proposals/{proposal.pk}/").status_code == 404
    client.force_login(parties.taxi_assoc_user)  # a vehicle is not the taxi association's file
    assert client.get(f"/credit/proposals/{proposal.pk}/").status_code == 404


def test_m2_a_refused_decision_through_the_page_changes_nothing(parties, client):
    proposal = _propose(parties.insurer_a)
    client.force_login(parties.regulator_user)
    client.post(f"/credit/proposals/{proposal.pk}/decide/", {"decision": "accept", "reason": "记入"})
    proposal.refresh_from_db()
    assert proposal.status == "pending" and not CreditRecord.objects.exists()


# --- 督促 items (rules M12, M17) -----------------------------------------------------------------------------------


def _lapse(insurer):
    case = open_case(insurer, known_at=days_ago(40, 9), usage_nature_insured=UsageNature.FAMILY)
    deadline_scan()
    return refresh(case)


def test_m12_a_rescission_lapse_opens_an_urging_item_and_no_credit_record(parties, settings):
    settings.URGING_ITEM_DAYS = 10
    case = _lapse(parties.insurer_b)
    assert case.status == RescissionStatus.LAPSED  # the supervision statistic
    item = UrgingItem.objects.get()
    assert (item.insurer, item.subject, item.rule, item.status) == (parties.insurer_b, case, "M12", "open")
    assert case.number in item.subject_label and item.opened_by_job
    assert not CreditRecord.objects.exists() and not CreditProposal.objects.exists()
    clock = deadline_for(rule=services.URGING_RULE, subject=item)
    assert clock.responsible == parties.ins_assoc and clock.amount == 10 and clock.unit == Deadline.Unit.NATURAL_DAYS
    deadline_scan()  # again: still one item
    assert UrgingItem.objects.count() == 1
    assert Notification.objects.filter(user=parties.ins_assoc_user, kind="credit.urging").exists()


@pytest.mark.parametrize("who", ["taxi_assoc", "regulator", "insurer_b", "company_a", "transport"])
def test_m12_m17_only_the_insurance_association_handles_urging_items(parties, api, who):
    item = _lapse(parties.insurer_b) and UrgingItem.objects.get()
    user = getattr(parties, f"{who}_user")
    with pytest.raises(PermissionDeniedError):
        services.urging_item_record(actor=user, item=item, note="已电话督促")
    with pytest.raises(PermissionDeniedError):
        services.urging_item_close(actor=user, item=item, result="已处理", propose_credit=True)
    response = api.as_user(user).post(f"/api/v1/urging-items/{item.pk}/record/", {"note": "督促"}, format="json")
    assert response.status_code in (403, 404), response.status_code
    item.refresh_from_db()
    assert item.status == "open" and not UrgingNote.objects.exists() and not CreditProposal.objects.exists()


def test_m12_the_association_urges_and_closes_a_credit_entry_only_by_its_own_decision(parties, client):
    _lapse(parties.insurer_b)
    item = UrgingItem.objects.get()
    client.force_login(parties.ins_assoc_user)
    page = client.get("/credit/urging/").content.decode()
    assert item.number in page and 'data-testid="urging-clock"' in page
    note = services.urging_item_record(actor=parties.ins_assoc_user, item=item, note="书面督促依法处理并报告")
    item.refresh_from_db()
    assert item.status == "urged" and note.created_by == parties.ins_assoc_user and note.created_at
    assert Notification.objects.filter(user=parties.insurer_b_user, kind="credit.urged").exists()
    with pytest.raises(ApplicationError):
        services.urging_item_close(actor=parties.ins_assoc_user, item=item, result=" ")
    closed = services.urging_item_close(actor=parties.ins_assoc_user, item=item, result="经督促仍未依法处理",
                                        propose_credit=True)
    assert closed.status == "closed" and closed.proposal.status == "pending"
    assert deadline_for(rule=services.URGING_RULE, subject=closed).status == Deadline.Status.MET
    assert not CreditRecord.objects.exists()  # only the decision makes the record
    with pytest.raises(ConflictError):
        services.urging_item_record(actor=parties.ins_assoc_user, item=closed, note="再次督促")
    services.credit_proposal_decide(actor=parties.ins_assoc_user, proposal=closed.proposal, accept=True,
                                    reason="超期未处理且经督促未改正")
    assert CreditRecord.objects.get().proposal.source == closed
    assert timezone.now() >= closed.closed_at
