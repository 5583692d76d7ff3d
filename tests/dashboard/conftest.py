"""A crafted city for the dashboard tests, built only through the apps' services (and their test factories):

Leads (rules M4, M5, M8, M9)
* L1 transport → insurance, car insured as 家庭自用 with insurer A: pushed, verified, the regulator requests the
  offline check, transport defines illegal operation (rule M2) → disposed; transport's finding reaches insurer A
  through the regulator, whose receipt opens rescission case RA (rule M12);
* L2 transport → insurance: pushed, verified, dismissed by transport with a reason, disposed;
* L3 transport → insurance: pushed, verified;
* L4 transport → insurance: a draft, never pushed (only transport sees it);
* L5 insurance → transport, reported by company A and pushed by the insurance association: verified by transport.
Rescissions: RA (insurer A) decided "conditions not met" in time; RB (insurer B) opened on its own finding.
Screening (rule M6): S1 has a permit and no policy (uninsured); S2 has a permit and a 家庭自用 policy with insurer B;
the regulator reviews both findings and dispatches S2's endorsement item (批改) to insurer B.
Claims (rule M13): insurer A — C1 dispatched after 30 minutes, C2 not dispatched 2 hours after the report;
insurer B — C3 dispatched after 10 minutes. Each claim also runs its documents-list clock.
Complaints (rule M16): 12328 K1 substantiated, K2 still routed; 12378 K3 forwarded to insurer A, unsubstantiated.
Sanctions: the regulator's rectification order on insurer A, the taxi association's self-discipline measure on
company A, a transport penalty decision on company A (5,000 yuan).

Every instant is "now" or, for the claims, two hours before it: the chart tests read the period "last month … this
month", the report's claims section is read for the month the claims were reported in.
"""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from apps.claims.models import Claim
from apps.complaints import services as complaints
from apps.credit import services as credit
from apps.leads import services as leads
from apps.leads.models import Outcome
from apps.leads.screening import lawful_list_push
from apps.rescissions import services as rescissions
from apps.rescissions.models import Decision, RescissionCase
from apps.vehicles.usage import UsageNature
from tests.claims.factories import make_claim, make_policy
from tests.complaints.factories import file_report, report_12328, report_12378
from tests.factories import build_parties
from tests.helpers import deliver_pending
from tests.leads.factories import operating_car, permit, policy, private_car


def _leads(p) -> dict:
    transport, regulator = p.transport_user, p.regulator_user
    car1 = private_car()
    policy(car1, p.insurer_a, usage=UsageNature.FAMILY)
    l1 = leads.lead_flag(actor=transport, plate=car1.plate, evidence="火车站揽客", push=True)
    l2 = leads.lead_flag(actor=transport, plate=private_car().plate, evidence="机场揽客", push=True)
    l3 = leads.lead_flag(actor=transport, plate=private_car().plate, evidence="网约平台接单", push=True)
    l4 = leads.lead_flag(actor=transport, plate=private_car().plate, evidence="群众反映")
    l5 = leads.lead_report_by_company(actor=p.company_a_user, plate=private_car().plate, evidence="平台发现刷单接客")
    leads.lead_push(actor=p.ins_assoc_user, leads=[l5])
    deliver_pending()
    for lead in (l1, l2):
        lead.refresh_from_db()
        leads.lead_offline_check_request(actor=regulator, lead=lead, note="请线下核查是否载客")
    leads.lead_check_record(actor=transport, lead=l1, outcome=Outcome.CONFIRMED, result="约谈车主，承认载客")
    leads.lead_check_record(actor=transport, lead=l2, outcome=Outcome.DISMISSED, result="现场核查",
                            reason="家庭出行，无载客证据")
    l2.refresh_from_db()
    leads.lead_dispose(actor=transport, lead=l2)
    deliver_pending()  # L1's check result reaches insurer A → case RA
    return {"l1": l1, "l2": l2, "l3": l3, "l4": l4, "l5": l5}


