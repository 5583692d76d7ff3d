"""The chart endpoints' numbers on the crafted city (conftest.py), per party: exact counts, and scoping — an insurer
sees its own figures only, a taxi company no city-wide chart (rules M2, M3)."""

import csv
import io

import pytest

URL = "/api/v1/dashboard/charts/{}/"


def _get(api, user, key, query):
    response = api.as_user(user).get(URL.format(key), query)
    assert response.status_code == 200, response.content
    return response.json()


def _sum(rows, **match):
    """Sum of each numeric column over the rows matching ``match``."""
    out = {}
    for row in rows:
        if all(row[k] == v for k, v in match.items()):
            for k, v in row.items():
                if isinstance(v, int):
                    out[k] = out.get(k, 0) + v
    return out


def test_m4_funnel_counts_each_stage_by_direction_for_transport(api, city, period_query):
    data = _get(api, city.parties.transport_user, "funnel", period_query)
    t2i = _sum(data["rows"], direction="交通→保险")
    i2t = _sum(data["rows"], direction="保险→交通")
    assert (t2i["identified"], t2i["verified"], t2i["checked"], t2i["confirmed"], t2i["dismissed"],
            t2i["disposed"]) == (4, 3, 2, 1, 1, 2)
    assert (i2t["identified"], i2t["verified"], i2t["checked"], i2t["disposed"]) == (1, 1, 0, 0)
    assert [c["key"] for c in data["columns"]][:3] == ["month", "direction", "identified"]
    assert len(data["rows"]) == 2 * 2  # two months × two directions, zero-filled
    panel = data["charts"][0]
    assert panel["title"] == "交通→保险" and [d["label"] for d in panel["datasets"]] == ["发现", "已核验", "已线下核查", "已处置"]
    assert sum(panel["datasets"][0]["data"]) == 4


def test_funnel_follows_each_sides_audience(api, city, period_query):
    # The regulator does not see transport's unpushed draft L4; company A sees only the lead it reported.
    regulator = _sum(_get(api, city.parties.regulator_user, "funnel", period_query)["rows"], direction="交通→保险")
    assert regulator["identified"] == 3 and regulator["disposed"] == 2
    company = _get(api, city.parties.company_a_user, "funnel", period_query)["rows"]
    assert _sum(company)["identified"] == 1 and _sum(company, direction="保险→交通")["verified"] == 1
    assert _sum(_get(api, city.parties.company_b_user, "funnel", period_query)["rows"]).get("identified", 0) == 0


def test_m12_rescission_timeliness_per_insurer(api, city, period_query):
    rows = {r["insurer"]: r for r in _get(api, city.parties.regulator_user, "rescissions", period_query)["rows"]}
    a, b = rows["人保财险(测试)"], rows["平安产险(测试)"]
    assert (a["opened"], a["decided_in_time"], a["decided_late"], a["open"], a["lapsed"], a["in_time_rate"]) == \
        (1, 1, 0, 0, 0, 100.0)
    assert (b["opened"], b["decided_in_time"], b["open"], b["lapsed"], b["in_time_rate"]) == (1, 0, 1, 0, "")
    panel = _get(api, city.parties.ins_assoc_user, "rescissions", period_query)["charts"][0]
    assert panel["labels"] == ["人保财险(测试)", "平安产险(测试)"] and panel["horizontal"] and panel["stacked"]


def test_m13_claims_sla_per_insurer(api, city, period_query):
    data = _get(api, city.parties.regulator_user, "claims", period_query)
    totals = {r["insurer"]: r for r in data["rows"] if r["rule"] == "合计"}
    a, b = totals["人保财险(测试)"], totals["平安产险(测试)"]
    # A: C1 dispatched in time, C2 overdue; both documents-list clocks running. B: C3 in time, one running.
    assert (a["total"], a["met"], a["breached"], a["running"], a["share"]) == (4, 1, 1, 2, 50.0)
    assert (b["total"], b["met"], b["breached"], b["running"], b["share"]) == (2, 1, 0, 1, 100.0)
    dispatch = next(r for r in data["rows"] if r["insurer"] == "人保财险(测试)" and r["rule"].startswith("查勘调度"))
    assert (dispatch["met"], dispatch["breached"]) == (1, 1)
    panel = data["charts"][0]
    assert panel["labels"] == ["人保财险(测试)", "平安产险(测试)"]
    assert [d["data"] for d in panel["datasets"]] == [[1, 1], [1, 0], [2, 1]]


def test_m16_complaints_by_hotline_and_outcome_per_handler(api, city, period_query):
    transport = _get(api, city.parties.transport_user, "complaints", period_query)["rows"]
    assert sorted((r["hotline"], r["outcome"], r["count"]) for r in transport) == [
        ("12328", "办理中", 1), ("12328", "属实", 1)]
    regulator = _get(api, city.parties.regulator_user, "complaints", period_query)
    assert [(r["hotline"], r["outcome"], r["count"]) for r in regulator["rows"]] == [("12378", "不属实", 1)]
    assert regulator["charts"][0]["labels"] == ["12378 银行保险消费者投诉维权热线"]
    # insurer A sees the report forwarded to it; insurer B sees none
    assert [r["count"] for r in _get(api, city.parties.insurer_a_user, "complaints", period_query)["rows"]] == [1]
    assert _get(api, city.parties.insurer_b_user, "complaints", period_query)["rows"] == []


