"""The JSON-lines file import goes through the same service as the API (same checks, same results, one delivery per
RIDEHAILING_MAX_RECORDS records); transport and the regulator read the feeds and each record's result on pages,
a company only its own deliveries; other parties are refused."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from apps.ridehailing.models import Delivery, DeliveryRecord, VehicleVersion

from .conftest import post, vehicle_record


def _write(tmp_path, lines) -> str:
    path = tmp_path / "vehicles.jsonl"
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)
                              for line in lines) + "\n", encoding="utf-8")
    return str(path)


def test_a_json_lines_file_is_imported_like_an_api_delivery(rh, tmp_path, settings):
    settings.RIDEHAILING_MAX_RECORDS = 2
    path = _write(tmp_path, [vehicle_record("桂B10001"), vehicle_record("桂B10002"), "{not json",
                             vehicle_record("桂B10003", company="CX0002"), "", vehicle_record("桂B10001")])
    out, err = io.StringIO(), io.StringIO()
    call_command("ridehailing_import", path, feed=rh.feed_a.name, interface="baseInfoVehicle", stdout=out, stderr=err)
    totals = json.loads(out.getvalue())
    assert totals == {"deliveries": 3, "total": 5, "stored": 2, "unchanged": 1, "superseded": 0, "rejected": 2}
    assert sorted(VehicleVersion.objects.values_list("vehicle_no", flat=True)) == ["桂B10001", "桂B10002"]
    assert set(Delivery.objects.values_list("source", "file_name")) == {("file", "vehicles.jsonl")}
    assert "CX0002" in err.getvalue()
    assert DeliveryRecord.objects.filter(outcome="rejected", errors__0__code="not_object").count() == 1


def test_the_import_refuses_an_unknown_feed(rh, tmp_path):
    with pytest.raises(CommandError):
        call_command("ridehailing_import", _write(tmp_path, []), feed="nobody", interface="baseInfoVehicle")


def test_transport_and_the_regulator_read_the_feeds_and_each_records_result(rh, client):
    response = post(rh.client_a, "baseInfoVehicle", [vehicle_record(), vehicle_record("桂B-12345")])
    number = response.json()["number"]
    other = post(rh.client_b, "baseInfoVehicle", [vehicle_record(company="CX0002")]).json()["number"]
    for user in (rh.parties.transport_user, rh.parties.regulator_user):
        client.force_login(user)
        page = client.get("/ridehailing/")
        assert page.status_code == 200
        assert number in page.content.decode() and other in page.content.decode()
        detail = client.get(f"/ridehailing/deliveries/{number}/").content.decode()
        assert "号牌号码“桂B-12345”含有空格、点、横线或其他符号" in detail
        assert "新增" in detail and "拒收" in detail
        assert "added" not in detail and "baseInfoVehicle" in detail  # labels, not choice codes
    client.force_login(rh.parties.company_b_user)
    assert client.get(f"/ridehailing/deliveries/{number}/").status_code == 404
    assert client.get(f"/ridehailing/deliveries/{other}/").status_code == 200
    assert number not in client.get("/ridehailing/").content.decode()
    client.force_login(rh.parties.insurer_a_user)
    assert client.get("/ridehailing/").status_code == 403


def test_the_api_lists_deliveries_with_their_results_in_scope(rh):
    number = post(rh.client_a, "baseInfoVehicle", [vehicle_record(VIN="123")]).json()["number"]
    detail = rh.client_a.get(f"/api/v1/ridehailing/deliveries/{number}/").json()
    assert (detail["total"], detail["rejected"]) == (1, 1)
    records = rh.client_a.get(f"/api/v1/ridehailing/deliveries/{number}/records/").json()["results"]
    assert [(r["index"], r["outcome"], r["errors"][0]["code"]) for r in records] == [(0, "rejected", "vin_length")]
    # stored with its message id: read again in the reader's language
    rh.client_a.cookies["django_language"] = "en"
    english = rh.client_a.get(f"/api/v1/ridehailing/deliveries/{number}/records/").json()["results"]
    assert english[0]["errors"][0]["message"] == 'VIN: The VIN "123" has 3 characters; it must have 17.'
    assert records[0]["errors"][0]["message"] == "VIN: 车辆识别代号“123”为 3 位，应为 17 位。"
    assert rh.client_b.get(f"/api/v1/ridehailing/deliveries/{number}/").status_code == 404
    assert rh.client_b.get(f"/api/v1/ridehailing/deliveries/{number}/records/").status_code == 404
    assert [d["number"] for d in rh.client_city.get("/api/v1/ridehailing/deliveries/").json()["results"]] == [number]
