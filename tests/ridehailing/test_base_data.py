"""A.4 base data: each interface round-trips in its own field names; Flag add/update/delete; UpdateTime ordering
(an older version never overwrites a newer one); redelivery is a no-op; per-record errors; company scoping
(a company's key posts and reads only its own CompanyId; the city's feed posts for all); encryption at rest."""

from __future__ import annotations

import datetime as dt

from django.db import connection

from apps.core.crypto import blind_index
from apps.ridehailing.models import CompanyVersion, Delivery, DeliveryRecord, DriverVersion, VehicleVersion
from tests import clock
from tests.factories import make_uscc

from .conftest import URL, driver_record, post, stamp, vehicle_record


def _outcomes(response) -> list[str]:
    return [r["outcome"] for r in response.json()["results"]]


def test_each_base_interface_round_trips_in_its_field_names(rh):
    update = stamp(clock.NOW - dt.timedelta(hours=3))
    company = {"CompanyId": "LC0001", "CompanyName": "龙城出行科技有限公司", "Identifier": rh.parties.company_a.uscc,
               "Address": "450200", "BusinessScope": "网络预约出租汽车经营", "ContactAddress": "柳州市城中区",
               "EconomicType": "有限责任公司", "RegCapital": "1000万", "LegalName": "黄建国",
               "LegalID": "450202197001011234", "LegalPhone": "13800772000", "State": 0, "Flag": 1,
               "UpdateTime": update}
    insurance = {"CompanyId": "LC0001", "VehicleNo": "桂B12345", "InsurCom": "中国人民财产保险股份有限公司柳州市分公司",
                 "InsurNum": "PDAA202645020000000123", "InsurType": "承运人责任险", "InsurCount": "1000000",
                 "InsurEff": "20260101", "InsurExp": "20261231", "Flag": 1, "UpdateTime": update}
    cases = {
        "baseInfoCompany": (company, {"LegalName": "黄*国", "LegalID": "4502**********1234", "LegalPhone": "138****2000"}),
        "baseInfoVehicle": (vehicle_record(update=clock.NOW - dt.timedelta(hours=3)), {"OwnerName": "韦*明"}),
        "baseInfoVehicleInsurance": (insurance, {}),
        "baseInfoDriver": (driver_record(update=clock.NOW - dt.timedelta(hours=3)),
                           {"DriverName": "覃*勇", "DriverPhone": "139****0001", "LicenseId": "4502**********1234"}),
    }
    for interface, (record, masked) in cases.items():
        response = post(rh.client_a, interface, [record])
        assert response.status_code == 200, response.content
        assert _outcomes(response) == ["added"], (interface, response.json())
        listed = rh.client_a.get(URL + interface).json()["results"]
        assert len(listed) == 1
        expected = {**record, **masked}
        assert listed[0] == expected, interface


def test_flag_add_update_delete(rh):
    t0 = clock.NOW - dt.timedelta(days=3)
    assert _outcomes(post(rh.client_a, "baseInfoVehicle", [vehicle_record(update=t0)])) == ["added"]
    changed = vehicle_record(flag=2, update=t0 + dt.timedelta(days=1), Seats=7)
    assert _outcomes(post(rh.client_a, "baseInfoVehicle", [changed])) == ["updated"]
    current = VehicleVersion.objects.get(is_current=True)
    assert current.data["Seats"] == 7 and current.flag == 2
    gone = vehicle_record(flag=3, update=t0 + dt.timedelta(days=2))
    assert _outcomes(post(rh.client_a, "baseInfoVehicle", [gone])) == ["deleted"]
    assert rh.client_a.get(URL + "baseInfoVehicle").json()["results"] == []
    with_deleted = rh.client_a.get(URL + "baseInfoVehicle", {"deleted": "1"}).json()["results"]
    assert [r["Flag"] for r in with_deleted] == [3]
    assert VehicleVersion.objects.count() == 3
    assert VehicleVersion.objects.filter(is_current=True, deleted=True).count() == 1
    back = vehicle_record(flag=1, update=t0 + dt.timedelta(days=2, hours=1))
    assert _outcomes(post(rh.client_a, "baseInfoVehicle", [back])) == ["added"]  # deleted, then added anew
    assert [r["Flag"] for r in rh.client_a.get(URL + "baseInfoVehicle").json()["results"]] == [1]


def test_an_older_update_time_does_not_overwrite_and_is_kept_as_superseded(rh):
    newer = vehicle_record(flag=2, update=clock.NOW - dt.timedelta(hours=1), Seats=5)
    older = vehicle_record(flag=2, update=clock.NOW - dt.timedelta(days=2), Seats=7)
    assert _outcomes(post(rh.client_a, "baseInfoVehicle", [newer])) == ["added"]
    assert _outcomes(post(rh.client_a, "baseInfoVehicle", [older])) == ["superseded"]
    current = VehicleVersion.objects.get(is_current=True)
    assert current.data["Seats"] == 5
    assert VehicleVersion.objects.filter(is_current=False, data__Seats=7).count() == 1
    # the same two inside one request, older last: same outcome
    plate = "桂B22345"
    both = [vehicle_record(plate, update=clock.NOW - dt.timedelta(hours=1), Seats=5),
            vehicle_record(plate, update=clock.NOW - dt.timedelta(days=2), Seats=7)]
    assert _outcomes(post(rh.client_a, "baseInfoVehicle", both)) == ["added", "superseded"]
    assert VehicleVersion.objects.get(vehicle_no=plate, is_current=True).data["Seats"] == 5


