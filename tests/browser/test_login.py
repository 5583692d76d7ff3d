from tests.factories import user_of


def test_login_page_in_chinese_and_home_for_role(transactional_db, browser_page, new_page):
    page = new_page()
    page.goto("/accounts/login/")
    assert page.locator("h1").inner_text() == "登录"
    user = user_of("insurer", username="browser_insurer")
    page = browser_page(user)
    assert "工作台" in page.locator("h1").inner_text()
    assert "保险公司人员" in page.locator("[data-testid=role]").inner_text()
