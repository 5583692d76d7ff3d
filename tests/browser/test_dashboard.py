"""In a real Chromium: the regulator's home numbers lead to the dashboard, whose charts Chart.js draws from the JSON
endpoints without a script error, each chart's CSV downloads, and the joint monthly report downloads as PDF."""

import csv
import io

import pytest

from tests.dashboard.conftest import build_city


@pytest.fixture
def city(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return build_city()


def _watch_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_regulator_dashboard_draws_every_chart_and_downloads_csv(city, browser_page):
    page = browser_page(city.parties.regulator_user)
    errors = _watch_errors(page)
    assert page.locator("[data-tile=deadlines-watched] .dash-tile-value").inner_text() == "1"
    page.locator("[data-testid=dashboard-links]").get_by_role("link", name="线索闭环漏斗").click()
    page.wait_for_url("**/dashboard/**")
    assert page.locator("h1").inner_text() == "监管看板"
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-chart]')].every(c => c.dataset.state === 'ready')")
    cards = page.locator("[data-chart]")
    assert cards.count() == 7  # and the ride-hailing compliance chart, empty in this city (no ride-hailing data)
    assert page.locator("#chart-ridehailing").count() == 1
    for key in ("funnel", "rescissions", "claims", "complaints", "screening", "sanctions"):
        canvas = page.locator(f"#chart-{key} canvas").first
        assert canvas.is_visible(), key
        box = canvas.bounding_box()
        assert box["width"] > 200 and box["height"] > 100, key
    # Chart.js drew into the canvas: some pixel is not blank
    painted = page.evaluate("""() => {
        const c = document.querySelector('#chart-funnel canvas');
        const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < data.length; i += 4) { if (data[i] !== 0) return true; }
        return false;
    }""")
    assert painted
    page.locator("#chart-rescissions summary").click()
    assert "人保财险(测试)" in page.locator("#chart-rescissions .dash-table-body").inner_text()

    with page.expect_download() as download_info:
        page.click("[data-testid=csv-funnel]")
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    text = open(download.path(), encoding="utf-8-sig").read()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["月份", "方向", "发现"]
    assert sum(int(r[2]) for r in rows[1:] if r[1] == "交通→保险") == 3  # the regulator's audience: pushed leads
    assert errors == []


def test_regulator_downloads_the_joint_report(city, browser_page):
    page = browser_page(city.parties.regulator_user)
    errors = _watch_errors(page)
    page.goto("/dashboard/report/")
    assert page.locator("h1").inner_text() == "联合监管月报"
    frame = page.frame_locator("[data-testid=report-preview]")
    assert "总体情况" in frame.locator("body").inner_text()
    with page.expect_download() as download_info:
        page.click("[data-testid=report-pdf]")
    with open(download_info.value.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert errors == []