def test_redelivery_of_an_identical_record_is_a_no_op(rh):
    record = driver_record()
    assert _outcomes(post(rh.client_a, "baseInfoDriver", [record])) == ["added"]
    again = post(rh.client_a, "baseInfoDriver", [record, record])
    assert _outcomes(again) == ["unchanged", "unchanged"]
    assert again.json()["stored"] == 0 and again.json()["unchanged"] == 2
    assert DriverVersion.objects.count() == 1


def test_per_record_errors_reject_only_the_bad_records(rh):
    good = vehicle_record("桂B32345")
    bad_vin = vehicle_record("桂B42345", VIN="LGXCE4CB012345678".replace("0", "1", 1))
    short_vin = vehicle_record("桂B52345", VIN="LGXCE4CB01234")
    bad_plate = vehicle_record("桂B-12345")
    bad_date = vehicle_record("桂B62345", TransDateStop="20280231")
    bad_instant = vehicle_record("桂B72345", UpdateTime="2026-11-20 10:00")
    unknown = vehicle_record("桂B82345", company="ZZ9999")
    missing = {k: v for k, v in vehicle_record("桂B92345").items() if k != "VIN"}
    response = post(rh.client_a, "baseInfoVehicle",
                    [good, bad_vin, short_vin, bad_plate, bad_date, bad_instant, unknown, missing])
    assert response.status_code == 200
    body = response.json()
    assert _outcomes(response) == ["added"] + ["rejected"] * 7
    codes = [[(e["field"], e["code"]) for e in r["errors"]] for r in body["results"]]
    assert codes[1] == [("VIN", "vin_check_digit")]
    assert codes[2] == [("VIN", "vin_length")]
    assert codes[3] == [("VehicleNo", "plate_symbol")]
    assert codes[4] == [("TransDateStop", "date_invalid")]
    assert codes[5] == [("UpdateTime", "time_format")]
    assert codes[6] == [("CompanyId", "unknown_company")]
    assert codes[7] == [("VIN", "required")]
    assert "17" in body["results"][2]["errors"][0]["message"]
    assert body["stored"] == 1 and body["rejected"] == 7
    assert list(VehicleVersion.objects.values_list("vehicle_no", flat=True)) == ["桂B32345"]
    delivery = Delivery.objects.get(number=body["number"])
    assert DeliveryRecord.objects.filter(delivery=delivery, outcome="rejected").count() == 7


def test_numbers_beyond_what_is_kept_are_refused_per_record(rh):
    from .test_operating_data import arrive, at

    response = post(rh.client_a, "operateArrive", [arrive("O-1", at(9), "999999999.999"),
                                                   arrive("O-2", at(9), "1000000000"),
                                                   {**arrive("O-3", at(9), "1"), "DriveTime": 2**31}])
    assert [r["outcome"] for r in response.json()["results"]] == ["stored", "rejected", "rejected"]
    assert [[e["code"] for e in r["errors"]] for r in response.json()["results"]][1:] == [
        ["number_range"], ["int_range"]]


def test_errors_are_in_chinese_and_in_english_when_the_client_chose_english(rh):
    short = [vehicle_record(VIN="LGXCE4CB01234")]
    chinese = post(rh.client_a, "baseInfoVehicle", short).json()["results"][0]["errors"][0]["message"]
    rh.client_a.cookies["django_language"] = "en"
    english = post(rh.client_a, "baseInfoVehicle", short).json()["results"][0]["errors"][0]["message"]
    assert chinese == "VIN: 车辆识别代号“LGXCE4CB01234”为 13 位，应为 17 位。"
    assert english == 'VIN: The VIN "LGXCE4CB01234" has 13 characters; it must have 17.'


def test_a_company_key_posts_and_reads_only_its_own_company(rh):
    other = post(rh.client_a, "baseInfoVehicle", [vehicle_record("桂B12346", company="CX0002")])
    assert other.json()["results"][0]["errors"][0]["code"] == "other_company"
    assert not VehicleVersion.objects.exists()
    city = post(rh.client_city, "baseInfoVehicle", [vehicle_record("桂B12346", company="CX0002"),
                                                     vehicle_record("桂B12347", company="LC0001")])
    assert _outcomes(city) == ["added", "added"]
    mine = rh.client_a.get(URL + "baseInfoVehicle").json()["results"]
    assert [r["VehicleNo"] for r in mine] == ["桂B12347"]
    transport = rh.client_city.get(URL + "baseInfoVehicle").json()["results"]
    assert sorted(r["VehicleNo"] for r in transport) == ["桂B12346", "桂B12347"]


