"""The layout on a phone (390×844) and on a desktop (1440×900), with the demo data: the navigation collapses
behind a menu button, the organisation's due clocks come first on every home page, and wide tables scroll inside
the page instead of widening it or squeezing a column to a character per line."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from apps.demo.management.commands.seed_demo import DEMO_PASSWORD
from apps.leads.models import Lead
from apps.parties.models import User

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
ROLES = ["transport", "regulator", "ins_assoc", "taxi_assoc", "longcheng", "picc"]
# role → list pages with wide tables (each also opens the page of its first row)
LISTS = {
    "regulator": ["/rescissions/", "/rescissions/compliance/", "/policies/", "/vehicles/", "/claims/sla/",
                  "/dashboard/deadlines/"],
    "picc": ["/policies/", "/rescissions/", "/claims/"],
    "transport": ["/leads/outbox/", "/leads/penalties/", "/complaints/staff/"],
    "taxi_assoc": ["/credit/", "/credit/actions/"],
    "longcheng": ["/vehicles/", "/vehicles/worklist/"],
}

# Cells whose text is squeezed: narrower than their text would be on one line, and narrower than ~3 characters.
NARROW_CELLS = """() => {
  const probe = document.createElement("span");
  probe.style.cssText = "position:absolute;visibility:hidden;white-space:nowrap;left:-9999px";
  document.body.appendChild(probe);
  const out = [];
  for (const cell of document.querySelectorAll("main td, main th")) {
    if (!cell.offsetWidth) continue;
    const text = cell.innerText.trim().split("\\n").reduce((a, b) => (b.length > a.length ? b : a), "");
    if (text.length < 2) continue;
    const style = getComputedStyle(cell);
    probe.style.font = style.font;
    probe.textContent = text;
    const natural = probe.getBoundingClientRect().width;
    const size = parseFloat(style.fontSize);
    const content = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    if (content + 1 < Math.min(natural, 3 * size * 0.9)) out.push(text.slice(0, 20) + " (" + Math.round(content) + "px)");
  }
  probe.remove();
  return out;
}"""

# The innermost elements reaching past the right edge of the screen (to name the culprit of a sideways scroll).
WIDE_ELEMENTS = """() => Array.from(document.querySelectorAll("body *"))
  .filter(el => el.getBoundingClientRect().right > innerWidth + 1 && !el.closest(".table-wrap"))
  .filter(el => !Array.from(el.children).some(c => c.getBoundingClientRect().right > innerWidth + 1))
  .slice(0, 3).map(el => el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ")[0] : ""))"""


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call_command("seed_demo", quiet_logins=True, verbosity=0)


def _page_width_problems(page, path):
    problems = []
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > page.viewport_size["width"]:
        wide = page.evaluate(WIDE_ELEMENTS)
        problems.append(f"{path}: the page scrolls sideways ({width}px wide; {wide})")
    unreachable = page.evaluate("""() => Array.from(document.querySelectorAll(".table-wrap"))
        .filter(w => w.scrollWidth > w.clientWidth + 1 && w.tabIndex < 0).length""")
    if unreachable:
        problems.append(f"{path}: {unreachable} scrolling table(s) cannot take the keyboard focus")
    narrow = page.evaluate(NARROW_CELLS)
    if narrow:
        problems.append(f"{path}: squeezed table cells {narrow[:5]}")
    return problems


def _nav_problems(page, path):
    """On a phone the navigation is collapsed behind the menu button, which opens it (mouse and keyboard)."""
    problems = []
    nav = page.locator("nav#mainnav")
    toggle = page.locator("button.navtoggle")
    if not toggle.is_visible():
        return [f"{path}: no menu button"]
    header = page.locator("header.topbar").bounding_box()["height"]
    if nav.is_visible() or header > 160:
        problems.append(f"{path}: the navigation is not collapsed (header {header:.0f}px)")
    if toggle.get_attribute("aria-expanded") != "false" or toggle.get_attribute("aria-controls") != "mainnav":
        problems.append(f"{path}: the menu button does not say it is collapsed / what it controls")
    toggle.click()
    if not nav.is_visible() or toggle.get_attribute("aria-expanded") != "true":
        problems.append(f"{path}: the menu button does not open the navigation")
    elif not nav.locator("a, summary").first.is_visible():
        problems.append(f"{path}: the opened navigation shows no entry")
    page.keyboard.press("Escape")
    if nav.is_visible() or toggle.get_attribute("aria-expanded") != "false":
        problems.append(f"{path}: Escape does not close the navigation")
    toggle.focus()
    page.keyboard.press("Enter")
    if not nav.is_visible():
        problems.append(f"{path}: the menu button does not open the navigation from the keyboard")
    page.keyboard.press("Escape")
    return problems


def test_phone_collapses_the_navigation_shows_due_work_first_and_keeps_tables_inside_the_screen(demo, browser_page):
    problems = []
    for username in ROLES:
        page = browser_page(User.objects.get(username=username), DEMO_PASSWORD)
        page.set_viewport_size(PHONE)
        assert page.goto("/").ok
        problems += _nav_problems(page, f"{username} /")
        due = page.locator("[data-testid=due-panel]")
        if not due.count():
            problems.append(f"{username} /: no due panel")
        else:
            top = due.bounding_box()["y"]
            if top >= PHONE["height"] * 0.6:
                problems.append(f"{username} /: the due panel starts at {top:.0f}px, below the first screen")
            first = page.evaluate("""() => Array.from(document.querySelector("main").children)
                .find(el => !el.matches(".page-head, .messages")).dataset.testid""")
            if first != "due-panel":
                problems.append(f"{username} /: the first content after the header is {first!r}, not the due panel")
        problems += _page_width_problems(page, f"{username} /")
        for path in LISTS.get(username, []):
            response = page.goto(path)
            assert response.ok, (username, path, response.status)
            problems += _page_width_problems(page, f"{username} {path}")
            detail = page.locator("main table td a[href^='/']").first  # and the page of the first row
            if detail.count():
                href = detail.get_attribute("href")
                assert page.goto(href).ok, (username, href)
                problems += _page_width_problems(page, f"{username} {href}")
        problems += _nav_problems(page, f"{username} {LISTS.get(username, ['/'])[-1]}")
        page.context.close()
    assert not problems, "\n".join(problems)


def test_desktop_keeps_the_navigation_open_and_the_vehicle_profile_policy_table_readable(demo, browser_page):
    page = browser_page(User.objects.get(username="transport"), DEMO_PASSWORD)  # the demo leads are its drafts
    page.set_viewport_size(DESKTOP)
    assert page.goto("/").ok
    assert not page.locator("button.navtoggle").is_visible()
    nav = page.locator("nav#mainnav")
    assert nav.is_visible() and nav.bounding_box()["height"] < 50  # one line, as before
    assert page.locator("[data-testid=due-panel]").is_visible()
    # a lead whose vehicle profile (车辆画像) lists policies
    checked = 0
    for lead in Lead.objects.order_by("pk")[:40]:
        if not page.goto(f"/leads/{lead.pk}/").ok:
            continue
        cells = page.locator("[data-testid=vehicle-picture] table td")
        if cells.count() < 4:
            continue
        checked += 1
        assert _page_width_problems(page, f"/leads/{lead.pk}/") == []
        if checked >= 3:
            break
    assert checked, "no lead of the demo data shows a vehicle profile with policies"


# role → its main list pages (the worklists and registers the role opens most)
MAIN_LISTS = {
    "transport": ["/leads/outbox/", "/complaints/staff/"],
    "regulator": ["/rescissions/", "/policies/"],
    "ins_assoc": ["/policies/", "/vehicles/drivers/"],
    "taxi_assoc": ["/credit/actions/", "/credit/"],
    "longcheng": ["/vehicles/", "/vehicles/worklist/"],
    "picc": ["/policies/", "/claims/", "/rescissions/"],
}


def test_phone_collapses_list_filters_so_the_first_row_is_on_the_first_screen(demo, browser_page, browser,
                                                                               live_server):
    """At 390×844 a list's filter form starts closed behind its 筛选 disclosure when no filter is set, so the first
    row of the list is on the first screen (before, the rescission list's form pushed it below); the summary opens
    it. A set filter keeps the form open and is named in the summary; on a desktop the form is simply shown."""
    problems = []
    for username, paths in MAIN_LISTS.items():
        page = browser_page(User.objects.get(username=username), DEMO_PASSWORD)
        page.set_viewport_size(PHONE)
        for path in paths:
            assert page.goto(path).ok, (username, path)
            row = page.locator("main table tbody tr:not(:has(td[colspan]))").first  # not "no rows"
            if not row.count():
                problems.append(f"{username} {path}: no table row")
                continue
            box = row.bounding_box()
            if box["y"] + box["height"] > PHONE["height"]:
                problems.append(f"{username} {path}: the first row ends at {box['y'] + box['height']:.0f}px, "
                                f"below the first screen ({PHONE['height']}px)")
            filters = page.locator("details.filterbox")
            if filters.count() and (filters.get_attribute("open") is not None or filters.locator("form").is_visible()):
                problems.append(f"{username} {path}: the filter form is open on a phone with no filter set")
        page.context.close()
    assert not problems, "\n".join(problems)

    page = browser_page(User.objects.get(username="regulator"), DEMO_PASSWORD)
    page.set_viewport_size(PHONE)
    assert page.goto("/rescissions/").ok
    filters = page.locator("details.filterbox")
    assert not filters.locator("select[name=state]").is_visible()
    filters.locator("summary").click()  # opens by hand
    expect(filters.locator("select[name=state]")).to_be_visible()
    assert page.goto("/rescissions/?state=all&q=%E6%A1%82B").ok  # a filter set: open, and named
    assert filters.locator("input[name=q]").is_visible()
    active = filters.locator("[data-testid=active-filters]")
    assert active.is_visible() and "号牌/保单号 桂B" in active.inner_text() and "范围 全部" in active.inner_text()
    page.set_viewport_size(DESKTOP)  # wide: the form shown, the summary not
    assert page.goto("/rescissions/").ok
    assert filters.locator("select[name=state]").is_visible() and not filters.locator("summary").is_visible()
    page.set_viewport_size(PHONE)  # and narrow again: closed (when the media query's change event has run)
    expect(filters.locator("select[name=state]")).to_be_hidden()

    # without JavaScript the disclosure stays open, and its summary closes it
    context = browser.new_context(java_script_enabled=False, base_url=live_server.url, viewport=PHONE)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "regulator")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    assert page.goto("/rescissions/").ok
    filters = page.locator("details.filterbox")
    assert filters.locator("select[name=state]").is_visible()
    filters.locator("summary").click()
    expect(filters.locator("select[name=state]")).to_be_hidden()
    context.close()
