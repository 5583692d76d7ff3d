"""Demo joint inspection, notices and training (``manage.py seed_demo``), recorded as the platform's demo job on
behalf of each party (``SystemActor("inspections.seed_demo", organization=…)``). Idempotent: nothing is added once
any inspection exists."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from apps.inspections import services
from apps.inspections.models import Conclusion, Inspection, Training
from apps.parties.models import Organization, OrganizationKind
from apps.parties.rights import SystemActor


@transaction.atomic
def seed_demo_inspections(stdout) -> None:
    if Inspection.objects.exists() or Training.objects.exists():
        return
    k = OrganizationKind

    def first(kind):
        return Organization.objects.filter(kind=kind, is_active=True).order_by("pk").first()

    regulator, transport = first(k.REGULATOR), first(k.TRANSPORT)
    ins_assoc, taxi_assoc = first(k.INSURANCE_ASSOCIATION), first(k.TAXI_ASSOCIATION)
    insurer, company = first(k.INSURER), first(k.TAXI_COMPANY)
    if None in (regulator, transport, ins_assoc, taxi_assoc, insurer, company):
        return

    def acting(org):
        return SystemActor("inspections.seed_demo", organization=org)

    today = timezone.localdate()
    inspection = services.inspection_plan(
        actor=acting(regulator), scope="【演示】网约车承保环节使用性质核验、营运车辆投保台账和驾驶员台账的建立与更新情况。",
        planned_start=today - dt.timedelta(days=12), planned_end=today - dt.timedelta(days=5),
        participants=[transport, ins_assoc, taxi_assoc], inspected_parties=[insurer, company])
    on = today - dt.timedelta(days=10)
    finding_insurer = services.finding_record(
        actor=acting(ins_assoc), inspection=inspection, party=insurer, inspected_on=on,
        conclusion=Conclusion.PROBLEMS_FOUND,
        problems="抽查 20 笔网约车交强险承保记录，其中 3 笔未核验网络预约出租汽车运输证，按家庭自用承保。")
    finding_company = services.finding_record(
        actor=acting(taxi_assoc), inspection=inspection, party=company, inspected_on=on + dt.timedelta(days=1),
        conclusion=Conclusion.PROBLEMS_FOUND, problems="驾驶员台账缺少 5 名驾驶员的从业资格证信息。")
    services.notice_issue(actor=acting(ins_assoc), finding=finding_insurer,
                          requirement="对上述 3 笔保单按营运性质批改并重新核定保费，完善承保前使用性质核验流程。")
    notice = services.notice_issue(actor=acting(taxi_assoc), finding=finding_company,
                                   requirement="补全驾驶员台账，建立台账每月更新制度。")
    services.notice_report(actor=acting(company), notice=notice, report="已补全 5 名驾驶员的从业资格证信息，并指定专人每月更新台账。")
    services.training_record(
        actor=acting(taxi_assoc), held_on=today - dt.timedelta(days=3), topic="【演示】营运车辆投保规范与非法营运法律责任",
        trainer="出租汽车行业协会培训部", companies=list(Organization.objects.filter(kind=k.TAXI_COMPANY, is_active=True)),
        drivers_count=86, location="柳州市出租汽车行业协会培训室")
    stdout.write("联合检查与行业培训演示数据已就绪。")
