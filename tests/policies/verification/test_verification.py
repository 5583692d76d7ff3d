"""Insurance verification (rules M1, M6, M10, J7): one case per finding, and set-based == per-vehicle."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from apps.policies.models import CoverageStandard, PolicyKind
from apps.policies.services import coverage_standard_decide, coverage_standard_propose
from apps.policies.verification import Finding, verify_vehicle, verify_vehicles
from apps.vehicles.models import Vehicle
from apps.vehicles.usage import UsageNature
from tests.policies.factories import CoverageFactory, PolicyFactory, joint_standard, shanghai
from tests.vehicles.factories import PermitFactory, VehicleFactory

T = shanghai(2026, 6, 1, 12)


def _fully_insured(vehicle, insurer, **kw):
    """Compulsory + third party 1,000,000 + carrier liability 400,000/seat, all as ride-hailing (operating)."""
    c = PolicyFactory(vehicle=vehicle, insurer=insurer, kind=PolicyKind.COMPULSORY, **kw)
    tp = PolicyFactory(vehicle=vehicle, insurer=insurer, kind=PolicyKind.THIRD_PARTY, **kw)
    CoverageFactory(policy=tp, kind="third_party", limit=Decimal("1000000"))
    cl = PolicyFactory(vehicle=vehicle, insurer=insurer, kind=PolicyKind.CARRIER_LIABILITY, **kw)
    CoverageFactory(policy=cl, kind="carrier_liability", limit=Decimal("1600000"), per_seat_limit=Decimal("400000"),
                    seats=4)
    return c, tp, cl


@pytest.fixture
def scenarios(parties):
    ins_a, ins_b = parties.insurer_a, parties.insurer_b
    # rule M10: a jointly published standard (the migrations put none in force)
    joint_standard(name="默认保障标准（测试）", proposer=parties.ins_assoc, approver=parties.taxi_assoc)
    s = {}
    # fully insured operating vehicle
    s["ok"] = VehicleFactory()
    PermitFactory(vehicle=s["ok"])
    _fully_insured(s["ok"], ins_a)
    # M6: operating (valid ride-hailing permit) but insured as non-operating (家庭自用)
    s["non_operating"] = VehicleFactory(usage_nature=UsageNature.FAMILY)
    PermitFactory(vehicle=s["non_operating"])
    _fully_insured(s["non_operating"], ins_a, usage_nature_insured=UsageNature.FAMILY)
    # expired policy → uninsured
    s["expired"] = VehicleFactory()
    PermitFactory(vehicle=s["expired"])
    PolicyFactory(vehicle=s["expired"], insurer=ins_a, starts_at=shanghai(2025, 5, 1), ends_at=shanghai(2026, 5, 1))
    # J7: two compulsory policies in force, from two insurers; the later-starting one is to be cancelled
    s["double"] = VehicleFactory()
    _fully_insured(s["double"], ins_a)
    s["double_later"] = PolicyFactory(vehicle=s["double"], insurer=ins_b, kind=PolicyKind.COMPULSORY,
                                      starts_at=shanghai(2026, 5, 20), ends_at=shanghai(2027, 5, 20))
    # coverage gaps: third party 500,000; carrier liability 300,000 per seat
    s["gap"] = VehicleFactory()
    PermitFactory(vehicle=s["gap"])
    PolicyFactory(vehicle=s["gap"], insurer=ins_b, kind=PolicyKind.COMPULSORY)
    tp = PolicyFactory(vehicle=s["gap"], insurer=ins_b, kind=PolicyKind.THIRD_PARTY)
    CoverageFactory(policy=tp, kind="third_party", limit=Decimal("500000"))
    cl = PolicyFactory(vehicle=s["gap"], insurer=ins_b, kind=PolicyKind.CARRIER_LIABILITY)
    CoverageFactory(policy=cl, kind="carrier_liability", limit=Decimal("1200000"), per_seat_limit=Decimal("300000"),
                    seats=4)
    # only compulsory → third party and carrier liability missing
    s["missing"] = VehicleFactory()
    PolicyFactory(vehicle=s["missing"], insurer=ins_b)
    # M1: 8 seats → not in scope
    s["big"] = VehicleFactory(seats=8)
    PolicyFactory(vehicle=s["big"], insurer=ins_a, usage_nature_insured=UsageNature.HIGHWAY_PASSENGER)
    # rescinded before T / cancelled after T
    s["rescinded"] = VehicleFactory()
    PolicyFactory(vehicle=s["rescinded"], insurer=ins_a, status="rescinded", rescinded_at=shanghai(2026, 5, 20))
    s["cancel_later"] = VehicleFactory()
    PolicyFactory(vehicle=s["cancel_later"], insurer=ins_a, status="cancelled", cancelled_at=shanghai(2026, 7, 1))
    # permit revoked before T, but online in a company ledger → still operating
    s["online"] = VehicleFactory(company=parties.company_a, online=True)
    PermitFactory(vehicle=s["online"], revoked_at=shanghai(2026, 5, 15))
    # no policy at all, permit expired on the day before T
    s["nothing"] = VehicleFactory(plate=None)
    PermitFactory(vehicle=s["nothing"], valid_to=dt.date(2026, 5, 31))
    return s


def test_fully_insured_operating_vehicle_has_no_findings(scenarios):
    r = verify_vehicle(scenarios["ok"], T)
    assert r.finding == Finding.INSURED_AS_OPERATING
    assert r.is_operating and r.has_valid_permit and not r.wrongly_insured
    assert r.coverage_gaps == ()
    assert set(r.policies_by_kind) == {"compulsory", "third_party", "carrier_liability"}
    assert r.usage_natures_insured == (UsageNature.RIDE_HAILING,)
    assert not r.double_compulsory


def test_m6_operating_permit_with_non_operating_policy(scenarios):
    r = verify_vehicle(scenarios["non_operating"], T)
    assert r.finding == Finding.INSURED_AS_NON_OPERATING
    assert r.is_operating
    assert r.wrongly_insured
    assert r.usage_natures_insured == (UsageNature.FAMILY,)


def test_expired_policy_means_uninsured(scenarios):
    r = verify_vehicle(scenarios["expired"], T)
    assert r.finding == Finding.UNINSURED
    assert r.policies == ()
    assert r.wrongly_insured
    # but at an instant inside the old period it was insured
    assert verify_vehicle(scenarios["expired"], shanghai(2026, 4, 1)).finding == Finding.INSURED_AS_OPERATING


def test_policy_ends_exactly_at_its_end_instant(scenarios):
    assert verify_vehicle(scenarios["expired"], shanghai(2026, 5, 1)).finding == Finding.UNINSURED
    just_before = shanghai(2026, 5, 1) - dt.timedelta(microseconds=1)
    assert verify_vehicle(scenarios["expired"], just_before).finding == Finding.INSURED_AS_OPERATING


def test_j7_double_compulsory_later_starting_is_to_cancel(scenarios):
    r = verify_vehicle(scenarios["double"], T)
    assert r.double_compulsory
    assert r.double_compulsory_to_cancel == (scenarios["double_later"].pk,)
    assert len(r.policies_by_kind["compulsory"]) == 2
    assert len(r.insurer_ids) == 2
    # before the second one starts there is no double insurance
    assert not verify_vehicle(scenarios["double"], shanghai(2026, 5, 10)).double_compulsory


def test_m10_coverage_gaps_against_standard(scenarios):
    r = verify_vehicle(scenarios["gap"], T)
    assert r.finding == Finding.INSURED_AS_OPERATING
    gaps = {g.kind: g for g in r.coverage_gaps}
    assert set(gaps) == {"third_party", "carrier_liability"}
    assert gaps["third_party"].actual_limit == Decimal("500000")
    assert gaps["third_party"].required_limit == Decimal("1000000")
    assert "100 万元" in gaps["third_party"].message and "50 万元" in gaps["third_party"].message
    assert gaps["carrier_liability"].actual_per_seat_limit == Decimal("300000")
    assert gaps["carrier_liability"].required_per_seat_limit == Decimal("400000")  # rule C2
    assert not any(g.missing for g in r.coverage_gaps)


def test_missing_coverages_are_gaps(scenarios):
    r = verify_vehicle(scenarios["missing"], T)
    assert {g.kind for g in r.coverage_gaps if g.missing} == {"third_party", "carrier_liability"}
    assert "缺少第三者责任险" in next(g.message for g in r.coverage_gaps if g.kind == "third_party")


def test_m1_eight_seats_not_in_scope(scenarios):
    r = verify_vehicle(scenarios["big"], T)
    assert r.finding == Finding.NOT_IN_SCOPE
    assert not r.in_scope
    assert r.coverage_gaps == ()
    assert len(r.policies) == 1


def test_rescinded_and_cancelled_dates_decide(scenarios):
    assert verify_vehicle(scenarios["rescinded"], T).finding == Finding.UNINSURED
    assert verify_vehicle(scenarios["rescinded"], shanghai(2026, 5, 10)).finding == Finding.INSURED_AS_OPERATING
    assert verify_vehicle(scenarios["cancel_later"], T).finding == Finding.INSURED_AS_OPERATING


def test_operating_by_online_ledger_or_permit(scenarios):
    r = verify_vehicle(scenarios["online"], T)
    assert r.valid_permits == () and r.online and r.is_operating
    r = verify_vehicle(scenarios["nothing"], T)
    assert not r.is_operating and r.finding == Finding.UNINSURED and not r.wrongly_insured
    assert verify_vehicle(scenarios["nothing"], shanghai(2026, 5, 31, 23, 59)).is_operating


def test_standard_in_force_at_t_is_used(scenarios, parties):
    vehicle = scenarios["gap"]
    proposed = coverage_standard_propose(
        actor=parties.ins_assoc_user, name="2027 版", effective_from=dt.date(2027, 1, 1),
        requirements=[{"policy_kind": "compulsory"}, {"policy_kind": "third_party", "min_limit": "500000"}],
    )
    old = CoverageStandard.objects.get(name__startswith="默认")
    assert old.effective_to is None  # a proposal changes nothing until the other association approves (M10)
    assert verify_vehicle(vehicle, shanghai(2027, 1, 2)).standard_id == old.pk
    coverage_standard_decide(actor=parties.taxi_assoc_user, standard=proposed, approve=True)
    old.refresh_from_db()
    assert old.effective_to == dt.date(2026, 12, 31)
    before = verify_vehicle(vehicle, T)
    assert before.standard_id == old.pk and len(before.coverage_gaps) == 2
    after = verify_vehicle(vehicle, shanghai(2027, 1, 2))
    assert after.standard_id != old.pk and after.coverage_gaps == ()


@pytest.mark.parametrize("at", [T, shanghai(2026, 5, 10), shanghai(2026, 5, 1), shanghai(2027, 5, 1, 0, 0)])
def test_set_based_equals_per_vehicle(scenarios, at):
    ids = [v.pk for v in scenarios.values() if isinstance(v, Vehicle)]
    by_ids = verify_vehicles(ids, at)
    by_qs = verify_vehicles(Vehicle.objects.filter(pk__in=ids, seats__lte=100), at)
    assert set(by_ids) == set(ids) == set(by_qs)
    for vehicle_id in ids:
        one = verify_vehicle(vehicle_id, at)
        assert by_ids[vehicle_id] == one, vehicle_id
        assert by_qs[vehicle_id] == one, vehicle_id


def test_set_based_query_count_does_not_depend_on_vehicle_count(scenarios):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ids = [v.pk for v in scenarios.values() if isinstance(v, Vehicle)]
    counts = []
    for subset in (ids[:1], ids):
        with CaptureQueriesContext(connection) as ctx:
            verify_vehicles(subset, T)
        counts.append(len(ctx.captured_queries))
    # standard + requirements, savepoint, work_mem set + restore, insurer names, release (the statement runs on a raw
    # psycopg cursor, outside this count)
    assert counts[0] == counts[1] <= 9


def test_set_based_without_policy_list_keeps_findings(scenarios):
    ids = [v.pk for v in scenarios.values() if isinstance(v, Vehicle)]
    full = verify_vehicles(ids, T)
    light = verify_vehicles(ids, T, with_policies=False)
    for vehicle_id in ids:
        assert light[vehicle_id].policies == ()
        assert light[vehicle_id].finding == full[vehicle_id].finding
        assert light[vehicle_id].coverage_gaps == full[vehicle_id].coverage_gaps
        assert light[vehicle_id].double_compulsory_to_cancel == full[vehicle_id].double_compulsory_to_cancel


def test_as_dict_is_json_ready(scenarios):
    import json

    data = verify_vehicle(scenarios["gap"], T).as_dict()
    text = json.dumps(data, ensure_ascii=False)
    assert "insured_as_operating" in text and data["coverage_gaps"][0]["message"]


def test_set_based_leaves_session_settings_alone(scenarios):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW work_mem")
        before = cursor.fetchone()[0]
        verify_vehicles([scenarios["ok"].pk], T)
        cursor.execute("SHOW work_mem")
        assert cursor.fetchone()[0] == before


@pytest.mark.parametrize("seed", range(6))
def test_set_based_equals_per_vehicle_on_random_registers(parties, seed):
    """Random vehicles, permits, policies with several coverage lines, and a random standard (alternative kinds,
    limits and per-seat limits on one line): the set-based statement and the reference agree on every field."""
    import random

    from apps.policies.models import CoverageKind, CoverageRequirement
    from apps.vehicles.models import OperatingPermit

    rng = random.Random(seed)
    CoverageStandard.objects.all().delete()
    standard = CoverageStandard.objects.create(name=f"随机 {seed}", effective_from=dt.date(2026, 1, 1),
                                               status=CoverageStandard.Status.IN_FORCE)
    amounts = [None, Decimal("0"), Decimal("200000"), Decimal("500000"), Decimal("1000000")]
    for kind in rng.sample(CoverageKind.values, rng.randint(1, 4)):
        CoverageRequirement.objects.create(
            standard=standard, policy_kind=kind, min_limit=rng.choice(amounts[1:]),
            min_per_seat_limit=rng.choice(amounts),
            alternative_kinds=rng.sample([k for k in CoverageKind.values if k != kind], rng.randint(0, 2)))
    insurers = [parties.insurer_a, parties.insurer_b]
    vehicles = []
    for _ in range(25):
        vehicle = VehicleFactory(seats=rng.choice([5, 7, 8]), online=rng.random() < 0.2,
                                 company=parties.company_a if rng.random() < 0.3 else None)
        vehicles.append(vehicle.pk)
        for _ in range(rng.randint(0, 2)):
            PermitFactory(vehicle=vehicle, kind=rng.choice(OperatingPermit.Kind.values),
                          valid_from=dt.date(2026, rng.randint(1, 6), 1), valid_to=dt.date(2026, rng.randint(6, 12), 1))
        for _ in range(rng.randint(0, 5)):
            starts = shanghai(2026, rng.randint(1, 6), rng.choice([1, 15]))
            policy = PolicyFactory(
                vehicle=vehicle, insurer=rng.choice(insurers), kind=rng.choice(PolicyKind.values),
                usage_nature_insured=rng.choice(UsageNature.values), starts_at=starts,
                ends_at=starts + dt.timedelta(days=rng.choice([30, 180, 365])),
                cancelled_at=shanghai(2026, 6, 1) if rng.random() < 0.1 else None)
            for kind in rng.sample(CoverageKind.values, rng.randint(0, 3)):
                CoverageFactory(policy=policy, kind=kind,
                                limit=rng.choice(amounts[1:]), per_seat_limit=rng.choice(amounts), seats=4)
    for at in (shanghai(2026, 3, 1), T, shanghai(2026, 9, 30, 23, 59)):
        for with_policies in (True, False):
            results = verify_vehicles(vehicles, at, with_policies=with_policies)
            assert set(results) == set(vehicles)
            for vehicle_id in vehicles:
                expected = verify_vehicle(vehicle_id, at)
                if not with_policies:
                    expected = dataclasses.replace(expected, policies=())
                assert results[vehicle_id] == expected, (seed, at, vehicle_id)
