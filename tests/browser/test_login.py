"""In a real Chromium: the Chinese login page, every role's home page, and switching to English."""

from apps.parties.models import ROLE_FOR_KIND, OrganizationKind, Role
from tests.browser.conftest import PASSWORD
from tests.factories import OrganizationFactory, user_of


def test_login_page_in_chinese_and_every_role_reaches_its_home(transactional_db, new_page):
    page = new_page()
    page.goto("/accounts/login/")
    assert page.locator("h1").inner_text() == "登录"
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.title().startswith("登录 · 柳州市客运车辆保险联合监管平台")

    for kind in OrganizationKind:
        user = user_of(kind, username=f"browser_{kind.value}", is_staff=kind == OrganizationKind.PLATFORM)
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        assert page.locator("h1").inner_text() == "工作台"
        role = page.locator("[data-testid=role]").inner_text()
        assert role.startswith(str(Role(ROLE_FOR_KIND[kind]).label)), (kind, role)
        assert str(user.organization) in page.locator("[data-testid=who]").inner_text()
        page.get_by_role("link", name="待办时限").click()
        page.wait_for_url("**/due/")
        assert page.locator("h1").inner_text() == "待办时限"
        page.get_by_role("button", name="退出").click()
        page.wait_for_url("**/accounts/login/")
        assert page.locator("h1").inner_text() == "登录"


def test_switching_to_english_shows_the_english_login_page(transactional_db, new_page):
    page = new_page()
    page.goto("/accounts/login/")
    assert page.locator("h1").inner_text() == "登录"
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert page.url.endswith("/accounts/login/")
    assert page.locator("h1").inner_text() == "Log in"
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Username" in page.locator("main form").inner_text()
    assert page.get_by_role("button", name="Log in").is_visible()

    user = user_of("insurer", username="browser_english")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    assert page.locator("h1").inner_text() == "Home"
    assert page.locator("[data-testid=role]").inner_text().startswith("Insurer staff")

    with page.expect_navigation():
        page.select_option("select[name=language]", "zh-hans")
    assert page.locator("h1").inner_text() == "工作台"


def test_supervisor_menu_fits_one_line_and_its_groups_open_one_at_a_time(transactional_db, browser_page):
    """The regulator has the most pages: grouped into drop-down menus they fit on one line of the top bar."""
    # the real names are long (and a long test run's numbered factory names were enough to wrap the bar)
    org = OrganizationFactory(kind=OrganizationKind.REGULATOR, name="国家金融监督管理总局柳州监管分局")
    user = user_of(OrganizationKind.REGULATOR, organization=org, username="browser_nav_regulator",
                   full_name="欧阳监管员12345")
    page = browser_page(user)
    page.set_viewport_size({"width": 1280, "height": 800})
    nav = page.locator("nav.mainnav")
    assert nav.bounding_box()["height"] < 40  # one line (it wrapped onto four before the groups)
    registers, leads = nav.locator("summary", has_text="登记册"), nav.locator("summary", has_text="线索")
    registers.click()
    assert nav.get_by_role("link", name="保单").is_visible()
    leads.click()  # opening another group closes the first
    assert nav.get_by_role("link", name="清单比对").is_visible()
    assert not nav.get_by_role("link", name="保单").is_visible()
    page.keyboard.press("Escape")
    assert not nav.get_by_role("link", name="清单比对").is_visible()
    registers.click()
    nav.get_by_role("link", name="保单").click()
    page.wait_for_url("**/policies/")
    assert "active" in nav.locator("details.navgroup", has_text="登记册").get_attribute("class")
