"""The main journey of each role in a real browser, with batches delivered by a real Celery worker.

The closed loop (rules M4, M5, M8, M12, J5): transport flags a vehicle → the regulator's inbox verifies it
(insured as non-operating) → the insurer receives its worklist → the regulator requests transport's offline check
→ transport defines illegal operation (rule M2: only transport does) → through the regulator, the insurer's inbox opens ONE rescission case for the policyholder's 交强险 and commercial policy (known_at =
the signed receipt) → the insurer finds the car began operating after the policies started (a risk increase, not
non-disclosure): the page offers 交强险 only the endorsement (J9, J13) and the commercial policy the endorsement or
termination (Insurance Law art. 52) → it endorses the 交强险 and terminates the commercial policy with the art. 52
notice (no 附件三). The J5 path (附件三, 5 days, rescission) is tests/browser/test_rescissions.py. The lapse path: a
penalty relayed to an insurer that does nothing; 31 days later the clock scan lapses the case and the regulator
sees it (J5, M12, M14).

The clock is moved with time-machine (the platform's code reads it through Django as usual).
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from apps.core.models import Deadline
from apps.exchange import crypto, suites
from apps.exchange.models import Batch
from apps.leads.models import Finding, InsurerWorklistItem, Lead, Status
from apps.policies.models import Policy, PolicyKind
from apps.rescissions.models import RescissionCase
from apps.rescissions.models import Status as CaseStatus
from apps.vehicles.usage import UsageNature
from tests.helpers import wait_for
from tests.leads.factories import operating_car, permit, policy, private_car

from .conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.celery_worker]


def all_delivered():
    return not Batch.objects.exclude(state__in=[Batch.State.DELIVERED, Batch.State.REJECTED]).exists() and \
        Batch.objects.exists()


def local(at) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.mark.parametrize("suite", [crypto.FAMILY_INTL, crypto.FAMILY_SM])
def test_closed_loop_transport_flags_regulator_confirms_insurer_rescinds(
        celery_worker, parties, media, browser_page, settings, suite):
    """The whole loop through the pages, with the deployment's algorithm suite either the international one or the
    国密 one (SM2 / SM4 / SM3, rule M3's signed exchange): every batch of the loop names and uses that suite."""
    settings.EXCHANGE_SUITE = suite
    car = private_car(company=parties.company_a)
    family_policy = policy(car, parties.insurer_a, usage=UsageNature.FAMILY, policyholder_name="刘晓东")
    commercial = policy(car, parties.insurer_a, usage=UsageNature.FAMILY, kind=PolicyKind.THIRD_PARTY,
                        policyholder_name="刘晓东")

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
    wait_for(all_delivered, timeout=120, every=0.2, what="the lead and worklist batches")
    page.reload()
    assert page.locator("[data-testid=lead-finding]").inner_text() == Finding.INSURED_AS_NON_OPERATING.label

    # 2. the regulator's inbox verified it on receipt; the insurer got its worklist (rule M8)
    lead.refresh_from_db()
    assert lead.status == Status.VERIFIED and lead.finding == Finding.INSURED_AS_NON_OPERATING
    items = InsurerWorklistItem.objects.filter(insurer=parties.insurer_a, lead=lead)
    assert {i.policy_id for i in items} == {family_policy.pk, commercial.pk}  # one row per policy
    item = items.get(policy=family_policy)
    assert item.received_at == Batch.objects.get(kind="worklist", recipient=parties.insurer_a).receipt_at

    insurer = browser_page(parties.insurer_a_user)
    for number, pk in ((family_policy.number, item.pk), (commercial.number, items.get(policy=commercial).pk)):
        insurer.goto("/leads/worklist/")
        row = insurer.locator("[data-testid=worklist-table] tr", has_text=number)
        row.locator("select[name=answer]").select_option("non_operating_confirmed")
        row.locator("input[name=note]").fill("保单确按家庭自用承保")
        shot(insurer, "insurer_worklist")
        row.locator("button[type=submit]").click()
        insurer.wait_for_load_state()
        wait_for(lambda pk=pk: InsurerWorklistItem.objects.get(pk=pk).state == InsurerWorklistItem.State.ANSWERED,
                 timeout=120, every=0.2, what="the worklist answer")

    # 3. the regulator verified the insurance and requests transport's offline check; it cannot define illegal
    #    operation (rules M2, M4)
    regulator = browser_page(parties.regulator_user)
    regulator.goto("/leads/")
    regulator.locator(f"a[href='/leads/{lead.pk}/']").first.click()
    regulator.wait_for_url(f"**/leads/{lead.pk}/")
    assert "经核对：确按非营运承保" in regulator.locator("[data-testid=worklist-answers]").inner_text()
    assert regulator.locator("[data-testid=check-form]").count() == 0
    request = regulator.locator("[data-testid=request-check-form]")
    request.locator("textarea[name=note]").fill("该车按家庭自用承保，请线下核查是否从事网约车经营。")
    shot(regulator, "regulator_lead_request_check")
    request.locator("button[type=submit]").click()
    regulator.wait_for_selector("[data-testid=check-request]")
    # transport finds the request in its inbox, checks offline and defines illegal operation
    transport = browser_page(parties.transport_user)
    transport.goto("/leads/")
    transport.locator(f"a[href='/leads/{lead.pk}/']").first.click()
    transport.wait_for_url(f"**/leads/{lead.pk}/")
    assert "请线下核查" in transport.locator("[data-testid=check-request]").inner_text()
    check = transport.locator("[data-testid=check-form]")
    check.locator("input[name=outcome][value=confirmed]").check()
    check.locator("textarea[name=result]").fill("执法人员现场核查，车主承认通过网约车平台接单载客。")
    shot(transport, "transport_lead_check")
    check.locator("button[type=submit]").click()
    transport.wait_for_selector("[data-testid=disposals]")
    wait_for(lambda: RescissionCase.objects.filter(policy=family_policy).exists() and all_delivered(),
             timeout=120, every=0.2, what="the check result at the insurer")
    lead.refresh_from_db()
    assert lead.status == Status.DISPOSED

    # 4. the insurer's inbox opened the case at the signed receipt time (rule M12)
    case = RescissionCase.objects.get(policy=family_policy)
    receipt = Batch.objects.get(kind="check_results", recipient=parties.insurer_a)
    assert case.known_at == receipt.receipt_at and case.status == CaseStatus.OPEN
    known_at = case.known_at
    insurer.goto("/rescissions/")
    assert car.plate in insurer.locator(f"tr[data-case='{case.pk}']").inner_text()

    assert set(case.case_policies.values_list("policy_id", flat=True)) == {family_policy.pk, commercial.pk}

    # 5. a week later the insurer records its finding: the car began operating 10 days after the policies started
    #    and nobody told it — a risk increase, not non-disclosure (rules J9, J13; Insurance Law art. 52)
    with time_machine.travel(known_at + dt.timedelta(days=8), tick=True):
        insurer = browser_page(parties.insurer_a_user)  # the 8-hour session has ended meanwhile
        insurer.goto(f"/rescissions/{case.pk}/")
        assert insurer.locator("[data-testid=form-notice-send]").count() == 0  # no 附件三 before the path
        path = insurer.locator("[data-testid=form-path]")
        path.locator("input[name=path][value=risk_increase]").check()
        path.locator("input[name=operating_since]").fill(
            (timezone.localtime(family_policy.starts_at) + dt.timedelta(days=10)).date().isoformat())
        path.locator("textarea[name=reason]").fill("承保后改为网约车营运，投保人未通知保险公司")
        path.locator("button[type=submit]").click()
        insurer.wait_for_selector("text=已认定处理路径")
        rows = insurer.locator("[data-testid=case-policies]")
        compulsory_row = rows.locator(f"tr[data-policy='{family_policy.number}']")
        commercial_row = rows.locator(f"tr[data-policy='{commercial.number}']")
        # the branch by kind: 交强险 is endorsed, never rescinded; commercial: raise the premium or terminate
        assert "批改保单" in compulsory_row.inner_text() and "解除合同" not in compulsory_row.inner_text()
        assert "批改保单" in commercial_row.inner_text() and "解除合同" in commercial_row.inner_text()
        assert insurer.locator("[data-testid=form-notice-send]").count() == 0
        assert insurer.locator("[data-testid=form-rescind]").count() == 0
        assert insurer.locator("[data-testid=form-terminate]").count() == 0  # the 交强险 is endorsed first
        shot(insurer, "insurer_rescission_branch")
        endorse = insurer.locator("[data-testid=form-endorse]")
        endorse.locator("select[name=policy]").select_option(str(family_policy.pk))
        endorse.locator("input[name=effective_on]").fill(timezone.localdate().isoformat())
        endorse.locator("input[name=new_premium]").fill("2850.00")
        endorse.locator("textarea[name=reason]").fill("承保后改为网约车营运，批改使用性质并按保单年度重新核定保费")
        endorse.locator("button[type=submit]").click()
        insurer.wait_for_selector("text=已批改保单")
        assert "批改" in insurer.locator(f"[data-testid=case-policies] tr[data-policy='{family_policy.number}'] "
                                         "[data-testid=outcome]").inner_text()
        insurer.on("dialog", lambda dialog: dialog.accept())
        terminate = insurer.locator("[data-testid=form-terminate]")
        terminate.locator("textarea[name=reason]").fill("危险程度显著增加且未通知，依保险法第五十二条解除商业保险合同")
        terminate.locator("button[type=submit]").click()
        insurer.wait_for_selector("text=已解除合同")
        assert insurer.locator("[data-testid=case-status]").inner_text() == "已解除"
        shot(insurer, "insurer_rescission_decided")
        assert insurer.locator("[data-testid=notices] tr[data-notice=risk_increase_termination]").count() == 1
        for kind in ("disclosure_request", "rescission", "vehicle_admin"):
            assert insurer.locator(f"[data-testid=notices] tr[data-notice={kind}]").count() == 0
        href = insurer.locator("[data-testid=pdf-risk_increase_termination]").get_attribute("href")
        response = insurer.request.get(href)
        assert response.ok and response.headers["content-type"] == "application/pdf"

    case.refresh_from_db()
    assert case.status == CaseStatus.RESCINDED
    compulsory_now = Policy.objects.get(pk=family_policy.pk)
    assert compulsory_now.status == Policy.Status.ACTIVE and compulsory_now.usage_nature_insured == UsageNature.RIDE_HAILING
    assert Policy.objects.get(pk=commercial.pk).status == Policy.Status.RESCINDED

    # every batch of the loop went in the deployment's suite, and was delivered and acknowledged in it
    batches = list(Batch.objects.all())
    assert batches and {b.header["suite"] for b in batches} == {suites.suite_name(suite)}
    assert all(b.state == Batch.State.DELIVERED for b in batches)


def test_lapse_path_penalty_relayed_nobody_acts_the_scan_lapses_and_the_regulator_sees_it(
        celery_worker, parties, media, browser_page):
    from apps.core.tasks import deadline_scan
    from apps.credit.models import CreditRecord, UrgingItem

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
             timeout=120, every=0.2, what="the penalty at the insurer")
    case = RescissionCase.objects.get(policy=family_policy)
    assert case.known_at == Batch.objects.get(kind="penalties", recipient=parties.insurer_b).receipt_at

    # the insurer does nothing; 31 days later the beat task's scan runs on the worker (rule J5: the right lapses)
    with time_machine.travel(case.deadline_at + dt.timedelta(days=1), tick=True):
        deadline_scan.delay()
        wait_for(lambda: RescissionCase.objects.get(pk=case.pk).status == CaseStatus.LAPSED,
                 timeout=120, every=0.2, what="the lapse")
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
    # rules M2, M12: a 督促 item for the insurance association, no credit record of its own accord
    assert UrgingItem.objects.filter(subject_object_id=str(case.pk), rule="M12").count() == 1
    assert not CreditRecord.objects.filter(organization=parties.insurer_b).exists()


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
    """Rule M8: the risk model flags a permit-holding car insured as non-operating; the association reads the
    preview and confirms, and only then is its lead pushed to transport; transport's inbox verifies it on receipt,
    the officer checks offline and defines illegal operation (rules M2, M4)."""
    car = private_car(company=parties.company_a)
    permit(car)
    family_policy = policy(car, parties.insurer_b, usage=UsageNature.FAMILY)

    association = browser_page(parties.ins_assoc_user)
    association.goto("/leads/risk/")
    assert "持有效运输证但按非营运投保" in association.locator("[data-testid=risk-weights]").inner_text()
    association.locator("[data-testid=risk-run-now]").click()
    association.wait_for_url("**/leads/risk/runs/*/")
    assert car.plate in association.locator("[data-testid=risk-preview]").inner_text()
    assert not Lead.objects.filter(plate=car.plate).exists()  # the preview sends nothing
    shot(association, "ins_assoc_risk_preview")
    association.locator("[data-testid=risk-confirm]").click()
    association.wait_for_selector("text=已将 1 条线索作为一个批次推送至")
    shot(association, "ins_assoc_risk_run")
    lead = Lead.objects.get(plate=car.plate)
    assert lead.source == "risk_model" and lead.recipient == parties.transport
    wait_for(lambda: all_delivered() and Lead.objects.get(pk=lead.pk).status == Status.VERIFIED,
             timeout=120, every=0.2, what="the lead at transport")

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
             timeout=120, every=0.2, what="the check result at insurer B")
    assert Lead.objects.get(pk=lead.pk).status == Status.DISPOSED
