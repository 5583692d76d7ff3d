"""Keyset pagination (apps.core.pagination): following ``next`` reaches every row of a list, past the count bound,
in the list's order, with no duplicate and no gap — ascending and descending, with ties and NULLs in the ordering
field — at a number of queries per page that does not grow with the depth or the data; a cursor that was not made
by the list is a 400 in the user's language, on pages and in the API.

The bound is set low by configuration (``BoundedPaginator.bound``), so a few dozen rows go past it.
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.core.models import Notification
from apps.core.pagination import BoundedPaginator, InvalidCursor, Keyset
from apps.vehicles.models import Vehicle
from tests.clock import NOW

pytestmark = pytest.mark.django_db

BOUND = 20


@pytest.fixture
def low_bound(monkeypatch):
    monkeypatch.setattr(BoundedPaginator, "bound", BOUND)


def _vehicles(n: int, *, start: int = 0, null_plates: int = 0) -> None:
    """``n`` vehicles with plates (seats 4–7 repeat: ties) and ``null_plates`` new cars without one (rule J1)."""
    rows = [Vehicle(plate=f"桂B{start + i:05d}", vin=f"LKEYSET{start + i:010d}", seats=4 + (start + i) % 4)
            for i in range(n)]
    rows += [Vehicle(plate=None, vin=f"LKEYNUL{start + i:010d}", seats=4 + (start + i) % 4) for i in range(null_plates)]
    Vehicle.objects.bulk_create(rows)


def _notifications(user, n: int, *, distinct_instants: int) -> None:
    """``n`` notifications of ``user`` at only ``distinct_instants`` instants: many ties on ``created_at``."""
    Notification.objects.bulk_create([Notification(user=user, title=f"通知 {i}") for i in range(n)])
    for i, pk in enumerate(Notification.objects.filter(user=user).order_by("pk").values_list("pk", flat=True)):
        Notification.objects.filter(pk=pk).update(created_at=NOW - dt.timedelta(hours=i % distinct_instants))


def _follow(client, url: str) -> tuple[list[int], list[dict]]:
    """Every row id met following ``next`` from ``url``, and each page's body."""
    ids, bodies = [], []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        bodies.append(body)
        ids += [row["id"] for row in body["results"]]
        url = body["next"]
        assert len(bodies) < 100, "next never ends"
    return ids, bodies


# --- API -------------------------------------------------------------------------------------------------------

def test_api_next_reaches_every_vehicle_past_the_bound_ascending_with_null_plates(low_bound, parties, api):
    _vehicles(47, null_plates=6)
    client = api.as_user(parties.regulator_user)
    ids, bodies = _follow(client, "/api/v1/vehicles/?page_size=7")
    expected = list(Vehicle.objects.order_by("plate", "id").values_list("id", flat=True))  # NULL plates last
    assert len(expected) == 53 > BOUND
    assert ids == expected  # every row once, in the list's order: no duplicate, no gap
    assert bodies[0]["count"] == BOUND and bodies[0]["count_bounded"] is True
    assert all(set(b) == {"count", "count_bounded", "next", "previous", "results"} for b in bodies)
    assert all("cursor=k." in b["next"] for b in bodies[:-1])
    assert all(len(b["results"]) <= 7 for b in bodies)


def test_api_next_reaches_every_notification_descending_with_ties(low_bound, parties, api):
    user = parties.insurer_a_user
    _notifications(user, 45, distinct_instants=4)  # about 11 rows share each instant
    _notifications(parties.insurer_b_user, 5, distinct_instants=1)  # another user's: never listed
    ids, _bodies = _follow(api.as_user(user), "/api/v1/notifications/?page_size=4")
    expected = list(Notification.objects.filter(user=user).order_by("-created_at", "-pk").values_list("pk", flat=True))
    assert ids == expected and len(ids) == 45


def test_api_previous_of_a_cursor_page_is_the_page_before(low_bound, parties, api):
    _vehicles(40)
    client = api.as_user(parties.regulator_user)
    _ids, bodies = _follow(client, "/api/v1/vehicles/?page_size=6")
    third, fourth = bodies[2], bodies[3]
    back = client.get(fourth["previous"]).json()
    assert [r["id"] for r in back["results"]] == [r["id"] for r in third["results"]]


def test_api_page_numbers_still_jump_within_the_bound(low_bound, parties, api):
    _vehicles(30)
    client = api.as_user(parties.regulator_user)
    body = client.get("/api/v1/vehicles/?page_size=5&page=3").json()
    expected = list(Vehicle.objects.order_by("plate", "id").values_list("id", flat=True))
    assert [r["id"] for r in body["results"]] == expected[10:15]
    assert "page=2" in body["previous"]
    nxt = client.get(body["next"]).json()  # the cursor continues the numbered page
    assert [r["id"] for r in nxt["results"]] == expected[15:20]


