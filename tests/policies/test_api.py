"""Policies and coverage-standard API: insurer isolation, batch push idempotency, masking, reveal, M10 editing."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from apps.core.models import AuditEvent
from apps.core.registry import dotted_name
from apps.policies.models import Policy
from apps.policies.services import POLICY_CREATE_CHECKS
from tests.policies.factories import PolicyFactory, joint_standard
from tests.vehicles.factories import VehicleFactory, make_vin

API = "/api/v1"


@pytest.fixture
def books(parties):
    b = type("B", (), {})()
    b.vehicle = VehicleFactory()
    b.pa = PolicyFactory(vehicle=b.vehicle, insurer=parties.insurer_a, policyholder_name="黄志强")
    b.pb = PolicyFactory(vehicle=b.vehicle, insurer=parties.insurer_b, kind="third_party")
    return b


def _ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_insurer_sees_and_writes_only_own_policies(parties, api, books):
    a = api.as_user(parties.insurer_a_user)
    assert _ids(a.get(f"{API}/policies/")) == {books.pa.pk}
    assert a.get(f"{API}/policies/{books.pb.pk}/").status_code == 404
    assert a.patch(f"{API}/policies/{books.pb.pk}/", {"premium": "1.00"}, format="json").status_code == 404
    assert a.post(f"{API}/policies/{books.pb.pk}/reveal/", {"field": "policyholder_name"},
                  format="json").status_code == 404
    assert Policy.objects.get(pk=books.pb.pk).premium != 1
    ok = a.patch(f"{API}/policies/{books.pa.pk}/", {"premium": "990.00"}, format="json")
    assert ok.status_code == 200 and ok.json()["premium"] == "990.00"
    b = api.as_user(parties.insurer_b_user)
    assert _ids(b.get(f"{API}/policies/")) == {books.pb.pk}


def test_supervisors_read_all_companies_read_none(parties, api, books):
    for user in (parties.transport_user, parties.regulator_user, parties.ins_assoc_user):
        assert _ids(api.as_user(user).get(f"{API}/policies/")) == {books.pa.pk, books.pb.pk}
        assert api.as_user(user).patch(f"{API}/policies/{books.pa.pk}/", {"premium": "1"},
                                       format="json").status_code == 403
    assert api.as_user(parties.company_a_user).get(f"{API}/policies/").status_code == 403
    assert api.as_user(parties.taxi_assoc_user).get(f"{API}/policies/").status_code == 403


def test_policyholder_masked_encrypted_and_reveal_audited(parties, api, books):
    with connection.cursor() as cursor:
        cursor.execute("SELECT policyholder_name FROM policies_policy WHERE id = %s", [books.pa.pk])
        assert "黄志强" not in cursor.fetchone()[0]
    data = api.as_user(parties.regulator_user).get(f"{API}/policies/{books.pa.pk}/").json()
    assert data["policyholder_name"] == "黄*强"
    response = api.as_user(parties.insurer_a_user).post(f"{API}/policies/{books.pa.pk}/reveal/",
                                                        {"field": "policyholder_name", "reason": "核保"}, format="json")
    assert response.json()["value"] == "黄志强"
    assert AuditEvent.objects.filter(action="personal_data.reveal", object_id=str(books.pa.pk)).count() == 1
    denied = api.as_user(parties.ins_assoc_user).post(f"{API}/policies/{books.pa.pk}/reveal/",
                                                      {"field": "policyholder_name"}, format="json")
    assert denied.status_code == 403


def test_filters(parties, api, books):
    client = api.as_user(parties.regulator_user)
    assert _ids(client.get(f"{API}/policies/", {"kind": "third_party"})) == {books.pb.pk}
    assert _ids(client.get(f"{API}/policies/", {"plate": books.vehicle.plate.lower()})) == {books.pa.pk, books.pb.pk}
    assert _ids(client.get(f"{API}/policies/", {"in_force_at": "2026-06-01T00:00:00+08:00"})) == {books.pa.pk,
                                                                                                  books.pb.pk}
    assert _ids(client.get(f"{API}/policies/", {"in_force_at": "2028-01-01T00:00:00+08:00"})) == set()
    assert _ids(client.get(f"{API}/policies/", {"usage_class": "non_operating"})) == set()


def test_create_policy_registers_vehicle_by_vin(parties, api):
    client = api.as_user(parties.insurer_a_user)
    body = {"number": "PDAA2026001", "kind": "compulsory", "vin": make_vin(8101), "plate": "桂B3C456", "seats": 5,
            "usage_nature_insured": "预约出租客运", "starts_at": "2026-05-01T00:00:00+08:00",
            "ends_at": "2027-05-01T00:00:00+08:00", "premium": "950.00", "policyholder_name": "某某"}
    response = client.post(f"{API}/policies/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["insurer"] == parties.insurer_a.pk and response.json()["plate"] == "桂B3C456"
    again = client.post(f"{API}/policies/", body, format="json")
    assert again.status_code == 400  # unique (insurer, number)
    no_seats = {k: v for k, v in body.items() if k not in ("seats", "plate")}
    refused = client.post(f"{API}/policies/", {**no_seats, "number": "X2", "vin": make_vin(8102)}, format="json")
    assert refused.status_code == 400 and "seats" in refused.json()["error"]["fields"]
    assert api.as_user(parties.company_a_user).post(f"{API}/policies/", body, format="json").status_code == 403


def test_batch_push_is_idempotent_with_per_row_results(parties, api):
    client = api.as_user(parties.insurer_a_user)
    rows = [
        {"保单号": "PB001", "险种": "交强险", "号牌号码": "桂B5D678", "车辆识别代号": make_vin(8201), "核定载客人数": "5",
         "使用性质": "预约出租客运", "保险起期": "2026-05-01", "保险止期": "2027-04-30", "保费": "950"},
        {"保单号": "PB002", "险种": "商业三者险", "号牌号码": "桂B5D678", "车辆识别代号": make_vin(8201),
         "使用性质": "家庭自用", "保险起期": "2026-05-01", "保险止期": "2027-04-30", "保费": "2,100", "责任限额": "50万"},
        {"保单号": "PB003", "险种": "飞行险", "车辆识别代号": "123", "使用性质": "营运", "保险起期": "x", "保费": "1"},
    ]
    first = client.post(f"{API}/policies/batch/", {"rows": rows}, format="json")
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["counts"] == {"created": 2, "updated": 0, "unchanged": 0, "error": 1}
    error = body["results"][2]
    assert error["row"] == 3 and error["outcome"] == "error"
    assert set(error["errors"]) >= {"险种", "车辆识别代号", "保险起期", "保险止期"}
    events = AuditEvent.objects.count()
    second = client.post(f"{API}/policies/batch/", {"rows": rows[:2]}, format="json").json()
    assert second["counts"] == {"created": 0, "updated": 0, "unchanged": 2, "error": 0}
    assert AuditEvent.objects.count() == events
    changed = client.post(f"{API}/policies/batch/", {"rows": [{**rows[1], "责任限额": "100万"}]}, format="json").json()
    assert changed["counts"]["updated"] == 1
    assert Policy.objects.filter(insurer=parties.insurer_a).count() == 2
    # insurer B pushing a row naming insurer A is refused row by row
    other = api.as_user(parties.insurer_b_user).post(
        f"{API}/policies/batch/", {"rows": [{**rows[0], "保险公司": parties.insurer_a.name}]}, format="json").json()
    assert other["counts"]["error"] == 1 and "本公司" in other["results"][0]["errors"]["__all__"][0]


def test_policy_create_checks_hook_can_refuse(parties, api):
    """The hook a later issue uses to refuse ride-hailing policies from a suspended insurer (rule M15)."""
    from apps.core.errors import ApplicationError

    def refuse(*, insurer, usage_nature_insured, **kwargs):
        if insurer == parties.insurer_b and usage_nature_insured == "ride_hailing":
            raise ApplicationError("该保险公司网约车保险业务已暂停。", code="insurer_suspended")

    POLICY_CREATE_CHECKS.add(refuse)
    try:
        body = {"number": "PH1", "kind": "compulsory", "vin": make_vin(8301), "seats": 5,
                "usage_nature_insured": "ride_hailing", "starts_at": "2026-05-01T00:00:00+08:00",
                "ends_at": "2027-05-01T00:00:00+08:00", "premium": "950"}
        refused = api.as_user(parties.insurer_b_user).post(f"{API}/policies/", body, format="json")
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "insurer_suspended"
        assert api.as_user(parties.insurer_a_user).post(f"{API}/policies/", body, format="json").status_code == 201
        assert not Policy.objects.filter(insurer=parties.insurer_b).exists()
    finally:
        POLICY_CREATE_CHECKS.unregister(dotted_name(refuse))


def test_coverage_standard_published_by_associations_only(parties, api):
    previous = joint_standard(name="默认保障标准（测试）", proposer=parties.ins_assoc, approver=parties.taxi_assoc)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    body = {"name": "2027 版保障标准", "effective_from": tomorrow, "basis": "两协会联合发布",
            "requirements": [{"policy_kind": "compulsory", "min_limit": "0"},
                             {"policy_kind": "third_party", "min_limit": "1500000"},
                             {"policy_kind": "carrier_liability", "min_limit": "0", "min_per_seat_limit": "500000"}]}
    for user in (parties.insurer_a_user, parties.company_a_user, parties.regulator_user):
        assert api.as_user(user).post(f"{API}/coverage-standards/", body, format="json").status_code == 403
    response = api.as_user(parties.taxi_assoc_user).post(f"{API}/coverage-standards/", body, format="json")
    assert response.status_code == 201, response.content
    assert len(response.json()["requirements"]) == 3
    assert response.json()["published_by"] == parties.taxi_assoc.pk and response.json()["status"] == "proposed"
    previous.refresh_from_db()
    assert previous.effective_to is None  # a proposal is not in force (rule M10)
    proposal = response.json()["id"]
    # the proposing association cannot approve its own proposal; the other one does
    own = api.as_user(parties.taxi_assoc_user).post(f"{API}/coverage-standards/{proposal}/decide/",
                                                    {"approve": True}, format="json")
    assert own.status_code == 403
    ok = api.as_user(parties.ins_assoc_user).post(f"{API}/coverage-standards/{proposal}/decide/",
                                                  {"approve": True}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "in_force", ok.content
    previous.refresh_from_db()
    assert previous.effective_to == timezone.localdate()
    past = {**body, "name": "追溯", "effective_from": "2026-01-01"}
    assert api.as_user(parties.ins_assoc_user).post(f"{API}/coverage-standards/", past, format="json").status_code == 400
    listing = api.as_user(parties.company_a_user).get(f"{API}/coverage-standards/")
    assert listing.json()["count"] == 2
    current = api.as_user(parties.insurer_a_user).get(f"{API}/coverage-standards/in-force/").json()
    assert current["id"] == previous.pk


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_api_labels_are_the_models_display_values_in_the_users_language(db, language):
    """``LabelField`` (a label table per serializer and language) gives what ``get_FOO_display()`` gives."""
    from django.utils import translation

    from apps.policies.api.serializers import PolicySerializer
    from apps.policies.models import PolicyKind
    from apps.vehicles.usage import UsageNature
    from tests.policies.factories import CoverageFactory, PolicyFactory

    policies = [PolicyFactory(kind=kind, usage_nature_insured=nature)
                for kind, nature in zip(PolicyKind.values, [UsageNature.FAMILY, UsageNature.RIDE_HAILING,
                                                           UsageNature.TRAINING, UsageNature.RENTAL,
                                                           UsageNature.CRUISING_TAXI], strict=True)]
    CoverageFactory(policy=policies[1], kind="passenger_seat")
    with translation.override(language):
        data = PolicySerializer(policies, many=True).data
        for policy, row in zip(policies, data, strict=True):
            assert row["kind_label"] == policy.get_kind_display()
            assert row["usage_nature_label"] == policy.get_usage_nature_insured_display()
            assert row["status_label"] == policy.get_status_display()
            assert [c["kind_label"] for c in row["coverages"]] == [c.get_kind_display() for c in policy.coverages.all()]
    assert (data[0]["kind_label"] == "交强险") == (language == "zh-hans")  # the English catalogue translates it
