"""The home page is the role's dashboard: what the organisation must act on today as numbers that link to the lists
showing exactly those items, then the apps' panels; and the clock list behind the numbers."""

import re

import pytest

from apps.core.notifications import notify_users

TILE = re.compile(r'<a class="dash-tile[^"]*" href="([^"]+)" data-tile="([^"]+)"[^>]*>\s*'
                  r'<span class="dash-tile-value">(\d+)</span>')


def _tiles(client, user) -> dict[str, tuple[int, str]]:
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    return {key: (int(value), url.replace("&amp;", "&")) for url, key, value in TILE.findall(html)}


@pytest.mark.parametrize("name", ["transport", "regulator", "ins_assoc", "taxi_assoc", "company_a", "insurer_a"])
def test_every_number_links_to_a_list_the_user_may_open(client, city, name):
    user = getattr(city.parties, f"{name}_user")
    tiles = _tiles(client, user)
    assert "deadlines-breached" in tiles and "notifications-unread" in tiles
    for key, (_value, url) in tiles.items():
        assert client.get(url).status_code == 200, (name, key, url)


def test_numbers_of_each_party_on_the_crafted_city(client, city):
    p = city.parties
    regulator = _tiles(client, p.regulator_user)
    assert regulator["deadlines-watched"][0] == 1  # insurer A's overdue survey dispatch (C2), rule M13
    assert regulator["deadlines-breached"][0] == 0
    assert regulator["leads-verified"] == (1, "/leads/?status=verified")  # L3 waits for the offline check
    assert regulator["rescissions-open"][0] == 1 and regulator["rescissions-lapsed"][0] == 0
    assert regulator["actions-open"][0] == 2

    transport = _tiles(client, p.transport_user)
    assert transport["leads-drafts"] == (1, "/leads/outbox/?status=new")  # L4
    assert transport["leads-verified"][0] == 1  # L5, reported by company A
    assert transport["complaints-open"][0] == 2 and transport["complaints-new"][0] == 1
    assert "deadlines-watched" not in transport and "rescissions-open" not in transport

    insurer_a = _tiles(client, p.insurer_a_user)
    assert insurer_a["deadlines-breached"] == (1, "/dashboard/deadlines/?when=breached")
    assert insurer_a["claims-open"][0] == 2 and insurer_a["rescissions-open"][0] == 0
    assert insurer_a["actions-against"][0] == 1 and insurer_a["complaints-open"][0] == 1
    insurer_b = _tiles(client, p.insurer_b_user)
    assert insurer_b["deadlines-breached"][0] == 0 and insurer_b["claims-open"][0] == 1
    assert insurer_b["rescissions-open"][0] == 1 and insurer_b["actions-against"][0] == 0

    company = _tiles(client, p.company_a_user)
    assert company["actions-against"][0] == 1 and company["vehicles-failing"][0] == 0
    assert _tiles(client, p.company_b_user)["actions-against"][0] == 0


def test_home_shows_numbers_then_chart_links_then_the_apps_panels(client, city):
    client.force_login(city.parties.regulator_user)
    html = client.get("/").content.decode()
    tiles, links, panels = (html.index('data-testid="tiles"'), html.index('data-testid="dashboard-links"'),
                            html.index('class="panels"'))
    assert tiles < links < panels
    assert 'data-panel="rescissions.watcher"' in html and 'data-panel="leads-inbox"' in html
    assert "/dashboard/#chart-rescissions" in html and "/dashboard/report/" in html
    client.force_login(city.parties.insurer_a_user)
    html = client.get("/").content.decode()
    assert "/dashboard/report/" not in html and "/dashboard/#chart-funnel" not in html
    assert "/dashboard/#chart-claims" in html


def test_unread_notifications_are_counted_and_link_to_the_centre(client, city):
    from apps.core.models import Notification

    user = city.parties.insurer_b_user
    before = Notification.objects.filter(user=user, read_at__isnull=True).count()  # the city's own (worklist …)
    notify_users(users=[user], title="第 20 天提醒")
    notify_users(users=[user], title="新的核查清单")
    value, url = _tiles(client, user)["notifications-unread"]
    assert (value, url) == (before + 2, "/notifications/?show=unread")
    assert "新的核查清单" in client.get(url).content.decode()


def test_deadline_list_shows_the_breached_clocks_with_links_to_their_subject(client, city):
    p = city.parties
    client.force_login(p.insurer_a_user)
    html = client.get("/dashboard/deadlines/", {"when": "breached"}).content.decode()
    assert f"/claims/{city.c2.pk}/" in html and city.c2.number in html
    assert city.c1.number not in html  # dispatched in time
    client.force_login(p.insurer_b_user)
    html = client.get("/dashboard/deadlines/", {"when": "breached", "scope": "others"}).content.decode()
    assert city.c2.number not in html and "没有符合条件的时限" in html  # an insurer cannot widen its scope
    client.force_login(p.regulator_user)
    assert city.c2.number in client.get("/dashboard/deadlines/", {"when": "breached", "scope": "others"}).content.decode()
    assert city.c2.number not in client.get("/dashboard/deadlines/", {"when": "breached"}).content.decode()


def test_deadline_list_filters_by_rule_and_lists_what_is_open(client, city):
    client.force_login(city.parties.insurer_a_user)
    html = client.get("/dashboard/deadlines/", {"rule": "claim.documents_list"}).content.decode()
    assert city.c1.number in html and city.c2.number in html
    html = client.get("/dashboard/deadlines/", {"rule": "claim.dispatch"}).content.decode()
    assert city.c2.number in html and city.c1.number not in html  # C1's dispatch clock is met


def test_home_and_dashboard_in_english(client, city, period_query):
    client.force_login(city.parties.regulator_user)
    client.cookies["django_language"] = "en"
    home = client.get("/").content.decode()
    assert "Watched clocks breached" in home and "Supervision dashboard" in home and "Lead funnel" in home
    assert "Today is" in home
    charts = client.get("/dashboard/", period_query).content.decode()
    assert "Download CSV" in charts and "Rescission timeliness" in charts
    data = client.get("/api/v1/dashboard/charts/funnel/", period_query).json()
    assert data["title"] == "Lead funnel" and [c["label"] for c in data["columns"]][:3] == ["Month", "Direction",
                                                                                            "Identified"]
