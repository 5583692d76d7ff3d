"""A lead reads 已处置 only once what its disposal set in motion has happened (issue 16): the finding delivered to
the insurers, their rescission cases decided (rule M12) and the credit proposal decided by the association (rule
M2). Until then the lead's page says 处置中 and what it still waits for."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.credit.models import CreditProposal
from apps.credit.services import credit_proposal_decide
from apps.leads import services
from apps.leads.models import Outcome, Status
from apps.policies.models import PolicyKind
from apps.rescissions.models import RescissionCase
from apps.rescissions.services import rescission_decide
from apps.vehicles.usage import UsageNature

from .factories import policy, private_car
from .test_lifecycle import _verified_lead

pytestmark = pytest.mark.django_db


def _status(client, user, lead) -> str:
    client.force_login(user)
    page = client.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    head = page[page.index('data-testid="lead-status"'):]
    return head[:head.index("</section>")]


def test_m12_m2_lead_is_disposing_until_cases_and_proposal_are_decided(parties, deliver, client):
    car = private_car()
    policy(car, parties.insurer_a, usage=UsageNature.FAMILY, kind=PolicyKind.THIRD_PARTY)
    lead = _verified_lead(parties, deliver, car)
    services.lead_check_start(actor=parties.transport_user, lead=lead)
    services.lead_check_record(actor=parties.transport_user, lead=lead, outcome=Outcome.CONFIRMED,
                               result="约谈车主，承认通过网约平台接单载客")
    lead.refresh_from_db()
    assert lead.status == Status.DISPOSED
    head = _status(client, parties.transport_user, lead)
    assert "处置中" in head and "已处置" not in head and "界定结论尚未送达保险公司" in head
    assert "待保险行业协会决定信用档案提议" in head

    deliver()
    case = RescissionCase.objects.get()
    head = _status(client, parties.transport_user, lead)
    assert "待保险公司办结 1 件合同解除案件" in head and "尚未送达" not in head

    proposal = CreditProposal.objects.get(vehicle=car, status="pending")
    credit_proposal_decide(actor=parties.ins_assoc_user, proposal=proposal, accept=True, reason="界定结论明确")
    head = _status(client, parties.transport_user, lead)
    assert "处置中" in head and "协会决定" not in head

    rescission_decide(case=case, actor=parties.insurer_a_user, decision="conditions_not_met",
                      reason="车辆已于立案前过户，不再承保", decided_at=None)
    head = _status(client, parties.transport_user, lead)
    assert "已处置" in head and "处置中" not in head
