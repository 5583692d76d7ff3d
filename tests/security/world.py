"""A small city in which every kind of object exists once for party "A" (company A, insurer A) and, where the
design separates parties, once for party "B" — built through the apps' own services, the exchange delivering
its batches the way the worker does.

Used by the URL × role table (tests/security), the API fuzzing leak check (tests/fuzz) and the load-test data
check. ``World.ids`` records, per party, the ids of the objects created for it, so a test can say "this id
must never appear in a response to a user outside its audience".
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.exchange.models import Batch, BatchEvent, OrganizationKey
from apps.parties.models import OrganizationKind
from tests.factories import OrganizationFactory, make_resident_id, user_of
from tests.helpers import deliver_pending

PASSWORD = "Test-password-1"

# The columns of the access table: who asks. "anon" is nobody logged in; "admin" the platform administrator.
ROLES = ("anon", "transport", "regulator", "ins_assoc", "taxi_assoc", "company_a", "company_b", "insurer_a",
         "insurer_b", "admin")


def png_bytes(color=(200, 30, 30), size=(8, 8)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


class World:
    """Attributes are the objects; ``users[role]`` the user acting in each column of the table."""

    roles = ROLES

    def __init__(self):
        self.users: dict[str, object] = {}
        self.orgs: dict[str, object] = {}
        self.ids: dict[str, dict[str, set]] = {}  # party → model label → ids

    def own(self, party: str, obj) -> None:
        self.ids.setdefault(party, {}).setdefault(obj._meta.label, set()).add(obj.pk)


def build_world() -> World:  # noqa: PLR0915 - one straight story
    from apps.claims import services as claims
    from apps.claims.models import AnalyticsRun, AnalyticsThresholds, FocusedCheck, FocusedCheckList
    from apps.complaints import services as complaints
    from apps.core.deadlines import local_date
    from apps.core.models import Deadline, Notification
    from apps.credit import services as credit
    from apps.imports.services import import_job_create
    from apps.leads import screening
    from apps.leads import services as leads
    from apps.leads.models import InsurerWorklistItem, LawfulListRun, Outcome, ScreeningFinding
    from apps.leads.risk import risk_model_run
    from apps.policies import services as policies
    from apps.policies.models import PolicyKind
    from apps.rescissions import services as rescissions
    from apps.rescissions.models import RescissionCase
    from apps.vehicles import services as vehicles
    from apps.vehicles.usage import UsageNature
    from tests.vehicles.factories import make_plate, make_vin

    w = World()
    k = OrganizationKind
    names = {
        "transport": (k.TRANSPORT, "柳州市交通运输局(安全)"),
        "regulator": (k.REGULATOR, "柳州金融监管分局(安全)"),
        "ins_assoc": (k.INSURANCE_ASSOCIATION, "保险行业协会(安全)"),
        "taxi_assoc": (k.TAXI_ASSOCIATION, "出租汽车行业协会(安全)"),
        "company_a": (k.TAXI_COMPANY, "龙城出租(安全)"),
        "company_b": (k.TAXI_COMPANY, "畅行网约车(安全)"),
        "insurer_a": (k.INSURER, "人保财险(安全)"),
        "insurer_b": (k.INSURER, "平安产险(安全)"),
        "admin": (k.PLATFORM, "平台运维(安全)"),
    }
    for role, (kind, name) in names.items():
        w.orgs[role] = OrganizationFactory(kind=kind, name=name)
        extra = {"is_staff": True, "is_superuser": True} if role == "admin" else {}
        w.users[role] = user_of(kind, organization=w.orgs[role], username=f"sec_{role}", password=PASSWORD, **extra)
    u, o = w.users, w.orgs
    now = timezone.now()
    today = local_date(now)

    # --- registers: a private car of company A insured as non-operating by insurer A, one operating car each ----
    def car(company_role, usage, **kw):
        return vehicles.vehicle_create(
            actor=u[company_role], plate=make_plate(), vin=make_vin(), seats=5, usage_nature=usage,
            owner_name="张伟", owner_id_no=make_resident_id(), vehicle_type="小型轿车", make_model="比亚迪牌BYD7150", **kw)

    w.vehicle_a = car("company_a", UsageNature.FAMILY)
    w.vehicle_a2 = car("company_a", UsageNature.RIDE_HAILING)
    w.vehicle_b = car("company_b", UsageNature.RIDE_HAILING)
    w.permit_a = vehicles.permit_create(actor=u["transport"], vehicle=w.vehicle_a2, number=f"桂交运管柳字A{w.vehicle_a2.pk:08d}",
                                        valid_from=today - dt.timedelta(days=100), valid_to=today + dt.timedelta(days=700),
                                        issued_by="柳州市交通运输局")
    w.permit_b = vehicles.permit_create(actor=u["transport"], vehicle=w.vehicle_b, number=f"桂交运管柳字B{w.vehicle_b.pk:08d}",
                                        valid_from=today - dt.timedelta(days=100), valid_to=today + dt.timedelta(days=700),
                                        issued_by="柳州市交通运输局")
    w.driver_a = vehicles.driver_create(actor=u["company_a"], name="王建国", id_no=make_resident_id(),
                                        phone="13907721234", qualification_no="QCA0000001")
    w.driver_b = vehicles.driver_create(actor=u["company_b"], name="李志强", id_no=make_resident_id(),
                                        phone="13907725678", qualification_no="QCB0000001")

    def policy(insurer_role, vehicle, usage, number):
        return policies.policy_create(
            actor=u[insurer_role], number=number, kind=PolicyKind.COMPULSORY, vehicle=vehicle,
            usage_nature_insured=usage, starts_at=now - dt.timedelta(days=30), ends_at=now + dt.timedelta(days=330),
            premium=Decimal("950.00"), policyholder_name="张伟")

    w.policy_a = policy("insurer_a", w.vehicle_a, UsageNature.FAMILY, f"PSECA{w.vehicle_a.pk:010d}")
    w.policy_a2 = policy("insurer_a", w.vehicle_a2, UsageNature.RIDE_HAILING, f"PSECA{w.vehicle_a2.pk:010d}")
    w.policy_b = policy("insurer_b", w.vehicle_b, UsageNature.RIDE_HAILING, f"PSECB{w.vehicle_b.pk:010d}")
    # a permit-holding car of company B insured as non-operating by insurer B: the lawful-list screening finds it
    w.vehicle_b2 = car("company_b", UsageNature.RIDE_HAILING)
    vehicles.permit_create(actor=u["transport"], vehicle=w.vehicle_b2, number=f"桂交运管柳字B{w.vehicle_b2.pk:08d}",
                           valid_from=today - dt.timedelta(days=100), valid_to=today + dt.timedelta(days=700),
                           issued_by="柳州市交通运输局")
    w.policy_b2 = policy("insurer_b", w.vehicle_b2, UsageNature.FAMILY, f"PSECB{w.vehicle_b2.pk:010d}")
    w.onboarding_a = vehicles.onboarding_check_run(actor=u["company_a"], vehicle=w.vehicle_a2)
    w.onboarding_b = vehicles.onboarding_check_run(actor=u["company_b"], vehicle=w.vehicle_b)
    # rule M10: the standard is published jointly — the insurance association proposes, the taxi association approves
    from apps.policies.services import coverage_standard_decide, coverage_standard_propose

    w.coverage_standard = coverage_standard_propose(
        actor=u["ins_assoc"], name="网约车保障标准（安全测试）", effective_from=today,
        requirements=[{"policy_kind": "compulsory"},
                      {"policy_kind": "carrier_liability", "min_per_seat_limit": Decimal("400000")}])
    coverage_standard_decide(actor=u["taxi_assoc"], standard=w.coverage_standard, approve=True, reason="审核通过")

    # --- the closed loop (rules M4, M5, M8, M12): flag → verify → worklist → check → confirm → rescission case ---
    w.lead = leads.lead_flag(actor=u["transport"], plate=w.vehicle_a.plate, evidence="火车站东广场揽客，每人 20 元",
                             attachments=[SimpleUploadedFile("evidence.png", png_bytes(), content_type="image/png")])
    w.attachment = w.lead.attachments.get()
    leads.lead_push(actor=u["transport"], leads=[w.lead])
    deliver_pending()
    w.lead.refresh_from_db()
    w.worklist_a = InsurerWorklistItem.objects.get(insurer=o["insurer_a"], lead=w.lead)
    # rule M2: the regulator requests the offline check; transport checks and defines illegal operation
    leads.lead_offline_check_request(actor=u["regulator"], lead=w.lead, note="请线下核查是否载客")
    leads.lead_check_record(actor=u["transport"], lead=w.lead, outcome=Outcome.CONFIRMED, result="线下核查确认载客")
    deliver_pending()
    w.lead.refresh_from_db()
    w.case_a = RescissionCase.objects.get(policy=w.policy_a)
    # a case of insurer B (its own finding) for isolation
    # (on its policy insured as non-operating: a policy insured as operating gets no case, rule J13)
    w.case_b, _created = rescissions.rescission_open(policy=w.policy_b2, trigger="insurer_finding",
                                                     trigger_ref="SEC-B", known_at=now - dt.timedelta(days=2),
                                                     actor=u["insurer_b"])
    rescissions.rescission_path_record(case=w.case_a, actor=u["insurer_a"], path="non_disclosure",
                                       operating_since=local_date(w.policy_a.starts_at), fault="gross_negligence",
                                       basis="线下核查确认投保前已载客", reason="投保时已营运，未告知使用性质")
    rescissions.rescission_notice_send(case=w.case_a, actor=u["insurer_a"], contact_name="李明",
                                       contact_phone="0772-2881234")
    w.case_a.refresh_from_db()
    w.notice_a = w.case_a.notices.get()
    w.deadline_a = Deadline.objects.filter(responsible=o["insurer_a"]).order_by("pk").first()
    w.deadline_b = Deadline.objects.filter(responsible=o["insurer_b"]).order_by("pk").first()

    # a lead of the insurance side (company report → association), and a penalty with its relays
    w.lead_company = leads.lead_report_by_company(actor=u["company_a"], plate=w.vehicle_b.plate, evidence="平台外接单")
    w.penalty = leads.penalty_record(actor=u["transport"], decision_no="柳交执罚〔2026〕SEC01号", decided_on=today,
                                     facts="未取得经营许可擅自从事网约车经营", plate=w.vehicle_a2.plate)
    deliver_pending()

    # lawful list (M6) and the risk model (M8)
    screening.lawful_list_push(actor=u["transport"])
    deliver_pending()
    w.lawful_run = LawfulListRun.objects.order_by("-pk").first()
    w.screening_finding = ScreeningFinding.objects.order_by("-pk").first()
    # rule M6: the regulator reviews the findings and confirms the previewed dispatch to the insurers
    screening.screening_findings_review(actor=u["regulator"], run=w.lawful_run, decision="confirmed",
                                        finding_ids=w.lawful_run.findings.values_list("pk", flat=True))
    screening.screening_dispatch(actor=u["regulator"], run=w.lawful_run, digest=screening.screening_dispatch_preview(
        actor=u["regulator"], run=w.lawful_run).digest)
    deliver_pending()
    w.risk_run = risk_model_run(actor=u["ins_assoc"])  # a preview, never confirmed
    from apps.leads.models import RiskModelWeights

    w.risk_weights = RiskModelWeights.objects.order_by("-pk").first()

    # --- claims (M13, M14) ----------------------------------------------------------------------------------------
    reported = now - dt.timedelta(hours=3)
    w.claim_a = claims.claim_create(actor=u["insurer_a"], insurer=o["insurer_a"], number="SECCLA0001",
                                    policy=w.policy_a2, occurred_at=reported - dt.timedelta(minutes=20),
                                    reported_at=reported, location="柳州市城中区")
    # rule J11: a claim of insurer A refused (its refusal notice, 拒赔通知书)
    w.claim_refused_a = claims.claim_create(actor=u["insurer_a"], insurer=o["insurer_a"], number="SECCLA0002",
                                            policy=w.policy_a2, occurred_at=reported - dt.timedelta(minutes=20),
                                            reported_at=reported, location="柳州市城中区",
                                            amount_claimed=Decimal("5000.00"))
    claims.claim_advance(claim=w.claim_refused_a, actor=u["insurer_a"], facts={
        "documents_complete_at": reported + dt.timedelta(hours=1), "decision": "refused",
        "decided_at": reported + dt.timedelta(hours=2), "refusal_reason": "出险时不在保险期间内"})
    w.claim_b = claims.claim_create(actor=u["insurer_b"], insurer=o["insurer_b"], number="SECCLB0001",
                                    policy=w.policy_b, occurred_at=reported - dt.timedelta(minutes=20),
                                    reported_at=reported, location="柳州市鱼峰区")
    thresholds = AnalyticsThresholds.objects.order_by("-pk").first()
    if thresholds is None:
        from apps.claims.analytics import thresholds_current

        thresholds = thresholds_current()
    run = AnalyticsRun.objects.create(thresholds=thresholds, as_of=now, window_start=now - dt.timedelta(days=365),
                                      finished_at=now)
    w.check_list_a = FocusedCheckList.objects.create(run=run, company=o["company_a"])
    w.check_list_b = FocusedCheckList.objects.create(run=run, company=o["company_b"])
    w.focused_a = FocusedCheck.objects.create(run=run, check_list=w.check_list_a, company=o["company_a"],
                                              subject_kind="vehicle", vehicle=w.vehicle_a2, claim_count=4,
                                              loss_total=Decimal("32000.00"))
    w.focused_b = FocusedCheck.objects.create(run=run, check_list=w.check_list_b, company=o["company_b"],
                                              subject_kind="vehicle", vehicle=w.vehicle_b, claim_count=5,
                                              loss_total=Decimal("41000.00"))

    # --- complaints (M16) -----------------------------------------------------------------------------------------
    w.complaint_12328, w.complaint_code = complaints.complaint_submit(
        hotline="12328", category="private_car_carrying", plate=w.vehicle_a.plate,
        description="一辆白色私家车在火车站门口拉客，每人收费 20 元。", location="柳州火车站东广场",
        occurred_at=now - dt.timedelta(hours=5), reporter_name="张三丰", reporter_phone="13877201234",
        photos=[SimpleUploadedFile("p.png", png_bytes(), content_type="image/png")],
        actor=complaints.public_reporter())
    w.complaint_photo = w.complaint_12328.photos.get()
    w.complaint_12378, _code = complaints.complaint_submit(
        hotline="12378", category="claim_misconduct", insurer=o["insurer_a"], plate="",
        description="网约车出险后保险公司以非营运为由拒绝理赔，但车辆已按营运投保。", location="柳州市城中区",
        occurred_at=now - dt.timedelta(days=2), reporter_name="李四", reporter_phone="13977205678",
        actor=complaints.public_reporter())
    complaints.complaint_forward(actor=u["regulator"], complaint=w.complaint_12378, insurer=o["insurer_a"],
                                 note="请核查并答复")
    w.complaint_12378.refresh_from_db()

    # --- credit file and supervisory actions (M14, M15, M17) -----------------------------------------------------
    w.credit_company_a = credit.credit_record_add(actor=u["taxi_assoc"], subject=o["company_a"], event="ledger_gap",
                                                  severity="moderate", occurred_on=today, detail="台账缺漏 3 辆车")
    w.credit_vehicle_a = w.credit_company_a.__class__.objects.filter(vehicle=w.vehicle_a).order_by("pk").first()
    w.action_insurer_a = credit.supervisory_action_issue(
        actor=u["regulator"], target=o["insurer_a"], kind="rectification_order", ground="unlawful_refusal",
        facts="无正当理由拒绝承保网约车交强险", starts_on=today, ends_on=today + dt.timedelta(days=30),
        reference_no="柳金监改〔2026〕SEC1号", requirement="限期整改")
    w.action_company_b = credit.supervisory_action_issue(
        actor=u["taxi_assoc"], target=o["company_b"], kind="self_discipline", ground="ledger_failure",
        facts="未按规定建立驾驶员台账", starts_on=today, ends_on=today + dt.timedelta(days=30))
    # rule M2: company A proposes an entry on its vehicle; rule M12: a 督促 item on insurer A's case
    w.proposal_a = credit.credit_proposal_create(
        actor=u["company_a"], subject=w.vehicle_a, event="claims_violation", severity="moderate",
        reason="重点核查发现违规", source=w.focused_a)
    from apps.parties.rights import SystemActor

    w.urging_a = credit.urging_item_open(actor=SystemActor("security.world"), insurer=o["insurer_a"],
                                         subject=w.case_a, reason="超过 30 日未作出决定", rule="M12")
    deliver_pending()

    # --- joint inspections and training (M17, M2): insurer A and company A inspected, insurer A notified ---------
    from apps.inspections import services as inspections

    w.inspection = inspections.inspection_plan(
        actor=u["regulator"], scope="网约车承保使用性质核验", planned_start=today - dt.timedelta(days=3),
        planned_end=today, participants=[o["ins_assoc"], o["taxi_assoc"], o["transport"]],
        inspected_parties=[o["insurer_a"], o["company_a"]])
    w.finding_insurer_a = inspections.finding_record(
        actor=u["ins_assoc"], inspection=w.inspection, party=o["insurer_a"], inspected_on=today,
        conclusion="problems_found", problems="未核验使用性质")
    w.finding_company_a = inspections.finding_record(
        actor=u["taxi_assoc"], inspection=w.inspection, party=o["company_a"], inspected_on=today,
        conclusion="problems_found", problems="驾驶员台账缺漏")
    w.inspection_notice_a = inspections.notice_issue(actor=u["ins_assoc"], finding=w.finding_insurer_a,
                                                     requirement="限期整改")
    w.training = inspections.training_record(actor=u["taxi_assoc"], held_on=today, topic="投保规范", trainer="韦老师",
                                             companies=[o["company_a"]], drivers_count=20)

    # --- an import job of company A (bulk import pipeline) -------------------------------------------------------
    csv = "号牌号码,车辆识别代号,核定载客,使用性质\n桂B-BAD,LSVAU2180N0000001,5,非营运\n".encode()
    w.import_a = import_job_create(actor=u["company_a"], kind="vehicles",
                                   upload=SimpleUploadedFile("vehicles.csv", csv, content_type="text/csv"))

    # --- ride-hailing data: company A's own feed, a delivery with a rejected record, a vehicle-day (issue 20) -------
    from apps.parties.services import user_create
    from apps.ridehailing import services as ridehailing
    from apps.ridehailing.models import Feed, VehicleDay

    ridehailing.company_register(company_id="SECA01", organization=o["company_a"], actor=u["admin"])
    rh_account = user_create(organization=o["company_a"], username="sec_rh_company_a", password=None, is_system=True,
                             actor=u["admin"])
    w.rh_feed_a = ridehailing.feed_create(name="龙城出租网约车平台(安全)", kind=Feed.Kind.COMPANY, account=rh_account,
                                          actor=u["admin"])
    w.rh_delivery_a, _results = ridehailing.ingest(
        feed=w.rh_feed_a, interface="baseInfoVehicle", actor=rh_account,
        records=[{"CompanyId": "SECA01", "VehicleNo": "桂B-BAD", "VIN": "LSVAU2180N0000001", "Flag": 1,
                  "UpdateTime": timezone.localtime(now).strftime("%Y%m%d%H%M%S")}])
    ridehailing.ingest(feed=w.rh_feed_a, interface="operateDepart", actor=rh_account, records=[
        {"CompanyId": "SECA01", "OrderId": "SEC-1", "VehicleNo": w.vehicle_a.plate or "桂B00001",
         "DepTime": timezone.localtime(now - dt.timedelta(hours=1)).strftime("%Y%m%d%H%M%S")}])
    w.rh_vehicleday_a = VehicleDay.objects.get(company__company_id="SECA01")

    # an endorsement (批改, rule J8) of a policy of insurer A that no case covers: its form is a signed PDF
    w.vehicle_a3 = car("company_a", UsageNature.FAMILY)
    w.policy_a3 = policy("insurer_a", w.vehicle_a3, UsageNature.FAMILY, f"PSECA{w.vehicle_a3.pk:010d}")
    w.endorsement_a = policies.policy_endorse(
        actor=u["insurer_a"], policy=w.policy_a3, usage_nature=UsageNature.ENTERPRISE, effective_on=today,
        premium_mode="daily_rate", reason="车辆改为单位使用，批改使用性质", new_premium=Decimal("1100.00"))

    # --- the exchange's own rows ---------------------------------------------------------------------------------
    w.batch_a = exchange_batch_to(o["insurer_a"])
    w.batch_b = exchange_batch_to(o["insurer_b"])
    w.batch_event_a = BatchEvent.objects.filter(batch=w.batch_a).order_by("pk").first()
    w.batch_event_b = BatchEvent.objects.filter(batch=w.batch_b).order_by("pk").first()
    w.key_a = OrganizationKey.objects.filter(organization=o["insurer_a"]).order_by("pk").first()
    w.key_b = OrganizationKey.objects.filter(organization=o["insurer_b"]).order_by("pk").first()
    w.notification_a = Notification.objects.filter(user=u["insurer_a"]).order_by("pk").first()

    # --- who owns what (for the leak check) ----------------------------------------------------------------------
    for party, objs in {
        "company_a": [w.driver_a, w.onboarding_a, w.import_a, w.focused_a, w.proposal_a],
        "company_b": [w.driver_b, w.onboarding_b, w.focused_b],
        "insurer_a": [w.policy_a, w.policy_a2, w.policy_a3, w.case_a, w.claim_a, w.claim_refused_a, w.worklist_a, w.action_insurer_a,
                      w.urging_a],
        "insurer_b": [w.policy_b, w.policy_b2, w.case_b, w.claim_b],
    }.items():
        for obj in objs:
            w.own(party, obj)
    return w


def exchange_batch_to(org) -> Batch:
    return Batch.objects.filter(recipient=org).order_by("created_at").first()
