"""Rule M15: a claim on a vehicle insured as non-operating that was operating at the time (permit holder, ledger
entry, confirmed lead or penalty) is flagged for the insurer with its evidence — a flag; the decision stays the
insurer's. How the vehicle was insured comes from the registers' verification service."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.claims import services
from apps.leads.models import Direction, Lead, Penalty, Source, Status
from apps.vehicles.usage import UsageNature

from .factories import make_claim, make_permit, make_policy, make_vehicle, sh

pytestmark = pytest.mark.django_db


def claim_on(parties, vehicle, usage=UsageNature.FAMILY, **kwargs):
    policy = make_policy(insurer=parties.insurer_a, vehicle=vehicle, usage=usage)
    return make_claim(user=parties.insurer_a_user, policy=policy, reported_at=sh(2026, 11, 2, 21, 0),
                      occurred_at=sh(2026, 11, 2, 20, 30), **kwargs)


def kinds(claim):
    return [e["kind"] for e in claim.operating_evidence]


def test_m15_permit_holder_insured_as_non_operating_is_flagged(parties):
    vehicle = make_vehicle()
    make_permit(vehicle)
    claim = claim_on(parties, vehicle)
    assert claim.operating_flag is True
    assert claim.insured_usage == "non_operating"
    assert kinds(claim) == ["permit"]
    assert "运输证" in claim.operating_evidence[0]["label"]


def test_m15_ledger_entry_is_evidence(parties):
    vehicle = make_vehicle(company=parties.company_a, online=True, online_since=sh(2026, 10, 1))
    claim = claim_on(parties, vehicle)
    assert claim.operating_flag is True and "ledger" in kinds(claim)


def test_m15_vehicle_online_only_after_the_accident_is_no_evidence(parties):
    vehicle = make_vehicle(company=parties.company_a, online=True, online_since=sh(2026, 11, 5))
    claim = claim_on(parties, vehicle)
    assert claim.operating_flag is False and claim.operating_evidence == []


def test_m15_penalty_and_confirmed_lead_are_evidence(parties):
    vehicle = make_vehicle()
    Penalty.objects.create(organization=parties.transport, vehicle=vehicle, plate=vehicle.plate,
                           decision_no="柳交执罚〔2026〕1021号", decided_on=dt.date(2026, 10, 20),
                           facts="未取得经营许可擅自从事网约车经营")
    Lead.objects.create(plate=vehicle.plate, vehicle=vehicle, direction=Direction.TRANSPORT_TO_INSURANCE,
                        source=Source.ENFORCEMENT, status=Status.CONFIRMED, origin=parties.transport,
                        sender=parties.transport, recipient=parties.regulator, evidence="执法检查发现载客")
    claim = claim_on(parties, vehicle)
    assert claim.operating_flag is True
    assert sorted(kinds(claim)) == ["lead", "penalty"]


def test_m15_dismissed_lead_is_no_evidence(parties):
    vehicle = make_vehicle()
    Lead.objects.create(plate=vehicle.plate, vehicle=vehicle, direction=Direction.TRANSPORT_TO_INSURANCE,
                        source=Source.ENFORCEMENT, status=Status.DISMISSED, origin=parties.transport,
                        sender=parties.transport, recipient=parties.regulator, dismissed_reason="私家车，非营运")
    claim = claim_on(parties, vehicle)
    assert claim.operating_flag is False


def test_m15_insured_as_operating_is_not_flagged(parties):
    vehicle = make_vehicle(usage=UsageNature.RIDE_HAILING)
    make_permit(vehicle)
    claim = claim_on(parties, vehicle, usage=UsageNature.RIDE_HAILING)
    assert claim.insured_usage == "operating"
    assert claim.operating_flag is False and kinds(claim) == ["permit"]  # evidence kept, no flag


def test_m15_flag_is_shown_to_the_insurer_and_the_decision_stays_its_own(parties, client):
    vehicle = make_vehicle()
    make_permit(vehicle)
    claim = claim_on(parties, vehicle, amount_claimed=None)
    client.force_login(parties.insurer_a_user)
    page = client.get(reverse("claims-detail", args=[claim.pk])).content.decode()
    assert 'data-testid="operating-flag"' in page and "规则 M15" in page
    # the insurer may still decide to cover: the flag does not block anything
    services.claim_advance(claim=claim, actor=parties.insurer_a_user, facts={
        "amount_claimed": Decimal("3000.00"), "documents_complete_at": sh(2026, 11, 3, 10, 0),
        "decision": "covered", "decided_at": sh(2026, 11, 4, 10, 0)})
    claim.refresh_from_db()
    assert claim.decision == "covered" and claim.operating_flag is True


def test_m15_recheck_picks_up_later_evidence(parties):
    vehicle = make_vehicle()
    claim = claim_on(parties, vehicle)
    assert claim.operating_flag is False
    make_permit(vehicle)
    claim = services.claim_operating_recheck(claim=claim, actor=parties.insurer_a_user)
    assert claim.operating_flag is True


def test_claims_feature_of_the_risk_model(parties):
    """Claims with signs of carrying passengers on a vehicle insured as non-operating feed the risk model (M8)."""
    from apps.claims.risk_features import feature_passenger_signals
    from apps.leads.risk import features

    assert "claims_passenger_signals" in [f.key for f in features()]
    private = make_vehicle()
    claim_on(parties, private, injured_passengers=2)
    taxi = make_vehicle(usage=UsageNature.RIDE_HAILING)
    claim_on(parties, taxi, usage=UsageNature.RIDE_HAILING, injured_passengers=1)
    quiet = make_vehicle()
    claim_on(parties, quiet)
    values = feature_passenger_signals(sh(2026, 11, 20))
    assert set(values) == {private.pk}
    n, reason = values[private.pk]
    assert n == 1 and "乘客受伤 2 人次" in reason
