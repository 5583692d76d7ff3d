"""Helpers for rescission tests: policies of the test insurers and cases opened through the real service."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from apps.core.deadlines import SHANGHAI, local_date
from apps.parties.rights import SystemActor
from apps.rescissions import services
from apps.rescissions.models import Fault, Path, RescissionCase, Trigger
from apps.vehicles.usage import UsageNature
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
    """A policy insured as non-operating (a case is refused on one insured as operating), started 2026-05-01."""
    kwargs.setdefault("usage_nature_insured", UsageNature.FAMILY)
    return PolicyFactory(insurer=insurer, **kwargs)


def non_disclosure(case, user, *, fault: str = Fault.GROSS_NEGLIGENCE):
    """The insurer's finding that the vehicle operated when insured and it was not disclosed (the J5 path)."""
    policy = case.policy
    return refresh(services.rescission_path_record(
        case=case, actor=user, path=Path.NON_DISCLOSURE, operating_since=local_date(policy.starts_at),
        fault=fault, basis="运输部门处罚决定书载明投保前已在平台接单", reason="投保时已从事网约车营运，未告知使用性质"))


def risk_increase(case, user, *, since_days: int = 10):
    """The insurer's finding that the vehicle began operating after the policy started (J9 / art. 52)."""
    policy = case.policy
    return refresh(services.rescission_path_record(
        case=case, actor=user, path=Path.RISK_INCREASE,
        operating_since=local_date(policy.starts_at) + dt.timedelta(days=since_days),
        reason="承保后改为网约车营运，未通知保险公司"))


def open_case(insurer, *, known_at: dt.datetime, trigger: str = Trigger.PENALTY, trigger_ref: str = "",
              policy=None, **policy_kwargs) -> RescissionCase:
    if policy is None and "starts_at" not in policy_kwargs:
        # a case needs a policy that had started when the insurer learned the cause (Insurance Law art. 16 para. 6)
        start = min(shanghai(2026, 5, 1), known_at - dt.timedelta(days=30))
        policy_kwargs.update(starts_at=start, ends_at=start + dt.timedelta(days=365))
    policy = policy or policy_for(insurer, **policy_kwargs)
    case, created = services.rescission_open(policy=policy, trigger=trigger,
                                             trigger_ref=trigger_ref or f"CF-{policy.pk}", known_at=known_at,
                                             actor=receipt(policy))
    assert created
    return case


def refresh(case: RescissionCase) -> RescissionCase:
    return RescissionCase.objects.select_related("policy", "vehicle", "insurer").get(pk=case.pk)


def notice_through(case, user, *, sent_at, received_at=None):
    """Record the J5 path if none is recorded, send 附件三 and (optionally) record its receipt, as the insurer's
    user."""
    if not case.path:
        case = non_disclosure(case, user)
    case = services.rescission_notice_send(case=case, actor=user, contact_name="李明", contact_phone="0772-2881234",
                                           sent_at=sent_at)
    if received_at is not None:
        case = services.rescission_notice_receive(case=refresh(case), actor=user, received_at=received_at)
    return refresh(case)
