"""Rule M8: a vehicle with ride-hailing trips on days on which every policy in force insured a non-operating usage
is a feature of the risk model (registered, read from the vehicle-day aggregate); a vehicle with an operating
policy in force besides, one without trips, one without any policy, and trips outside the look-back do not count."""

from __future__ import annotations

import datetime as dt

from apps.leads.risk import features, score_all
from apps.policies.models import PolicyKind
from apps.ridehailing.risk_features import LOOKBACK_DAYS, feature_trips_non_operating
from apps.vehicles.usage import UsageNature
from tests import clock
from tests.policies.factories import PolicyFactory, shanghai
from tests.vehicles.factories import VehicleFactory

from .conftest import post
from .test_operating_data import at, depart

D = clock.TODAY - dt.timedelta(days=1)


def _trip(rh, plate, day, n=1):
    records = [depart(f"{plate}-{day:%m%d}-{i}", at(9 + i, day=day), plate=plate) for i in range(n)]
    assert {r["outcome"] for r in post(rh.client_a, "operateDepart", records).json()["results"]} == {"stored"}


def test_m8_trips_while_every_policy_in_force_is_non_operating_is_a_risk_feature(rh, django_assert_max_num_queries):
    personal = UsageNature.PERSONAL
    only_private = VehicleFactory(plate="桂B12345")
    PolicyFactory(vehicle=only_private, usage_nature_insured=personal)
    PolicyFactory(vehicle=only_private, usage_nature_insured=personal, kind=PolicyKind.THIRD_PARTY)
    _trip(rh, "桂B12345", D, n=2)
    _trip(rh, "桂B12345", D - dt.timedelta(days=3))
    mixed = VehicleFactory(plate="桂B22345")
    PolicyFactory(vehicle=mixed, usage_nature_insured=personal)
    PolicyFactory(vehicle=mixed, usage_nature_insured=UsageNature.RIDE_HAILING, kind=PolicyKind.THIRD_PARTY)
    _trip(rh, "桂B22345", D)
    idle = VehicleFactory(plate="桂B32345")
    PolicyFactory(vehicle=idle, usage_nature_insured=personal)
    VehicleFactory(plate="桂B42345")  # trips but no policy at all: uninsured, another matter
    _trip(rh, "桂B42345", D)
    late = VehicleFactory(plate="桂B52345")  # its private policy started after the trip
    PolicyFactory(vehicle=late, usage_nature_insured=personal, starts_at=shanghai(D.year, D.month, D.day, 20))
    _trip(rh, "桂B52345", D)
    old = VehicleFactory(plate="桂B62345")
    PolicyFactory(vehicle=old, usage_nature_insured=personal, starts_at=shanghai(2026, 1, 1))
    _trip(rh, "桂B62345", clock.TODAY - dt.timedelta(days=LOOKBACK_DAYS + 1))

    with django_assert_max_num_queries(1):
        found = feature_trips_non_operating(clock.NOW)
    assert list(found) == [only_private.pk]
    value, text = found[only_private.pk]
    assert value == 1
    assert "2 天共 3 单" in text and (D - dt.timedelta(days=3)).isoformat() in text

    assert "ridehailing_trips_non_operating" in [f.key for f in features()]
    scores = score_all(clock.NOW, {"ridehailing_trips_non_operating": 3})
    reasons = {r["feature"]: r for r in scores[only_private.pk][1]}
    assert (reasons["ridehailing_trips_non_operating"]["points"], reasons["ridehailing_trips_non_operating"]["text"]) \
        == ("3.00", text)
    assert "ridehailing_trips_non_operating" not in {r["feature"] for r in scores.get(mixed.pk, (0, []))[1]}
