"""A vehicle's verification lists its policies; a policy number is a link only for those who may open the policy."""

import datetime as dt

from tests.clock import NOW
from tests.policies.factories import PolicyFactory
from tests.vehicles.factories import VehicleFactory


def test_company_reads_its_vehicles_policy_numbers_without_links_to_pages_it_may_not_open(client, parties):
    vehicle = VehicleFactory(company=parties.company_a)
    policy = PolicyFactory(vehicle=vehicle, insurer=parties.insurer_a, kind="compulsory",
                           usage_nature_insured="ride_hailing", starts_at=NOW - dt.timedelta(days=30),
                           ends_at=NOW + dt.timedelta(days=335))
    link = f'href="/policies/{policy.pk}/"'
    client.force_login(parties.company_a_user)
    page = client.get(f"/vehicles/{vehicle.pk}/").content.decode()
    assert policy.number in page and link not in page
    assert client.get(f"/policies/{policy.pk}/").status_code == 403
    client.force_login(parties.regulator_user)
    assert link in client.get(f"/vehicles/{vehicle.pk}/").content.decode()
