"""The insurer's claim list and claim page in a real browser: open claims nearest deadline first, colour-coded
(rule M13); the claim page records the survey dispatch and shows the met clock."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from apps.claims.models import Claim
from tests.claims.factories import make_claim
from tests.factories import OrganizationFactory, user_of


def test_insurer_claim_list_and_page(transactional_db, browser_page):
    insurer = OrganizationFactory(kind="insurer", name="人保财险(浏览器测试)")
    other = OrganizationFactory(kind="insurer", name="平安产险(浏览器测试)")
    user = user_of("insurer", organization=insurer, username="claims_browser")
    now = timezone.now()
    make_claim(user=user, number="BR-CALM", reported_at=now - dt.timedelta(minutes=5))
    make_claim(user=user, number="BR-LATE", reported_at=now - dt.timedelta(hours=2))
    make_claim(user=user_of("insurer", organization=other, username="claims_browser_b"), number="BR-OTHER",
               reported_at=now - dt.timedelta(hours=3))

    page = browser_page(user)
    page.click("nav.mainnav >> text=解除与理赔")  # the menu of the group …
    page.click("nav.mainnav >> text=理赔案件")  # … and its page
    page.wait_for_url("**/claims/")
    page.locator("[data-testid=claim-row]").first.wait_for()  # the list has loaded (count() does not wait)
    rows = page.locator("[data-testid=claim-row]")
    assert rows.count() == 2  # the other insurer's claim is not there
    assert rows.nth(0).get_attribute("data-number") == "BR-LATE"  # overdue first …
    assert "bad" in rows.nth(0).get_attribute("class")  # … in red
    assert "已超期" in rows.nth(0).inner_text()
    assert rows.nth(1).get_attribute("data-number") == "BR-CALM"

    rows.nth(1).locator("a").first.click()
    assert "BR-CALM" in page.locator("[data-testid=claim-number]").inner_text()
    dispatch_row = page.locator("[data-testid=clocks-table] tr[data-rule='claim.dispatch']")
    assert "进行中" in dispatch_row.inner_text()
    form = page.locator("form[data-action=dispatch]")
    form.locator("input[name='dispatch-at']").fill(timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".messages li.success")
    assert "按时完成" in page.locator("[data-testid=clocks-table] tr[data-rule='claim.dispatch']").inner_text()
    assert page.locator("[data-testid=claim-status]").inner_text() == "已调度查勘"
    assert Claim.objects.get(number="BR-CALM").survey_dispatched_at is not None