def test_the_city_feed_registers_a_company_id_of_a_known_taxi_company(rh):
    record = {"CompanyId": "NEW0003", "CompanyName": "龙城出行", "Identifier": rh.parties.company_a.uscc,
              "Address": "450200", "Flag": 1, "UpdateTime": stamp(clock.NOW)}
    stranger = {**record, "CompanyId": "NEW0004", "Identifier": make_uscc()}
    response = post(rh.client_city, "baseInfoCompany", [record, stranger])
    assert _outcomes(response) == ["added", "rejected"]
    assert response.json()["results"][1]["errors"][0]["code"] == "unknown_company"
    assert CompanyVersion.objects.get().company.organization == rh.parties.company_a
    # a company's own feed does not register CompanyIds
    own = post(rh.client_a, "baseInfoCompany", [{**record, "CompanyId": "NEW0005"}])
    assert _outcomes(own) == ["rejected"]


def test_personal_fields_are_encrypted_at_rest_with_a_blind_index(rh):
    record = driver_record()
    post(rh.client_a, "baseInfoDriver", [record])
    with connection.cursor() as cursor:
        cursor.execute("SELECT driver_name, driver_phone, license_id, license_id_bidx, data::text, record_key "
                       "FROM ridehailing_driverversion")
        name, phone, licence, bidx, data, key = cursor.fetchone()
    for plain, stored in ((record["DriverName"], name), (record["DriverPhone"], phone),
                          (record["LicenseId"], licence)):
        assert stored and plain not in stored
    assert record["LicenseId"] not in data and record["DriverName"] not in data and record["LicenseId"] not in key
    assert bidx == blind_index(record["LicenseId"]) == key
    assert DriverVersion.objects.get().driver_name == record["DriverName"]


def test_fields_the_interface_does_not_define_are_not_stored_and_named(rh):
    record = driver_record(EmergencyContactPhone="13900000000", DriverCensus="柳州")
    response = post(rh.client_a, "baseInfoDriver", [record])
    assert response.json()["results"][0]["ignored"] == ["DriverCensus", "EmergencyContactPhone"]
    assert "EmergencyContactPhone" not in DriverVersion.objects.get().data


def test_not_a_list_and_unknown_interface_and_accounts_without_a_feed(rh, api):
    assert post(rh.client_a, "baseInfoVehicle", {"VehicleNo": "桂B12345"}).status_code == 400
    assert post(rh.client_a, "baseInfoNothing", []).status_code == 404
    officer = api.as_user(rh.parties.transport_user)  # a person of transport, not the feed's account
    assert post(officer, "baseInfoVehicle", [vehicle_record()]).status_code == 403
    regulator = api.as_user(rh.parties.regulator_user)
    assert post(regulator, "baseInfoVehicle", [vehicle_record()]).status_code == 403
    assert not Delivery.objects.exists()
    insurer = api.as_user(rh.parties.insurer_a_user)
    assert insurer.get(URL + "baseInfoVehicle").status_code == 403


def test_key_rotation_re_encrypts_the_versions_and_the_partitioned_raw_records(rh, settings):
    from io import StringIO

    from django.core.management import call_command
    from django.test import override_settings

    from apps.core import crypto
    from apps.ridehailing.models import OperatingRecord

    from .test_operating_data import at, depart

    old, new = "ridehailing-rotation-key-a-000000000000", "ridehailing-rotation-key-b-000000000000"
    with override_settings(PERSONAL_DATA_KEYS=[old]):
        post(rh.client_a, "baseInfoDriver", [driver_record()])
        post(rh.client_a, "operateDepart", [depart("O-R", at(9))])
    with override_settings(PERSONAL_DATA_KEYS=[new, old, *settings.PERSONAL_DATA_KEYS]):  # other rows keep theirs
        out = StringIO()
        call_command("rotate_personal_data_keys", stdout=out)
        assert "ridehailing.OperatingRecord: 1 rows, 1 values re-encrypted" in out.getvalue()
        assert "ridehailing.DriverVersion: 1 rows, 3 values re-encrypted" in out.getvalue()
    with override_settings(PERSONAL_DATA_KEYS=[new]):
        assert OperatingRecord.objects.get().license_id == "450202198503121234"
        assert DriverVersion.objects.get().driver_name == "覃大勇"
        with connection.cursor() as cursor:
            cursor.execute("SELECT license_id FROM ridehailing_operatingrecord")
            assert crypto.is_current(cursor.fetchone()[0])


def test_the_kept_records_are_listed_page_by_page(rh):
    plates = [f"桂B{n:05d}" for n in range(10001, 10061)]
    response = post(rh.client_a, "baseInfoVehicle", [vehicle_record(plate) for plate in plates])
    assert response.json()["stored"] == 60
    seen, url = [], URL + "baseInfoVehicle"
    while url:
        body = rh.client_a.get(url).json()
        seen += [r["VehicleNo"] for r in body["results"]]
        url = body["next"]
    assert seen == plates
