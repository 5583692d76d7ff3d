"""Joint inspections, notices of the problems found and the rectification clock (rule M17; seed 000 §五)."""

import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from apps.core.deadlines import end_of_day, local_date
from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from apps.core.models import AuditEvent, Deadline
from apps.inspections import services
from apps.inspections.models import (
    Conclusion,
    Inspection,
    InspectionFinding,
    InspectionNotice,
    InspectionStatus,
    NoticeStatus,
    RectificationResult,
)
from apps.parties import access
from apps.parties.rights import SystemActor


def _plan(p, actor, **over):
    today = timezone.localdate()
    values = {"scope": "承保核验", "planned_start": today, "planned_end": today + dt.timedelta(days=3),
              "participants": [p.transport, p.ins_assoc], "inspected_parties": [p.insurer_a]}
    values.update(over)
    return services.inspection_plan(actor=actor, **values)


def _fields(exc) -> dict:
    return exc.value.extra["fields"]


# --- who plans and records --------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["transport", "regulator", "ins_assoc", "taxi_assoc"])
def test_m17_each_of_the_four_planning_parties_may_plan_a_joint_inspection(parties, who):
    user = getattr(parties, f"{who}_user")
    inspection = _plan(parties, user, participants=[parties.regulator, parties.taxi_assoc])
    assert inspection.organizer == user.organization
    assert user.organization in inspection.participants.all()
    assert inspection.number == f"LJ{inspection.pk:06d}"
    assert inspection.status == InspectionStatus.PLANNED


@pytest.mark.parametrize("who", ["insurer_a", "company_a"])
def test_m17_an_inspected_party_may_not_plan_an_inspection(parties, who, client):
    user = getattr(parties, f"{who}_user")
    with pytest.raises(PermissionDeniedError):
        _plan(parties, user)
    assert not Inspection.objects.exists()
    client.force_login(user)
    assert client.get(reverse("inspections:create")).status_code == 403


def test_m17_the_platform_operator_does_not_plan_either(parties):
    from tests.factories import user_of

    admin = user_of("platform", is_superuser=True, is_staff=True)
    with pytest.raises(PermissionDeniedError):
        _plan(parties, admin)


def test_m17_bad_plan_input_names_each_field_in_chinese_and_writes_nothing(parties):
    today = timezone.localdate()
    with pytest.raises(ApplicationError) as exc:
        services.inspection_plan(actor=parties.regulator_user, scope=" ", planned_start=today,
                                 planned_end=today - dt.timedelta(days=1), participants=[],
                                 inspected_parties=[parties.transport])
    fields = _fields(exc)
    assert "检查范围和内容" in fields["scope"][0]
    assert "计划结束日期" in fields["planned_end"][0]
    assert "参加单位" in fields["participants"][0]
    assert "被检查单位" in fields["inspected_parties"][0]
    with pytest.raises(ApplicationError) as exc:
        services.inspection_plan(actor=parties.regulator_user, scope="x", planned_start="2026-13-01",
                                 planned_end="", participants=[parties.ins_assoc], inspected_parties=[])
    assert "计划开始日期" in _fields(exc)["planned_start"][0] and "计划结束日期" in _fields(exc)["planned_end"][0]
    assert not Inspection.objects.exists()
    assert not AuditEvent.objects.filter(action="inspection.plan").exists()


def test_m17_the_plan_page_shows_field_errors_and_writes_nothing(parties, client):
    client.force_login(parties.regulator_user)
    response = client.post(reverse("inspections:create"), {"scope": "", "planned_start": "", "planned_end": ""})
    assert response.status_code == 400
    body = response.content.decode()
    assert "请填写检查范围和内容" in body and "请填写计划开始日期" in body
    assert not Inspection.objects.exists()


