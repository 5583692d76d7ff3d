"""What users read carries labels and business numbers, never raw choice values or database ids (issue 16)."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.complaints.services import complaint_submit, complaint_to_lead, public_reporter
from apps.core import deadlines
from apps.core.models import Deadline
from apps.credit.models import ActionKind
from apps.parties.rights import SystemActor
from tests.claims.factories import make_claim
from tests.complaints.factories import report_12328
from tests.factories import OrganizationFactory

BARE_ID = re.compile(r"#\d+")


def _visible(html: str) -> str:
    """The page's text outside tags and attributes (what a reader sees)."""
    body = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", body)


def test_due_page_names_each_clock_subject_by_its_business_number_and_links_it(client, parties):
    claim = make_claim(user=parties.insurer_a_user)
    client.force_login(parties.insurer_a_user)
    html = client.get("/due/").content.decode()
    assert f'<a href="/claims/{claim.pk}/">{claim.number}</a>' in html
    assert not BARE_ID.search(_visible(html)), "a clock's subject shown as <model> #<id>"


def test_due_page_resolves_subjects_with_one_query_per_kind_not_per_row(client, parties):
    make_claim(user=parties.insurer_a_user)
    client.force_login(parties.insurer_a_user)
    with CaptureQueriesContext(connection) as one:
        client.get("/due/")
    for _ in range(4):
        make_claim(user=parties.insurer_a_user)
    with CaptureQueriesContext(connection) as five:
        html = client.get("/due/").content.decode()
    assert html.count('href="/claims/') >= 5
    assert len(five) == len(one)


def test_dashboard_deadlines_name_subjects_without_database_ids(client, parties):
    claim = make_claim(user=parties.insurer_a_user)
    subject = OrganizationFactory(kind="taxi_company", name="对象甲出租")
    deadlines.deadline_start(rule="test.labels", subject=subject, responsible=parties.insurer_a,
                             starts_at=timezone.now(), unit=Deadline.Unit.HOURS, amount=5, actor=SystemActor("test"))
    client.force_login(parties.insurer_a_user)
    response = client.get("/dashboard/deadlines/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<a href="/claims/{claim.pk}/">{claim.number}</a>' in html and ">对象甲出租<" in html
    assert not BARE_ID.search(_visible(html)), "a clock's subject shown as <model> #<id>"


def test_action_form_lists_the_measures_by_their_labels_not_their_codes(client, parties):
    client.force_login(parties.regulator_user)
    text = _visible(client.get("/credit/actions/new/").content.decode())
    assert str(ActionKind.RECTIFICATION_ORDER.label) in text and "保险公司" in text
    for code in [*ActionKind.values, "insurer", "taxi_company", "→"]:
        assert code not in text, code


def test_credit_rules_do_not_show_configuration_setting_names(client, parties):
    client.force_login(parties.transport_user)
    text = _visible(client.get("/credit/").content.decode())
    assert "信用等级如何得出" in text
    assert "CREDIT_" not in text


def test_complaint_turned_into_a_lead_shows_the_lead_number_linked(client, parties):
    complaint, _ = complaint_submit(**report_12328(), actor=public_reporter())
    lead = complaint_to_lead(actor=parties.transport_user, complaint=complaint)
    client.force_login(parties.transport_user)
    html = client.get(f"/complaints/staff/{complaint.pk}/").content.decode()
    assert f'<a href="/leads/{lead.pk}/">{lead.reference}</a>' in html
    assert f"#{lead.pk}" not in _visible(html)


def test_to_lead_message_names_the_lead_by_its_number(client, parties):
    from apps.leads.models import Lead

    complaint, _ = complaint_submit(**report_12328(), actor=public_reporter())
    client.force_login(parties.transport_user)
    response = client.post(f"/complaints/staff/{complaint.pk}/to-lead/", follow=True)
    lead = Lead.objects.get(external_ref=complaint.tracking_no)
    assert f"已转为非法营运线索 {lead.reference}" in response.content.decode()


def test_lead_lists_the_rescission_case_it_spawned_with_its_live_status_linked(client, parties):
    from apps.leads import services
    from apps.leads.models import Outcome
    from apps.policies.models import PolicyKind
    from apps.rescissions.models import RescissionCase
    from apps.vehicles.usage import UsageNature
    from tests.helpers import deliver_pending
    from tests.leads.factories import policy, private_car

    car = private_car()
    policy(car, parties.insurer_a, usage=UsageNature.FAMILY, kind=PolicyKind.THIRD_PARTY)
    lead = services.lead_flag(actor=parties.transport_user, plate=car.plate, evidence="火车站揽客", push=True)
    deliver_pending()
    lead.refresh_from_db()
    services.lead_check_start(actor=parties.transport_user, lead=lead)
    services.lead_check_record(actor=parties.transport_user, lead=lead, outcome=Outcome.CONFIRMED,
                               result="约谈车主，承认通过网约平台接单载客")
    client.force_login(parties.transport_user)
    html = client.get(f"/leads/{lead.pk}/").content.decode()
    assert 'data-testid="no-case-yet"' in html  # relayed, not yet a case: the page does not pretend otherwise
    deliver_pending()
    case = RescissionCase.objects.get(trigger_ref=lead.reference)
    client.force_login(parties.regulator_user)
    html = client.get(f"/leads/{lead.pk}/").content.decode()
    section = html[html.index('data-testid="spawned-cases"'):]
    assert f'<a href="/rescissions/{case.pk}/">{case.number}</a>' in section
    assert case.get_status_display() in section


def test_lead_verification_shows_policy_kind_and_usage_labels_not_codes(client, parties):
    from apps.leads import services
    from apps.vehicles.usage import UsageNature
    from tests.helpers import deliver_pending
    from tests.leads.factories import policy, private_car

    car = private_car()
    policy(car, parties.insurer_a, usage=UsageNature.PERSONAL)
    lead = services.lead_flag(actor=parties.transport_user, plate=car.plate, evidence="火车站揽客", push=True)
    deliver_pending()
    client.force_login(parties.regulator_user)
    html = client.get(f"/leads/{lead.pk}/").content.decode()
    section = _visible(html[html.index('data-testid="verification"'):])
    assert "非营业个人" in section and "交强险" in section
    assert "personal" not in section and "compulsory" not in section


def test_policy_history_says_the_system_acted_without_showing_the_job_code(client, parties):
    from apps.policies.models import LifecyclePath, Policy, PolicyStatusChange
    from tests.claims.factories import make_policy

    policy = make_policy(insurer=parties.insurer_a)
    PolicyStatusChange.objects.create(policy=policy, from_status=Policy.Status.ACTIVE, to_status=Policy.Status.EXPIRED,
                                      at=timezone.now(), path=LifecyclePath.EXPIRY, system_job="policies.expire_due")
    client.force_login(parties.insurer_a_user)
    html = client.get(f"/policies/{policy.pk}/").content.decode()
    assert "系统自动处理" in _visible(html)
    assert "policies.expire_due" not in _visible(html)
