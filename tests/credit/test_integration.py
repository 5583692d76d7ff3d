"""Credit records made by other apps' services (rule M14): a lapsed rescission right (M12) and a confirmed lead."""

import pytest

from apps.core.deadlines import deadline_scan
from apps.credit.models import CreditRecord
from apps.credit.selectors import credit_level
from apps.rescissions.models import Status as RescissionStatus
from tests.rescissions.factories import days_ago, open_case, refresh

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def test_m12_m14_rescission_lapse_creates_one_credit_record_for_the_insurer(parties, client):
    case = open_case(parties.insurer_b, known_at=days_ago(40, 9))
    deadline_scan()
    deadline_scan()  # a second scan changes nothing
    assert refresh(case).status == RescissionStatus.LAPSED
    record = CreditRecord.objects.get(organization=parties.insurer_b)
    assert (record.event, record.source, record.subject_kind) == ("rescission_lapsed", "rescissions", "insurer")
    assert credit_level(CreditRecord.objects.filter(organization=parties.insurer_b)).points > 0
    # the insurer sees it in its own file; the other insurer does not
    client.force_login(parties.insurer_b_user)
    assert "保险公司未在 30 日内行使合同解除权" in client.get(f"/credit/file/org/{parties.insurer_b.pk}/").content.decode()
    client.force_login(parties.insurer_a_user)
    assert client.get(f"/credit/file/org/{parties.insurer_b.pk}/").status_code == 404


def test_m14_confirmed_lead_puts_one_record_in_the_vehicles_file(parties, client):
    from apps.leads import services as leads
    from apps.leads.models import Outcome, Status
    from apps.policies.models import PolicyKind
    from apps.vehicles.usage import UsageNature
    from tests.leads.conftest import deliver_pending
    from tests.leads.factories import policy, private_car

    car = private_car(company=parties.company_a)
    policy(car, parties.insurer_a, usage=UsageNature.FAMILY, kind=PolicyKind.THIRD_PARTY)
    lead = leads.lead_flag(actor=parties.transport_user, plate=car.plate, evidence="火车站揽客", push=True)
    deliver_pending()
    lead.refresh_from_db()
    assert lead.status == Status.VERIFIED
    leads.lead_check_start(actor=parties.regulator_user, lead=lead)
    leads.lead_check_record(actor=parties.regulator_user, lead=lead, outcome=Outcome.CONFIRMED,
                            result="约谈车主，承认通过网约平台接单载客")
    record = CreditRecord.objects.get(vehicle=car)
    assert record.subject_kind == "vehicle" and record.severity == "serious"
    assert record.subject_organization == parties.company_a and record.evidence_link.endswith(f"/leads/{lead.pk}/")
    # the vehicle's file shows it to the company that keeps the vehicle, and to the taxi association
    for user in (parties.company_a_user, parties.taxi_assoc_user, parties.ins_assoc_user):
        client.force_login(user)
        page = client.get(f"/credit/file/vehicle/{car.pk}/")
        assert page.status_code == 200 and f'id="record-{record.pk}"' in page.content.decode()
    client.force_login(parties.company_b_user)
    assert client.get(f"/credit/file/vehicle/{car.pk}/").status_code == 404
