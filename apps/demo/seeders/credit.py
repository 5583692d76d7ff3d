"""Demo data for the credit file and supervisory actions (idempotent; run by ``manage.py seed_demo``)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from apps.credit.models import CreditProposal, CreditRecord, SupervisoryAction
from apps.credit.services import credit_proposal_decide, credit_record_add, supervisory_action_issue
from apps.parties.models import User


@transaction.atomic
def seed_demo_credit(stdout) -> None:
    users = {u.username: u for u in User.objects.filter(username__in=["regulator", "taxi_assoc", "ins_assoc"])
             .select_related("organization")}
    insurer_user = User.objects.filter(username="pingan").select_related("organization").first()
    company_user = User.objects.filter(username="changxing").select_related("organization").first()
    if len(users) < 3 or insurer_user is None or company_user is None:
        return
    today = timezone.localdate()
    if not SupervisoryAction.objects.filter(issued_by=users["regulator"].organization).exists():
        supervisory_action_issue(
            actor=users["regulator"], target=insurer_user.organization, kind="rectification_order",
            ground="unlawful_refusal", reference_no="柳金监发〔2026〕12号",
            facts="经核查，该公司对取得网约车运输证的营运车辆以“风险较高”为由拒绝承保交强险，违反交强险承保规定。",
            requirement="30 日内完成整改，对被拒保车辆重新核保承保，并报送整改报告。",
            starts_on=today - dt.timedelta(days=10),
        )
    # the regulator's order is proposed to the insurance association, which keeps insurers' files (rule M2)
    for proposal in CreditProposal.objects.filter(status=CreditProposal.Status.PENDING,
                                                  record_source="supervisory_action",
                                                  organization=insurer_user.organization):
        credit_proposal_decide(actor=users["ins_assoc"], proposal=proposal, accept=True,
                               reason="责令整改决定已送达，事实清楚，记入该公司信用档案。")
    if not SupervisoryAction.objects.filter(issued_by=users["taxi_assoc"].organization).exists():
        supervisory_action_issue(
            actor=users["taxi_assoc"], target=company_user.organization, kind="self_discipline",
            ground="ledger_failure", facts="抽查发现该公司驾驶员台账缺失 12 名驾驶员的从业资格信息，予以行业内通报批评。",
            starts_on=today - dt.timedelta(days=5),
        )
    if not CreditRecord.objects.filter(source="association").exists():
        credit_record_add(
            actor=users["ins_assoc"], subject=insurer_user.organization, event="claims_violation",
            severity="minor", occurred_on=today - dt.timedelta(days=40),
            detail="理赔数据分析显示小额案件结案平均用时超过 3 个工作日（规则 M13）。",
        )
    stdout.write("信用档案与监管措施演示数据已就绪。")
