"""Pages: the insurer's list (days left, colours, export), the case page (clock, timeline, next actions only),
notices, the compliance table for the regulator and the association, home panels."""

import csv
import datetime as dt
import io
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from apps.core.deadlines import deadline_scan
from apps.rescissions.models import Status

from .factories import days_ago, non_disclosure, notice_through, open_case, refresh


def rows_of(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<tr class="(\w*)" data-case="(\d+)"', html)


def test_m12_insurer_list_is_sorted_by_days_left_and_colour_coded(parties, client):
    fresh = open_case(parties.insurer_a, known_at=days_ago(2))
    warn = open_case(parties.insurer_a, known_at=days_ago(21))
    urgent = open_case(parties.insurer_a, known_at=days_ago(28))
    open_case(parties.insurer_b, known_at=days_ago(27))
    client.force_login(parties.insurer_a_user)
    html = client.get("/rescissions/").content.decode()
    assert rows_of(html) == [("bad", str(urgent.pk)), ("warn", str(warn.pk)), ("", str(fresh.pk))]
    assert "剩 2 天（第 28 天）" in html and "按自然日计算" in html


def test_bulk_export_csv_and_xlsx(parties, client):
    first = open_case(parties.insurer_a, known_at=days_ago(5))
    second = open_case(parties.insurer_a, known_at=days_ago(8))
    client.force_login(parties.insurer_a_user)
    response = client.get("/rescissions/?export=csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][:4] == ["案件编号", "保险公司", "号牌号码", "保单号"]
    assert [r[0] for r in table[1:]] == [second.number, first.number]
    response = client.get(f"/rescissions/?export=xlsx&id={first.pk}")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = list(sheet.values)
    assert len(values) == 2 and values[1][0] == first.number and values[1][2] == first.vehicle.plate


def test_case_page_shows_clock_and_only_the_next_allowed_action(parties, client):
    case = open_case(parties.insurer_a, known_at=days_ago(21, 9))
    client.force_login(parties.insurer_a_user)
    html = client.get(f"/rescissions/{case.pk}/").content.decode()
    assert "剩余 9 天" in html and "今天是第 21 天" in html
    # day 30 is Friday 12-04: a notice received on day 25 would end its 5 days with day 30, so day 24 (J5)
    assert 'data-testid="last-notice-day"' in html and "第 24 天" in html
    # rule J13: first the insurer records when the vehicle began operating; no 附件三 before that
    assert 'data-testid="form-path"' in html and 'data-testid="form-notice-send"' not in html
    assert 'data-testid="form-notice-receive"' not in html and 'data-testid="form-rescind"' not in html
    assert 'data-testid="warning"' in html
    non_disclosure(case, parties.insurer_a_user)
    html = client.get(f"/rescissions/{case.pk}/").content.decode()
    assert 'data-testid="form-notice-send"' in html and 'data-testid="form-endorse"' in html  # 交强险: J9 (1)
    assert "投保时未如实告知" in html


def test_case_steps_through_the_pages(parties, client):
    case = open_case(parties.insurer_a, known_at=days_ago(12, 9))
    client.force_login(parties.insurer_a_user)
    local = lambda at: timezone.localtime(at).strftime("%Y-%m-%dT%H:%M")  # noqa: E731
    response = client.post(f"/rescissions/{case.pk}/path/", {
        "path": "non_disclosure", "operating_since": "2026-05-01", "fault": "gross_negligence",
        "basis": "处罚决定书载明投保前已营运", "reason": "投保时已营运未告知"}, follow=True)
    assert "已认定处理路径" in response.content.decode()
    response = client.post(f"/rescissions/{case.pk}/notice-send/", {
        "sent_at": local(days_ago(11, 9)), "contact_name": "李明", "contact_phone": "0772-2881234",
        "matter": "车辆实际从事网约车营运", "applied_on": "2026-05-01"}, follow=True)
    assert "已登记发出通知" in response.content.decode()
    response = client.post(f"/rescissions/{case.pk}/notice-receive/", {"received_at": local(days_ago(10, 9))}, follow=True)
    html = response.content.decode()
    assert 'data-testid="form-rescind"' in html and 'data-testid="form-disclosure"' in html
    response = client.post(f"/rescissions/{case.pk}/decide/", {"decision": "conditions_not_met", "reason": ""}, follow=True)
    assert "必须写明理由" in response.content.decode()
    response = client.post(f"/rescissions/{case.pk}/decide/", {"decision": "rescinded"}, follow=True)
    html = response.content.decode()
    assert "已解除合同" in html and 'data-testid="actions"' not in html
    case = refresh(case)
    assert case.status == Status.RESCINDED and case.matter == "车辆实际从事网约车营运"
    for kind in ("disclosure_request", "rescission", "vehicle_admin"):
        page = client.get(f"/rescissions/{case.pk}/notices/{kind}/").content.decode()
        assert case.vehicle.plate in page and case.policy.number in page and "张三" in page
    assert "车辆实际从事网约车营运" in client.get(f"/rescissions/{case.pk}/notices/disclosure_request/").content.decode()


def test_annex_4_and_7_exist_only_after_rescission(parties, client):
    case = open_case(parties.insurer_a, known_at=days_ago(2, 9))
    client.force_login(parties.insurer_a_user)
    assert client.get(f"/rescissions/{case.pk}/notices/rescission/").status_code == 404
    preview = client.get(f"/rescissions/{case.pk}/notices/disclosure_request/").content.decode()
    assert "预览" in preview and "未履行如实告知义务通知书" in preview


def test_insurer_opens_a_case_from_its_own_finding(parties, client):
    from tests.policies.factories import PolicyFactory

    policy = PolicyFactory(insurer=parties.insurer_a, usage_nature_insured="family")
    other = PolicyFactory(insurer=parties.insurer_b, usage_nature_insured="family")
    client.force_login(parties.insurer_a_user)
    known = timezone.localtime(days_ago(1, 9)).strftime("%Y-%m-%dT%H:%M")
    response = client.post("/rescissions/new/", {"policy_number": other.number, "known_at": known})
    assert "未找到本公司该保单号的保单" in response.content.decode()
    response = client.post("/rescissions/new/", {"policy_number": policy.number, "known_at": known, "trigger_ref": "核保-7"})
    assert response.status_code == 302
    case = policy.rescission_cases.get()
    assert case.trigger == "insurer_finding" and case.known_at == days_ago(1, 9)


@pytest.mark.parametrize("who", ["regulator_user", "ins_assoc_user"])
def test_compliance_table_chart_drill_down_and_export(parties, client, who):
    user = parties.insurer_a_user
    now = timezone.now()
    decided = open_case(parties.insurer_a, known_at=now - dt.timedelta(days=12))
    decided = notice_through(decided, user, sent_at=now - dt.timedelta(days=11), received_at=now - dt.timedelta(days=10))
    from apps.rescissions import services

    services.rescission_decide(case=decided, actor=user, decision="rescinded")
    lapsed = open_case(parties.insurer_b, known_at=days_ago(40, 9))
    open_case(parties.insurer_b, known_at=days_ago(3, 9))
    deadline_scan()
    assert refresh(lapsed).status == Status.LAPSED
    client.force_login(getattr(parties, who))
    html = client.get("/rescissions/compliance/").content.decode()
    row_a = re.search(rf'data-insurer="{parties.insurer_a.pk}">(.*?)</tr>', html, re.S).group(1)
    row_b = re.search(rf'data-insurer="{parties.insurer_b.pk}">(.*?)</tr>', html, re.S).group(1)
    cells = lambda row: [re.sub(r"<.*?>", "", c).strip() for c in re.findall(r"<td.*?>(.*?)</td>", row, re.S)]  # noqa: E731
    assert cells(row_a)[1:8] == ["1", "0", "1", "1", "0", "1", "100.0%"]
    assert cells(row_a)[8] == "12.0 天"
    assert cells(row_b)[1:6] == ["2", "1", "0", "0", "1"]
    assert '<svg role="img"' in html and "<rect" in html
    drill = client.get(f"/rescissions/?state=all&status=lapsed&insurer={parties.insurer_b.pk}").content.decode()
    assert rows_of(drill) == [("bad", str(lapsed.pk))]
    text = b"".join(client.get("/rescissions/compliance/?export=csv").streaming_content).decode("utf-8-sig")
    assert parties.insurer_b.name in text and "超期失权" in text
    response = client.get("/rescissions/compliance/?export=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.cell(1, 1).value == "保险公司"


def test_compliance_is_for_supervisors_only(parties, client):
    client.force_login(parties.insurer_a_user)
    assert client.get("/rescissions/compliance/").status_code == 404
    client.force_login(parties.transport_user)
    assert client.get("/rescissions/").status_code == 403


def test_home_panels(parties, client):
    open_case(parties.insurer_a, known_at=days_ago(27))
    client.force_login(parties.insurer_a_user)
    html = client.get("/").content.decode()
    assert "即将到期的合同解除案件" in html and 'data-testid="panel-rescissions"' in html
    client.force_login(parties.regulator_user)
    html = client.get("/").content.decode()
    assert "合同解除 30 日时限" in html
    assert "/rescissions/compliance/" in html
