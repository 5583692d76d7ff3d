"""The pages each role's user guide (docs/user-guide/<role>.md) shows, opened in a browser with the demo data.

Run with ``LZ_SCREENSHOTS=1`` to (re)write the pictures into docs/user-guide/img/; without it the test still
opens every page the guides describe and checks it shows what the guide says it shows. Each role's home page and
main list are also taken at phone width (390×844, ``<role>_phone_home`` / ``<role>_phone_list``).
"""

from __future__ import annotations

import pytest
from django.core.management import call_command

from apps.demo.management.commands.seed_demo import DEMO_PASSWORD
from apps.parties.models import User

from .conftest import SHOT_PHONE, shot

pytestmark = pytest.mark.browser

# role → [(screenshot name, path, text the page must show)]
GUIDE = {
    "transport": [
        ("transport_home", "/", "交通执法人员"),
        ("transport_leads", "/leads/outbox/", "线索"),
        ("transport_penalties", "/leads/penalties/", "处罚决定"),
        ("transport_complaints", "/complaints/staff/", "12328"),
    ],
    "regulator": [
        ("regulator_home", "/", "金融监管人员"),
        ("regulator_leads", "/leads/", "线索"),
        ("regulator_rescissions", "/rescissions/compliance/", "合同解除"),
        ("regulator_claims_sla", "/claims/sla/", "理赔"),
        ("regulator_report", "/dashboard/report/", "联合监管"),
    ],
    "ins_assoc": [
        ("ins_assoc_home", "/", "保险行业协会人员"),
        ("ins_assoc_risk", "/leads/risk/", "风险识别模型"),
        ("ins_assoc_claims_analytics", "/claims/analytics/", "理赔"),
        ("ins_assoc_charts", "/dashboard/", "线索闭环漏斗"),
    ],
    "taxi_assoc": [
        ("taxi_assoc_home", "/", "出租汽车行业协会人员"),
        ("taxi_assoc_credit", "/credit/", "信用"),
        ("taxi_assoc_actions", "/credit/actions/", "监管措施"),
    ],
    "longcheng": [
        ("company_home", "/", "出租汽车企业人员"),
        ("company_vehicles", "/vehicles/", "车辆"),
        ("company_onboarding_form", "/vehicles/onboarding/", "核查"),
        ("company_worklist", "/vehicles/worklist/", "车辆"),
    ],
    "picc": [
        ("insurer_home", "/", "保险公司人员"),
        ("insurer_policies", "/policies/", "保单"),
        ("insurer_rescissions", "/rescissions/", "解除权"),
        ("insurer_claims", "/claims/", "理赔"),
    ],
}
# role → (screenshot prefix, its main list): the home page and that list at phone width (390×844)
PHONE_GUIDE = {
    "transport": ("transport", "/leads/outbox/"),
    "regulator": ("regulator", "/rescissions/"),
    "ins_assoc": ("ins_assoc", "/policies/"),
    "taxi_assoc": ("taxi_assoc", "/credit/actions/"),
    "longcheng": ("company", "/vehicles/"),
    "picc": ("insurer", "/policies/"),
}
PUBLIC = [
    ("public_report", "/complaints/report/", "12328"),
    ("public_status", "/complaints/status/", "查询"),
]


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call_command("seed_demo", quiet_logins=True, verbosity=0)


def test_user_guide_pages_show_what_the_guides_say(demo, browser_page, new_page):
    for username, pages in GUIDE.items():
        user = User.objects.get(username=username)
        page = browser_page(user, DEMO_PASSWORD)
        for name, path, text in pages:
            response = page.goto(path)
            assert response.ok, (username, path, response.status)
            assert text in page.locator("main, body").first.inner_text(), (username, path, text)
            shot(page, name)
        # on a phone: the due panel first on the home page, the list's first rows above its closed filters
        page.set_viewport_size(SHOT_PHONE)
        prefix, path = PHONE_GUIDE[username]
        assert page.goto("/").ok
        assert page.locator("[data-testid=due-panel]").is_visible(), username
        shot(page, f"{prefix}_phone_home", SHOT_PHONE)
        assert page.goto(path).ok
        assert page.locator("main table tbody tr:not(:has(td[colspan]))").first.is_visible(), (username, path)
        assert not page.locator("details.filterbox form").is_visible(), (username, path)
        shot(page, f"{prefix}_phone_list", SHOT_PHONE)
        page.context.close()
    page = new_page()
    for name, path, text in PUBLIC:
        response = page.goto(path)
        assert response.ok and text in page.inner_text("body"), (path, text)
        shot(page, name)