@pytest.mark.parametrize("cursor", [
    "garbage", "k.", "k.eyJvIjoiLWlkIn0:1abc:forged", "1",
])
def test_api_tampered_cursor_is_a_400_in_the_users_language(parties, api, cursor):
    _vehicles(3)
    response = api.as_user(parties.regulator_user).get("/api/v1/vehicles/", {"cursor": cursor})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_cursor"
    assert error["message"] == "翻页链接无效或已被修改，请回到列表第一页重新翻页。"


def test_api_cursor_edited_or_of_another_list_is_a_400(low_bound, parties, api):
    _vehicles(30)
    client = api.as_user(parties.regulator_user)
    token = client.get("/api/v1/vehicles/?page_size=5").json()["next"].split("cursor=")[1].split("&")[0]
    edited = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert client.get("/api/v1/vehicles/", {"cursor": edited}).status_code == 400
    # a vehicles cursor names the ordering (plate, id): the notifications list (-created_at, -id) refuses it
    from urllib.parse import unquote
    response = client.get("/api/v1/notifications/", {"cursor": unquote(token)})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_cursor"
    assert client.get("/api/v1/vehicles/", {"cursor": unquote(token)}).status_code == 200


def test_api_queries_per_cursor_page_do_not_grow_with_depth_or_data(low_bound, parties, api):
    client = api.as_user(parties.insurer_a_user)
    user = parties.insurer_a_user

    def queries_per_page() -> set[int]:
        counts, url = [], "/api/v1/notifications/?page_size=5"
        while url:
            with CaptureQueriesContext(connection) as ctx:
                body = client.get(url).json()
            counts.append(len(ctx.captured_queries))
            sql = " ".join(q["sql"] for q in ctx.captured_queries)
            if "cursor=" in url:
                assert " OFFSET " not in sql  # a keyset page never skips rows
            url = body["next"]
        return set(counts[1:])  # the cursor pages

    _notifications(user, 30, distinct_instants=3)
    small = queries_per_page()
    _notifications(user, 60, distinct_instants=7)
    large = queries_per_page()
    assert len(small) == 1 and large == small


# --- the shared paginator (pages) ------------------------------------------------------------------------------

@pytest.mark.parametrize("ordering, expected_ordering", [
    (("plate",), ("plate", "id")),
    (("-plate",), ("-plate", "-id")),  # NULLs first descending
    (("seats", "-plate"), ("seats", "-plate", "-id")),  # ties on seats, mixed directions, nullable second field
    (("-seats", "plate"), ("-seats", "plate", "id")),
    (("-seats", "id"), ("-seats", "id")),
])
def test_paginator_cursor_pages_cover_every_row_both_ways(low_bound, ordering, expected_ordering):
    _vehicles(41, null_plates=7)
    qs = Vehicle.objects.order_by(*ordering)
    expected = list(Vehicle.objects.order_by(*expected_ordering).values_list("id", flat=True))
    paginator = BoundedPaginator(qs, 6)
    page = paginator.get_page(1)
    pages, seen = [page], [v.id for v in page]
    while True:
        if getattr(page, "is_keyset", False):
            token = page.next_cursor
        elif page.has_next():
            token = page.next_page_number()  # numbered pages up to the bound …
        else:
            token = page.cursor_after  # … then the cursor after the last of them
        if token is None:
            break
        page = paginator.get_page(token)
        pages.append(page)
        seen += [v.id for v in page]
    assert seen == expected
    assert any(getattr(p, "is_keyset", False) for p in pages)
    # and back from the last page by ``previous_cursor``: every row before it, in order
    back, page = [], pages[-1]
    while page.previous_cursor:
        page = paginator.get_page(page.previous_cursor)
        back = [v.id for v in page] + back
    assert back + [v.id for v in pages[-1]] == expected


def test_keyset_follows_model_ordering_and_refuses_what_it_cannot_serve():
    from django.db.models import F

    assert Keyset.of(Vehicle.objects.all()).signature == "plate,id"
    assert Keyset.of(Notification.objects.all()).signature == "-created_at,-id"
    assert Keyset.of(Vehicle.objects.order_by("company__name")) is None  # a related field: page numbers only
    assert Keyset.of(Vehicle.objects.order_by(F("seats").desc())) is None
    assert Keyset.of(Vehicle.objects.order_by("?")) is None
    assert Keyset.of([1, 2, 3]) is None
    with pytest.raises(InvalidCursor):
        Keyset.of(Vehicle.objects.all()).decode(Keyset.of(Notification.objects.all()).encode(
            Notification(pk=1, created_at=NOW)))


# --- HTML list pages -------------------------------------------------------------------------------------------

