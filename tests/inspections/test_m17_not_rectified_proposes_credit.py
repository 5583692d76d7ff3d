"""A notice closed as not rectified (rule M17) proposes an entry into the party's credit file, linked to the notice,
for the competent association to decide (rule M2): nothing is written into the file directly; "rectified" proposes
nothing."""

import datetime as dt

import pytest
import time_machine

from apps.core.deadlines import deadline_scan
from apps.core.models import AuditEvent, Deadline
from apps.credit import services as credit_services
from apps.credit.models import CreditProposal, CreditRecord
from apps.inspections import services
from apps.inspections.models import RectificationResult

pytestmark = pytest.mark.django_db


def _close_after_the_period(actor, notice, result, note):
    clock = Deadline.objects.get(rule=services.RECTIFICATION_RULE, object_id=str(notice.pk))
    with time_machine.travel(clock.due_at + dt.timedelta(hours=1), tick=True):
        deadline_scan()
        return services.notice_close(actor=actor, notice=notice, result=result, note=note)


def test_m17_m2_not_rectified_creates_a_credit_proposal_for_the_association(parties, notice):
    p = parties
    notice = _close_after_the_period(p.ins_assoc_user, notice, RectificationResult.NOT_RECTIFIED, "逾期未报送整改情况")
    proposal = CreditProposal.objects.get(organization=p.insurer_a)
    assert proposal.status == CreditProposal.Status.PENDING
    assert proposal.source_object_id == str(notice.pk) and notice.number in proposal.reason
    assert "逾期未报送整改情况" in proposal.reason and proposal.event_label == "联合检查通报的问题逾期未整改"
    assert not CreditRecord.objects.filter(organization=p.insurer_a).exists()  # the association decides (M2)
    audit = AuditEvent.objects.get(action="inspection.notice_close", object_id=str(notice.pk))
    assert audit.detail["credit_proposal"] == proposal.pk
    # the insurance association is the one to decide an insurer's entry
    assert credit_services.can_decide(p.ins_assoc_user, proposal)
    assert not credit_services.can_decide(p.taxi_assoc_user, proposal)


def test_m17_m2_a_company_not_rectified_is_proposed_to_the_taxi_association(parties, findings):
    p = parties
    notice = services.notice_issue(actor=p.taxi_assoc_user, finding=findings["company_a"], requirement="补齐驾驶员台账")
    _close_after_the_period(p.taxi_assoc_user, notice, RectificationResult.NOT_RECTIFIED, "台账仍缺 5 人")
    proposal = CreditProposal.objects.get(organization=p.company_a)
    assert credit_services.can_decide(p.taxi_assoc_user, proposal)


def test_m17_rectified_proposes_nothing(parties, notice):
    p = parties
    services.notice_report(actor=p.insurer_a_user, notice=notice, report="已批改 3 笔保单")
    services.notice_close(actor=p.ins_assoc_user, notice=notice, result=RectificationResult.RECTIFIED, note="已核实")
    assert not CreditProposal.objects.exists()


def test_m17_m2_the_notice_page_links_the_proposal_for_the_association(parties, notice, client):
    from django.urls import reverse

    p = parties
    _close_after_the_period(p.ins_assoc_user, notice, RectificationResult.NOT_RECTIFIED, "逾期未报送整改情况")
    proposal = CreditProposal.objects.get(organization=p.insurer_a)
    client.force_login(p.ins_assoc_user)
    page = client.get(reverse("inspections:notice", args=[notice.pk])).content.decode()
    shown = page[page.index('data-testid="notice-credit-proposal"'):]
    assert proposal.number in shown[:shown.index("</dd>")] and "主管行业协会决定" in shown[:shown.index("</dd>")]
