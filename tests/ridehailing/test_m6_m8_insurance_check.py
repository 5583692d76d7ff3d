"""Rules M6, M8, M10: the insurance a ride-hailing platform reports (baseInfoVehicleInsurance) against the insurers'
register — an unknown policy, a policy no longer in force, one insured as non-operating, an amount below the
coverage standard — becomes a screening finding of the regulator and an item of that insurer's worklist; a matching
record does not; a second run adds nothing; each insurer sees only its own items."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from apps.core.errors import PermissionDeniedError
from apps.leads.models import InsurerWorklistItem, ScreeningFinding
from apps.parties.access import visible
from apps.parties.rights import SystemActor
from apps.policies.models import PolicyKind
from apps.ridehailing.insurance_check import insurance_check, insurance_mismatches
from apps.vehicles.usage import UsageNature
from tests import clock
from tests.policies.factories import PolicyFactory, joint_standard, shanghai
from tests.vehicles.factories import VehicleFactory

from .conftest import post, stamp


def _reported(rh, plate, number, *, com, kind="第三者责任险", count="1000000", eff="20260501", exp="20270430"):
    record = {"CompanyId": "LC0001", "VehicleNo": plate, "InsurCom": com, "InsurNum": number, "InsurType": kind,
              "InsurCount": count, "InsurEff": eff, "InsurExp": exp, "Flag": 1,
              "UpdateTime": stamp(clock.NOW - dt.timedelta(days=1))}
    results = post(rh.client_a, "baseInfoVehicleInsurance", [record]).json()["results"]
    assert results[0]["outcome"] == "added", results


@pytest.fixture
def world(rh):
    joint_standard(third_party=Decimal("1000000"))
    a, b = rh.parties.insurer_a, rh.parties.insurer_b
    ok = VehicleFactory(plate="桂B12345")
    PolicyFactory(vehicle=ok, insurer=a, number="P-OK", kind=PolicyKind.THIRD_PARTY)
    _reported(rh, "桂B12345", "P-OK", com=a.name)
    VehicleFactory(plate="桂B22345")
    _reported(rh, "桂B22345", "P-NONE", com=b.name)
    expired = VehicleFactory(plate="桂B32345")
    PolicyFactory(vehicle=expired, insurer=a, number="P-OLD", kind=PolicyKind.THIRD_PARTY,
                  starts_at=shanghai(2025, 11, 1), ends_at=shanghai(2026, 11, 1))
    _reported(rh, "桂B32345", "P-OLD", com=a.name, eff="20251101", exp="20261231")
    private = VehicleFactory(plate="桂B42345")
    PolicyFactory(vehicle=private, insurer=b, number="P-PRIV", kind=PolicyKind.THIRD_PARTY,
                  usage_nature_insured=UsageNature.PERSONAL)
    _reported(rh, "桂B42345", "P-PRIV", com=b.name)
    low = VehicleFactory(plate="桂B52345")
    PolicyFactory(vehicle=low, insurer=a, number="P-LOW", kind=PolicyKind.THIRD_PARTY)
    _reported(rh, "桂B52345", "P-LOW", com=a.name, count="500000")
    # a record whose reported period is over is not checked; a plate not in the register is the M5 check's
    _reported(rh, "桂B62345", "P-GONE", com=a.name, eff="20250101", exp="20251231")
    VehicleFactory(plate="桂B62345")
    _reported(rh, "桂B72345", "P-X", com=a.name)
    return rh


def test_m6_m8_reported_insurance_mismatches_found_in_one_statement(world, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        found = insurance_mismatches(clock.NOW)
    assert [(m.plate, m.kind) for m in found] == [
        ("桂B22345", "rh_unknown_policy"),
        ("桂B32345", "rh_expired"),
        ("桂B42345", "rh_non_operating"),
        ("桂B52345", "rh_below_standard"),
    ]
    low = found[-1]
    assert (low.insur_count, low.required) == (Decimal("500000"), Decimal("1000000.00"))
    unknown = found[0]
    assert (unknown.policy_id, unknown.insurer_id) == (None, world.parties.insurer_b.pk)  # by the reported InsurCom


def test_m6_m8_findings_for_the_regulator_and_items_for_each_insurer(world):
    p = world.parties
    regulator = SystemActor("ridehailing.insurance_check", organization=p.regulator)
    found = insurance_check(actor=regulator, at=clock.NOW)
    assert len(found) == 4
    findings = ScreeningFinding.objects.filter(run__isnull=True)
    assert sorted(findings.values_list("plate", "kind")) == [
        ("桂B22345", "rh_unknown_policy"), ("桂B32345", "rh_expired"), ("桂B42345", "rh_non_operating"),
        ("桂B52345", "rh_below_standard")]
    items = InsurerWorklistItem.objects.filter(kind=InsurerWorklistItem.Kind.RIDE_HAILING_INSURANCE)
    assert sorted(items.values_list("insurer__name", "plate")) == sorted([
        (p.insurer_b.name, "桂B22345"), (p.insurer_a.name, "桂B32345"), (p.insurer_b.name, "桂B42345"),
        (p.insurer_a.name, "桂B52345")])
    assert "500000" in items.get(plate="桂B52345").summary
    # each insurer sees only its own items; the regulator all of them; a company none
    assert set(visible(p.insurer_a_user, InsurerWorklistItem).values_list("plate", flat=True)) == {
        "桂B32345", "桂B52345"}
    assert set(visible(p.insurer_b_user, InsurerWorklistItem).values_list("plate", flat=True)) == {
        "桂B22345", "桂B42345"}
    assert visible(p.regulator_user, InsurerWorklistItem).filter(kind="rh_insurance").count() == 4
    assert not visible(p.company_a_user, InsurerWorklistItem).exists()
    # a second run adds nothing
    insurance_check(actor=regulator, at=clock.NOW + dt.timedelta(hours=1))
    assert ScreeningFinding.objects.filter(run__isnull=True).count() == 4
    assert items.count() == 4


def test_m6_the_insurance_check_is_the_regulators(world):
    for user in (world.parties.transport_user, world.parties.insurer_a_user, world.parties.company_a_user):
        with pytest.raises(PermissionDeniedError):
            insurance_check(actor=user, at=clock.NOW)
    assert not ScreeningFinding.objects.exists()


def test_m6_the_daily_job_and_command_act_for_the_regulator(world):
    import io

    from django.core.management import call_command

    from apps.ridehailing import tasks

    assert sorted(tasks.insurance_check()) == ["桂B22345", "桂B32345", "桂B42345", "桂B52345"]
    out = io.StringIO()
    call_command("ridehailing_insurance_check", stdout=out)
    assert "rh_unknown_policy" in out.getvalue()  # found again; no second finding nor item
    assert InsurerWorklistItem.objects.filter(kind="rh_insurance").count() == 4


def test_m8_the_insurer_reads_and_answers_its_items_on_its_worklist(world, client):
    from rest_framework.test import APIClient

    p = world.parties
    insurance_check(actor=SystemActor("ridehailing.insurance_check", organization=p.regulator), at=clock.NOW)
    client.force_login(p.insurer_b_user)
    page = client.get("/leads/worklist/").content.decode()
    assert "桂B22345" in page and "桂B42345" in page and "桂B32345" not in page
    api = APIClient()
    api.force_authenticate(p.insurer_b_user)
    rows = api.get("/api/v1/lead-worklist/").json()["results"]
    assert {(r["plate"], r["policy_number"]) for r in rows} == {("桂B22345", None), ("桂B42345", "P-PRIV")}
    item = InsurerWorklistItem.objects.get(plate="桂B22345")
    assert api.post(f"/api/v1/lead-worklist/{item.pk}/answer/", {"answer": "other", "note": "无此保单"},
                    format="json").status_code == 200
    item.refresh_from_db()
    assert item.state == InsurerWorklistItem.State.ANSWERED
