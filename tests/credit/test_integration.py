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
