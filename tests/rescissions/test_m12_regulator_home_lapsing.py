"""The regulator's home lists the rescission cases about to lapse (rules M12, J5): open cases whose decision clock is
due within RESCISSION_LAPSING_PANEL_DAYS days, by insurer, with counts linking to the filtered case list."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from apps.parties.models import OrganizationKind
from apps.rescissions.panels import lapsing_panel
from tests.factories import OrganizationFactory

from .factories import days_ago, open_case

pytestmark = pytest.mark.django_db

ROW = re.compile(r'<a href="(/rescissions/\?state=open&amp;insurer=(\d+)&amp;due_within=(\d+))">([^<]+)</a></td>\s*'
                 r'<td><span class="badge warn">(\d+)</span>')


def _rows(html: str) -> dict[str, tuple[int, str]]:
    return {name: (int(count), url.replace("&amp;", "&")) for url, _pk, _days, name, count in ROW.findall(html)}


def _home(client, user) -> str:
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_m12_regulator_home_counts_cases_due_within_five_days_by_insurer_and_links_the_filtered_list(
        client, parties):
    due_a = [open_case(parties.insurer_a, known_at=days_ago(27)), open_case(parties.insurer_a, known_at=days_ago(28))]
    due_b = open_case(parties.insurer_b, known_at=days_ago(25))  # due on day 30 (or the next working day)
    later_b = open_case(parties.insurer_b, known_at=days_ago(10))  # 20 days or more left: not about to lapse
    html = _home(client, parties.regulator_user)
    assert 'data-panel="rescissions.lapsing"' in html and "5 日内解除权将消灭的案件" in html
    rows = _rows(html)
    assert rows[parties.insurer_a.name][0] == 2 and rows[parties.insurer_b.name][0] == 1
    assert list(rows) == [parties.insurer_a.name, parties.insurer_b.name]  # the soonest deadline first
    listed = client.get(rows[parties.insurer_b.name][1]).content.decode()
    assert due_b.number in listed and later_b.number not in listed and due_a[0].number not in listed
    listed_a = client.get(rows[parties.insurer_a.name][1]).content.decode()
    assert all(case.number in listed_a for case in due_a) and due_b.number not in listed_a


def test_m12_lapsing_window_follows_its_setting(client, parties, settings):
    settings.RESCISSION_LAPSING_PANEL_DAYS = 25
    open_case(parties.insurer_b, known_at=days_ago(10))
    html = _home(client, parties.regulator_user)
    assert "25 日内解除权将消灭的案件" in html and _rows(html)[parties.insurer_b.name][0] == 1


def test_m12_lapsing_panel_says_so_when_nothing_is_about_to_lapse(client, parties):
    open_case(parties.insurer_a, known_at=days_ago(3))
    html = _home(client, parties.regulator_user)
    assert "没有 5 日内到期的办理中案件。" in html and not _rows(html)


@pytest.mark.parametrize("name", ["insurer_a", "ins_assoc", "taxi_assoc", "company_a", "transport"])
def test_m12_only_the_regulator_gets_the_lapsing_panel(client, parties, name):
    open_case(parties.insurer_a, known_at=days_ago(27))
    assert 'data-panel="rescissions.lapsing"' not in _home(client, getattr(parties, f"{name}_user"))


def _panel_queries(user) -> int:
    request = RequestFactory().get("/")
    request.user = user
    with CaptureQueriesContext(connection) as captured:
        render_to_string("rescissions/panel_lapsing.html", {"panel": lapsing_panel(request)})
    return len(captured.captured_queries)


def test_m12_lapsing_panel_queries_do_not_grow_with_cases_or_insurers(parties):
    open_case(parties.insurer_a, known_at=days_ago(27))
    few = _panel_queries(parties.regulator_user)
    for i in range(3):
        insurer = OrganizationFactory(kind=OrganizationKind.INSURER, name=f"测试财险{i}")
        open_case(insurer, known_at=days_ago(26 + i))
        open_case(parties.insurer_b, known_at=days_ago(25 + i))
    assert _panel_queries(parties.regulator_user) == few
