"""The joint monthly report of the two regulators (rule M17): the same figures for transport and the regulator, the
PDF (text extracted with pypdf) and the XLSX (one sheet per section) carry the month and the figures, only the
supervising parties may open it, and every download is audited."""

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from apps.core.errors import PermissionDeniedError
from apps.core.models import AuditEvent
from apps.dashboard import report
from apps.dashboard.periods import add_months, current_month


@pytest.fixture
def month():
    return f"{current_month():%Y-%m}"


def _headline(joint) -> dict:
    return {h.label: h.value for h in joint.headline}


def _claims_month(city):
    """The month the claims' clocks started in (two hours before the city was built)."""
    from apps.core.deadlines import local_date

    return local_date(city.c2.reported_at).replace(day=1)


def test_m17_the_report_has_the_same_city_wide_figures_for_both_regulators(city):
    p = city.parties
    figures = {user.username: report.compile_report(user=user, month=current_month())
               for user in (p.transport_user, p.regulator_user, p.ins_assoc_user)}
    headlines = [_headline(joint) for joint in figures.values()]
    assert headlines[0] == headlines[1] == headlines[2]
    h = headlines[0]
    # transport's draft L4 and the 12378 report count although neither regulator alone sees both
    assert h["新发现非法营运线索"] == 5 and h["投诉举报受理"] == 3
    assert h["本月处置（闭环）线索"] == 2 and h["新立合同解除案件"] == 2 and h["本月解除权超期失权"] == 0
    assert h["清单比对发现车辆"] == 2
    assert h["监管措施与行政处罚"] == 3
    joint = figures[p.regulator_user.username]
    assert [(r.insurer.name, r.opened, r.decided_in_time, r.open) for r in joint.rescissions] == [
        ("人保财险(测试)", 1, 1, 0), ("平安产险(测试)", 1, 0, 1)]
    assert {c.hotline: (c.received, c.in_progress, c.resolved) for c in joint.complaints} == {
        "12328": (2, 1, 1), "12378": (1, 0, 1)}
    assert (joint.penalties["total"], joint.penalties["on_companies"], str(joint.penalties["amount"])) == (1, 1, "5000.00")
    assert [a.reference_no for a in joint.sanctions] == ["柳金监发〔2026〕1号", ""]
    assert report.rescission_total(report.rescission_rows(joint)) == {
        "opened": 2, "decided_in_time": 1, "decided_late": 0, "open": 1, "lapsed": 0, "rescinded": 0,
        "in_time_rate": 100.0}


def test_m13_the_reports_claims_section_per_insurer(client, city):
    month = _claims_month(city)
    joint = report.compile_report(user=city.parties.regulator_user, month=month)
    assert [(r.insurer_name, r.met, r.breached) for r in joint.claims] == [("人保财险(测试)", 1, 1), ("平安产险(测试)", 1, 0)]
    assert _headline(joint)["理赔时限按时率"] == pytest.approx(66.7)
    assert report.claims_rows(joint) == [
        {"insurer": "人保财险(测试)", "rule": "合计", "total": 4, "met": 1, "breached": 1, "running": 2, "special": 0,
         "share": 50.0},
        {"insurer": "平安产险(测试)", "rule": "合计", "total": 2, "met": 1, "breached": 0, "running": 1, "special": 0,
         "share": 100.0}]
    client.force_login(city.parties.regulator_user)
    response = client.get("/dashboard/report/xlsx/", {"month": f"{month:%Y-%m}"})
    rows = list(load_workbook(io.BytesIO(response.content))["理赔时效"].iter_rows(values_only=True))
    assert ("人保财险(测试)", "合计", 4, 1, 1, 2, 0, 50) in rows
    assert ("人保财险(测试)", "查勘调度（报案后 1 小时）", 2, 1, 1, 0, 0, 50) in rows
    response = client.get("/dashboard/report/pdf/", {"month": f"{month:%Y-%m}"})
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "人保财险(测试) 4 1 1 2 0 50.0%" in text and "66.7%" in text


def test_the_report_refuses_the_other_parties(city):
    for user in (city.parties.insurer_a_user, city.parties.company_a_user, city.parties.taxi_assoc_user):
        with pytest.raises(PermissionDeniedError):
            report.compile_report(user=user, month=current_month())