def test_m17_only_a_participating_party_records_a_finding_for_an_inspected_party(parties):
    p = parties
    inspection = _plan(p, p.regulator_user, participants=[p.ins_assoc], inspected_parties=[p.insurer_a])
    with pytest.raises(PermissionDeniedError):  # transport did not take part in this one
        services.finding_record(actor=p.transport_user, inspection=inspection, party=p.insurer_a,
                                inspected_on=timezone.localdate(), conclusion=Conclusion.NO_PROBLEMS)
    with pytest.raises(PermissionDeniedError):
        services.finding_record(actor=p.insurer_a_user, inspection=inspection, party=p.insurer_a,
                                inspected_on=timezone.localdate(), conclusion=Conclusion.NO_PROBLEMS)
    with pytest.raises(ApplicationError) as exc:  # insurer B was not inspected
        services.finding_record(actor=p.ins_assoc_user, inspection=inspection, party=p.insurer_b,
                                inspected_on=timezone.localdate() + dt.timedelta(days=1),
                                conclusion=Conclusion.PROBLEMS_FOUND, problems="")
    fields = _fields(exc)
    assert set(fields) == {"party", "inspected_on", "problems"}
    assert "被检查单位" in fields["party"][0] and "检查日期" in fields["inspected_on"][0]
    assert not InspectionFinding.objects.exists()
    finding = services.finding_record(actor=p.ins_assoc_user, inspection=inspection, party=p.insurer_a,
                                      inspected_on=timezone.localdate(), conclusion=Conclusion.NO_PROBLEMS)
    inspection.refresh_from_db()
    assert finding.recorded_by_organization == p.ins_assoc and inspection.status == InspectionStatus.COMPLETED
    with pytest.raises(ConflictError):
        services.finding_record(actor=p.ins_assoc_user, inspection=inspection, party=p.insurer_a,
                                inspected_on=timezone.localdate(), conclusion=Conclusion.NO_PROBLEMS)


# --- the inspected party sees only its own -----------------------------------------------------------------------


def test_m17_an_inspected_party_sees_only_its_own_finding_and_notice(parties, inspection, findings, notice, client):
    p = parties
    company_notice = services.notice_issue(actor=p.taxi_assoc_user, finding=findings["company_a"],
                                           requirement="补全台账")
    a = p.insurer_a_user
    assert list(access.visible(a, Inspection)) == [inspection]
    assert list(access.visible(a, InspectionFinding)) == [findings["insurer_a"]]
    assert list(access.visible(a, InspectionNotice)) == [notice]
    assert list(access.visible(p.company_a_user, InspectionNotice)) == [company_notice]
    assert not access.visible(p.company_b_user, Inspection).exists()  # not inspected at all
    for planner in (p.transport_user, p.regulator_user, p.ins_assoc_user, p.taxi_assoc_user):
        assert access.visible(planner, InspectionNotice).count() == 2

    client.force_login(a)
    page = client.get(reverse("inspections:detail", args=[inspection.pk])).content.decode()
    assert "人保问题" in page and notice.number in page
    assert "龙城问题" not in page and p.company_a.name not in page and p.insurer_b.name not in page
    assert client.get(reverse("inspections:notice", args=[company_notice.pk])).status_code == 404
    assert client.get(reverse("inspections:notice-pdf", args=[company_notice.pk])).status_code == 404
    listing = client.get(reverse("inspections:notices")).content.decode()
    assert notice.number in listing and company_notice.number not in listing
    client.force_login(p.company_b_user)
    assert client.get(reverse("inspections:detail", args=[inspection.pk])).status_code == 404


def test_m17_the_api_gives_an_inspected_party_its_own_rows_only(parties, inspection, findings, notice, api):
    client = api.as_user(parties.insurer_b_user)
    assert client.get("/api/v1/inspection-notices/").json()["count"] == 0
    rows = client.get(f"/api/v1/inspections/{inspection.pk}/findings/").json()
    assert [r["party"]["id"] for r in rows] == [parties.insurer_b.pk]
    assert rows[0]["conclusion_label"] == "未发现问题"
    client = api.as_user(parties.insurer_a_user)
    data = client.get("/api/v1/inspection-notices/").json()
    assert [r["number"] for r in data["results"]] == [notice.number]
    assert data["results"][0]["status_label"] == "督促整改中"


# --- notices: the competent association, the PDF -----------------------------------------------------------------


def test_m17_only_the_competent_association_notifies_the_problems_found(parties, findings):
    p = parties
    for user in (p.regulator_user, p.transport_user, p.taxi_assoc_user, p.insurer_a_user):
        with pytest.raises(PermissionDeniedError):  # an insurer's problems: the insurance association (M17, M2)
            services.notice_issue(actor=user, finding=findings["insurer_a"], requirement="整改")
    with pytest.raises(PermissionDeniedError):  # a taxi company's problems: the taxi association
        services.notice_issue(actor=p.ins_assoc_user, finding=findings["company_a"], requirement="整改")
    with pytest.raises(ApplicationError):  # nothing to notify
        services.notice_issue(actor=p.ins_assoc_user, finding=findings["insurer_b"], requirement="整改")
    with pytest.raises(ApplicationError) as exc:
        services.notice_issue(actor=p.ins_assoc_user, finding=findings["insurer_a"], requirement=" ")
    assert "整改要求" in _fields(exc)["requirement"][0]
    assert not InspectionNotice.objects.exists() and not Deadline.objects.filter(rule=services.RECTIFICATION_RULE).exists()
    notice = services.notice_issue(actor=p.ins_assoc_user, finding=findings["insurer_a"], requirement="整改")
    assert notice.issued_by == p.ins_assoc and notice.party == p.insurer_a
    with pytest.raises(ConflictError):
        services.notice_issue(actor=p.ins_assoc_user, finding=findings["insurer_a"], requirement="整改")


