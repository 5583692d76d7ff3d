"""Browser tests of the registers: the import preview with a bad row, the import's progress reaching 100 %, and
the onboarding check (rule M9) with its "mark online" button."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.vehicles.models import Vehicle
from tests.factories import OrganizationFactory, user_of
from tests.imports.helpers import VEHICLE_HEADERS, csv_bytes, vehicle_rows
from tests.policies.factories import CoverageFactory, PolicyFactory
from tests.vehicles.factories import PermitFactory, VehicleFactory


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.mark.celery_worker
def test_import_preview_then_valid_rows_with_progress(browser_page, celery_worker, media, tmp_path):
    user = user_of("transport", organization=OrganizationFactory(kind="transport", name="交通运输局(浏览器)"),
                   username="browser_transport")
    rows = vehicle_rows(6)
    rows[3][0] = "桂B-7003"  # spreadsheet row 5: a dash in the plate (rule J1)
    path = tmp_path / "车辆.csv"
    path.write_bytes(csv_bytes(VEHICLE_HEADERS, rows))

    page = browser_page(user)
    page.goto("/imports/")
    page.select_option("select[name=kind]", "vehicles")
    page.set_input_files("input[name=file]", str(path))
    page.click("[data-testid=import-upload] button[type=submit]")
    page.wait_for_selector("[data-testid=import-summary]")
    assert page.inner_text("[data-testid=count-valid]") == "5"
    assert page.inner_text("[data-testid=count-invalid]") == "1"
    error = page.locator("[data-testid=import-errors] tbody tr").first
    assert error.locator("[data-testid=error-row]").inner_text() == "5"
    assert error.locator("[data-testid=error-column]").inner_text() == "号牌号码"
    assert "J1" in error.locator("[data-testid=error-reason]").inner_text()
    assert Vehicle.objects.count() == 0  # the preview wrote nothing

    page.click("[data-testid=import-valid]")
    page.wait_for_selector("[data-testid=import-progress-done]", timeout=30000)
    assert page.inner_text("[data-testid=import-progress-done] [data-testid=progress-percent]") == "100 %"
    assert page.inner_text("[data-testid=import-status]") == "已完成"
    assert "新增 5 行" in page.inner_text("[data-testid=import-outcome]")
    assert Vehicle.objects.count() == 5


def test_onboarding_check_fail_and_pass_then_online(browser_page, transactional_db):
    company = OrganizationFactory(kind="taxi_company", name="龙城出租(浏览器)")
    insurer = OrganizationFactory(kind="insurer", name="人保财险(浏览器)")
    user = user_of("taxi_company", organization=company, username="browser_company")
    now = timezone.now()
    unlicensed = VehicleFactory(plate="桂BD10001", company=None)
    ready = VehicleFactory(plate="桂BD10002", company=None)
    PermitFactory(vehicle=ready, valid_from=dt.date(2025, 1, 1), valid_to=dt.date(2030, 12, 31))
    for vehicle in (unlicensed, ready):
        for kind, line in (("compulsory", None), ("third_party", {"limit": Decimal("1000000")}),
                           ("carrier_liability", {"limit": Decimal("1600000"), "per_seat_limit": Decimal("400000"),
                                                  "seats": 4})):
            policy = PolicyFactory(vehicle=vehicle, insurer=insurer, kind=kind, starts_at=now - dt.timedelta(days=10),
                                   ends_at=now + dt.timedelta(days=300))
            if line:
                CoverageFactory(policy=policy, kind=kind, **line)

    page = browser_page(user)
    page.goto("/vehicles/onboarding/")
    page.fill("[data-testid=onboarding-query]", "桂BD10001")
    page.click("[data-testid=onboarding-run]")
    page.wait_for_selector("[data-testid=onboarding-result]")
    assert page.inner_text("[data-testid=onboarding-verdict]") == "不通过"
    assert "没有有效的网络预约出租汽车运输证" in page.inner_text("[data-testid=onboarding-reasons]")
    assert page.locator("[data-testid=mark-online]").is_disabled()

    page.fill("[data-testid=onboarding-query]", "桂BD10002")
    page.click("[data-testid=onboarding-run]")
    page.wait_for_selector("[data-testid=onboarding-result]")
    assert page.inner_text("[data-testid=onboarding-verdict]") == "通过"
    page.click("[data-testid=mark-online]")
    page.wait_for_selector("[data-testid=vehicle-title]")
    assert "已上线" in page.inner_text(".messages")
    ready.refresh_from_db()
    unlicensed.refresh_from_db()
    assert ready.online and ready.company == company
    assert not unlicensed.online