def test_pdf_contains_the_month_and_the_figures_and_is_audited(client, city, month):
    client.force_login(city.parties.transport_user)
    response = client.get("/dashboard/report/pdf/", {"month": month})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f"joint_report_{month}.pdf" in response["Content-Disposition"]
    pdf = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    year, mon = month.split("-")
    assert f"联合监管月报（{year} 年 {int(mon)} 月）" in text and f"统计月份：{month}" in text
    assert "交通→保险 4 3 2 1 1 2 50.0%" in text  # the funnel row: identified … disposed, closed rate
    assert "人保财险(测试) 1 1 0 0 0 0 100.0%" in text  # rescission timeliness (M12)
    assert "12328 交通运输服务监督热线 2 1 1 0 0" in text  # complaints (M16)
    assert "5000.00" in text and "柳金监发" in text
    event = AuditEvent.objects.get(action="dashboard.report_download", actor=city.parties.transport_user)
    assert event.detail["month"] == month and event.detail["format"] == "pdf"


def test_xlsx_has_one_sheet_per_section_with_the_figures(client, city, month):
    client.force_login(city.parties.regulator_user)
    response = client.get("/dashboard/report/xlsx/", {"month": month})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["概况", "线索闭环", "合同解除时效", "理赔时效", "投诉举报", "清单比对", "监管措施", "联合检查与培训",
                               "网约车合规率"]

    def rows(name):
        return [r for r in book[name].iter_rows(values_only=True)]

    assert rows("概况")[1][:2] == ("统计月份", month)
    headline = {r[0]: r[1] for r in rows("概况")}
    assert headline["新发现非法营运线索"] == 5 and headline["投诉举报受理"] == 3
    assert ("交通→保险", 4, 3, 2, 1, 1, 2, 50) in rows("线索闭环")
    assert ("平安产险(测试)", 1, 0, 0, 1, 0, 0, None, None) in rows("合同解除时效")
    assert rows("理赔时效")[4] == ("保险公司", "时限", "起算数", "按时完成", "超期", "进行中", "特殊情况暂停", "按时率（%）")
    complaints = {r[0]: r for r in rows("投诉举报")}
    assert complaints["12378 银行保险消费者投诉维权热线"][1:6] == (1, 0, 1, 0, 0)
    screening = {r[0]: r[1] for r in rows("清单比对") if r[0]}
    assert screening["无有效保单（辆）"] == 1 and screening["平安产险(测试)"] == 1
    sanctions = {r[0]: r[1] for r in rows("监管措施") if r[0]}
    assert sanctions["交通运输行政处罚决定"] == 1 and sanctions["罚款金额合计（元）"] == 5000
    assert any(r[5] == "柳金监发〔2026〕1号" for r in rows("监管措施"))


def test_report_pages_only_for_the_supervising_parties(client, city, month):
    p = city.parties
    for user in (p.transport_user, p.regulator_user, p.ins_assoc_user):
        client.force_login(user)
        page = client.get("/dashboard/report/", {"month": month})
        assert page.status_code == 200
        assert 'data-testid="report-preview"' in page.content.decode()
    for user in (p.insurer_a_user, p.company_a_user, p.taxi_assoc_user):
        client.force_login(user)
        for url in ("/dashboard/report/", "/dashboard/report/pdf/", "/dashboard/report/xlsx/"):
            assert client.get(url, {"month": month}).status_code == 404, (user, url)


def test_a_month_outside_the_mechanism_is_refused(client, city):
    client.force_login(city.parties.regulator_user)
    future = f"{add_months(current_month(), 1):%Y-%m}"
    response = client.get("/dashboard/report/pdf/", {"month": future})
    assert response.status_code == 400 and "尚未开始" in response.content.decode()
    response = client.get("/dashboard/report/xlsx/", {"month": "2025-12"})
    assert response.status_code == 400 and "2026-04" in response.content.decode()
    assert client.get("/dashboard/report/pdf/", {"month": "11/2026"}).status_code == 400
    page = client.get("/dashboard/report/", {"month": future})
    assert page.status_code == 200 and "尚未开始" in page.content.decode()  # the page falls back and says why