def test_page_next_goes_past_the_bound_by_keyset(low_bound, monkeypatch, parties, client):
    from apps.vehicles.views import VehicleListView

    monkeypatch.setattr(VehicleListView, "paginate_by", 8)
    _vehicles(39, null_plates=3)
    client.force_login(parties.regulator_user)
    expected = list(Vehicle.objects.order_by("plate", "id").values_list("plate", "vin"))
    url, shown, pages = reverse("vehicles:list"), [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        shown += re.findall(r"桂B\d{5}|LKEYNUL\d{10}", html)
        pages += 1
        found = re.search(r'<a href="\?([^"]*)">下一页</a>', html)
        url = reverse("vehicles:list") + "?" + unescape(found.group(1)) if found else None
        assert pages < 50
    # each vehicle's plate (or the VIN of a car without one) appears on exactly one page, in the list's order
    wanted = [plate or vin for plate, vin in expected]
    assert list(dict.fromkeys(shown)) == wanted
    assert pages > BOUND // 8 + 1  # the pages went past the bound


def test_page_tampered_cursor_is_a_400_page_in_chinese(parties, client):
    _vehicles(3)
    client.force_login(parties.regulator_user)
    response = client.get(reverse("vehicles:list"), {"page": "k.forged:cursor"})
    assert response.status_code == 400
    assert "翻页链接无效或已被修改" in response.content.decode()


# --- the big lists' keyset pages are index ranges ----------------------------------------------------------------

def _big_lists(parties):
    from apps.claims.models import Claim
    from apps.exchange.models import Batch
    from apps.leads.models import Lead
    from apps.policies.models import Policy

    insurer, company, user = parties.insurer_a, parties.company_a, parties.insurer_a_user
    return {
        "policies (whole list)": Policy.objects.order_by("-starts_at", "-id"),
        "policies (an insurer's)": Policy.objects.filter(insurer=insurer).order_by("-starts_at", "-id"),
        "claims (whole list)": Claim.objects.order_by("-reported_at", "-id"),
        "claims (an insurer's)": Claim.objects.filter(insurer=insurer).order_by("-reported_at", "-id"),
        "vehicles (whole register)": Vehicle.objects.order_by("plate", "id"),
        "vehicles (a company's ledger)": Vehicle.objects.filter(company=company).order_by("plate", "id"),
        "leads": Lead.objects.order_by("-created_at", "-id"),
        "exchange batches": Batch.objects.order_by("-created_at", "-id"),
        "exchange batches (a sender's)": Batch.objects.filter(sender=insurer).order_by("-created_at"),
        "notifications": Notification.objects.filter(user=user).order_by("-created_at", "-pk"),
    }


def _plans(queryset, values, *, incremental_sort: bool = True) -> list[str]:
    keyset = Keyset.of(queryset)
    from apps.core.pagination import Position

    with connection.cursor() as cursor:
        # the plan a big table gets, on a small one: a Sort still shows when no index gives the list's order
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")
        # without an Incremental Sort either, only an index in the list's whole order avoids a Sort
        cursor.execute(f"SET LOCAL enable_incremental_sort = {'on' if incremental_sort else 'off'}")
    return [qs[:51].explain() for qs in keyset.page_querysets(queryset, Position(values))]


def test_big_lists_keyset_pages_are_index_ranges_without_sort(parties):
    """A deep page costs what the first does: each segment of a keyset page of a big list is an index scan in the
    list's order, bounded by the cursor (Index Cond). Nothing the scan finds is sorted as a whole: at most an
    Incremental Sort presorted on the first ordering field, which sorts the rows of one value of it (the batches
    of one instant by id; one vehicle per plate), never what lies beyond the page."""
    lists = _big_lists(parties)
    samples = {"plate": "桂B00010", "starts_at": NOW, "reported_at": NOW, "created_at": NOW, "id": 10 ** 6}
    for name, queryset in lists.items():
        keyset = Keyset.of(queryset)
        values = tuple(samples.get(f.attname, 10 ** 6) for f, _d in keyset.fields)
        for plan in _plans(queryset, values):
            sorts = [line.strip() for line in plan.splitlines() if "Sort" in line and "Key" not in line]
            assert all(s.startswith("->  Incremental Sort") for s in sorts), (name, plan)
            if sorts:
                assert f"Presorted Key: {keyset.fields[0][0].attname}\n" in plan + "\n", (name, plan)
            assert "Index Cond" in plan, (name, plan)
        # the NULL plates of the register come in index order too (vehicle_plate_id)
    # (the plate's unique index with an Incremental Sort of the NULL plates by id costs the same on a small table,
    # so the planner may take either there: the check is that an index gives the whole order)
    null_segment = _plans(lists["vehicles (whole register)"], (None, 10 ** 6), incremental_sort=False)
    assert len(null_segment) == 1 and "Sort" not in null_segment[0], null_segment
