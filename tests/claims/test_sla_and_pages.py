"""Service levels (rule M13, J11): the per-insurer SLA table computed in SQL (share met, median and 90th percentile
with percentile_cont, breaches), its chart, CSV/XLSX export and drill-down; the insurer's list by nearest deadline,
colour-coded; page actions; home panels; demo data."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from apps.claims import clocks, selectors
from apps.claims.models import Claim
from apps.core.deadlines import deadline_for
from apps.core.models import Deadline

from .factories import make_claim, make_policy, sh

pytestmark = pytest.mark.django_db
NOV = {"start": "2026-11-01", "end": "2026-11-30"}


@pytest.fixture
def dataset(parties):
    """Insurer A: dispatched after 20, 40, 50 and 90 minutes (the last one late). Insurer B: one claim overdue and
    not yet scanned, one reported ten minutes ago (running)."""
    a, b = parties.insurer_a_user, parties.insurer_b_user
    claims = {}
    for i, minutes in enumerate((20, 40, 50, 90)):
        reported = sh(2026, 11, 3 + i, 9, 0)
        claims[minutes] = make_claim(user=a, number=f"SLA-A-{minutes}", reported_at=reported,
                                     claim_requested_at=reported, survey_dispatched_at=reported + dt.timedelta(minutes=minutes))
    claims["overdue"] = make_claim(user=b, number="SLA-B-LATE", reported_at=timezone.now() - dt.timedelta(hours=3))
    claims["running"] = make_claim(user=b, number="SLA-B-NEW", reported_at=timezone.now() - dt.timedelta(minutes=10))
    return claims


def rows_by_insurer(table):
    return {row.insurer_id: row for row in table}


def test_sla_table_shares_percentiles_and_breaches(parties, dataset):
    table = rows_by_insurer(selectors.sla_table(user=parties.regulator_user, start=dt.date(2026, 11, 1),
                                                end=dt.date(2026, 11, 30)))
    a = table[parties.insurer_a.pk].cells[clocks.DISPATCH]
    assert (a.total, a.met, a.breached, a.running) == (4, 3, 1, 0)
    assert a.share_met == pytest.approx(0.75)
    assert a.median_seconds == pytest.approx(45 * 60)  # percentile_cont(0.5) of 20, 40, 50, 90 minutes
    assert a.p90_seconds == pytest.approx(78 * 60)  # 50 + 0.7 × (90 − 50)
    b = table[parties.insurer_b.pk].cells[clocks.DISPATCH]
    assert (b.total, b.met, b.breached, b.running) == (2, 0, 1, 1)  # overdue counts before the scan marks it
    assert b.median_seconds is None
    # documents-list clocks started at the claim requests (1 working day, rule J11), none met
    assert table[parties.insurer_a.pk].cells[clocks.DOCUMENTS_LIST].total == 4
    # an empty period
    empty = selectors.sla_table(user=parties.regulator_user, start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 31))
    assert all(not row.cells for row in empty)


def test_sla_page_chart_export_and_drill_down(parties, client, dataset):
    client.force_login(parties.ins_assoc_user)
    page = client.get(reverse("claims-sla"), NOV).content.decode()
    assert 'data-testid="sla-chart"' in page and "<svg" in page
    assert "75.0%" in page  # insurer A's dispatch share
    assert f"insurer={parties.insurer_a.pk}&rule=claim.dispatch" in page

    csv = b"".join(client.get(reverse("claims-sla"), {**NOV, "format": "csv"}).streaming_content).decode("utf-8")
    assert csv.startswith("\ufeff保险公司,时限,")
    line = next(row for row in csv.splitlines() if "人保财险" in row and "查勘调度" in row)
    assert ",4,3,1,0,0,0,75.0,0.75,1.3" in line  # … running 0, special 0, withdrawn 0, share …

    from openpyxl import load_workbook

    response = client.get(reverse("claims-sla"), {**NOV, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:2] == ["保险公司", "时限"]
    assert len(values) == 1 + len(clocks.RULES) * 2

    drill = client.get(reverse("claims-sla-breaches"),
                       {**NOV, "insurer": parties.insurer_a.pk, "rule": clocks.DISPATCH}).content.decode()
    assert "SLA-A-90" in drill and "SLA-A-20" not in drill and "SLA-B-LATE" not in drill
    everyone = client.get(reverse("claims-sla-breaches"), NOV).content.decode()
    assert "SLA-A-90" in everyone and "SLA-B-LATE" in everyone


def test_sla_api(parties, api, dataset):
    body = api.as_user(parties.regulator_user).get("/api/v1/claims-sla/", NOV).json()
    a = next(r for r in body["insurers"] if r["insurer"] == parties.insurer_a.pk)
    dispatch = next(c for c in a["clocks"] if c["rule"] == clocks.DISPATCH)
    assert dispatch["met"] == 3 and dispatch["breached"] == 1 and dispatch["median_seconds"] == pytest.approx(2700)
    bad = api.as_user(parties.regulator_user).get("/api/v1/claims-sla/", {"start": "2026-11-30", "end": "2026-11-01"})
    assert bad.status_code == 400


def test_taxi_association_sees_the_table_but_no_claims(parties, client, dataset):
    client.force_login(parties.taxi_assoc_user)
    page = client.get(reverse("claims-sla"), NOV).content.decode()
    assert "75.0%" in page and 'data-testid="drill"' not in page
    assert client.get(reverse("claims-sla-breaches"), NOV).status_code == 403


def test_insurer_list_nearest_deadline_first_and_colour_coded(parties, client):
    user = parties.insurer_a_user
    now = timezone.now()
    calm = make_claim(user=user, number="L-CALM", reported_at=now - dt.timedelta(minutes=5))
    near = make_claim(user=user, number="L-NEAR", reported_at=now - dt.timedelta(minutes=50))
    late = make_claim(user=user, number="L-LATE", reported_at=now - dt.timedelta(hours=2))
    done = make_claim(user=user, number="L-DONE", reported_at=now - dt.timedelta(days=3),
                      survey_dispatched_at=now - dt.timedelta(days=3) + dt.timedelta(minutes=30),
                      documents_requested_at=now - dt.timedelta(days=2))
    client.force_login(user)
    page = client.get(reverse("claims-list")).content.decode()
    order = [page.index(f'data-number="{n}"') for n in ("L-LATE", "L-NEAR", "L-CALM", "L-DONE")]
    assert order == sorted(order)
    row = {n: page[page.rfind("<tr", 0, page.index(f'data-number="{n}"')):page.index(f'data-number="{n}"')]
           for n in ("L-LATE", "L-NEAR", "L-CALM")}
    assert 'class="bad"' in row["L-LATE"] and 'class="warn"' in row["L-NEAR"] and 'class=""' in row["L-CALM"]
    assert {calm.pk, near.pk, late.pk, done.pk} == set(Claim.objects.values_list("pk", flat=True))


def test_page_records_a_claim_and_its_steps(parties, client):
    user = parties.insurer_a_user
    policy = make_policy(insurer=parties.insurer_a)
    client.force_login(user)
    response = client.post(reverse("claims-create"), {
        "number": "PAGE-0001", "policy_number": policy.number, "occurred_at": "2026-11-09T22:10",
        "reported_at": "2026-11-09T22:30", "location": "柳州市柳南区", "injured_passengers": "1",
        "amount_claimed": "4200.00",
    })
    claim = Claim.objects.get(number="PAGE-0001")
    assert response.status_code == 302 and response.url == reverse("claims-detail", args=[claim.pk])
    assert claim.reported_at == sh(2026, 11, 9, 22, 30) and claim.at_night is True
    client.post(reverse("claims-action", args=[claim.pk, "dispatch"]), {"dispatch-at": "2026-11-09T23:10"})
    assert deadline_for(rule=clocks.DISPATCH, subject=claim).status == Deadline.Status.MET
    response = client.post(reverse("claims-action", args=[claim.pk, "decision"]),
                           {"decision-at": "2026-11-10T10:00", "decision-decision": "refused"}, follow=True)
    assert "拒赔须填写理由" in response.content.decode()
    claim.refresh_from_db()
    assert claim.decision == ""
    # a bad policy number: a clear message, nothing recorded
    response = client.post(reverse("claims-create"), {
        "number": "PAGE-0002", "policy_number": "NOPE", "occurred_at": "2026-11-09T20:00",
        "reported_at": "2026-11-09T20:30", "injured_passengers": "0"})
    assert "未找到本公司保单" in response.content.decode()
    assert not Claim.objects.filter(number="PAGE-0002").exists()


def test_home_panels(parties, client, dataset):
    client.force_login(parties.insurer_b_user)
    page = client.get(reverse("home")).content.decode()
    assert 'data-panel="claims-due"' in page and "SLA-B-LATE" in page
    from apps.core.deadlines import deadline_scan

    deadline_scan()
    client.force_login(parties.regulator_user)
    page = client.get(reverse("home")).content.decode()
    assert 'data-panel="claims-breaches"' in page
    total, ranked = selectors.breaches_this_month(parties.regulator_user)
    assert total >= 1 and ranked[0][1] >= 1


def test_demo_seeder_is_idempotent(parties):
    for insurer in (parties.insurer_a, parties.insurer_b):
        for _ in range(3):
            make_policy(insurer=insurer)
    from apps.demo.seeders.claims import seed_demo

    out = io.StringIO()
    seed_demo(out)
    count = Claim.objects.count()
    assert count == 12
    assert Deadline.objects.filter(status=Deadline.Status.BREACHED).exists()
    assert Deadline.objects.filter(status=Deadline.Status.MET).exists()
    assert Claim.objects.filter(closed_at__isnull=False, decision="refused").exists()
    assert Claim.objects.filter(size="large", amount_agreed=Decimal("82000.00")).exists()
    seed_demo(out)
    assert Claim.objects.count() == count
    call_command("check")
