"""A public report filed in the browser and followed to feedback (rule M16)."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from apps.complaints import ratelimit
from apps.complaints.models import Complaint
from tests.factories import OrganizationFactory, user_of

pytestmark = pytest.mark.browser


@pytest.fixture
def orgs(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ratelimit.reset("127.0.0.1")
    transport = OrganizationFactory(kind="transport", name="柳州市交通运输局(浏览器)")
    OrganizationFactory(kind="regulator", name="柳州金融监管分局(浏览器)")
    officer = user_of("transport", organization=transport, username="browser_transport", full_name="赵警官")
    yield officer
    ratelimit.reset("127.0.0.1")


def test_m16_public_report_filed_and_followed_to_feedback(orgs, new_page, browser_page, tmp_path):
    officer = orgs
    photo = tmp_path / "car.png"
    from tests.complaints.factories import png_bytes

    photo.write_bytes(png_bytes())

    # 1. a citizen, no account: the guide picks the hotline
    page = new_page()
    page.goto("/complaints/report/")
    assert "网上举报" in page.locator("h1").inner_text()
    page.click("[data-testid=hotline-guide] a[data-category=private_car_carrying]")
    assert page.locator("input[name=hotline][value='12328']").is_checked()
    assert page.locator("select[name=category]").input_value() == "private_car_carrying"

    # 2. bad input: a clear Chinese message, nothing stored
    page.fill("input[name=plate]", "桂B-8888")
    page.fill("textarea[name=description]", "白色私家车在柳州站长期拉客，每人收费三十元。")
    when = (timezone.localtime() - dt.timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M")
    page.fill("input[name=occurred_at]", when)
    page.fill("input[name=location]", "柳州站东广场")
    page.fill("input[name=reporter_name]", "陈小红")
    page.fill("input[name=reporter_phone]", "13907721234")
    page.click("button[type=submit]")
    assert "号牌" in page.locator("#report-form").inner_text()
    assert Complaint.objects.count() == 0

    # 3. corrected and filed with a photo
    page.fill("input[name=plate]", "桂B8888A")
    page.set_input_files("input[name=photos]", str(photo))
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/complaints/report/done/"))
    tracking_no = page.locator("[data-testid=tracking-no]").inner_text().strip()
    code = page.locator("[data-testid=secret-code]").inner_text().strip()
    assert re.fullmatch(r"JB\d{6}[A-Z0-9]{6}", tracking_no) and len(code) == 8

    # 4. the status page shows progress
    page.click("text=查询办理进度")
    page.fill("input[name=tracking_no]", tracking_no)
    page.fill("input[name=code]", code)
    page.click("button[type=submit]")
    assert page.locator("[data-testid=status-label]").inner_text() == "已分办"

    # 5. the transport officer handles it: contact masked, verify, resolve, feed back
    staff = browser_page(officer)
    staff.goto("/complaints/staff/")
    staff.click(f"text={tracking_no}")
    masked = staff.locator("[data-testid=contact-masked]").inner_text()
    assert "139****1234" in masked and "13907721234" not in staff.content()
    staff.click("[data-testid=start-verifying]")
    staff.select_option("select[name=finding]", "substantiated")
    staff.fill("[data-testid=resolve-form] textarea[name=result]", "经现场核查，该车确有非法营运行为，已立案查处。")
    staff.click("[data-testid=resolve]")
    staff.fill("[data-testid=feedback-form] textarea[name=feedback]", "感谢您的举报。经核查情况属实，已依法查处该车辆。")
    staff.click("[data-testid=give-feedback]")
    assert "已反馈" in staff.locator("[data-testid=feedback-given]").inner_text()

    # 6. the citizen sees the final feedback
    page.goto("/complaints/status/")
    page.fill("input[name=tracking_no]", tracking_no)
    page.fill("input[name=code]", code)
    page.click("button[type=submit]")
    assert page.locator("[data-testid=status-label]").inner_text() == "已反馈"
    assert "已依法查处该车辆" in page.locator("[data-testid=feedback]").inner_text()
    complaint = Complaint.objects.get(tracking_no=tracking_no)
    assert complaint.status == "feedback_given" and complaint.photos.count() == 1
