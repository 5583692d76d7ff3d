"""Rule M15 on the claim's OWN policy (issue 14): "operating at the time of the accident while insured as
non-operating" is judged on the usage nature the claim's policy insures, not on the vehicle's other policies; the
consequence follows that policy's kind — 交强险: third-party victims are still compensated within the compulsory
limits (the insurer's recourse is a separate matter); commercial: no cover while operating, "依法"."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.policies.models import Policy, PolicyKind
from apps.vehicles.usage import UsageNature

from .factories import make_claim, make_permit, make_policy, make_vehicle, sh

pytestmark = pytest.mark.django_db


def commercial(parties, vehicle, usage) -> Policy:
    return make_policy(insurer=parties.insurer_a, vehicle=vehicle, usage=usage, kind=PolicyKind.THIRD_PARTY,
                       premium=Decimal("2400.00"))


def both_policies(parties, *, compulsory_usage, commercial_usage):
    """A vehicle holding a ride-hailing permit (operating at the accident) with a compulsory and a commercial
    policy of different usage natures, both in force."""
    vehicle = make_vehicle(usage=UsageNature.RIDE_HAILING)
    make_permit(vehicle)
    return (make_policy(insurer=parties.insurer_a, vehicle=vehicle, usage=compulsory_usage),
            commercial(parties, vehicle, commercial_usage))


def claim_on(parties, policy, **kwargs):
    return make_claim(user=parties.insurer_a_user, policy=policy, reported_at=sh(2026, 11, 2, 21, 0),
                      occurred_at=sh(2026, 11, 2, 20, 30), **kwargs)


def test_m15_compulsory_non_operating_commercial_operating_each_claim_judged_on_its_own_policy(parties):
    compulsory, commercial_policy = both_policies(parties, compulsory_usage=UsageNature.FAMILY,
                                                  commercial_usage=UsageNature.RIDE_HAILING)
    on_commercial = claim_on(parties, commercial_policy)
    assert on_commercial.insured_usage == "operating"
    assert on_commercial.operating_flag is False  # the compulsory policy's usage says nothing about this one
    on_compulsory = claim_on(parties, compulsory)
    assert on_compulsory.insured_usage == "non_operating"
    assert on_compulsory.operating_flag is True and [e["kind"] for e in on_compulsory.operating_evidence] == ["permit"]


def test_m15_compulsory_operating_commercial_non_operating_each_claim_judged_on_its_own_policy(parties):
    compulsory, commercial_policy = both_policies(parties, compulsory_usage=UsageNature.RIDE_HAILING,
                                                  commercial_usage=UsageNature.FAMILY)
    on_compulsory = claim_on(parties, compulsory)
    assert on_compulsory.insured_usage == "operating" and on_compulsory.operating_flag is False
    on_commercial = claim_on(parties, commercial_policy)
    assert on_commercial.insured_usage == "non_operating" and on_commercial.operating_flag is True


def test_m15_own_policy_not_in_force_at_the_accident_is_not_judged_as_non_operating(parties):
    vehicle = make_vehicle()
    make_permit(vehicle)
    lapsed = make_policy(insurer=parties.insurer_a, vehicle=vehicle, usage=UsageNature.FAMILY,
                         starts_at=sh(2025, 1, 1), ends_at=sh(2026, 1, 1))
    make_policy(insurer=parties.insurer_a, vehicle=vehicle, usage=UsageNature.FAMILY)  # another, in force
    claim = claim_on(parties, lapsed)
    assert claim.insured_usage == "not_in_force" and claim.operating_flag is False


def test_m15_compulsory_claim_page_says_third_party_victims_are_compensated_within_the_limits(parties, client):
    compulsory, _commercial = both_policies(parties, compulsory_usage=UsageNature.FAMILY,
                                            commercial_usage=UsageNature.RIDE_HAILING)
    claim = claim_on(parties, compulsory)
    client.force_login(parties.insurer_a_user)
    page = client.get(reverse("claims-detail", args=[claim.pk])).content.decode()
    start = page.index('data-testid="operating-flag"')
    banner = page[start:page.index("</section>", start)]
    assert "交强险责任限额内" in banner and "第三者受害人" in banner and "依法" in banner
    assert "追偿" in banner  # the insurer's recourse is a separate matter
    assert "不予赔付" not in banner and "不承担营运期间的保险责任" not in banner


def test_m15_commercial_claim_page_says_no_cover_while_operating_as_the_law_provides(parties, client):
    _compulsory, commercial_policy = both_policies(parties, compulsory_usage=UsageNature.RIDE_HAILING,
                                                   commercial_usage=UsageNature.FAMILY)
    claim = claim_on(parties, commercial_policy)
    client.force_login(parties.regulator_user)
    page = client.get(reverse("claims-detail", args=[claim.pk])).content.decode()
    start = page.index('data-testid="operating-flag"')
    banner = page[start:page.index("</section>", start)]
    assert "依法不承担营运期间的保险责任" in banner and "第三者责任险" in banner
    assert "交强险责任限额内" not in banner


def test_m15_api_gives_the_consequence_of_the_claims_own_policy_kind(parties, api):
    compulsory, commercial_policy = both_policies(parties, compulsory_usage=UsageNature.FAMILY,
                                                  commercial_usage=UsageNature.FAMILY)
    on_compulsory, on_commercial = claim_on(parties, compulsory), claim_on(parties, commercial_policy)
    client = api.as_user(parties.insurer_a_user)
    shown = client.get(f"/api/v1/claims/{on_compulsory.pk}/").json()
    assert shown["operating_flag"] is True and "交强险责任限额内" in shown["operating_consequence"]
    shown = client.get(f"/api/v1/claims/{on_commercial.pk}/").json()
    assert "依法不承担营运期间的保险责任" in shown["operating_consequence"]