def test_m6_screening_findings_over_time(api, city, period_query):
    rows = _get(api, city.parties.regulator_user, "screening", period_query)["rows"]
    this_month = rows[-1]
    assert (this_month["runs"], this_month["listed"], this_month["non_operating"], this_month["uninsured"],
            this_month["vehicles"]) == (1, 2, 1, 1, 2)
    assert rows[0]["vehicles"] == 0
    # insurer B: its own finding only, and not the lists themselves
    mine = _get(api, city.parties.insurer_b_user, "screening", period_query)
    assert "runs" not in mine["rows"][-1]
    assert (mine["rows"][-1]["non_operating"], mine["rows"][-1]["uninsured"]) == (1, 0)
    assert _get(api, city.parties.insurer_a_user, "screening", period_query)["rows"][-1]["vehicles"] == 0


def test_m15_sanctions_per_month_and_kind(api, city, period_query):
    row = _get(api, city.parties.regulator_user, "sanctions", period_query)["rows"][-1]
    assert (row["rectification_order"], row["self_discipline"], row["transport_penalty"], row["total"]) == (1, 1, 1, 3)
    company = _get(api, city.parties.company_a_user, "sanctions", period_query)["rows"][-1]
    assert (company["self_discipline"], company["transport_penalty"], company["rectification_order"]) == (1, 1, 0)
    insurer_b = _get(api, city.parties.insurer_b_user, "sanctions", period_query)["rows"][-1]
    assert insurer_b["total"] == 0


def test_an_insurers_dashboard_data_never_holds_another_insurers_figures(api, city, period_query):
    for user, own, other in ((city.parties.insurer_a_user, "人保财险(测试)", "平安产险(测试)"),
                             (city.parties.insurer_b_user, "平安产险(测试)", "人保财险(测试)")):
        listed = [c["key"] for c in api.as_user(user).get("/api/v1/dashboard/charts/").json()["results"]]
        assert listed == ["rescissions", "claims", "complaints", "screening", "sanctions"]
        for key in listed:
            body = api.as_user(user).get(URL.format(key), period_query).content.decode()
            assert other not in body, key
        rescission_rows = _get(api, user, "rescissions", period_query)["rows"]
        assert [r["insurer"] for r in rescission_rows] == [own] and rescission_rows[0]["opened"] == 1
        assert {r["insurer"] for r in _get(api, user, "claims", period_query)["rows"]} == {own}
    assert api.as_user(city.parties.insurer_a_user).get(URL.format("funnel"), period_query).status_code == 404


@pytest.mark.parametrize("key", ["rescissions", "claims", "complaints", "screening"])
def test_a_taxi_company_gets_no_city_wide_chart(api, city, client, period_query, key):
    user = city.parties.company_a_user
    assert api.as_user(user).get(URL.format(key), period_query).status_code == 404
    client.force_login(user)
    assert client.get(f"/dashboard/charts/{key}.csv", period_query).status_code == 404


def test_charts_offered_to_each_party(api, city):
    parties = city.parties
    expected = {
        "transport_user": ["funnel", "complaints", "screening", "sanctions", "ridehailing"],
        "regulator_user": ["funnel", "rescissions", "claims", "complaints", "screening", "sanctions", "ridehailing"],
        "ins_assoc_user": ["funnel", "rescissions", "claims", "screening", "sanctions"],
        "taxi_assoc_user": ["claims", "sanctions"],
        "company_a_user": ["funnel", "sanctions"],
        "insurer_a_user": ["rescissions", "claims", "complaints", "screening", "sanctions"],
    }
    for name, keys in expected.items():
        body = api.as_user(getattr(parties, name)).get("/api/v1/dashboard/charts/").json()
        assert [c["key"] for c in body["results"]] == keys, name


def test_a_bad_period_is_refused_with_a_clear_message(api, city):
    client = api.as_user(city.parties.regulator_user)
    response = client.get(URL.format("funnel"), {"from": "2026-13", "to": "2026-05"})
    assert response.status_code == 400 and "月份格式" in response.json()["error"]["message"]
    response = client.get(URL.format("funnel"), {"from": "2026-06", "to": "2026-05"})
    assert response.status_code == 400 and "起始月份" in response.json()["error"]["message"]
    response = client.get(URL.format("funnel"), {"from": "2020-01", "to": "2026-05"})
    assert response.status_code == 400 and "最长" in response.json()["error"]["message"]
    assert client.get(URL.format("nope")).status_code == 404


def test_csv_download_has_the_charts_rows_and_is_audited(client, city, period_query):
    from apps.core.models import AuditEvent

    client.force_login(city.parties.regulator_user)
    response = client.get("/dashboard/charts/rescissions.csv", period_query)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:6] == ["保险公司", "立案", "按时决定", "逾期决定", "办理中", "超期失权"]
    by_insurer = {r[0]: r for r in rows[1:]}
    assert by_insurer["人保财险(测试)"][1:6] == ["1", "1", "0", "0", "0"]
    assert by_insurer["平安产险(测试)"][1:6] == ["1", "0", "0", "1", "0"]
    event = AuditEvent.objects.filter(action="export", actor=city.parties.regulator_user).latest("at")
    assert event.detail["filters"]["chart"] == "rescissions"


def test_funnel_csv_matches_the_json(api, client, city, period_query):
    user = city.parties.transport_user
    data = _get(api, user, "funnel", period_query)
    client.force_login(user)
    text = b"".join(client.get("/dashboard/charts/funnel.csv", period_query).streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [c["label"] for c in data["columns"]]
    assert [r[:3] for r in rows[1:]] == [[r["month"], r["direction"], str(r["identified"])] for r in data["rows"]]