def test_m17_the_notice_is_a_printable_numbered_document_of_the_issuing_association(parties, notice, client):
    assert notice.number == f"TB{notice.pk:06d}"
    client.force_login(parties.insurer_a_user)
    response = client.get(reverse("inspections:notice-pdf", args=[notice.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).replace(" ", "").replace("\n", "")
    assert notice.number in text and notice.inspection.number in text
    assert parties.ins_assoc.name.replace(" ", "") in text and parties.insurer_a.name.replace(" ", "") in text
    assert "30日内" in text and "柳交执〔2026〕39号" in text
    page = client.get(reverse("inspections:notice-print", args=[notice.pk])).content.decode()
    assert notice.number in page and parties.ins_assoc.name in page


# --- the rectification clock ---------------------------------------------------------------------------------


def test_m17_the_rectification_clock_starts_at_the_notice_and_is_met_on_closing(parties, notice):
    p = parties
    clock = Deadline.objects.get(rule=services.RECTIFICATION_RULE)
    assert clock.object_id == str(notice.pk) and clock.responsible == p.insurer_a
    assert clock.starts_at == notice.issued_at and clock.unit == Deadline.Unit.NATURAL_DAYS and clock.amount == 30
    assert clock.due_at >= end_of_day(local_date(notice.issued_at) + dt.timedelta(days=30))
    assert clock.status == Deadline.Status.OPEN and clock.met_at is None

    with pytest.raises(PermissionDeniedError):  # only the notified party reports
        services.notice_report(actor=p.insurer_b_user, notice=notice, report="已整改")
    with pytest.raises(ApplicationError) as exc:
        services.notice_report(actor=p.insurer_a_user, notice=notice, report="")
    assert "整改情况报告" in _fields(exc)["report"][0]
    with pytest.raises(ApplicationError) as exc:  # nothing reported yet: "rectified" is not open
        services.notice_close(actor=p.ins_assoc_user, notice=notice, result=RectificationResult.RECTIFIED, note="核查")
    assert "result" in _fields(exc)
    notice = services.notice_report(actor=p.insurer_a_user, notice=notice, report="已批改 3 笔保单")
    assert notice.status == NoticeStatus.REPORTED
    clock.refresh_from_db()
    assert clock.met_at is None  # reporting is not the end: the association verifies and closes
    with pytest.raises(PermissionDeniedError):  # only the issuing association closes
        services.notice_close(actor=p.regulator_user, notice=notice, result=RectificationResult.RECTIFIED, note="x")
    with pytest.raises(ApplicationError) as exc:
        services.notice_close(actor=p.ins_assoc_user, notice=notice, result=RectificationResult.RECTIFIED, note="")
    assert "结束说明" in _fields(exc)["note"][0]
    notice = services.notice_close(actor=p.ins_assoc_user, notice=notice, result=RectificationResult.RECTIFIED,
                                   note="现场复核已整改")
    clock.refresh_from_db()
    assert notice.status == NoticeStatus.CLOSED and notice.closed_at is not None
    assert clock.status == Deadline.Status.MET and clock.met_at == notice.reported_at
    with pytest.raises(ConflictError):
        services.notice_report(actor=p.insurer_a_user, notice=notice, report="再报")


def test_m17_not_rectified_is_open_only_once_the_period_has_run_out(parties, notice):
    p = parties
    with pytest.raises(ApplicationError) as exc:
        services.notice_close(actor=p.ins_assoc_user, notice=notice, result=RectificationResult.NOT_RECTIFIED,
                              note="未整改")
    assert "整改期限尚未届满" in _fields(exc)["result"][0]
    clock = Deadline.objects.get(rule=services.RECTIFICATION_RULE)
    with time_machine.travel(clock.due_at + dt.timedelta(hours=1), tick=True):
        from apps.core.deadlines import deadline_scan

        deadline_scan()
        notice = services.notice_close(actor=p.ins_assoc_user, notice=notice,
                                       result=RectificationResult.NOT_RECTIFIED, note="逾期未报送整改情况")
    clock.refresh_from_db()
    assert notice.get_result_display() == "逾期未整改到位"
    assert clock.status == Deadline.Status.BREACHED and clock.met_at is None


def test_m17_the_period_comes_from_the_setting(parties, findings, settings):
    settings.INSPECTION_RECTIFICATION_DAYS = 10
    notice = services.notice_issue(actor=parties.ins_assoc_user, finding=findings["insurer_a"], requirement="整改")
    assert notice.rectification_days == 10
    assert Deadline.objects.get(rule=services.RECTIFICATION_RULE).amount == 10


def _table(page: str, testid: str) -> str:
    start = page.index(f'data-testid="{testid}"')
    return page[start:page.index("</table>", start)]


def test_m17_the_pages_show_labels_and_numbers_not_raw_values(parties, inspection, findings, notice, client):
    client.force_login(parties.ins_assoc_user)
    listing = _table(client.get(reverse("inspections:list")).content.decode(), "inspections-table")
    assert inspection.number in listing and "检查完成" in listing and "completed" not in listing
    page = _table(client.get(reverse("inspections:detail", args=[inspection.pk])).content.decode(), "findings-table")
    assert "发现问题" in page and "未发现问题" in page and "problems_found" not in page and "no_problems" not in page
    listing = _table(client.get(reverse("inspections:notices")).content.decode(), "notices-table")
    assert notice.number in listing and "督促整改中" in listing and "rectifying" not in listing


def test_m17_the_whole_journey_through_the_pages(parties, inspection, findings, client):
    p = parties
    client.force_login(p.ins_assoc_user)
    url = reverse("inspections:notice-issue", args=[findings["insurer_a"].pk])
    assert client.post(url, {"problems": "", "requirement": ""}).status_code == 400
    response = client.post(url, {"problems": "", "requirement": "限期整改"})
    notice = InspectionNotice.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("inspections:notice", args=[notice.pk])
    assert notice.problems == findings["insurer_a"].problems
    client.force_login(p.insurer_a_user)
    assert client.post(reverse("inspections:notice-report", args=[notice.pk]), {"report": "已整改"}).status_code == 302
    client.force_login(p.ins_assoc_user)
    response = client.post(reverse("inspections:notice-close", args=[notice.pk]),
                           {"result": "rectified", "note": "复核到位"})
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.result == RectificationResult.RECTIFIED


def test_m17_services_refuse_a_missing_actor_and_the_demo_job_is_audited_by_name(parties):
    with pytest.raises(TypeError):
        _plan(parties, None)
    actor = SystemActor("inspections.seed_demo", organization=parties.taxi_assoc)
    inspection = _plan(parties, actor)
    event = AuditEvent.objects.get(action="inspection.plan")
    assert event.system_job == "inspections.seed_demo" and event.actor is None
    assert inspection.organizer == parties.taxi_assoc


def test_m17_the_demo_seeder_runs_and_is_idempotent(parties):
    import io as _io

    from apps.demo.seeders.inspections import seed_demo_inspections
    from apps.inspections.models import Training

    seed_demo_inspections(_io.StringIO())
    seed_demo_inspections(_io.StringIO())
    assert Inspection.objects.count() == 1 and InspectionNotice.objects.count() == 2 and Training.objects.count() == 1


# --- list pages: the number of queries does not grow with the rows -------------------------------------------


def _more_inspections(p, n):
    for _ in range(n):
        inspection = _plan(p, p.regulator_user, participants=[p.ins_assoc, p.taxi_assoc],
                           inspected_parties=[p.insurer_a, p.company_a])
        finding = services.finding_record(actor=p.ins_assoc_user, inspection=inspection, party=p.insurer_a,
                                          inspected_on=timezone.localdate(), conclusion=Conclusion.PROBLEMS_FOUND,
                                          problems="问题")
        services.notice_issue(actor=p.ins_assoc_user, finding=finding, requirement="整改")


@pytest.mark.parametrize("who", ["regulator", "insurer_a"])
@pytest.mark.parametrize("url_name", ["inspections:list", "inspections:notices"])
def test_m17_list_pages_take_a_fixed_number_of_queries(parties, client, django_assert_max_num_queries, who, url_name):
    p = parties
    client.force_login(getattr(p, f"{who}_user"))
    _more_inspections(p, 1)
    with django_assert_max_num_queries(40) as few:
        assert client.get(reverse(url_name)).status_code == 200
    _more_inspections(p, 6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse(url_name)).status_code == 200
