"""Demo rescission cases (``manage.py seed_demo``): a few open cases of different ages for each demo insurer that
has active policies, so the lists show every colour. Idempotent: opening is keyed by trigger reference."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

AGES = [(3, "DEMO-PEN-01"), (21, "DEMO-PEN-02"), (27, "DEMO-PEN-03"), (12, "DEMO-PEN-04")]


def seed_demo(stdout) -> None:
    from apps.parties.models import Organization, OrganizationKind, User
    from apps.parties.rights import SystemActor
    from apps.policies.models import Policy

    from . import services
    from .models import RescissionCase, Status, Trigger

    now = timezone.now()
    created = 0
    for insurer in Organization.objects.filter(kind=OrganizationKind.INSURER):
        policies = list(Policy.objects.filter(insurer=insurer, status=Policy.Status.ACTIVE).order_by("id")[: len(AGES)])
        staff = User.objects.filter(organization=insurer, is_active=True, is_system=False).first()
        # the demo cases stand for penalties the insurer received through the exchange
        receipt = SystemActor("rescissions.seed_demo", organization=insurer)
        for policy, (age, ref) in zip(policies, AGES, strict=False):
            case, was_created = services.rescission_open(
                policy=policy, trigger=Trigger.PENALTY, trigger_ref=f"{ref}-{policy.pk}",
                known_at=now - dt.timedelta(days=age, hours=2), actor=receipt,
            )
            created += int(was_created)
            if was_created and staff is not None and age == 12 and case.status == Status.OPEN:
                services.rescission_notice_send(case=case, actor=staff, contact_name=staff.full_name or staff.username,
                                                contact_phone="0772-2800000", sent_at=now - dt.timedelta(days=2))
                case = RescissionCase.objects.get(pk=case.pk)
                services.rescission_notice_receive(case=case, actor=staff, received_at=now - dt.timedelta(days=1))
    stdout.write(f"rescissions: {created} demo cases opened")
