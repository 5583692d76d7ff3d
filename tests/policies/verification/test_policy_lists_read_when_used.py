"""``verify_vehicles`` reads the policy lists only when one is used, a slice of its vehicles at a time: the verdicts
cost no list query, reading one list reads its slice only, and every list equals ``verify_vehicle``'s."""

from apps.policies.verification import _PolicyLists, verify_vehicle, verify_vehicles
from tests.policies.verification.test_verification import T, scenarios  # noqa: F401 - the fixture


def test_lists_are_read_by_slice_when_used_and_equal_the_reference(scenarios, monkeypatch):  # noqa: F811
    monkeypatch.setattr(_PolicyLists, "LIST_SLICE", 2)
    ids = sorted(v.pk for v in scenarios.values() if hasattr(v, "vin"))
    results = verify_vehicles(ids, T)
    insured = [i for i in ids if results[i].usage_natures_insured]
    assert len(insured) > 2  # more than one slice
    lists = results[insured[0]].policies._lists
    assert lists.loaded == set()  # the verdicts alone read no list
    assert tuple(results[insured[0]].policies) == verify_vehicle(insured[0], T).policies
    assert lists.loaded == {lists.slice_of[insured[0]]}  # one slice read, not the others
    for vehicle_id in ids:
        assert results[vehicle_id].policies == verify_vehicle(vehicle_id, T).policies, vehicle_id
    assert lists.loaded == set(range(-(-len(insured) // 2)))  # every slice read once
