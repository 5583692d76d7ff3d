"""The demo ride-hailing data: a company's feed, its vehicles' base records (one rejected for its VIN), yesterday's
trips aggregated per vehicle; loaded once."""

from __future__ import annotations

import datetime as dt
from io import StringIO

from apps.parties.models import OrganizationKind
from apps.ridehailing.demo import seed_demo_ridehailing
from apps.ridehailing.models import Delivery, Feed, VehicleDay, VehicleVersion
from tests import clock
from tests.factories import user_of
from tests.vehicles.factories import VehicleFactory


def test_demo_ride_hailing_data_is_loaded_once(parties):
    user_of(OrganizationKind.PLATFORM)
    for _ in range(3):
        VehicleFactory(company=parties.company_a)
    seed_demo_ridehailing(StringIO())
    feed = Feed.objects.get()
    assert feed.organization == parties.company_a
    assert VehicleVersion.objects.filter(is_current=True).count() == 3
    vehicle = Delivery.objects.get(interface="baseInfoVehicle")
    assert (vehicle.total, vehicle.stored, vehicle.rejected) == (4, 3, 1)
    days = VehicleDay.objects.filter(day=clock.TODAY - dt.timedelta(days=1))
    assert sorted(d.trips for d in days) == [3, 3]
    seed_demo_ridehailing(StringIO())
    assert Feed.objects.count() == 1 and Delivery.objects.count() == 3
