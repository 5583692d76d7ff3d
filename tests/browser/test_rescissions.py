"""The insurer's case page in a browser: record the notice sent and received, rescind, see the notices (rule J5)."""

import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from apps.policies.models import Policy
from apps.rescissions.models import RescissionCase, Status
from tests.factories import OrganizationFactory, user_of
from tests.policies.factories import PolicyFactory
from tests.rescissions.factories import days_ago, open_case

from .conftest import shot

pytestmark = pytest.mark.browser


def local(at) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def insurer_case(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    insurer = OrganizationFactory(kind="insurer", name="人保财险柳州市分公司(浏览器)")
    user = user_of("insurer", organization=insurer, username="browser_resc", full_name="王核保")
    policy = PolicyFactory(insurer=insurer, policyholder_name="刘晓东", usage_nature_insured="family")
    case = open_case(insurer, policy=policy, known_at=days_ago(12, 9))
    return user, case


def test_j5_insurer_records_notice_rescinds_and_sees_the_notices(insurer_case, browser_page):
    user, case = insurer_case
    plate, number = case.vehicle.plate, case.policy.number
    page = browser_page(user)

    page.goto("/rescissions/")
    row = page.locator(f"tr[data-case='{case.pk}']")
    # day 30 may fall on a rest day and roll over to the next working day (rule T1): count from the case's clock
    left = (timezone.localtime(case.deadline_at).date() - timezone.localdate()).days
    assert plate in row.inner_text() and f"剩 {left} 天" in row.inner_text()
    row.locator("a").first.click()
    page.wait_for_url(f"**/rescissions/{case.pk}/")
    assert "按自然日计算" in page.locator("[data-testid=natural-days]").inner_text()
    # only the next allowed step is offered: first the path (rules J5, J13)
    assert page.locator("[data-testid=form-notice-send]").count() == 0
    path = page.locator("[data-testid=form-path]")
    path.locator("input[name=path][value=non_disclosure]").check()
    path.locator("input[name=operating_since]").fill(timezone.localtime(case.policy.starts_at).date().isoformat())
    path.locator("select[name=fault]").select_option("gross_negligence")
    path.locator("textarea[name=basis]").fill("处罚决定书载明投保前已在平台接单")
    path.locator("textarea[name=reason]").fill("投保时已营运，未告知使用性质")
    path.locator("button[type=submit]").click()
    page.wait_for_selector("text=已认定处理路径")
    assert "投保时未如实告知" in page.locator("[data-testid=path]").inner_text()
    assert page.locator("[data-testid=form-notice-send]").count() == 1
    assert page.locator("[data-testid=form-rescind]").count() == 0

    form = page.locator("[data-testid=form-notice-send]")
    form.locator("input[name=sent_at]").fill(local(days_ago(11, 9)))
    form.locator("input[name=contact_phone]").fill("0772-2881234")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("text=已登记发出通知")
    assert page.locator("[data-testid=notices] tr[data-notice=disclosure_request]").count() == 1

    form = page.locator("[data-testid=form-notice-receive]")
    form.locator("input[name=received_at]").fill(local(days_ago(10, 9)))
    form.locator("button[type=submit]").click()
    page.wait_for_selector("text=已登记通知送达")
    assert page.locator("[data-testid=disclosure-due]").is_visible()

    page.on("dialog", lambda dialog: dialog.accept())
    page.locator("[data-testid=form-rescind] button[type=submit]").click()
    page.wait_for_selector("text=已解除合同")
    assert page.locator("[data-testid=case-status]").inner_text() == "已解除"
    assert page.locator("[data-testid=actions]").count() == 0
    timeline = page.locator("[data-testid=timeline]").inner_text()
    assert "发出未履行如实告知义务通知书" in timeline and "解除合同" in timeline
    shot(page, "rescission_case")

    for kind, title in (("rescission", "合同解除通知书"), ("vehicle_admin", "合同解除通报书")):
        assert page.locator(f"[data-testid=notices] tr[data-notice={kind}]").count() == 1
        pdf_href = page.locator(f"[data-testid=pdf-{kind}]").get_attribute("href")
        response = page.request.get(pdf_href)
        assert response.ok and response.headers["content-type"] == "application/pdf"
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
        assert title in text and plate in text and number in text and "刘晓东" in text

    page.goto(f"/rescissions/{case.pk}/notices/rescission/")
    sheet = page.locator(".sheet").inner_text()
    assert "机动车交通事故责任强制保险合同解除通知书" in sheet and plate in sheet and number in sheet
    shot(page, "rescission_notice")

    case = RescissionCase.objects.get(pk=case.pk)
    assert case.status == Status.RESCINDED
    assert Policy.objects.get(pk=case.policy_id).status == Policy.Status.RESCINDED
