"""The demo ride-hailing data: a company's feed, its vehicles' base records (one rejected for its VIN), yesterday's
trips aggregated per vehicle; loaded once."""

from __future__ import annotations

import datetime as dt
from io import StringIO

from apps.demo.seeders.ridehailing import seed_demo_ridehailing
from apps.parties.models import OrganizationKind
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
    # the two vehicles' three trips each, and the trip of a plate the register does not know (rule M5)
    assert sorted((d.vehicle_no == "桂B9Z999", d.trips) for d in days) == [(False, 3), (False, 3), (True, 1)]
    seed_demo_ridehailing(StringIO())
    assert Feed.objects.count() == 1 and Delivery.objects.count() == 4


def test_demo_ride_hailing_mismatches_give_every_role_findings(parties):
    """Rules M5, M6, M8, M9: on first start the regulator and the insurers find insurance mismatches, transport
    leads of trips without a permit, the company vehicles online without a passed onboarding check."""
    from decimal import Decimal

    from apps.leads.models import InsurerWorklistItem, Lead, ScreeningFinding, Source
    from apps.parties.access import visible
    from apps.policies.models import PolicyKind
    from apps.ridehailing.onboarding import online_without_onboarding
    from apps.vehicles.usage import UsageNature
    from tests.policies.factories import PolicyFactory, joint_standard, shanghai

    user_of(OrganizationKind.PLATFORM)
    joint_standard(third_party=Decimal("1000000"))
    own = [VehicleFactory(company=parties.company_a) for _ in range(3)]
    a, b = parties.insurer_a, parties.insurer_b
    for n, vehicle in enumerate(own):
        PolicyFactory(vehicle=vehicle, insurer=a, kind=PolicyKind.THIRD_PARTY)
        PolicyFactory(vehicle=VehicleFactory(), insurer=b, usage_nature_insured=UsageNature.PERSONAL)
        PolicyFactory(vehicle=VehicleFactory(), insurer=b, starts_at=shanghai(2025, 10, 1) + dt.timedelta(days=n),
                      ends_at=shanghai(2026, 10, 1) + dt.timedelta(days=n))
    seed_demo_ridehailing(StringIO())
    kinds = set(ScreeningFinding.objects.filter(run__isnull=True).values_list("kind", flat=True))
    assert kinds == {"rh_unknown_policy", "rh_expired", "rh_non_operating", "rh_below_standard"}
    assert visible(parties.insurer_a_user, InsurerWorklistItem).filter(kind="rh_insurance").exists()
    assert visible(parties.insurer_b_user, InsurerWorklistItem).filter(kind="rh_insurance").exists()
    assert Lead.objects.filter(source=Source.RIDE_HAILING_DATA, plate="桂B9Z999").exists()
    assert online_without_onboarding(company=parties.company_a)
