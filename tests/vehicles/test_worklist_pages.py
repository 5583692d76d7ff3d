"""Rule M9 worklist a page at a time (issue: the company's home and /vehicles/worklist/ verified the whole fleet per
request): ``WorklistRows`` lists the same vehicles, in the same order, with the same reasons as the reference
``company_worklist``, on random registers; the home tile counts them with one statement; the page's queries do not
grow with the fleet."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.policies.models import CoverageKind, CoverageRequirement, CoverageStandard, PolicyKind
from apps.policies.onboarding import WorklistRows, company_worklist, company_worklist_count
from apps.vehicles.models import OperatingPermit
from apps.vehicles.usage import UsageNature
from tests.policies.factories import CoverageFactory, PolicyFactory, shanghai
from tests.vehicles.factories import PermitFactory, VehicleFactory

pytestmark = pytest.mark.django_db

INSTANTS = (shanghai(2026, 3, 1), shanghai(2026, 7, 1, 9), shanghai(2026, 9, 30, 23, 59))


def _random_register(parties, rng: random.Random, *, vehicles: int, standard: bool) -> None:
    CoverageStandard.objects.all().delete()
    if standard:
        s = CoverageStandard.objects.create(name="随机", effective_from=dt.date(2026, 1, 1),
                                            status=CoverageStandard.Status.IN_FORCE)
        amounts = [None, Decimal("0"), Decimal("200000"), Decimal("500000"), Decimal("1000000")]
        kinds = rng.sample(CoverageKind.values, rng.randint(1, 4))
        if rng.random() < 0.6 and CoverageKind.COMPULSORY not in kinds:
            kinds.append(CoverageKind.COMPULSORY)
        for kind in kinds:
            CoverageRequirement.objects.create(
                standard=s, policy_kind=kind, min_limit=rng.choice(amounts[1:]), min_per_seat_limit=rng.choice(amounts),
                alternative_kinds=rng.sample([k for k in CoverageKind.values if k != kind], rng.randint(0, 2)))
    natures = [UsageNature.CRUISING_TAXI, UsageNature.RIDE_HAILING, UsageNature.FAMILY, *UsageNature.values]
    plates = rng.sample(range(100000), vehicles)  # random plate order against the id order
    for n in range(vehicles):
        good = rng.random() < 0.5
        vehicle = VehicleFactory(seats=rng.choice([5, 7] if good else [5, 7, 8]), online=rng.random() < 0.85,
                                 company=parties.company_a if rng.random() < 0.9 else parties.company_b,
                                 usage_nature=rng.choice(natures),
                                 plate=None if rng.random() < 0.1 else f"桂B{plates[n]:05d}")
        if good:  # a vehicle that passes, or only warns (an expiry soon, a standard's gap)
            kind = (OperatingPermit.Kind.CRUISING_TAXI if vehicle.usage_nature == UsageNature.CRUISING_TAXI
                    else OperatingPermit.Kind.RIDE_HAILING)
            PermitFactory(vehicle=vehicle, kind=kind, valid_from=dt.date(2026, 1, 1),
                          valid_to=dt.date(2026, rng.choice([3, 7, 8, 10, 12]), rng.choice([10, 20, 28])))
            for policy_kind in (PolicyKind.COMPULSORY, rng.choice(PolicyKind.values)):
                starts = shanghai(2026, 1, rng.choice([1, 15]))
                policy = PolicyFactory(vehicle=vehicle, insurer=parties.insurer_a, kind=policy_kind,
                                       usage_nature_insured=UsageNature.RIDE_HAILING, starts_at=starts,
                                       ends_at=starts + dt.timedelta(days=rng.choice([70, 190, 200, 280, 365])))
                for kind in {policy_kind, *rng.sample(CoverageKind.values, rng.randint(0, 2))}:
                    CoverageFactory(policy=policy, kind=kind, limit=Decimal("1000000"),
                                    per_seat_limit=rng.choice([Decimal("1000000"), Decimal("50000")]), seats=4)
            continue
        for _ in range(rng.randint(0, 2)):
            PermitFactory(vehicle=vehicle, kind=rng.choice(OperatingPermit.Kind.values),
                          valid_from=dt.date(2026, rng.randint(1, 2), 1),
                          valid_to=dt.date(2026, rng.randint(3, 12), rng.choice([1, 15, 28])))
        for _ in range(rng.randint(0, 4)):
            starts = shanghai(2026, rng.randint(1, 8), rng.choice([1, 15]))
            policy = PolicyFactory(
                vehicle=vehicle, insurer=rng.choice([parties.insurer_a, parties.insurer_b]),
                kind=rng.choice(PolicyKind.values), usage_nature_insured=rng.choice(natures), starts_at=starts,
                ends_at=starts + dt.timedelta(days=rng.choice([30, 75, 180, 365])),
                cancelled_at=shanghai(2026, 6, 1) if rng.random() < 0.1 else None)
            for kind in rng.sample(CoverageKind.values, rng.randint(0, 3)):
                CoverageFactory(policy=policy, kind=kind, limit=rng.choice([Decimal("200000"), Decimal("1000000")]),
                                per_seat_limit=rng.choice([None, Decimal("10000"), Decimal("50000")]), seats=4)


def _as_tuples(items):
    return [(i.vehicle.pk, i.failing, i.reasons) for i in items]


@pytest.mark.parametrize("seed", range(5))
def test_pages_equal_the_whole_fleet_worklist_on_random_registers(parties, seed):
    rng = random.Random(seed)
    _random_register(parties, rng, vehicles=30, standard=seed != 4)  # seed 4: no standard in force
    for at in INSTANTS:
        for include_warnings in (True, False):
            expected = company_worklist(company=parties.company_a, at=at, include_warnings=include_warnings)
            rows = WorklistRows(company=parties.company_a, at=at, include_warnings=include_warnings)
            assert len(rows) == len(expected), (seed, at, include_warnings)
            assert company_worklist_count(company=parties.company_a, at=at,
                                          include_warnings=include_warnings) == len(expected)
            # read in pages of 7 (as a paginator slices it): the same items in the same order
            paged = [item for start in range(0, len(rows), 7) for item in rows[start:start + 7]]
            assert _as_tuples(paged) == _as_tuples(expected), (seed, at, include_warnings)
    # the registers give both kinds of entries: failing ones and warnings only (ordered after them)
    listed = [i for at in INSTANTS for i in company_worklist(company=parties.company_a, at=at)]
    assert any(i.failing for i in listed) and any(not i.failing for i in listed), seed


def _failing_fleet(parties, n: int, start: int = 0) -> None:
    """``n`` online vehicles of company A without any policy (failing: uninsured, no permit)."""
    for i in range(n):
        VehicleFactory(company=parties.company_a, online=True, seats=5, plate=f"桂B{start + i:05d}")


def test_home_and_worklist_queries_do_not_grow_with_the_fleet(parties, client):
    client.force_login(parties.company_a_user)

    def measure():
        with CaptureQueriesContext(connection) as worklist:
            page = client.get(reverse("vehicles:worklist"))
        with CaptureQueriesContext(connection) as home:
            assert client.get(reverse("home")).status_code == 200
        assert page.status_code == 200
        return len(worklist.captured_queries), len(home.captured_queries), page

    _failing_fleet(parties, 60)
    small_worklist, small_home, page = measure()
    assert len(page.context["items"]) == 50  # the page's vehicles only
    _failing_fleet(parties, 90, start=100)
    large_worklist, large_home, page = measure()
    assert len(page.context["items"]) == 50
    assert (large_worklist, large_home) == (small_worklist, small_home)
    assert page.context["page"].paginator.count == 150
