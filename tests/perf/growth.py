"""More of every kind of row for the same parties of the security world (tests/security/world.py): vehicles,
permits, drivers, policies, claims, leads through the closed loop (worklists, rescission cases, notices,
deadlines, exchange batches and notifications), complaints, credit records, supervisory actions, proposals,
urging items, inspections with findings and notices, trainings, penalties, focused checks and import jobs —
built through the apps' own services, like the world itself."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.factories import make_resident_id
from tests.helpers import deliver_pending
from tests.security.world import png_bytes

_N = itertools.count(1)


def grow(w, rounds: int = 3) -> None:  # noqa: PLR0915 - one straight story, repeated
    from apps.claims import services as claims
    from apps.claims.models import FocusedCheck
    from apps.complaints import services as complaints
    from apps.core.deadlines import local_date
    from apps.credit import services as credit
    from apps.imports.services import import_job_create
    from apps.inspections import services as inspections
    from apps.leads import services as leads
    from apps.leads.models import Outcome
    from apps.parties.rights import SystemActor
    from apps.policies import services as policies
    from apps.policies.models import PolicyKind
    from apps.rescissions.models import RescissionCase
    from apps.vehicles import services as vehicles
    from apps.vehicles.usage import UsageNature
    from tests.vehicles.factories import make_plate, make_vin

    u, o = w.users, w.orgs
    now = timezone.now()
    today = local_date(now)

    def car(company_role, usage):
        return vehicles.vehicle_create(
            actor=u[company_role], plate=make_plate(), vin=make_vin(), seats=5, usage_nature=usage,
            owner_name="张伟", owner_id_no=make_resident_id(), vehicle_type="小型轿车", make_model="比亚迪牌BYD7150")

    def permit(vehicle, letter):
        return vehicles.permit_create(actor=u["transport"], vehicle=vehicle, number=f"桂交运管柳字{letter}{vehicle.pk:08d}",
                                      valid_from=today - dt.timedelta(days=100),
                                      valid_to=today + dt.timedelta(days=700), issued_by="柳州市交通运输局")

    def policy(insurer_role, vehicle, usage):
        return policies.policy_create(
            actor=u[insurer_role], number=f"PGROW{vehicle.pk:010d}", kind=PolicyKind.COMPULSORY, vehicle=vehicle,
            usage_nature_insured=usage, starts_at=now - dt.timedelta(days=30), ends_at=now + dt.timedelta(days=330),
            premium=Decimal("950.00"), policyholder_name="张伟")

    for _round in range(rounds):
        for side, company, insurer in (("A", "company_a", "insurer_a"), ("B", "company_b", "insurer_b")):
            n = next(_N)
            private = car(company, UsageNature.FAMILY)
            operating = car(company, UsageNature.RIDE_HAILING)
            permit(operating, side)
            vehicles.driver_create(actor=u[company], name="王建国", id_no=make_resident_id(),
                                   phone=f"139077{n:05d}", qualification_no=f"QCG{side}{n:07d}")
            private_policy = policy(insurer, private, UsageNature.FAMILY)
            operating_policy = policy(insurer, operating, UsageNature.RIDE_HAILING)
            vehicles.onboarding_check_run(actor=u[company], vehicle=operating)

            # the closed loop: flag → push → worklist → check confirmed → rescission case with its notice
            lead = leads.lead_flag(actor=u["transport"], plate=private.plate, evidence="火车站东广场揽客，每人 20 元",
                                   attachments=[SimpleUploadedFile("e.png", png_bytes(), content_type="image/png")])
            leads.lead_push(actor=u["transport"], leads=[lead])
            deliver_pending()
            lead.refresh_from_db()
            leads.lead_offline_check_request(actor=u["regulator"], lead=lead, note="请线下核查是否载客")
            leads.lead_check_record(actor=u["transport"], lead=lead, outcome=Outcome.CONFIRMED, result="线下核查确认载客")
            deliver_pending()
            case = RescissionCase.objects.get(policy=private_policy)
            from apps.rescissions import services as rescissions

            rescissions.rescission_path_record(case=case, actor=u[insurer], path="non_disclosure",
                                               operating_since=local_date(private_policy.starts_at),
                                               fault="gross_negligence", basis="线下核查确认投保前已载客",
                                               reason="投保时已营运，未告知使用性质")
            rescissions.rescission_notice_send(case=case, actor=u[insurer], contact_name="李明",
                                               contact_phone="0772-2881234")
            leads.lead_report_by_company(actor=u[company], plate=private.plate, evidence="平台外接单")
            leads.penalty_record(actor=u["transport"], decision_no=f"柳交执罚〔2026〕G{side}{n:03d}号", decided_on=today,
                                 facts="未取得经营许可擅自从事网约车经营", plate=operating.plate)
            deliver_pending()

            # claims, one refused
            reported = now - dt.timedelta(hours=3)
            for i in range(2):
                claim = claims.claim_create(actor=u[insurer], insurer=o[insurer], number=f"GRW{side}{n:04d}{i}",
                                            policy=operating_policy, occurred_at=reported - dt.timedelta(minutes=20),
                                            reported_at=reported, location="柳州市城中区",
                                            amount_claimed=Decimal("5000.00"))
            claims.claim_advance(claim=claim, actor=u[insurer], facts={
                "documents_complete_at": reported + dt.timedelta(hours=1), "decision": "refused",
                "decided_at": reported + dt.timedelta(hours=2), "refusal_reason": "出险时不在保险期间内"})
            check_list = w.check_list_a if side == "A" else w.check_list_b
            FocusedCheck.objects.create(run=check_list.run, check_list=check_list, company=o[company],
                                        subject_kind="vehicle", vehicle=operating, claim_count=4,
                                        loss_total=Decimal("32000.00"))

            # complaints: a 12328 report on the private car, a 12378 report forwarded to the insurer
            complaints.complaint_submit(
                hotline="12328", category="private_car_carrying", plate=private.plate,
                description="一辆白色私家车在火车站门口拉客，每人收费 20 元。", location="柳州火车站东广场",
                occurred_at=now - dt.timedelta(hours=5), reporter_name="张三丰", reporter_phone="13877201234",
                photos=[SimpleUploadedFile("p.png", png_bytes(), content_type="image/png")],
                actor=complaints.public_reporter())
            report, _code = complaints.complaint_submit(
                hotline="12378", category="claim_misconduct", insurer=o[insurer], plate="",
                description="网约车出险后保险公司以非营运为由拒绝理赔，但车辆已按营运投保。", location="柳州市城中区",
                occurred_at=now - dt.timedelta(days=2), reporter_name="李四", reporter_phone="13977205678",
                actor=complaints.public_reporter())
            complaints.complaint_forward(actor=u["regulator"], complaint=report, insurer=o[insurer], note="请核查并答复")

            # credit file, measures, proposals, urging
            credit.credit_record_add(actor=u["taxi_assoc"], subject=o[company], event="ledger_gap",
                                     severity="moderate", occurred_on=today, detail="台账缺漏 3 辆车")
            credit.supervisory_action_issue(
                actor=u["regulator"], target=o[insurer], kind="rectification_order", ground="unlawful_refusal",
                facts="无正当理由拒绝承保网约车交强险", starts_on=today, ends_on=today + dt.timedelta(days=30),
                reference_no=f"柳金监改〔2026〕G{side}{n}号", requirement="限期整改")
            credit.supervisory_action_issue(
                actor=u["taxi_assoc"], target=o[company], kind="self_discipline", ground="ledger_failure",
                facts="未按规定建立驾驶员台账", starts_on=today, ends_on=today + dt.timedelta(days=30))
            credit.credit_proposal_create(actor=u[company], subject=private, event="claims_violation",
                                          severity="moderate", reason="重点核查发现违规")
            credit.urging_item_open(actor=SystemActor("perf.growth"), insurer=o[insurer], subject=case,
                                    reason="超过 30 日未作出决定", rule="M12")
            deliver_pending()

            # joint inspections, findings, a notice, a training
            inspection = inspections.inspection_plan(
                actor=u["regulator"], scope="网约车承保使用性质核验", planned_start=today - dt.timedelta(days=3),
                planned_end=today, participants=[o["ins_assoc"], o["taxi_assoc"], o["transport"]],
                inspected_parties=[o[insurer], o[company]])
            finding = inspections.finding_record(
                actor=u["ins_assoc"], inspection=inspection, party=o[insurer], inspected_on=today,
                conclusion="problems_found", problems="未核验使用性质")
            inspections.finding_record(
                actor=u["taxi_assoc"], inspection=inspection, party=o[company], inspected_on=today,
                conclusion="problems_found", problems="驾驶员台账缺漏")
            inspections.notice_issue(actor=u["ins_assoc"], finding=finding, requirement="限期整改")
            inspections.training_record(actor=u["taxi_assoc"], held_on=today, topic="投保规范", trainer="韦老师",
                                        companies=[o[company]], drivers_count=20)

            # an import job
            csv = "号牌号码,车辆识别代号,核定载客,使用性质\n桂B-BAD,LSVAU2180N0000001,5,非营运\n".encode()
            import_job_create(actor=u[company], kind="vehicles",
                              upload=SimpleUploadedFile("vehicles.csv", csv, content_type="text/csv"))
    deliver_pending()
