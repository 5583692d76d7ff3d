"""The whole transport → insurance path in a browser, with a real Celery worker delivering the signed batches:
transport flags a vehicle and pushes it (M5) → the regulator's inbox receives it and the verification service
records the finding → each insurer holding a policy in force gets its worklist row (M8) and answers it → the
answer is on the lead's trail for transport. Another insurer sees nothing."""


import pytest

from apps.exchange.models import Batch
from apps.leads.models import InsurerWorklistItem, Lead
from apps.parties.models import OrganizationKind
from apps.policies.models import PolicyKind
from apps.vehicles.usage import UsageNature
from tests.factories import OrganizationFactory, user_of
from tests.helpers import wait_for
from tests.leads.factories import policy, private_car

from .conftest import shot

pytestmark = pytest.mark.browser


@pytest.fixture
def sides(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    k = OrganizationKind
    orgs = {
        "transport": OrganizationFactory(kind=k.TRANSPORT, name="柳州市交通运输局(浏览器)"),
        "regulator": OrganizationFactory(kind=k.REGULATOR, name="柳州金融监管分局(浏览器)"),
        "insurer_a": OrganizationFactory(kind=k.INSURER, name="人保财险柳州(浏览器)"),
        "insurer_b": OrganizationFactory(kind=k.INSURER, name="平安产险柳州(浏览器)"),
    }
    users = {name: user_of(org.kind, organization=org, username=f"b_leads_{name}") for name, org in orgs.items()}
    car = private_car()
    non_operating = policy(car, orgs["insurer_a"], usage=UsageNature.FAMILY, kind=PolicyKind.THIRD_PARTY)
    return orgs, users, car, non_operating


def test_transport_flag_push_finding_and_insurer_worklist(sides, celery_worker, browser_page):
    orgs, users, car, non_operating = sides

    # 1. transport flags the vehicle through the form and pushes it at once
    page = browser_page(users["transport"])
    page.goto("/leads/outbox/")
    page.click("[data-testid=flag-link]")
    form = page.locator("[data-testid=flag-form]")
    form.locator("input[name=plate]").fill(car.plate)
    form.locator("textarea[name=evidence]").fill("柳州站东广场候客区揽客，按人收费 20 元")
    assert form.locator("input[name=push]").is_checked()
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/leads/*/")
    lead = Lead.objects.get()
    assert page.locator("[data-testid=lead-status]").inner_text() in ("已推送", "核验中", "已核验")

    # 2. the real worker delivers the batch; the regulator's inbox verifies the insurance and dispatches worklists
    wait_for(lambda: InsurerWorklistItem.objects.exists(), timeout=45, every=0.3,
             what=lambda: f"the worklist; batches {list(Batch.objects.values('kind', 'state', 'last_error'))}")
    lead.refresh_from_db()
    assert lead.finding == "insured_as_non_operating"
    leads_batch = Batch.objects.get(kind="leads")
    assert leads_batch.state == Batch.State.DELIVERED and lead.received_at == leads_batch.receipt_at

    regulator = browser_page(users["regulator"])
    regulator.goto("/leads/")
    row = regulator.locator(f"tr[data-lead='{lead.pk}']")
    assert car.plate in row.inner_text() and "按非营运性质投保" in row.inner_text()
    row.locator("a").first.click()
    regulator.wait_for_url(f"**/leads/{lead.pk}/")
    assert regulator.locator("[data-testid=lead-finding]").inner_text() == "按非营运性质投保"
    trail = regulator.locator("[data-testid=lead-trail]").inner_text()
    assert "接收方已收到" in trail and "下发保险公司核查清单" in trail and orgs["insurer_a"].name in trail
    assert non_operating.number in regulator.locator("[data-testid=vehicle-picture]").inner_text()

    # 3. insurer A finds its row and answers it; insurer B has no row at all
    insurer = browser_page(users["insurer_a"])
    insurer.goto("/leads/worklist/")
    item = InsurerWorklistItem.objects.get()
    row = insurer.locator(f"tr[data-item='{item.pk}']")
    assert car.plate in row.inner_text() and non_operating.number in row.inner_text()
    row.locator("select[name=answer]").select_option("non_operating_confirmed")
    row.locator("input[name=note]").fill("经核对，该车按家庭自用投保")
    row.locator("button[type=submit]").click()
    insurer.wait_for_selector("text=已答复")
    assert "经核对：确按非营运承保" in insurer.locator(f"tr[data-item='{item.pk}']").inner_text()
    shot(insurer, "leads_worklist")

    other = browser_page(users["insurer_b"])
    other.goto("/leads/worklist/")
    assert other.locator("[data-testid=worklist-table] tbody tr[data-item]").count() == 0
    response = other.goto(f"/leads/{lead.pk}/")
    assert response.status == 404

    # 4. transport sees the insurer's answer on its lead
    page.goto(f"/leads/{lead.pk}/")
    answers = page.locator("[data-testid=worklist-answers]").inner_text()
    assert orgs["insurer_a"].name in answers and "经核对：确按非营运承保" in answers
    assert "保险公司答复" in page.locator("[data-testid=lead-trail]").inner_text()
