"""Joint inspections and training in the monthly joint report (rules M17, M2): page, PDF and XLSX of the month."""

import io

from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from apps.dashboard import report
from apps.dashboard.periods import add_months, current_month
from apps.inspections import services
from apps.inspections.models import RectificationResult


def _training(p):
    return services.training_record(actor=p.taxi_assoc_user, held_on=timezone.localdate(), topic="投保规范培训",
                                    trainer="韦老师", companies=[p.company_a, p.company_b], drivers_count=57)


def test_m17_m2_training_the_report_of_the_month_counts_inspections_notices_and_training(parties, inspection,
                                                                                         findings, notice):
    p = parties
    services.notice_report(actor=p.insurer_a_user, notice=notice, report="已整改")
    services.notice_close(actor=p.ins_assoc_user, notice=notice, result=RectificationResult.RECTIFIED, note="复核")
    services.notice_issue(actor=p.taxi_assoc_user, finding=findings["company_a"], requirement="补全台账")
    training = _training(p)
    joint = report.compile_report(user=p.regulator_user, month=current_month())
    m = joint.inspections
    assert (m.inspections_planned, m.parties_inspected, m.parties_with_problems) == (1, 3, 2)
    assert (m.notices_issued, m.notices_closed_rectified, m.notices_closed_not_rectified, m.notices_open_now) == (2, 1, 0, 1)
    assert (m.trainings, m.training_companies, m.training_drivers) == (1, 2, 57)
    assert [r.number for r in m.inspection_rows] == [inspection.number]
    assert [r.number for r in m.training_rows] == [training.number]
    headline = {h.label: h.value for h in joint.headline}
    assert headline["联合检查发现问题并通报"] == 2 and headline["行业培训"] == 1
    # the same figures for transport (the report is the joint one)
    assert report.compile_report(user=p.transport_user, month=current_month()).inspections == m
    # another month holds none of them
    other = report.compile_report(user=p.regulator_user, month=add_months(current_month(), -1)).inspections
    assert (other.inspections_planned, other.notices_issued, other.trainings) == (0, 0, 0)


def test_m17_m2_training_the_report_pdf_xlsx_and_page_carry_the_section(parties, inspection, findings, notice, client):
    p = parties
    training = _training(p)
    month = f"{current_month():%Y-%m}"
    client.force_login(p.regulator_user)
    page = client.get(reverse("dashboard:report"), {"month": month}).content.decode()
    assert "八、联合检查与行业培训" in page and inspection.number in page and training.number in page
    pdf = client.get(reverse("dashboard:report-pdf"), {"month": month})
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(b"".join(pdf.streaming_content)
                                                                         if pdf.streaming else pdf.content)).pages)
    text = text.replace(" ", "").replace("\n", "")
    assert "联合检查与行业培训" in text and inspection.number in text and training.number in text
    xlsx = client.get(reverse("dashboard:report-xlsx"), {"month": month})
    book = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content) if xlsx.streaming else xlsx.content))
    values = [[c for c in row] for row in book["联合检查与培训"].iter_rows(values_only=True)]
    assert ["本月出具通报（件）", 1] in [list(r[:2]) for r in values]
    assert ["参训驾驶员（人次）", 57] in [list(r[:2]) for r in values]
    assert any(r[0] == inspection.number for r in values) and any(r[0] == training.number for r in values)