def _screening(p) -> dict:
    s1, s2 = operating_car(), operating_car()
    permit(s1)
    permit(s2)
    s2_policy = policy(s2, p.insurer_b, usage=UsageNature.FAMILY)
    run = lawful_list_push(actor=p.transport_user)
    deliver_pending()  # screened at the regulator, pending its review
    from apps.leads import screening

    screening.screening_findings_review(actor=p.regulator_user, run=run, decision="confirmed",
                                        finding_ids=run.findings.values_list("pk", flat=True))
    screening.screening_dispatch(actor=p.regulator_user, run=run,
                                 digest=screening.screening_dispatch_preview(actor=p.regulator_user, run=run).digest)
    deliver_pending()  # insurer B's endorsement item (rule M6: no rescission)
    rescissions.rescission_open(policy=s2_policy, trigger="insurer_finding", trigger_ref="DASH-RB",
                                known_at=timezone.now(), actor=p.insurer_b_user)  # case RB
    return {"s1": s1, "s2": s2, "run": run}


def _claims(p, now) -> dict:
    reported = now - dt.timedelta(hours=2)  # each claim request made with its report (J11's clock starts there)
    c1 = make_claim(user=p.insurer_a_user, reported_at=reported, claim_requested_at=reported,
                    survey_dispatched_at=reported + dt.timedelta(minutes=30))
    c2 = make_claim(user=p.insurer_a_user, reported_at=reported, claim_requested_at=reported)
    c3 = make_claim(user=p.insurer_b_user, policy=make_policy(insurer=p.insurer_b), reported_at=reported,
                    claim_requested_at=reported, survey_dispatched_at=reported + dt.timedelta(minutes=10))
    return {"c1": c1, "c2": c2, "c3": c3}


def _complaints(p) -> dict:
    k1, _code = file_report(**report_12328())
    k2, _code = file_report(**report_12328(plate="桂B54321"))
    k3, _code = file_report(**report_12378(p.insurer_a))
    complaints.complaint_start_verifying(actor=p.transport_user, complaint=k1)
    complaints.complaint_resolve(actor=p.transport_user, complaint=k1, finding="substantiated",
                                 result="已查处", record_credit=False)
    complaints.complaint_forward(actor=p.regulator_user, complaint=k3, insurer=p.insurer_a)
    complaints.complaint_resolve(actor=p.regulator_user, complaint=k3, finding="unsubstantiated",
                                 result="经核查已按营运投保", record_credit=False)
    return {"k1": k1, "k2": k2, "k3": k3}


def _sanctions(p) -> dict:
    today = timezone.localdate()
    order = credit.supervisory_action_issue(
        actor=p.regulator_user, target=p.insurer_a, kind="rectification_order", ground="unlawful_refusal",
        facts="拒绝为营运车辆承保", starts_on=today, reference_no="柳金监发〔2026〕1号")
    discipline = credit.supervisory_action_issue(
        actor=p.taxi_assoc_user, target=p.company_a, kind="self_discipline", ground="ledger_failure",
        facts="台账不全", starts_on=today)
    penalty = leads.penalty_record(actor=p.transport_user, decision_no="柳交罚〔2026〕88号", decided_on=today,
                                   facts="允许无证车辆上线", company=p.company_a, amount=Decimal("5000"))
    deliver_pending()
    return {"order": order, "discipline": discipline, "penalty": penalty}


def build_city() -> SimpleNamespace:
    parties = build_parties()
    now = timezone.now()
    data = {**_leads(parties), **_screening(parties), **_claims(parties, now), **_complaints(parties),
            **_sanctions(parties)}
    ra = RescissionCase.objects.get(insurer=parties.insurer_a)
    rb = RescissionCase.objects.get(insurer=parties.insurer_b)
    rescissions.rescission_decide(case=ra, actor=parties.insurer_a_user, decision=Decision.CONDITIONS_NOT_MET,
                                  reason="保单已按营运性质批改")
    assert Claim.objects.count() == 3
    return SimpleNamespace(parties=parties, now=now, ra=ra, rb=rb, **data)


@pytest.fixture(scope="module")
def city_once(django_db_setup, django_db_blocker, tmp_path_factory):
    """The city, built once for a test module inside a transaction that is rolled back after the module; each test
    runs in a savepoint inside it (pytest-django's ``db``), so tests read it and may add to it without leaking."""
    from django.db import transaction
    from django.test import override_settings

    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media"))):
        with transaction.atomic():
            yield build_city()
            transaction.set_rollback(True)


@pytest.fixture
def city(city_once, db):
    return city_once


@pytest.fixture
def period_query():
    """``from`` = last month, ``to`` = this month: every instant of the city falls inside."""
    from apps.dashboard.periods import add_months, current_month

    this = current_month()
    return {"from": f"{add_months(this, -1):%Y-%m}", "to": f"{this:%Y-%m}"}
