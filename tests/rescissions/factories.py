"""Helpers for rescission tests: policies of the test insurers and cases opened through the real service."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from apps.core.deadlines import SHANGHAI, local_date
from apps.parties.rights import SystemActor
from apps.rescissions import services
from apps.rescissions.models import RescissionCase, Trigger
from tests.policies.factories import PolicyFactory


def shanghai(y, m, d, hh=0, mm=0, ss=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=SHANGHAI)


def days_ago(days: int, hh: int = 0, mm: int = 1) -> dt.datetime:
    """``hh:mm`` Shanghai time on the local day ``days`` before today (day ``days`` of a clock started then)."""
    day = local_date(timezone.now()) - dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=SHANGHAI)


def receipt(policy, job: str = "exchange.ingest.penalties") -> SystemActor:
    """The exchange's delivery of information about ``policy`` to its insurer (who opens cases on receipt)."""
    return SystemActor(job, organization=policy.insurer)


def policy_for(insurer, **kwargs):
    return PolicyFactory(insurer=insurer, **kwargs)


def open_case(insurer, *, known_at: dt.datetime, trigger: str = Trigger.PENALTY, trigger_ref: str = "",
              policy=None, **policy_kwargs) -> RescissionCase:
    policy = policy or policy_for(insurer, **policy_kwargs)
    case, created = services.rescission_open(policy=policy, trigger=trigger,
                                             trigger_ref=trigger_ref or f"CF-{policy.pk}", known_at=known_at,
                                             actor=receipt(policy))
    assert created
    return case


def refresh(case: RescissionCase) -> RescissionCase:
    return RescissionCase.objects.select_related("policy", "vehicle", "insurer").get(pk=case.pk)


def notice_through(case, user, *, sent_at, received_at=None):
    """Send 附件三 and (optionally) record its receipt, as the insurer's user."""
    case = services.rescission_notice_send(case=case, actor=user, contact_name="李明", contact_phone="0772-2881234",
                                           sent_at=sent_at)
    if received_at is not None:
        case = services.rescission_notice_receive(case=refresh(case), actor=user, received_at=received_at)
    return refresh(case)
