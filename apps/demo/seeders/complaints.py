"""Demo reports (``manage.py seed_demo``): one 12328 web report, one 12378 telephone report forwarded to an insurer.
Idempotent: nothing is added once any report exists."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from apps.complaints import services
from apps.complaints.models import Complaint
from apps.parties.models import Organization, OrganizationKind, User


@transaction.atomic
def seed_demo_complaints(stdout) -> None:
    if Complaint.objects.exists():
        return
    regulator = User.objects.filter(username="regulator").first()
    insurer = Organization.objects.filter(kind=OrganizationKind.INSURER).order_by("pk").first()
    if regulator is None or insurer is None or not Organization.objects.filter(kind=OrganizationKind.TRANSPORT).exists():
        return
    now = timezone.now()
    services.complaint_submit(
        hotline="12328", category="private_car_carrying", plate="桂B7M321",
        description="【演示】一辆黑色私家车每天傍晚在柳州站出站口招揽乘客，按人收费 25 元。", location="柳州站出站口",
        occurred_at=now - dt.timedelta(days=2, hours=3), reporter_name="黄晓明", reporter_phone="13807725566",
        actor=services.public_reporter(),
    )
    complaint, _code = services.complaint_submit(
        hotline="12378", category="claim_misconduct", insurer=insurer,
        description="【演示】网约车发生事故后，保险公司以车辆“改变使用性质”为由拒赔，但车辆已按营运性质投保。",
        location="柳州市城中区", occurred_at=now - dt.timedelta(days=6), reporter_name="覃丽",
        reporter_phone="13977203344", channel="telephone", actor=regulator,
    )
    services.complaint_forward(actor=regulator, complaint=complaint, insurer=insurer, note="请 5 个工作日内书面答复。")
    stdout.write("投诉举报演示数据已就绪。")
