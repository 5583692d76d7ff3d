"""Underwriting rule checks (C2, P3, M11): the pure rules, and the SQL filter agreeing with them."""

import datetime as dt
from decimal import Decimal

import pytest

from apps.policies.models import Policy
from apps.policies.underwriting import CoverageLine, PolicyFacts, check_facts, flagged_policies, policy_flags
from tests.policies.factories import CoverageFactory, PolicyFactory, shanghai
from tests.vehicles.factories import VehicleFactory


def facts(**over) -> PolicyFacts:
    base = {"kind": "compulsory", "usage_nature_insured": "ride_hailing", "vehicle_usage_nature": "ride_hailing",
            "vehicle_seats": 5, "vehicle_registered_on": dt.date(2022, 3, 1), "starts_on": dt.date(2026, 5, 1),
            "coverages": ()}
    base.update(over)
    return PolicyFacts(**base)


def codes(f: PolicyFacts) -> list[str]:
    return [flag.code for flag in check_facts(f)]


def test_clean_operating_policy_has_no_flags():
    lines = (CoverageLine("carrier_liability", Decimal("1600000"), Decimal("400000"), 4),
             CoverageLine("seat", Decimal("500000"), Decimal("100000"), 5))
    assert codes(facts(kind="carrier_liability", coverages=lines)) == []


def test_c2_per_seat_minimum_400000():
    line = CoverageLine("carrier_liability", Decimal("1200000"), Decimal("300000"), 4)
    flags = check_facts(facts(kind="carrier_liability", coverages=(line,)))
    assert [f.code for f in flags] == ["c2_per_seat"]
    assert "300,000" in flags[0].message and "C2" in flags[0].message
    # derived from limit ÷ seats when the per-seat limit is not stated
    assert codes(facts(coverages=(CoverageLine("carrier_liability", Decimal("1000000"), None, 4),))) == ["c2_per_seat"]


def test_c2_all_passenger_seats_insured():
    line = CoverageLine("carrier_liability", Decimal("800000"), Decimal("400000"), 2)
    assert codes(facts(coverages=(line,))) == ["c2_seats"]  # 5 seats − driver = 4 to insure


@pytest.mark.parametrize(("kind", "per_seat", "insured", "flagged"), [
    ("seat", "100000", "ride_hailing", False),
    ("seat", "100001", "ride_hailing", True),  # operating: ≤ 100,000 per seat
    ("passenger_seat", "150000", "family", False),  # non-operating: ≤ 200,000
    ("passenger_seat", "250000", "family", True),
    ("driver_seat", "50000", "cruising_taxi", False),
    ("driver_seat", "60000", "cruising_taxi", True),  # operating, driver only: ≤ 50,000
    ("driver_seat", "100000", "family", False),
])
def test_p3_seat_cover_limits(kind, per_seat, insured, flagged):
    line = CoverageLine(kind, Decimal(per_seat) * 5, Decimal(per_seat), 5)
    f = facts(usage_nature_insured=insured, vehicle_usage_nature=insured, coverages=(line,))
    assert ("p3_seat" in codes(f)) is flagged


def test_p3_own_damage_on_operating_vehicles_of_ten_years():
    nine = facts(kind="own_damage", vehicle_registered_on=dt.date(2016, 5, 2))  # 9 years 364 days at start
    ten = facts(kind="own_damage", vehicle_registered_on=dt.date(2016, 5, 1))
    assert codes(nine) == []
    assert codes(ten) == ["p3_own_damage"]
    assert codes(facts(kind="own_damage", usage_nature_insured="family", vehicle_usage_nature="family",
                       vehicle_registered_on=dt.date(2010, 1, 1))) == []


def test_p3_theft_on_operating_vehicles_of_five_years():
    line = CoverageLine("theft", Decimal("80000"))
    assert codes(facts(kind="third_party", vehicle_registered_on=dt.date(2021, 5, 1), coverages=(line,))) == [
        "p3_theft"]
    assert codes(facts(kind="third_party", vehicle_registered_on=dt.date(2022, 5, 1), coverages=(line,))) == []


def test_m11_operating_vehicle_insured_as_non_operating():
    flags = check_facts(facts(usage_nature_insured="family"))
    assert [f.code for f in flags] == ["m11_usage"]
    assert "预约出租客运" in flags[0].message and "家庭自用" in flags[0].message


