"""Rules T1–T3: the admin calendar page (where a layer's year is entered) offers a "what if" preview — start instant
and rule (or unit and amount) and region give the due instant, whether the calendar was provisional and whether the
end rolled over: the same computation as ``manage.py clock_due``."""

from io import StringIO

import pytest
from django.core.management import call_command

from tests.factories import user_of

URL = "/admin/core/workcalendaryear/what-if/"


@pytest.fixture
def admin_client_(client, db):
    client.force_login(user_of("platform", username="what_if_admin", is_staff=True, is_superuser=True))
    return client


def clock_due(*args) -> list[str]:
    out = StringIO()
    call_command("clock_due", *args, stdout=out)
    return out.getvalue().splitlines()


def test_t2_the_arrangement_pages_offer_the_preview_form(admin_client_):
    for page in ("/admin/core/workcalendaryear/", "/admin/core/workcalendaryear/add/"):
        body = admin_client_.get(page).content.decode()
        assert 'data-testid="what-if-form"' in body and "时限计算预览" in body and URL in body


def test_t2_a_rule_in_liuzhou_is_due_after_sanyuesan_as_clock_due_says(admin_client_):
    start = "2026-04-16T15:00+08:00"
    response = admin_client_.get(URL, {"start": start, "rule": "claim.small_close", "region": "450200",
                                       "roll_over": "on"})
    body = response.content.decode()
    assert response.status_code == 200
    assert clock_due("--start", start, "--rule", "claim.small_close")[0] == "2026-04-23T23:59:59.999999+08:00"
    assert "2026-04-23T23:59:59.999999+08:00" in body
    assert 'data-testid="provisional">否' in body and 'data-testid="rolled-over">否' in body
    national = admin_client_.get(URL, {"start": start, "rule": "claim.small_close", "region": "000000"})
    assert "2026-04-21T23:59:59.999999+08:00" in national.content.decode()


def test_t1_a_unit_and_amount_roll_over_national_day(admin_client_):
    body = admin_client_.get(URL, {"start": "2026-09-02T10:00+08:00", "unit": "natural_days", "amount": "30",
                                   "roll_over": "on"}).content.decode()
    assert "2026-10-08T23:59:59.999999+08:00" in body
    assert 'data-testid="rolled-over">是' in body and "2026-10-02" in body


def test_t3_a_year_without_arrangement_is_provisional(admin_client_):
    start = "2031-06-02T10:00+08:00"
    body = admin_client_.get(URL, {"start": start, "unit": "working_days", "amount": "3"}).content.decode()
    first, provisional = clock_due("--start", start, "--unit", "working_days", "--amount", "3")[:2]
    assert provisional == "provisional: yes"
    assert first in body and 'data-testid="provisional">是' in body


def test_t1_errors_name_the_field(admin_client_):
    body = admin_client_.get(URL, {"start": "next tuesday", "rule": "claim.decision"}).content.decode()
    assert "不是 ISO 8601 格式的时间" in body and 'data-testid="what-if-result"' not in body
    body = admin_client_.get(URL, {"start": "2026-04-16T10:00+08:00"}).content.decode()
    assert "请选择时限规则，或填写计算单位和期限长度" in body


def test_t1_the_preview_is_for_administrators_only(client, db):
    client.force_login(user_of("insurer", username="what_if_insurer"))
    response = client.get(URL, {"start": "2026-04-16T10:00+08:00", "rule": "claim.decision"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
