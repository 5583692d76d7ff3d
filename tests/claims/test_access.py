"""An insurer sees only its own claims (page and API: 404 for the other's); the regulator and the insurance
association read all; the service-level table shows an insurer only its own row."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from apps.claims import selectors

from .factories import make_claim, sh

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_claims(parties):
    own = make_claim(user=parties.insurer_a_user, number="A-0001", reported_at=sh(2026, 11, 2, 9, 0))
    other = make_claim(user=parties.insurer_b_user, number="B-0001", reported_at=sh(2026, 11, 2, 10, 0))
    return own, other


def test_insurer_page_lists_only_its_own_claims(parties, client, two_claims):
    own, other = two_claims
    client.force_login(parties.insurer_a_user)
    for view in ("open", "all"):
        page = client.get(reverse("claims-list"), {"view": view}).content.decode()
        assert "A-0001" in page and "B-0001" not in page
    assert client.get(reverse("claims-detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("claims-detail", args=[other.pk])).status_code == 404
    # acting on the other insurer's claim is refused the same way
    response = client.post(reverse("claims-action", args=[other.pk, "dispatch"]), {"dispatch-at": "2026-11-02T10:30"})
    assert response.status_code == 404


def test_insurer_api_sees_only_its_own_claims(parties, api, two_claims):
    own, other = two_claims
    client = api.as_user(parties.insurer_a_user)
    numbers = [c["number"] for c in client.get("/api/v1/claims/").json()["results"]]
    assert numbers == ["A-0001"]
    assert client.get(f"/api/v1/claims/{own.pk}/").status_code == 200
    response = client.get(f"/api/v1/claims/{other.pk}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_regulator_and_association_read_every_claim(parties, api, client, two_claims):
    own, other = two_claims
    for user in (parties.regulator_user, parties.ins_assoc_user):
        numbers = sorted(c["number"] for c in api.as_user(user).get("/api/v1/claims/").json()["results"])
        assert numbers == ["A-0001", "B-0001"]
        client.force_login(user)
        assert client.get(reverse("claims-detail", args=[other.pk])).status_code == 200
        # reading is not recording
        assert client.post(reverse("claims-action", args=[other.pk, "dispatch"]),
                           {"dispatch-at": "2026-11-02T10:30"}).status_code == 403


def test_companies_and_transport_see_no_claims(parties, api, client, two_claims):
    for user in (parties.company_a_user, parties.transport_user, parties.taxi_assoc_user):
        assert api.as_user(user).get("/api/v1/claims/").status_code == 403
        client.force_login(user)
        assert client.get(reverse("claims-list")).status_code == 403


def test_sla_table_shows_an_insurer_only_its_own_row(parties, api, two_claims):
    start, end = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
    own_rows = selectors.sla_table(user=parties.insurer_a_user, start=start, end=end)
    assert [r.insurer_id for r in own_rows] == [parties.insurer_a.pk]
    all_rows = selectors.sla_table(user=parties.regulator_user, start=start, end=end)
    assert {parties.insurer_a.pk, parties.insurer_b.pk} <= {r.insurer_id for r in all_rows}
    body = api.as_user(parties.insurer_a_user).get("/api/v1/claims-sla/", {"start": start, "end": end}).json()
    assert [r["insurer"] for r in body["insurers"]] == [parties.insurer_a.pk]
    body = api.as_user(parties.insurer_a_user).get(
        "/api/v1/claims-sla/", {"start": start, "end": end, "insurer": parties.insurer_b.pk}).json()
    assert body["insurers"] == []
    assert api.as_user(parties.company_a_user).get("/api/v1/claims-sla/", {"start": start, "end": end}).status_code == 403