def test_sql_filter_agrees_with_the_pure_rules(db):
    start = shanghai(2026, 5, 1)
    old_taxi = VehicleFactory(usage_nature="cruising_taxi", registered_on=dt.date(2015, 1, 1))
    new_car = VehicleFactory(usage_nature="ride_hailing", registered_on=dt.date(2024, 1, 1))
    private = VehicleFactory(usage_nature="family", registered_on=dt.date(2010, 1, 1))
    cases = {
        "clean": PolicyFactory(vehicle=new_car, kind="third_party", starts_at=start),
        "own_damage_old": PolicyFactory(vehicle=old_taxi, kind="own_damage", usage_nature_insured="cruising_taxi",
                                        starts_at=start),
        "own_damage_private": PolicyFactory(vehicle=private, kind="own_damage", usage_nature_insured="family",
                                            starts_at=start),
        "m11": PolicyFactory(vehicle=new_car, kind="compulsory", usage_nature_insured="family", starts_at=start),
        "c2": PolicyFactory(vehicle=new_car, kind="carrier_liability", starts_at=start),
        "c2_seats": PolicyFactory(vehicle=new_car, kind="carrier_liability", starts_at=start),
        "seat": PolicyFactory(vehicle=new_car, kind="seat", starts_at=start),
        "theft": PolicyFactory(vehicle=old_taxi, kind="third_party", usage_nature_insured="cruising_taxi",
                               starts_at=start),
    }
    CoverageFactory(policy=cases["c2"], kind="carrier_liability", limit=Decimal("1200000"),
                    per_seat_limit=Decimal("300000"), seats=4)
    CoverageFactory(policy=cases["c2_seats"], kind="carrier_liability", limit=Decimal("1200000"),
                    per_seat_limit=Decimal("400000"), seats=3)
    CoverageFactory(policy=cases["seat"], kind="seat", limit=Decimal("1000000"), per_seat_limit=Decimal("200000"),
                    seats=5)
    CoverageFactory(policy=cases["theft"], kind="theft", limit=Decimal("50000"))
    policies = Policy.objects.select_related("vehicle").prefetch_related("coverages")
    expected = {p.pk for p in policies if policy_flags(p)}
    assert {cases[k].pk for k in ("own_damage_old", "m11", "c2", "c2_seats", "seat", "theft")} == expected
    assert set(flagged_policies(Policy.objects.all()).values_list("pk", flat=True)) == expected
    for code in ("c2_per_seat", "c2_seats", "p3_seat", "p3_own_damage", "p3_theft", "m11_usage"):
        by_sql = set(flagged_policies(Policy.objects.all(), code).values_list("pk", flat=True))
        by_python = {p.pk for p in policies if code in [f.code for f in policy_flags(p)]}
        assert by_sql == by_python, code


# Values around every bound of the rules (C2 400,000 per seat; P3 50,000 / 100,000 / 200,000 per seat), cents
# included: a limit shared by its seats is compared exactly (limit against seats × bound), in SQL and in Python.
_PER_SEAT = [None, Decimal("0"), Decimal("49999.99"), Decimal("50000"), Decimal("50000.01"), Decimal("100000"),
             Decimal("100000.01"), Decimal("199999.99"), Decimal("200000"), Decimal("200000.01"),
             Decimal("399999.99"), Decimal("400000"), Decimal("400000.01")]
_KINDS = ["carrier_liability", "seat", "passenger_seat", "driver_seat", "own_damage", "theft"]


@pytest.mark.parametrize("seed", range(3))
def test_c2_p3_m11_sql_filter_equals_the_pure_rules_on_random_books(db, seed):
    """The one-EXISTS SQL filter and ``check_facts`` flag the same policies, for any rule and for each rule, on
    random vehicles (operating or not, 2–9 seats, 1–16 years old or no registration date), policies (every kind,
    either usage) and coverage lines at and around every bound."""
    import random

    rng = random.Random(seed)
    natures = ["ride_hailing", "cruising_taxi", "family", "enterprise"]
    start = shanghai(2026, 5, 1)
    for _ in range(60):
        registered = None if rng.random() < 0.1 else dt.date(2026 - rng.randint(1, 16), rng.randint(1, 12), 1)
        vehicle = VehicleFactory(usage_nature=rng.choice(natures), seats=rng.randint(2, 9), registered_on=registered)
        policy = PolicyFactory(vehicle=vehicle, kind=rng.choice(["compulsory", "third_party", "own_damage",
                                                                  "carrier_liability", "seat"]),
                               usage_nature_insured=rng.choice(natures),
                               starts_at=start - dt.timedelta(days=rng.randint(0, 300)))
        for kind in rng.sample(_KINDS, rng.randint(0, 3)):
            seats = rng.choice([None, 0, 1, 3, 4, 6, 8])
            per_seat = rng.choice(_PER_SEAT)
            if per_seat is None and seats:  # a limit shared by the seats, at, just below or just above a bound
                bound = rng.choice(_PER_SEAT[2:])
                limit = bound * seats + rng.choice([Decimal("-0.01"), Decimal("0"), Decimal("0.01")])
            else:
                limit = rng.choice([Decimal("0"), Decimal("50000"), Decimal("1200000"), Decimal("1199999.99")])
            CoverageFactory(policy=policy, kind=kind, limit=max(limit, Decimal("0")), per_seat_limit=per_seat,
                            seats=seats)
    policies = list(Policy.objects.select_related("vehicle").prefetch_related("coverages"))
    flagged = {p.pk: {f.code for f in policy_flags(p)} for p in policies}
    assert any(flagged.values()) and not all(flagged.values())
    assert set(flagged_policies(Policy.objects.all()).values_list("pk", flat=True)) == {
        pk for pk, found in flagged.items() if found}
    for code in ("c2_per_seat", "c2_seats", "p3_seat", "p3_own_damage", "p3_theft", "m11_usage"):
        by_sql = set(flagged_policies(Policy.objects.all(), code).values_list("pk", flat=True))
        assert by_sql == {pk for pk, found in flagged.items() if code in found}, code


def test_c2_a_carrier_line_without_a_limit_is_below_the_minimum_per_seat():
    line = CoverageLine("carrier_liability", Decimal("0"), None, 4)
    assert "c2_per_seat" in codes(facts(coverages=(line,)))


def test_c2_a_shared_limit_a_cent_below_seats_times_the_minimum_is_below_it():
    """1,599,999.99 yuan for 4 seats is 399,999.9975 a seat: below 400,000, though it rounds to 400,000.00."""
    line = CoverageLine("carrier_liability", Decimal("1599999.99"), None, 4)
    assert "c2_per_seat" in codes(facts(coverages=(line,)))
