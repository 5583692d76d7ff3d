"""The main journey of each role in a real browser, with batches delivered by a real Celery worker.

The closed loop (rules M4, M5, M8, M12, J5): transport flags a vehicle → the regulator's inbox verifies it
(insured as non-operating) → the insurer receives its worklist → the regulator confirms the lead after the offline
check → the insurer's inbox opens the rescission case (known_at = the signed receipt) → the insurer records the
notice (附件三) → eight days later it rescinds, and the notices (附件四, 附件七) are there. The lapse path: a
penalty relayed to an insurer that does nothing; 31 days later the clock scan lapses the case and the regulator
sees it (J5, M12, M14).

The clock is moved with time-machine (the platform's code reads it through Django as usual).
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
import time_machine
from django.utils import timezone

from apps.core.models import Deadline
from apps.exchange.models import Batch
from apps.leads.models import Finding, InsurerWorklistItem, Lead, Status
from apps.policies.models import Policy
from apps.rescissions.models import RescissionCase
from apps.rescissions.models import Status as CaseStatus
from apps.vehicles.usage import UsageNature
from tests.leads.factories import operating_car, permit, policy, private_car

from .conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.celery_worker]


def wait_for(predicate, *, timeout=120.0, what="condition"):
    """Poll until ``predicate()`` is true (waiting on the worker; not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


def all_delivered():
    return not Batch.objects.exclude(state__in=[Batch.State.DELIVERED, Batch.State.REJECTED]).exists() and \
        Batch.objects.exists()


def local(at) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_closed_loop_transport_flags_regulator_confirms_insurer_rescinds(
        celery_worker, parties, media, browser_page):
    car = private_car(company=parties.company_a)
    family_policy = policy(car, parties.insurer_a, usage=UsageNature.FAMILY, policyholder_name="刘晓东")

    # 1. transport flags the vehicle and pushes the lead (rule M5)
    page = browser_page(parties.transport_user)
    page.goto("/leads/flag/")
    form = page.locator("[data-testid=flag-form]")
    form.locator("input[name=plate]").fill(car.plate)
    form.locator("textarea[name=evidence]").fill("2026 年 11 月 20 日 18 时，柳州火车站东广场揽客，每人收费 20 元。")
    shot(page, "transport_flag")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/leads/*/")
    lead = Lead.objects.get(plate=car.plate)
    wait_for(all_delivered, what="the lead and worklist batches")
    page.reload()
    assert page.locator("[data-testid=lead-finding]").inner_text() == Finding.INSURED_AS_NON_OPERATING.label

    # 2. the regulator's inbox verified it on receipt; the insurer got its worklist (rule M8)
    lead.refresh_from_db()
    assert lead.status == Status.VERIFIED and lead.finding == Finding.INSURED_AS_NON_OPERATING
    item = InsurerWorklistItem.objects.get(insurer=parties.insurer_a, lead=lead)
    assert item.received_at == Batch.objects.get(kind="worklist", recipient=parties.insurer_a).receipt_at

    insurer = browser_page(parties.insurer_a_user)
    insurer.goto("/leads/worklist/")
    row = insurer.locator("[data-testid=worklist-table] tr", has_text=car.plate)
    assert family_policy.number in row.inner_text()
    row.locator("select[name=answer]").select_option("non_operating_confirmed")
    row.locator("input[name=note]").fill("保单确按家庭自用承保")
    shot(insurer, "insurer_worklist")
    row.locator("button[type=submit]").click()
    insurer.wait_for_load_state()
    wait_for(lambda: InsurerWorklistItem.objects.get(pk=item.pk).state == InsurerWorklistItem.State.ANSWERED,
             what="the worklist answer")

    # 3. the regulator starts the offline check and confirms (rule M4)
    regulator = browser_page(parties.regulator_user)
    regulator.goto("/leads/")
    regulator.locator(f"a[href='/leads/{lead.pk}/']").first.click()
    regulator.wait_for_url(f"**/leads/{lead.pk}/")
    assert "经核对：确按非营运承保" in regulator.locator("[data-testid=worklist-answers]").inner_text()
    regulator.locator("[data-testid=check-start]").click()
    regulator.wait_for_selector("[data-testid=check-form]")
    check = regulator.locator("[data-testid=check-form]")
    check.locator("input[name=outcome][value=confirmed]").check()
    check.locator("textarea[name=result]").fill("执法人员现场核查，车主承认通过网约车平台接单载客。")
    shot(regulator, "regulator_lead_check")
    check.locator("button[type=submit]").click()
    regulator.wait_for_selector("[data-testid=disposals]")
    wait_for(lambda: RescissionCase.objects.filter(policy=family_policy).exists() and all_delivered(),
             what="the check result at the insurer")
    lead.refresh_from_db()
    assert lead.status == Status.DISPOSED

    # 4. the insurer's inbox opened the case at the signed receipt time (rule M12)
    case = RescissionCase.objects.get(policy=family_policy)
    receipt = Batch.objects.get(kind="check_results", recipient=parties.insurer_a)
    assert case.known_at == receipt.receipt_at and case.status == CaseStatus.OPEN
    known_at = case.known_at
    insurer.goto("/rescissions/")
    assert car.plate in insurer.locator(f"tr[data-case='{case.pk}']").inner_text()

    # 5. a week later the insurer records the notice (附件三) it sent on day 2 and its receipt that day; no
    #    disclosure came within 5 days → it rescinds (rule J5)
    with time_machine.travel(known_at + dt.timedelta(days=8), tick=True):
        insurer = browser_page(parties.insurer_a_user)  # the 8-hour session has ended meanwhile
        insurer.goto(f"/rescissions/{case.pk}/")
        form = insurer.locator("[data-testid=form-notice-send]")
        form.locator("input[name=sent_at]").fill(local(known_at + dt.timedelta(days=1)))
        form.locator("input[name=contact_phone]").fill("0772-2881234")
        form.locator("button[type=submit]").click()
        insurer.wait_for_selector("text=已登记发出通知")
        form = insurer.locator("[data-testid=form-notice-receive]")
        form.locator("input[name=received_at]").fill(local(known_at + dt.timedelta(days=1, hours=3)))
        form.locator("button[type=submit]").click()
        insurer.wait_for_selector("text=已登记通知送达")
        insurer.on("dialog", lambda dialog: dialog.accept())
        insurer.locator("[data-testid=form-rescind] button[type=submit]").click()
        insurer.wait_for_selector("text=已解除合同")
        assert insurer.locator("[data-testid=case-status]").inner_text() == "已解除"
        shot(insurer, "insurer_rescission_decided")
        for kind in ("disclosure_request", "rescission", "vehicle_admin"):
            assert insurer.locator(f"[data-testid=notices] tr[data-notice={kind}]").count() == 1
        response = insurer.request.get(insurer.locator("[data-testid=pdf-rescission]").get_attribute("href"))
        assert response.ok and response.headers["content-type"] == "application/pdf"

    case.refresh_from_db()
    assert case.status == CaseStatus.RESCINDED
    assert Policy.objects.get(pk=family_policy.pk).status == Policy.Status.RESCINDED


def test_lapse_path_penalty_relayed_nobody_acts_the_scan_lapses_and_the_regulator_sees_it(
        celery_worker, parties, media, browser_page):
    from apps.core.tasks import deadline_scan
    from apps.credit.models import CreditRecord

    car = private_car(company=parties.company_b)
    family_policy = policy(car, parties.insurer_b, usage=UsageNature.FAMILY)

    # transport records the penalty decision; it is relayed to the insurer at once (rule M7)
    page = browser_page(parties.transport_user)
    page.goto("/leads/penalties/new/")
    page.locator("input[name=decision_no]").fill("柳交执罚〔2026〕0815号")
    page.locator("input[name=plate]").fill(car.plate)
    page.locator("input[name=decided_on]").fill(timezone.localdate().isoformat())
    page.locator("textarea[name=facts]").fill("未取得经营许可擅自从事网约车经营")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/leads/penalties/*/")
    wait_for(lambda: RescissionCase.objects.filter(policy=family_policy).exists() and all_delivered(),
             what="the penalty at the insurer")
    case = RescissionCase.objects.get(policy=family_policy)
    assert case.known_at == Batch.objects.get(kind="penalties", recipient=parties.insurer_b).receipt_at

    # the insurer does nothing; 31 days later the beat task's scan runs on the worker (rule J5: the right lapses)
    with time_machine.travel(case.deadline_at + dt.timedelta(days=1), tick=True):
        deadline_scan.delay()
        wait_for(lambda: RescissionCase.objects.get(pk=case.pk).status == CaseStatus.LAPSED, what="the lapse")
        deadline_scan.delay()  # a second scan changes nothing
        regulator = browser_page(parties.regulator_user)
        regulator.goto("/rescissions/?state=all&status=lapsed")
        row = regulator.locator(f"tr[data-case='{case.pk}']")
        assert car.plate in row.inner_text()
        shot(regulator, "regulator_lapsed_cases")
        regulator.goto(f"/rescissions/{case.pk}/")
        assert regulator.locator("[data-testid=case-status]").inner_text() == CaseStatus.LAPSED.label

    from apps.rescissions.services import decide_deadline

    assert decide_deadline(RescissionCase.objects.get(pk=case.pk)).status == Deadline.Status.BREACHED
    assert CreditRecord.objects.filter(dedup_key=f"rescission-lapsed-{case.pk}").count() == 1


def test_taxi_company_checks_a_vehicle_before_it_goes_online_and_keeps_its_driver_ledger(parties, media, browser_page):
    """Rule M9: the onboarding check refuses a car without a permit; a permitted, operating-insured car passes."""
    bad = private_car(company=parties.company_a)
    good = operating_car(company=parties.company_a)
    permit(good)
    for kind in ("compulsory", "third_party", "carrier_liability"):
        policy(good, parties.insurer_a, usage=UsageNature.RIDE_HAILING, kind=kind)

    page = browser_page(parties.company_a_user)
    page.goto("/vehicles/onboarding/")
    page.locator("[data-testid=onboarding-query]").fill(bad.plate)
    page.locator("[data-testid=onboarding-run]").click()
    assert page.locator("[data-testid=onboarding-verdict]").inner_text() == "不通过"
    assert page.locator("[data-testid=mark-online]").is_disabled()
    page.locator("[data-testid=onboarding-query]").fill(good.plate)
    page.locator("[data-testid=onboarding-run]").click()
    page.wait_for_selector("[data-testid=onboarding-verdict]")
    shot(page, "company_onboarding")

    page.goto("/vehicles/drivers/new/")
    page.locator("input[name=name]").fill("覃志明")
    from tests.factories import make_resident_id

    page.locator("input[name=id_no]").fill(make_resident_id(seq=455))
    page.locator("input[name=phone]").fill("13977151234")
    page.locator("input[name=qualification_no]").fill("QC45020012345")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/vehicles/drivers/*/")
    assert "覃*明" in page.content()  # the name is masked on screen (personal data)


def test_association_and_taxi_association_work_with_the_credit_file(parties, media, browser_page):
    """Rules M2, M14, M17: the taxi association records a self-discipline measure on a company; the insurance
    association and the company see it in the company's credit file."""
    page = browser_page(parties.taxi_assoc_user)
    page.goto("/credit/actions/new/")
    page.locator("select[name=kind]").select_option("self_discipline")
    page.locator("select[name=target]").select_option(str(parties.company_b.pk))
    page.locator("select[name=ground]").select_option("ledger_failure")
    page.locator("textarea[name=facts]").fill("未按规定建立驾驶员台账，经约谈仍未整改。")
    page.locator("input[name=starts_on]").fill(timezone.localdate().isoformat())
    shot(page, "taxi_association_action")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/credit/actions/*/")

    company = browser_page(parties.company_b_user)
    company.goto("/credit/")
    company.wait_for_url(f"**/credit/file/org/{parties.company_b.pk}/")
    assert "行业自律惩戒" in company.content()
    association = browser_page(parties.ins_assoc_user)
    association.goto(f"/credit/file/org/{parties.company_b.pk}/")
    assert "行业自律惩戒" in association.content()
    shot(association, "insurance_association_credit_file")


def test_m8_insurance_association_runs_the_risk_model_and_transport_confirms_its_lead(
        celery_worker, parties, media, browser_page):
    """Rule M8: the risk model flags a permit-holding car insured as non-operating, its lead is pushed to transport
    at once; transport's inbox verifies it on receipt, the officer checks offline and confirms (rule M4)."""
    car = private_car(company=parties.company_a)
    permit(car)
    family_policy = policy(car, parties.insurer_b, usage=UsageNature.FAMILY)

    association = browser_page(parties.ins_assoc_user)
    association.goto("/leads/risk/")
    assert "持有效运输证但按非营运投保" in association.locator("[data-testid=risk-weights]").inner_text()
    association.get_by_role("button", name="立即运行模型").click()
    association.wait_for_url("**/leads/risk/runs/*/")
    assert "新线索 1 条" in association.content()
    shot(association, "ins_assoc_risk_run")
    lead = Lead.objects.get(plate=car.plate)
    assert lead.source == "risk_model" and lead.recipient == parties.transport
    wait_for(lambda: all_delivered() and Lead.objects.get(pk=lead.pk).status == Status.VERIFIED,
             what="the lead at transport")

    transport = browser_page(parties.transport_user)
    transport.goto("/leads/")
    transport.locator(f"a[href='/leads/{lead.pk}/']").first.click()
    transport.wait_for_url(f"**/leads/{lead.pk}/")
    assert "持有效运输证但按非营运投保" in transport.locator("[data-testid=lead-reasons]").inner_text()
    transport.locator("[data-testid=check-start]").click()
    check = transport.locator("[data-testid=check-form]")
    check.locator("input[name=outcome][value=confirmed]").check()
    check.locator("textarea[name=result]").fill("蹲点核查：该车在柳州站接网约车订单载客。")
    check.locator("button[type=submit]").click()
    transport.wait_for_selector("[data-testid=disposals]")
    wait_for(lambda: RescissionCase.objects.filter(policy=family_policy).exists() and all_delivered(),
             what="the check result at insurer B")
    assert Lead.objects.get(pk=lead.pk).status == Status.DISPOSED
