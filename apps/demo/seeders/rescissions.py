"""Demo rescission cases (``manage.py seed_demo``): a few open cases of different ages for each demo insurer that
has active policies insured as non-operating, so the lists show every colour and both paths (the J5 path, and a
risk increased after inception). Idempotent: opening is keyed by trigger reference."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from apps.core.deadlines import local_date
from apps.parties.models import Organization, OrganizationKind, User
from apps.parties.rights import SystemActor
from apps.policies.models import Policy
from apps.rescissions import services
from apps.rescissions.models import Fault, Path, RescissionCase, Status, Trigger
from apps.vehicles.usage import OPERATING_NATURES

AGES = [(3, "DEMO-PEN-01"), (21, "DEMO-PEN-02"), (27, "DEMO-PEN-03"), (12, "DEMO-PEN-04")]


def seed_demo(stdout) -> None:
    now = timezone.now()
    created = 0
    for insurer in Organization.objects.filter(kind=OrganizationKind.INSURER):
        # a case needs a policy insured as non-operating that started before the insurer knew (rules J13, art. 16)
        policies = list(Policy.objects.filter(insurer=insurer, status=Policy.Status.ACTIVE,
                                              starts_at__lt=now - dt.timedelta(days=max(a for a, _r in AGES) + 1))
                        .exclude(usage_nature_insured__in=OPERATING_NATURES).order_by("id")[: len(AGES)])
        staff = User.objects.filter(organization=insurer, is_active=True, is_system=False).first()
        # the demo cases stand for penalties the insurer received through the exchange
        receipt = SystemActor("rescissions.seed_demo", organization=insurer)
        for policy, (age, ref) in zip(policies, AGES, strict=False):
            case, was_created = services.rescission_open(
                policy=policy, trigger=Trigger.PENALTY, trigger_ref=f"{ref}-{policy.pk}",
                known_at=now - dt.timedelta(days=age, hours=2), actor=receipt,
            )
            created += int(was_created)
            if was_created and staff is not None and age == 3 and case.status == Status.OPEN:
                services.rescission_path_record(
                    case=case, actor=staff, path=Path.RISK_INCREASE,
                    operating_since=local_date(policy.starts_at) + dt.timedelta(days=30),
                    reason="承保后改为网约车营运，未通知保险公司（演示）")
            if was_created and staff is not None and age == 12 and case.status == Status.OPEN:
                case = services.rescission_path_record(
                    case=case, actor=staff, path=Path.NON_DISCLOSURE, operating_since=local_date(policy.starts_at),
                    fault=Fault.GROSS_NEGLIGENCE, basis="处罚决定书载明投保前已在平台接单（演示）",
                    reason="投保时已从事网约车营运，未告知使用性质（演示）")
                services.rescission_notice_send(case=case, actor=staff, contact_name=staff.full_name or staff.username,
                                                contact_phone="0772-2800000", sent_at=now - dt.timedelta(days=2))
                case = RescissionCase.objects.get(pk=case.pk)
                services.rescission_notice_receive(case=case, actor=staff, received_at=now - dt.timedelta(days=1))
    stdout.write(f"rescissions: {created} demo cases opened")
