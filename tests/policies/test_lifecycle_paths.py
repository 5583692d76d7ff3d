"""A policy changes only through its lifecycle (rules J5, J6, J7, J10, C5, J13).

Status, the rescission/cancellation instants, the period and the usage nature are refused by the generic edit
(API PATCH, the page form), the batch push and the import; rescission needs the decided rescission case.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.core.errors import ConflictError, PermissionDeniedError
from apps.imports import runner, services
from apps.imports.models import ImportJob
from apps.policies.models import Cancellation, LifecyclePath, Policy, PolicyStatusChange
from apps.policies.services import policy_cancel, policy_extend_laid_up, policy_rescind, policy_update
from tests.imports.helpers import csv_bytes, upload
from tests.policies.factories import PolicyFactory, shanghai
from tests.vehicles.factories import VehicleFactory, make_plate, make_vin

API = "/api/v1"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _unchanged(policy):
    fresh = Policy.objects.get(pk=policy.pk)
    assert fresh.status == Policy.Status.ACTIVE and fresh.rescinded_at is None and fresh.cancelled_at is None
    assert (fresh.starts_at, fresh.ends_at) == (policy.starts_at, policy.ends_at)
    assert not PolicyStatusChange.objects.filter(policy=policy).exists()


# --- generic writes refuse the lifecycle ----------------------------------------------------------------------------


def test_j5_api_patch_status_rescinded_is_refused(parties, api):
    policy = PolicyFactory(insurer=parties.insurer_a)
    client = api.as_user(parties.insurer_a_user)
    for body, field in (({"status": "rescinded", "rescinded_at": "2026-06-01T00:00:00+08:00"}, "status"),
                        ({"status": "cancelled", "cancelled_at": "2026-06-01T00:00:00+08:00"}, "status"),
                        ({"rescinded_at": "2026-06-01T00:00:00+08:00"}, "rescinded_at"),
                        ({"ends_at": "2027-09-01T00:00:00+08:00"}, "ends_at"),
                        ({"usage_nature_insured": "family"}, "usage_nature_insured")):
        response = client.patch(f"{API}/policies/{policy.pk}/", body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert field in response.json()["error"]["fields"]
    _unchanged(policy)
    # repeating the current value is no change (exported rows, re-sent pushes)
    same = client.patch(f"{API}/policies/{policy.pk}/", {"status": "active", "premium": "990.00"}, format="json")
    assert same.status_code == 200 and same.json()["premium"] == "990.00"


def test_j8_page_form_does_not_change_the_period_or_usage_nature(parties, client):
    policy = PolicyFactory(insurer=parties.insurer_a, vehicle=VehicleFactory(seats=5))
    client.force_login(parties.insurer_a_user)
    response = client.post(reverse("policies:edit", args=[policy.pk]), {
        "number": policy.number, "kind": "compulsory", "vin": policy.vehicle.vin, "plate": policy.vehicle.plate or "",
        "usage_nature_insured": "family", "starts_on": "2026-04-01", "ends_on": "2027-09-30", "premium": "990.00",
    })
    assert response.status_code in (200, 302), response.content[:500]
    fresh = Policy.objects.get(pk=policy.pk)
    assert (fresh.starts_at, fresh.ends_at) == (policy.starts_at, policy.ends_at)
    assert fresh.usage_nature_insured == policy.usage_nature_insured
    assert fresh.premium == Decimal("990.00")  # the edit still corrects what is not lifecycle


def _row(policy, **over):
    row = {"保单号": policy.number, "险种": "交强险", "号牌号码": policy.vehicle.plate or "", "车辆识别代号": policy.vehicle.vin,
           "使用性质": "预约出租客运", "保险起期": "2026-05-01", "保险止期": "2027-04-30", "保费": "950"}
    row.update(over)
    return row


def test_j5_batch_row_cannot_rescind_cancel_or_move_the_period(parties, api):
    policy = PolicyFactory(insurer=parties.insurer_a, vehicle=VehicleFactory(seats=5))
    client = api.as_user(parties.insurer_a_user)
    rows = [_row(policy, 状态="已解除", 解除时间="2026-06-01"), _row(policy, 状态="已退保", 退保时间="2026-06-01"),
            _row(policy, 保险止期="2027-08-31"), _row(policy, 使用性质="家庭自用")]
    body = client.post(f"{API}/policies/batch/", {"rows": rows}, format="json").json()
    assert body["counts"]["error"] == 4, body
    assert "状态" in body["results"][0]["errors"] and "保险止期" in body["results"][2]["errors"]
    _unchanged(policy)
    # a new policy is never born rescinded or cancelled
    fresh = {**_row(policy), "保单号": "PNEW0001", "车辆识别代号": make_vin(7701), "号牌号码": make_plate(7701),
             "核定载客人数": "5", "状态": "已退保", "退保时间": "2026-06-01"}
    created = client.post(f"{API}/policies/batch/", {"rows": [fresh]}, format="json").json()
    assert created["counts"]["error"] == 1 and not Policy.objects.filter(number="PNEW0001").exists()


def test_j5_import_cannot_change_status(parties):
    policy = PolicyFactory(insurer=parties.insurer_a, vehicle=VehicleFactory(seats=5))
    headers = ["保单号", "险种", "车辆识别代号", "使用性质", "保险起期", "保险止期", "保费", "状态", "解除时间"]
    row = _row(policy, 状态="已解除", 解除时间="2026-06-01")
    user = parties.insurer_a_user
    job = services.import_job_create(actor=user, kind="policies",
                                     upload=upload(csv_bytes(headers, [[row[h] for h in headers]]), "p.csv"))
    if job.status == ImportJob.Status.PREVIEWED and job.valid:
        job = services.import_job_start(actor=user, job=job, mode=ImportJob.Mode.VALID_ROWS)
        if job.status == ImportJob.Status.IMPORTING:
            job = runner.import_job_run(job=job)
    _unchanged(policy)


def test_j5_rescission_only_with_the_decided_case(parties):
    policy = PolicyFactory(insurer=parties.insurer_a)
    other = PolicyFactory(insurer=parties.insurer_a)
    for case_ref in (None, other):  # no case; a record that is not a rescission case
        with pytest.raises(PermissionDeniedError):
            policy_rescind(actor=parties.insurer_a_user, policy=policy, case_ref=case_ref, at=timezone.now())
    for user in (parties.regulator_user, parties.ins_assoc_user, parties.transport_user):
        with pytest.raises(PermissionDeniedError):
            policy_rescind(actor=user, policy=policy, case_ref=None, at=timezone.now())
    _unchanged(policy)


# --- cancellation: the enumerated grounds (J6, C5), double insurance (J7) -------------------------------------------


def _cancel(parties, policy, ground, **over):
    kwargs = {"actor": parties.insurer_a_user, "policy": policy, "ground": ground, "evidence": "车辆注销证明",
              "at": shanghai(2026, 6, 1)}
    kwargs.update(over)
    return policy_cancel(**kwargs)


@pytest.mark.parametrize("ground", ["deregistered", "laid_up", "lost", "transferred_out", "new_car_returned"])
def test_j6_compulsory_cancels_on_each_enumerated_ground_with_evidence(parties, ground):
    policy = PolicyFactory(insurer=parties.insurer_a, kind="compulsory")
    c = _cancel(parties, policy, ground, evidence_ref="档案 2026-001")
    policy.refresh_from_db()
    assert policy.status == Policy.Status.CANCELLED and policy.cancelled_at == shanghai(2026, 6, 1)
    assert (c.ground, c.evidence, c.evidence_ref) == (ground, "车辆注销证明", "档案 2026-001")
    change = PolicyStatusChange.objects.get(policy=policy)
    assert change.path == LifecyclePath.CANCELLATION and change.source == c and change.actor == parties.insurer_a_user


def test_j6_compulsory_refuses_other_grounds_and_missing_evidence(parties):
    policy = PolicyFactory(insurer=parties.insurer_a, kind="compulsory")
    for ground in ("scrapped", "laid_up_3_months", "policyholder_request", "changed_my_mind"):
        with pytest.raises(ValidationError) as exc:
            _cancel(parties, policy, ground)
        assert "ground" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _cancel(parties, policy, "deregistered", evidence=" ")
    assert "evidence" in exc.value.message_dict
    _unchanged(policy)


def test_c5_carrier_liability_cancels_only_scrapped_lost_or_laid_up_three_months(parties):
    kwargs = {"insurer": parties.insurer_a, "kind": "carrier_liability", "usage_nature_insured": "highway_passenger"}
    for ground in ("deregistered", "laid_up", "transferred_out", "double_insured", "new_car_returned"):
        with pytest.raises(ValidationError):
            _cancel(parties, PolicyFactory(**kwargs), ground)
    assert _cancel(parties, PolicyFactory(**kwargs), "scrapped", evidence="报废批准").ground == "scrapped"
    assert _cancel(parties, PolicyFactory(**kwargs), "lost", evidence="公安证明").ground == "lost"
    laid_up = PolicyFactory(**kwargs)
    with pytest.raises(ValidationError) as exc:  # approved for less than three months
        _cancel(parties, laid_up, "laid_up_3_months", evidence="停运批准", laid_up_from=dt.date(2026, 6, 1),
                laid_up_to=dt.date(2026, 8, 30))
    assert "laid_up_to" in exc.value.message_dict
    with pytest.raises(ValidationError):  # no approved period at all
        _cancel(parties, laid_up, "laid_up_3_months", evidence="停运批准")
    c = _cancel(parties, laid_up, "laid_up_3_months", evidence="停运批准", laid_up_from=dt.date(2026, 6, 1),
                laid_up_to=dt.date(2026, 8, 31))
    assert c.ground == "laid_up_3_months"


def test_j7_double_insurance_cancels_the_later_policy_with_full_refund_never_the_earlier(parties):
    vehicle = VehicleFactory()
    earlier = PolicyFactory(insurer=parties.insurer_a, vehicle=vehicle, starts_at=shanghai(2026, 3, 1),
                            ends_at=shanghai(2027, 3, 1), premium=Decimal("900.00"))
    later = PolicyFactory(insurer=parties.insurer_a, vehicle=vehicle, starts_at=shanghai(2026, 5, 1),
                          ends_at=shanghai(2027, 5, 1), premium=Decimal("950.00"))
    with pytest.raises(ConflictError) as exc:
        _cancel(parties, earlier, "double_insured", evidence="两份交强险")
    assert later.number in str(exc.value.message)
    assert Policy.objects.get(pk=earlier.pk).status == Policy.Status.ACTIVE
    c = _cancel(parties, later, "double_insured", evidence="两份交强险", refund=Decimal("10.00"))
    assert c.full_refund and c.refund == Decimal("950.00") and c.earlier_policy == earlier
    assert Policy.objects.get(pk=earlier.pk).status == Policy.Status.ACTIVE
    # a single compulsory policy is no double insurance
    alone = PolicyFactory(insurer=parties.insurer_a)
    with pytest.raises(ConflictError):
        _cancel(parties, alone, "double_insured", evidence="两份交强险")
    assert not Cancellation.objects.filter(policy=alone).exists()


def test_j6_only_the_issuing_insurer_cancels(parties):
    policy = PolicyFactory(insurer=parties.insurer_a)
    for user in (parties.insurer_b_user, parties.regulator_user, parties.ins_assoc_user):
        with pytest.raises(PermissionDeniedError):
            _cancel(parties, policy, "deregistered", actor=user)
    _unchanged(policy)


# --- laid-up extension (J10) -------------------------------------------------------------------------------------


def test_j10_laid_up_extension_once_by_one_to_four_months(parties):
    policy = PolicyFactory(insurer=parties.insurer_a, usage_nature_insured="cruising_taxi",
                           starts_at=shanghai(2026, 5, 1), ends_at=shanghai(2027, 5, 1))
    for months in (0, 5, -1):
        with pytest.raises(ValidationError) as exc:
            policy_extend_laid_up(actor=parties.insurer_a_user, policy=policy, months=months, evidence="停驶证明")
        assert "months" in exc.value.message_dict
    extended = policy_extend_laid_up(actor=parties.insurer_a_user, policy=policy, months=4, evidence="停驶证明")
    assert extended.ends_at == shanghai(2027, 9, 1) and extended.laid_up_extension_months == 4
    assert PolicyStatusChange.objects.get(policy=policy).path == LifecyclePath.EXTENSION
    with pytest.raises(ConflictError):  # only once during the contract
        policy_extend_laid_up(actor=parties.insurer_a_user, policy=policy, months=1, evidence="停驶证明")
    assert Policy.objects.get(pk=policy.pk).ends_at == shanghai(2027, 9, 1)


def test_j10_extension_only_for_an_operating_vehicles_compulsory_policy(parties):
    commercial = PolicyFactory(insurer=parties.insurer_a, kind="third_party", usage_nature_insured="cruising_taxi")
    private = PolicyFactory(insurer=parties.insurer_a, usage_nature_insured="family")
    for policy in (commercial, private):
        with pytest.raises(ValidationError):
            policy_extend_laid_up(actor=parties.insurer_a_user, policy=policy, months=2, evidence="停驶证明")
        _unchanged(policy)


def test_j8_period_of_a_compulsory_policy_is_otherwise_immutable(parties):
    policy = PolicyFactory(insurer=parties.insurer_a)
    for field, value in (("starts_at", shanghai(2026, 4, 1)), ("ends_at", shanghai(2027, 6, 1))):
        with pytest.raises(ValidationError) as exc:
            policy_update(actor=parties.insurer_a_user, policy=policy, **{field: value})
        assert field in exc.value.message_dict
    _unchanged(policy)
