"""Demo claims (``manage.py seed_demo``): for each demo insurer with policies, a handful of claims whose clocks are
met, breached, running, paused for special circumstances, and one claim of a large amount with progress notices —
so the insurer's list and the service-level table show every colour. Idempotent: claims are keyed by number."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from apps.claims import services
from apps.claims.models import Claim
from apps.core.deadlines import deadline_scan
from apps.parties.models import Organization, OrganizationKind, User
from apps.policies.models import Policy


def _scenarios(now: dt.datetime) -> list[tuple[str, dict, dict]]:
    h, d = dt.timedelta(hours=1), dt.timedelta(days=1)
    return [
        # (suffix, create kwargs, facts)
        ("01", {"reported_at": now - 0.5 * h, "amount_claimed": Decimal("3200.00")}, {}),
        ("02", {"reported_at": now - 3 * h, "amount_claimed": Decimal("4500.00")},
         {"claim_requested_at": now - 2.9 * h, "survey_dispatched_at": now - 2.4 * h,
          "documents_requested_at": now - 2 * h}),
        ("03", {"reported_at": now - 2 * d, "amount_claimed": Decimal("6800.00")},
         {"claim_requested_at": now - 2 * d + 1 * h, "survey_dispatched_at": now - 2 * d + 2 * h,
          "documents_requested_at": now - 1.5 * d,
          "documents_complete_at": now - 1 * d}),
        ("04", {"reported_at": now - 20 * d, "amount_claimed": Decimal("86000.00")},
         {"claim_requested_at": now - 20 * d + 1 * h, "survey_dispatched_at": now - 20 * d + 0.5 * h,
          "documents_requested_at": now - 19.8 * d,
          "documents_complete_at": now - 18 * d, "decision": "covered", "decided_at": now - 16 * d,
          "amount_agreed": Decimal("82000.00"), "agreed_at": now - 14 * d, "paid_at": now - 2 * d,
          "progress_notices": [{"sent_at": now - 12 * d, "note": "已完成定损，等待伤者医疗费用单据"}]}),
        ("05", {"reported_at": now - 5 * h, "amount_claimed": Decimal("2100.00")},
         {"special_circumstances_reason": "暴雨致道路积水封闭，查勘人员无法到达现场",
          "special_circumstances_at": now - 4.8 * h, "survey_dispatched_at": now - 2 * h}),
        ("06", {"reported_at": now - 12 * d, "amount_claimed": Decimal("9000.00")},
         {"claim_requested_at": now - 12 * d + 0.5 * h, "survey_dispatched_at": now - 12 * d + 0.4 * h,
          "documents_requested_at": now - 11.9 * d,
          "documents_complete_at": now - 10 * d, "decision": "refused", "decided_at": now - 9 * d,
          "refusal_reason": "经查勘定损，所报损失并非本次事故造成，不属于保险责任",
          "refusal_notice_sent_at": now - 4 * d, "closed_at": now - 3 * d}),
    ]


def seed_demo(stdout) -> None:
    now = timezone.now()
    created = 0
    for insurer in Organization.objects.filter(kind=OrganizationKind.INSURER).order_by("pk"):
        staff = User.objects.filter(organization=insurer, is_active=True, is_system=False).first()
        policies = list(Policy.objects.filter(insurer=insurer).order_by("id")[:6])
        if staff is None or not policies:
            continue
        for i, (suffix, kwargs, facts) in enumerate(_scenarios(now)):
            number = f"DEMO-{insurer.uscc[-6:]}-{suffix}"
            if Claim.objects.filter(insurer=insurer, number=number).exists():
                continue
            policy = policies[i % len(policies)]
            reported_at = kwargs["reported_at"]
            claim = services.claim_create(
                actor=staff, insurer=insurer, number=number, policy=policy, reported_at=reported_at,
                occurred_at=reported_at - dt.timedelta(minutes=40), amount_claimed=kwargs["amount_claimed"],
                location="柳州市城中区文昌路" if i % 2 else "柳州火车站东广场", at_station=i % 2 == 0,
                injured_passengers=1 if i in (3, 5) else 0,
            )
            if facts:
                services.claim_advance(claim=claim, actor=staff, facts=facts)
            created += 1
    if created:
        deadline_scan()
    stdout.write(f"claims: {created} demo claims recorded")
