"""What other apps' findings do to the credit file (rules M2, M12, M14): a lapsed rescission right opens a 督促
item for the insurance association (no record); a confirmed lead is proposed and enters the file when the
association accepts it."""

import pytest

from apps.core.deadlines import deadline_scan
from apps.credit.models import CreditProposal, CreditRecord, UrgingItem
from apps.credit.selectors import credit_level
from apps.credit.services import credit_proposal_decide, urging_item_close
from apps.rescissions.models import Status as RescissionStatus
from apps.vehicles.usage import UsageNature
from tests.rescissions.factories import days_ago, open_case, refresh

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def test_m12_rescission_lapse_opens_an_urging_item_and_a_record_only_if_the_association_decides(parties, client):
    case = open_case(parties.insurer_b, known_at=days_ago(40, 9), usage_nature_insured=UsageNature.FAMILY)
    deadline_scan()
    deadline_scan()  # a second scan changes nothing
    assert refresh(case).status == RescissionStatus.LAPSED
    item = UrgingItem.objects.get(insurer=parties.insurer_b)
    assert (item.rule, item.status, item.subject) == ("M12", "open", refresh(case))
    assert not CreditRecord.objects.exists() and not CreditProposal.objects.exists()
    # the insurer sees the item about itself; the other insurer does not
    client.force_login(parties.insurer_b_user)
    assert client.get(f"/credit/urging/{item.pk}/").status_code == 200
    client.force_login(parties.insurer_a_user)
    assert client.get(f"/credit/urging/{item.pk}/").status_code == 404
    # the association closes it and proposes an entry; only its acceptance puts it into the file
    item = urging_item_close(actor=parties.ins_assoc_user, item=item, result="督促后仍未处理，提议记入信用档案",
                             propose_credit=True)
    assert not CreditRecord.objects.exists()
    proposal = credit_proposal_decide(actor=parties.ins_assoc_user, proposal=item.proposal, accept=True,
                                      reason="超期未行使解除权且经督促未改正")
    record = CreditRecord.objects.get(organization=parties.insurer_b)
    assert record == proposal.record
    assert (record.event, record.source, record.subject_kind) == ("rescission_lapsed", "urging_item", "insurer")
    assert credit_level(CreditRecord.objects.filter(organization=parties.insurer_b)).points > 0
    client.force_login(parties.insurer_b_user)
    assert "保险公司未在 30 日内行使合同解除权" in client.get(f"/credit/file/org/{parties.insurer_b.pk}/").content.decode()


def test_m14_confirmed_lead_puts_one_record_in_the_vehicles_file(parties, client):
    from apps.leads import services as leads
    from apps.leads.models import Outcome, Status
    from apps.policies.models import PolicyKind
    from apps.vehicles.usage import UsageNature
    from tests.helpers import deliver_pending
    from tests.leads.factories import policy, private_car

    car = private_car(company=parties.company_a)
    policy(car, parties.insurer_a, usage=UsageNature.FAMILY, kind=PolicyKind.THIRD_PARTY)
    lead = leads.lead_flag(actor=parties.transport_user, plate=car.plate, evidence="火车站揽客", push=True)
    deliver_pending()
    lead.refresh_from_db()
    assert lead.status == Status.VERIFIED
    # rule M2: the regulator requests the offline check; transport defines illegal operation
    leads.lead_offline_check_request(actor=parties.regulator_user, lead=lead, note="请线下核查是否载客")
    leads.lead_check_record(actor=parties.transport_user, lead=lead, outcome=Outcome.CONFIRMED,
                            result="约谈车主，承认通过网约平台接单载客")
    assert not CreditRecord.objects.filter(vehicle=car).exists()
    proposal = CreditProposal.objects.get(vehicle=car, status="pending")
    assert proposal.source == lead and proposal.source_label.endswith(lead.reference)
    credit_proposal_decide(actor=parties.ins_assoc_user, proposal=proposal, accept=True, reason="核查结论明确")
    record = CreditRecord.objects.get(vehicle=car)
    assert record.proposal == proposal
    assert record.subject_kind == "vehicle" and record.severity == "serious"
    assert record.subject_organization == parties.company_a and record.evidence_link.endswith(f"/leads/{lead.pk}/")
    # the vehicle's file shows it to the company that keeps the vehicle, and to the taxi association
    for user in (parties.company_a_user, parties.taxi_assoc_user, parties.ins_assoc_user):
        client.force_login(user)
        page = client.get(f"/credit/file/vehicle/{car.pk}/")
        assert page.status_code == 200 and f'id="record-{record.pk}"' in page.content.decode()
    client.force_login(parties.company_b_user)
    assert client.get(f"/credit/file/vehicle/{car.pk}/").status_code == 404
