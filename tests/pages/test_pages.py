"""Register pages: lists with filters and exports, detail pages and their audience, forms through the services,
reveals, onboarding check and worklist (M9), coverage standard (M10), calculator and underwriting list."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from apps.core.models import AuditEvent
from apps.policies.models import CoverageStandard, Policy
from apps.vehicles.models import OnboardingCheck, Vehicle
from tests.clock import NOW
from tests.factories import make_resident_id
from tests.policies.factories import CoverageFactory, PolicyFactory
from tests.vehicles.factories import DriverFactory, PermitFactory, VehicleFactory, make_vin


def _policy(vehicle, insurer, kind="compulsory", usage="ride_hailing", **kw):
    return PolicyFactory(vehicle=vehicle, insurer=insurer, kind=kind, usage_nature_insured=usage,
                         starts_at=NOW - dt.timedelta(days=30), ends_at=NOW + dt.timedelta(days=335), **kw)


def _fully_insured(vehicle, insurer):
    """Compulsory, third party ≥ 1,000,000 and carrier liability ≥ 400,000 per seat (the default standard)."""
    _policy(vehicle, insurer, "compulsory")
    CoverageFactory(policy=_policy(vehicle, insurer, "third_party"), kind="third_party", limit=Decimal("1000000"))
    CoverageFactory(policy=_policy(vehicle, insurer, "carrier_liability"), kind="carrier_liability",
                    limit=Decimal("1600000"), per_seat_limit=Decimal("400000"), seats=4)


@pytest.fixture
def city(parties):
    a = VehicleFactory(company=parties.company_a, owner_name="韦大宝", owner_id_no=make_resident_id(seq=11))
    b = VehicleFactory(company=parties.company_b, usage_nature="cruising_taxi")
    private = VehicleFactory(usage_nature="family", company=None)
    PermitFactory(vehicle=a, valid_from=dt.date(2025, 1, 1), valid_to=dt.date(2030, 1, 1))
    _fully_insured(a, parties.insurer_a)
    _policy(b, parties.insurer_b, usage="family")
    _policy(private, parties.insurer_a, usage="family")
    return {"a": a, "b": b, "private": private}


# --- lists, filters, exports -------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/vehicles/", "/vehicles/permits/", "/vehicles/drivers/", "/policies/",
                                 "/policies/standard/", "/policies/calculator/", "/policies/underwriting/",
                                 "/imports/"])
def test_pages_render_for_the_supervisors_and_parties(client, parties, city, url):
    DriverFactory(company=parties.company_a)
    allowed = {
        "/vehicles/": ["transport", "regulator", "company_a", "insurer_a", "taxi_assoc"],
        "/vehicles/permits/": ["transport", "company_a", "insurer_a"],
        "/vehicles/drivers/": ["transport", "company_a", "taxi_assoc"],
        "/policies/": ["regulator", "insurer_a", "transport", "ins_assoc"],
        "/policies/standard/": ["company_a", "insurer_a", "ins_assoc", "taxi_assoc"],
        "/policies/calculator/": ["insurer_a", "regulator"],
        "/policies/underwriting/": ["regulator", "insurer_a", "ins_assoc"],
        "/imports/": ["transport", "company_a", "insurer_a"],
    }[url]
    for name in allowed:
        client.force_login(parties.users[name])
        response = client.get(url)
        assert response.status_code == 200, (name, url)
        assert "<h1>" in response.content.decode()


def test_company_sees_only_its_own_vehicles_and_404_elsewhere(client, parties, city):
    client.force_login(parties.company_a_user)
    page = client.get("/vehicles/").content.decode()
    assert city["a"].plate in page and city["b"].plate not in page
    assert client.get(f"/vehicles/{city['b'].pk}/").status_code == 404
    assert client.get(f"/vehicles/{city['a'].pk}/").status_code == 200


def test_insurer_sees_vehicles_it_insures_and_own_policies_only(client, parties, city):
    client.force_login(parties.insurer_a_user)
    assert client.get(f"/vehicles/{city['a'].pk}/").status_code == 200
    assert client.get(f"/vehicles/{city['b'].pk}/").status_code == 404
    page = client.get("/policies/").content.decode()
    other = Policy.objects.get(vehicle=city["b"])
    assert other.number not in page
    assert client.get(f"/policies/{other.pk}/").status_code == 404
    assert client.get(f"/api/v1/underwriting/policies/{other.pk}/").status_code == 404


def test_vehicle_filters(client, parties, city):
    client.force_login(parties.transport_user)
    page = client.get("/vehicles/", {"usage": "class:non_operating"}).content.decode()
    assert city["private"].plate in page and city["a"].plate not in page
    page = client.get("/vehicles/", {"q": city["a"].plate}).content.decode()
    assert city["a"].plate in page and city["b"].plate not in page
    page = client.get("/vehicles/", {"company": parties.company_b.pk}).content.decode()
    assert city["b"].plate in page and city["a"].plate not in page


def test_permit_validity_filter(client, parties, city):
    PermitFactory(vehicle=city["b"], number="桂交运管柳字EXPIRED01", valid_from=dt.date(2020, 1, 1),
                  valid_to=dt.date(2021, 1, 1))
    client.force_login(parties.transport_user)
    page = client.get("/vehicles/permits/", {"validity": "expired"}).content.decode()
    assert "EXPIRED01" in page and city["a"].plate not in page


def test_policy_filters(client, parties, city):
    client.force_login(parties.regulator_user)
    page = client.get("/policies/", {"usage": "class:non_operating", "insurer": parties.insurer_b.pk}).content.decode()
    assert Policy.objects.get(vehicle=city["b"]).number in page
    assert Policy.objects.get(vehicle=city["private"]).number not in page
    page = client.get("/policies/", {"kind": "carrier_liability", "in_force": "1"}).content.decode()
    assert Policy.objects.get(kind="carrier_liability").number in page


def test_export_csv_has_bom_chinese_headers_masked_personal_data_and_reimports(client, parties, city):
    client.force_login(parties.transport_user)
    response = client.get("/vehicles/", {"company": parties.company_a.pk, "export": "csv"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:2] == ["号牌号码", "车辆识别代号"]
    assert len(rows) == 2  # header + the one vehicle of company A
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["号牌号码"] == city["a"].plate
    assert row["所有人"] == "韦*宝"
    assert "*" in row["所有人证件号码"] and make_resident_id(seq=11) not in body.decode("utf-8-sig")
    assert AuditEvent.objects.filter(action="export").exists()
    # an export re-imports without changing anything (masked cells mean "unchanged")
    from apps.imports import runner, services
    from tests.imports.helpers import upload

    job = services.import_job_create(actor=parties.transport_user, kind="vehicles", upload=upload(body, "x.csv"))
    job = runner.import_job_run(job=services.import_job_start(actor=parties.transport_user, job=job,
                                                              mode="valid_rows"))
    assert (job.unchanged_count, job.created_count, job.updated_count) == (1, 0, 0)


def test_export_xlsx_of_policies_and_drivers(client, parties, city):
    DriverFactory(company=parties.company_a, name="覃小明", phone="13907721234")
    client.force_login(parties.regulator_user)
    response = client.get("/policies/", {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("保险公司", "保单号", "险种")
    assert len(rows) == 1 + Policy.objects.count()
    client.force_login(parties.company_a_user)
    response = client.get("/vehicles/drivers/", {"export": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "覃*明" in text and "13907721234" not in text and "139****1234" in text


# --- detail, timeline, reveal --------------------------------------------------------------------------------------


def test_vehicle_detail_shows_verification_and_timeline(client, parties, city):
    client.force_login(parties.regulator_user)
    page = client.get(f"/vehicles/{city['b'].pk}/").content.decode()
    assert "按非营运性质投保" in page  # M6: an operating taxi insured as family car
    assert 'data-testid="timeline"' in page and "保险起期" in page
    client.force_login(parties.company_a_user)
    page = client.get(f"/vehicles/{city['a'].pk}/").content.decode()
    assert "按营运性质投保" in page and "运输证生效" in page


def test_timeline_has_room_for_later_apps(client, parties, city):
    from apps.vehicles.timeline import VEHICLE_TIMELINE_SOURCES, TimelineItem, register_timeline_source

    def claims(user, vehicle):
        yield TimelineItem(NOW, "claim", "理赔报案", "测试来源")

    register_timeline_source("test-claims", claims)
    try:
        client.force_login(parties.transport_user)
        assert "理赔报案" in client.get(f"/vehicles/{city['a'].pk}/").content.decode()
    finally:
        VEHICLE_TIMELINE_SOURCES.pop("test-claims")


def test_reveal_is_audited_and_refused_without_right(client, parties, city):
    vehicle = city["a"]
    client.force_login(parties.transport_user)
    page = client.get(f"/vehicles/{vehicle.pk}/").content.decode()
    assert "韦*宝" in page and "韦大宝" not in page
    response = client.post(f"/vehicles/{vehicle.pk}/reveal/owner_name/", {"reason": "核查"})
    assert response.json() == {"field": "owner_name", "value": "韦大宝"}
    event = AuditEvent.objects.get(action="personal_data.reveal")
    assert (event.actor, event.object_id, event.detail["field"]) == (parties.transport_user, str(vehicle.pk),
                                                                     "owner_name")
    client.force_login(parties.insurer_a_user)  # sees the vehicle (it insures it) but may not reveal the owner
    assert client.post(f"/vehicles/{vehicle.pk}/reveal/owner_name/").status_code == 403
    assert client.post(f"/vehicles/{vehicle.pk}/reveal/vin/").status_code == 404
    client.force_login(parties.company_b_user)
    assert client.post(f"/vehicles/{vehicle.pk}/reveal/owner_name/").status_code == 404
    assert AuditEvent.objects.filter(action="personal_data.reveal").count() == 1


# --- forms through the services ------------------------------------------------------------------------------------


def test_vehicle_form_shows_validator_messages_and_creates(client, parties):
    client.force_login(parties.company_a_user)
    response = client.post("/vehicles/new/", {"plate": "桂B-12345", "vin": make_vin(8100), "seats": 5,
                                              "status": "normal"})
    assert response.status_code == 400
    assert "J1" in response.content.decode()
    assert not Vehicle.objects.exists()
    response = client.post("/vehicles/new/", {"plate": "桂BD12345", "vin": make_vin(8100), "seats": 5,
                                              "usage_nature": "ride_hailing", "status": "normal",
                                              "owner_id_no": make_resident_id(seq=5)})
    vehicle = Vehicle.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/vehicles/{vehicle.pk}/"
    assert vehicle.company == parties.company_a  # a company registers into its own ledger
    # editing leaves the (not shown) personal fields alone when left blank
    response = client.post(f"/vehicles/{vehicle.pk}/edit/", {"plate": "桂BD12345", "vin": vehicle.vin, "seats": 7,
                                                              "usage_nature": "ride_hailing", "status": "normal"})
    assert response.status_code == 302
    vehicle.refresh_from_db()
    assert vehicle.seats == 7 and vehicle.owner_id_no == make_resident_id(seq=5)


def test_permit_form_is_for_transport(client, parties, city):
    client.force_login(parties.company_a_user)
    assert client.get("/vehicles/permits/new/").status_code == 403
    client.force_login(parties.transport_user)
    response = client.post("/vehicles/permits/new/", {"vehicle": city["b"].plate, "number": "桂交运管柳字000777",
                                                      "kind": "cruising_taxi", "valid_from": "2026-01-01",
                                                      "valid_to": "2025-01-01"})
    assert response.status_code == 400 and "有效期至" in response.content.decode()
    response = client.post("/vehicles/permits/new/", {"vehicle": city["b"].plate, "number": "桂交运管柳字000777",
                                                      "kind": "cruising_taxi", "valid_from": "2026-01-01",
                                                      "valid_to": "2028-12-31"})
    assert response.status_code == 302
    assert city["b"].permits.get().number == "桂交运管柳字000777"


def test_policy_form_for_insurers(client, parties, city):
    client.force_login(parties.insurer_a_user)
    data = {"number": "PDZA2026NEW1", "kind": "third_party", "vin": make_vin(8200), "plate": "桂BF20001",
            "seats": 5, "usage_nature_insured": "ride_hailing", "starts_on": "2026-06-01", "ends_on": "2027-05-31",
            "premium": "3200.00", "limit": "1000000"}
    response = client.post("/policies/new/", data)
    assert response.status_code == 302
    policy = Policy.objects.get(number="PDZA2026NEW1")
    assert policy.insurer == parties.insurer_a
    assert timezone.localtime(policy.ends_at).date() == dt.date(2027, 6, 1)  # 24时 of 2027-05-31
    assert policy.coverages.get().limit == Decimal("1000000")
    response = client.post("/policies/new/", data)
    assert response.status_code == 400 and "已有保单号" in response.content.decode()
    client.force_login(parties.regulator_user)
    assert client.get("/policies/new/").status_code == 403


# --- onboarding (M9) -----------------------------------------------------------------------------------------------


def test_onboarding_fail_then_online_refused(client, parties, city):
    client.force_login(parties.company_b_user)
    response = client.post("/vehicles/onboarding/", {"query": city["b"].plate, "permit_kind": "cruising_taxi"})
    page = response.content.decode()
    assert response.status_code == 200
    check = OnboardingCheck.objects.get()
    assert not check.passed
    assert "不通过" in page and "没有有效的巡游出租汽车运输证" in page and "按“非营业个人”" not in page
    codes = {r["code"] for r in check.reasons}
    assert {"no_valid_permit", "insured_as_non_operating"} <= codes
    response = client.post("/vehicles/online/", {"check": check.pk, "online": "1"}, follow=True)
    assert "没有通过上线核查" in response.content.decode()
    city["b"].refresh_from_db()
    assert not city["b"].online


def test_onboarding_pass_then_online_then_worklist(client, parties, city):
    client.force_login(parties.company_a_user)
    response = client.post("/vehicles/onboarding/", {"query": city["a"].vin, "permit_kind": "ride_hailing"})
    check = OnboardingCheck.objects.get()
    assert check.passed, check.reasons
    assert 'data-testid="mark-online"' in response.content.decode()
    response = client.post("/vehicles/online/", {"check": check.pk, "online": "1"})
    assert response.status_code == 302
    city["a"].refresh_from_db()
    assert city["a"].online
    worklist = client.get("/vehicles/worklist/").content.decode().split('data-testid="worklist"')[1]
    assert city["a"].plate not in worklist
    # the compulsory policy is rescinded: the vehicle no longer passes and shows on the worklist
    Policy.objects.filter(vehicle=city["a"], kind="compulsory").update(status="rescinded", rescinded_at=NOW)
    page = client.get("/vehicles/worklist/").content.decode()
    assert city["a"].plate in page and "不符合" in page
    assert client.get("/vehicles/onboarding/").status_code == 200
    client.force_login(parties.insurer_a_user)
    assert client.get("/vehicles/onboarding/").status_code == 404
    assert client.get("/vehicles/worklist/").status_code == 404


def test_onboarding_unknown_vehicle(client, parties):
    client.force_login(parties.company_a_user)
    response = client.post("/vehicles/onboarding/", {"query": "桂B99999", "permit_kind": "ride_hailing"})
    assert response.status_code == 400 and "没有号牌或车辆识别代号" in response.content.decode()


# --- coverage standard (M10) ---------------------------------------------------------------------------------------


def test_association_proposes_and_the_other_approves_a_new_standard_version(client, parties):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    data = {"name": "2027 版", "effective_from": tomorrow.isoformat(), "req_compulsory": "on",
            "req_third_party": "on", "min_third_party": "1500000", "req_carrier_liability": "on",
            "seat_carrier_liability": "500000", "basis": "两协会联合发布"}
    client.force_login(parties.insurer_a_user)
    assert client.post("/policies/standard/", data).status_code == 403
    client.force_login(parties.ins_assoc_user)
    response = client.post("/policies/standard/", {**data, "effective_from": "2020-01-01"})
    assert response.status_code == 400 and "追溯" in response.content.decode()
    response = client.post("/policies/standard/", data)
    assert response.status_code == 302
    new = CoverageStandard.objects.get(name="2027 版")
    assert new.effective_from == tomorrow and new.published_by == parties.ins_assoc
    assert {r.policy_kind: r.min_limit for r in new.requirements.all()}["third_party"] == Decimal("1500000")
    page = client.get("/policies/standard/").content.decode()
    assert "待另一协会审核" in page and "待生效" not in page  # rule M10: a proposal, not yet in force
    assert client.post(f"/policies/standard/{new.pk}/decide/", {"approve": "1"}).status_code == 302
    assert CoverageStandard.objects.get(pk=new.pk).status == "proposed"  # the proposer cannot approve it
    client.force_login(parties.taxi_assoc_user)
    assert client.post(f"/policies/standard/{new.pk}/decide/", {"approve": "1"}).status_code == 302
    assert CoverageStandard.objects.get(pk=new.pk).status == "in_force"
    assert "待生效" in client.get("/policies/standard/").content.decode()


# --- calculator and underwriting -----------------------------------------------------------------------------------


def test_calculator_page(client, parties):
    client.force_login(parties.insurer_a_user)
    page = client.get("/policies/calculator/", {"calc": "carrier", "l-per_seat_limit": "500000",
                                                "l-base_rate_percent": "0.05", "l-seats": "19", "l-crew": "1",
                                                "l-factors": "1.0"}).content.decode()
    assert "9000000.00" in page
    page = client.get("/policies/calculator/", {"calc": "compulsory", "c-usage_class": "family", "c-seats": "5",
                                                "c-days": "3", "c-history": "none"}).content.decode()
    assert 'data-testid="premium">18<' in page  # 950 × 7 / 365 = 18.22 → 18 (J4)
    page = client.get("/policies/calculator/", {"calc": "commercial", "m-base_premium": "3000",
                                                "m-own_pricing": "0.5", "m-no_claim_discount": "1",
                                                "m-violation": "1"}).content.decode()
    assert "自主定价系数应在" in page


def test_premium_api(api, parties):
    client = api.as_user(parties.insurer_a_user)
    response = client.post("/api/v1/premiums/carrier-liability/", {"vehicles": [
        {"per_seat_limit": "500000", "base_rate_percent": "0.05", "seats": s} for s in (19, 29, 39, 45, 55)]},
        format="json")
    assert response.status_code == 200
    assert [v["per_accident_limit"] for v in response.data["vehicles"]] == [
        "9000000.00", "14000000.00", "19000000.00", "22000000.00", "27000000.00"]
    response = client.post("/api/v1/premiums/compulsory/", {"base_premium": "950", "days": 30, "history": "A1"},
                           format="json")
    assert response.data["short_term"]["premium"] == "78"
    assert response.data["premium"] == "59"  # J12 on the short-term base: 78 × (1 − 25 %) = 58.5 → 59 (half up)
    response = client.post("/api/v1/premiums/commercial/", {"base_premium": "3000", "own_pricing": "3"},
                           format="json")
    assert response.status_code == 400 and response.data["error"]["code"] == "coefficient_out_of_range"


def test_underwriting_list_for_regulator_and_insurer(client, parties, city):
    flagged = _policy(city["a"], parties.insurer_b, "seat")
    CoverageFactory(policy=flagged, kind="seat", limit=Decimal("1000000"), per_seat_limit=Decimal("200000"), seats=5)
    client.force_login(parties.regulator_user)
    page = client.get("/policies/underwriting/").content.decode()
    assert flagged.number in page and "P3" in page
    wrong = Policy.objects.get(vehicle=city["b"])
    assert wrong.number in page and "M11" in page
    page = client.get("/policies/underwriting/", {"rule": "p3_seat"}).content.decode()
    assert flagged.number in page and wrong.number not in page
    client.force_login(parties.insurer_a_user)
    assert flagged.number not in client.get("/policies/underwriting/").content.decode()
    detail = client.get(f"/policies/{Policy.objects.get(vehicle=city['private']).pk}/")
    assert detail.status_code == 200
    client.force_login(parties.insurer_b_user)
    page = client.get(f"/policies/{flagged.pk}/").content.decode()
    assert 'data-testid="underwriting-flags"' in page and "100,000" in page
    response = client.get("/api/v1/underwriting/policies/", {"rule": "p3_seat"})
    assert [row["number"] for row in response.json()["results"]] == [flagged.number]


def test_driver_pages_stay_inside_the_audience(client, parties):
    driver = DriverFactory(company=parties.company_a, name="蒙小云")
    client.force_login(parties.company_b_user)
    assert client.get(f"/vehicles/drivers/{driver.pk}/").status_code == 404
    assert client.post(f"/vehicles/drivers/{driver.pk}/reveal/name/").status_code == 404
    assert "蒙*云" not in client.get("/vehicles/drivers/").content.decode()
    client.force_login(parties.insurer_a_user)
    assert client.get(f"/vehicles/drivers/{driver.pk}/").status_code in (403, 404)
    client.force_login(parties.company_a_user)
    page = client.get(f"/vehicles/drivers/{driver.pk}/").content.decode()
    assert "蒙*云" in page and "蒙小云" not in page
    assert client.post(f"/vehicles/drivers/{driver.pk}/reveal/name/", {"reason": "核查"}).json()["value"] == "蒙小云"
    # exact search by ID number through the blind index
    page = client.get("/vehicles/drivers/", {"id_no": driver.id_no}).content.decode()
    assert "蒙*云" in page
