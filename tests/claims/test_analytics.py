"""Claims analytics (rule M14) on a crafted dataset: vehicles and drivers just below and just above the frequency
and loss thresholds, the rolling window's edge, refused claims, the recheck interval, versioned thresholds, the
focused-check lists sent to each platform company through the exchange, and the company's result."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.claims import analytics
from apps.claims.models import AnalyticsThresholds, Claim, FocusedCheck, FocusedCheckList
from apps.core.errors import PermissionDeniedError
from apps.credit.models import CreditProposal, CreditRecord
from apps.exchange.models import Batch
from apps.exchange.services import batch_deliver

from .factories import make_driver, make_policy, make_vehicle

pytestmark = pytest.mark.django_db


def add_claims(insurer, vehicle, amounts, *, driver=None, days_ago=30, decision="", as_of=None):
    """Claim rows straight into the table the job reads (their clocks are not what this tests)."""
    policy = make_policy(insurer=insurer, vehicle=vehicle)
    as_of = as_of or timezone.now()
    for i, amount in enumerate(amounts):
        at = as_of - dt.timedelta(days=days_ago, hours=i)
        Claim.objects.create(
            insurer=insurer, number=f"AN{vehicle.pk}-{days_ago}-{i}-{Claim.objects.count()}", policy=policy,
            vehicle=vehicle, driver=driver, occurred_at=at, reported_at=at + dt.timedelta(minutes=20),
            amount_claimed=Decimal(amount), decision=decision, decided_at=at + dt.timedelta(days=1) if decision else None,
        )


@pytest.fixture
def thresholds(db):
    """Version 1 as the migration writes it: 365 days; 3 claims or 50,000 yuan for vehicles and drivers."""
    current = analytics.thresholds_current()
    assert (current.window_days, current.vehicle_min_claims, current.vehicle_min_loss) == (365, 3, Decimal("50000"))
    assert (current.driver_min_claims, current.driver_min_loss) == (3, Decimal("50000"))
    return current


def flagged(run, kind="vehicle"):
    field = "vehicle_id" if kind == "vehicle" else "driver_id"
    return set(run.checks.filter(subject_kind=kind).values_list(field, flat=True))


def test_m14_thresholds_just_below_and_just_above(parties, thresholds):
    a, b = parties.company_a, parties.company_b
    two = make_vehicle(company=a)  # 2 claims: below the count
    three = make_vehicle(company=a)  # 3 claims: at the count
    loss_below = make_vehicle(company=b)  # one claim of 49,999.99
    loss_at = make_vehicle(company=b)  # one claim of 50,000.00
    edge = make_vehicle(company=a)  # 3 claims, one of them 366 days ago: 2 in the window
    refused = make_vehicle(company=b)  # one refused claim of 80,000: counts 0 loss
    private = make_vehicle(company=None)  # 4 claims, no platform company
    insurer = parties.insurer_a
    add_claims(insurer, two, ["100", "100"])
    add_claims(insurer, three, ["100", "100", "100"])
    add_claims(insurer, loss_below, ["49999.99"])
    add_claims(insurer, loss_at, ["50000.00"])
    add_claims(insurer, edge, ["100", "100"])
    add_claims(insurer, edge, ["100"], days_ago=366)
    add_claims(insurer, refused, ["80000.00"], decision="refused")
    add_claims(insurer, private, ["100"] * 4)

    run = analytics.analytics_run(actor=analytics.scheduled_actor(), send=False)
    assert flagged(run) == {three.pk, loss_at.pk, private.pk}
    assert run.vehicles_flagged == 3
    check = run.checks.get(vehicle=three)
    assert (check.claim_count, check.loss_total, check.company) == (3, Decimal("300.00"), a)
    assert run.checks.get(vehicle=loss_at).loss_total == Decimal("50000.00")
    # one list per platform company; the private car is checked by the association, not sent to a company
    assert set(run.lists.values_list("company_id", flat=True)) == {a.pk, b.pk}
    assert run.checks.get(vehicle=private).check_list is None
    assert all(c.check_list.company_id == c.company_id for c in run.checks.exclude(company=None))


def test_m14_driver_thresholds(parties, thresholds):
    insurer = parties.insurer_a
    busy = make_driver(company=parties.company_a)
    calm = make_driver(company=parties.company_a)
    costly = make_driver(company=parties.company_b)
    for amount in ("100", "100", "100"):  # three claims in three different cars: the driver, not the cars
        add_claims(insurer, make_vehicle(company=parties.company_a), [amount], driver=busy)
    add_claims(insurer, make_vehicle(), ["100", "100"], driver=calm)
    costly_car = make_vehicle()
    add_claims(insurer, costly_car, ["30000", "20000"], driver=costly)
    run = analytics.analytics_run(actor=analytics.scheduled_actor(), send=False)
    assert flagged(run, "driver") == {busy.pk, costly.pk}
    assert flagged(run) == {costly_car.pk}  # the busy driver's three cars have one claim each
    assert run.checks.get(driver=costly).company == parties.company_b


def test_m14_recheck_interval_and_versioned_thresholds(parties, thresholds):
    insurer = parties.insurer_a
    two, three = make_vehicle(company=parties.company_a), make_vehicle(company=parties.company_a)
    add_claims(insurer, two, ["100", "100"])
    add_claims(insurer, three, ["100", "100", "100"])
    first = analytics.analytics_run(actor=analytics.scheduled_actor(), send=False)
    assert flagged(first) == {three.pk}
    again = analytics.analytics_run(actor=analytics.scheduled_actor(), send=False)
    assert flagged(again) == set()  # listed within recheck_days: not again

    with pytest.raises(PermissionDeniedError):
        analytics.thresholds_update(actor=parties.insurer_a_user, vehicle_min_claims=2)
    v2 = analytics.thresholds_update(actor=parties.ins_assoc_user, vehicle_min_claims=2, note="试行下调")
    assert v2.version == thresholds.version + 1 and v2.vehicle_min_claims == 2
    assert AnalyticsThresholds.objects.get(version=thresholds.version).vehicle_min_claims == 3  # kept as it was
    run = analytics.analytics_run(actor=analytics.scheduled_actor(), send=False)
    assert run.thresholds == v2
    assert flagged(run) == {two.pk}


def test_m14_lists_go_through_the_exchange_and_the_company_records_the_result(parties, thresholds):
    vehicle = make_vehicle(company=parties.company_a)
    add_claims(parties.insurer_a, vehicle, ["20000", "20000", "20000"])
    run = analytics.analytics_run(actor=parties.ins_assoc_user)
    check_list = FocusedCheckList.objects.get(run=run)
    assert check_list.company == parties.company_a and check_list.sent_at is not None
    batch = Batch.objects.get(pk=check_list.batch_id)
    assert (batch.kind, batch.sender, batch.recipient) == ("focused_checks", parties.ins_assoc, parties.company_a)

    assert batch_deliver(batch_id=batch.pk) == "delivered"
    check_list.refresh_from_db()
    batch.refresh_from_db()
    assert check_list.received_at == batch.receipt_at
    assert parties.company_a_user.notifications.filter(kind="claims.focused_checks").exists()

    check = FocusedCheck.objects.get(run=run, vehicle=vehicle)
    with pytest.raises(PermissionDeniedError):  # another company cannot answer for it
        analytics.focused_check_record(actor=parties.company_b_user, check=check, result="violation", note="x")
    check = analytics.focused_check_record(actor=parties.company_a_user, check=check, result="violation",
                                           note="核查发现该车同时在其他平台接单，驾驶员未取得从业资格", report_lead=True)
    # rule M2: the company proposes; the insurance association's acceptance makes the record and links it
    assert check.credit_record_id is None and not CreditRecord.objects.filter(vehicle=vehicle).exists()
    from apps.credit.models import CreditProposal
    from apps.credit.services import credit_proposal_decide

    proposal = CreditProposal.objects.get(vehicle=vehicle, status="pending")
    assert proposal.source == check and proposal.proposed_by_organization == parties.company_a
    credit_proposal_decide(actor=parties.ins_assoc_user, proposal=proposal, accept=True, reason="核查属实")
    check.refresh_from_db()
    record = CreditRecord.objects.get(pk=check.credit_record_id)
    assert (record.vehicle_id, record.event, record.source) == (vehicle.pk, "claims_violation", "claims")
    assert check.lead is not None and check.lead.vehicle_id == vehicle.pk and check.lead.source == "company_report"
    with pytest.raises(analytics.ApplicationError):
        analytics.focused_check_record(actor=parties.company_a_user, check=check, result="no_violation", note="再次")


def test_m14_no_violation_leaves_no_credit_record(parties, thresholds):
    vehicle = make_vehicle(company=parties.company_a)
    add_claims(parties.insurer_a, vehicle, ["60000"])
    run = analytics.analytics_run(actor=analytics.scheduled_actor(), send=False)
    check = run.checks.get(vehicle=vehicle)
    check = analytics.focused_check_record(actor=parties.company_a_user, check=check, result="no_violation",
                                           note="均为正常营运中的交通事故，车辆与驾驶员资质齐全")
    assert check.credit_record is None and check.result == "no_violation"
    assert not CreditRecord.objects.filter(vehicle=vehicle).exists()


def test_m14_job_is_scheduled():
    from liuzhou_regulation.celery import app

    entry = app.conf.beat_schedule["claims-analytics"]
    assert entry["task"] == "apps.claims.tasks.claims_analytics_run" and entry["schedule"] == 86400


def test_m14_pages_thresholds_run_and_company_result(parties, client, thresholds):
    from django.urls import reverse

    vehicle = make_vehicle(company=parties.company_a)
    add_claims(parties.insurer_a, vehicle, ["100", "100"])
    client.force_login(parties.ins_assoc_user)
    assert 'data-testid="thresholds-form"' in client.get(reverse("claims-analytics")).content.decode()
    client.post(reverse("claims-thresholds-update"), {
        "window_days": 365, "vehicle_min_claims": 2, "vehicle_min_loss": "50000", "driver_min_claims": 3,
        "driver_min_loss": "50000", "recheck_days": 90, "note": "下调车辆出险次数阈值"})
    assert analytics.thresholds_current().vehicle_min_claims == 2
    client.post(reverse("claims-analytics-run"))
    check = FocusedCheck.objects.get(vehicle=vehicle)
    assert check.run.triggered_by == parties.ins_assoc_user

    # the insurer cannot change thresholds; the regulator reads them
    client.force_login(parties.insurer_a_user)
    assert client.get(reverse("claims-analytics")).status_code == 403
    client.force_login(parties.regulator_user)
    page = client.get(reverse("claims-analytics")).content.decode()
    assert 'data-testid="thresholds-form"' not in page and "v2" in page

    # the company sees its list and records the result on the page; the other company gets 404
    client.force_login(parties.company_b_user)
    assert client.get(reverse("claims-check-detail", args=[check.pk])).status_code == 404
    client.force_login(parties.company_a_user)
    assert vehicle.plate in client.get(reverse("claims-checks")).content.decode()
    response = client.post(reverse("claims-check-detail", args=[check.pk]),
                           {"result": "violation", "note": "该车在非营运保单期内通过平台接单"})
    assert response.status_code == 302
    check.refresh_from_db()
    assert check.result == "violation" and check.lead is None
    assert check.credit_record is None and CreditProposal.objects.filter(vehicle=vehicle, status="pending").exists()


def test_m14_api_focused_checks(parties, api, thresholds):
    vehicle = make_vehicle(company=parties.company_a)
    add_claims(parties.insurer_a, vehicle, ["60000"])
    check = analytics.analytics_run(actor=analytics.scheduled_actor(), send=False).checks.get(vehicle=vehicle)
    assert [c["id"] for c in api.as_user(parties.company_a_user).get("/api/v1/focused-checks/").json()["results"]] \
        == [check.pk]
    assert api.as_user(parties.company_b_user).get(f"/api/v1/focused-checks/{check.pk}/").status_code == 404
    response = api.as_user(parties.company_a_user).post(
        f"/api/v1/focused-checks/{check.pk}/result/", {"result": "no_violation", "note": "正常营运事故"}, format="json")
    assert response.status_code == 200 and response.json()["result"] == "no_violation"
    again = api.as_user(parties.company_a_user).post(
        f"/api/v1/focused-checks/{check.pk}/result/", {"result": "violation", "note": "改"}, format="json")
    assert again.status_code == 400 and again.json()["error"]["code"] == "already_recorded"
