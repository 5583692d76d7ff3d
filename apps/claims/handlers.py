"""Reactions to the claim clocks (registered with the kernel's deadline scan in AppConfig.ready)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_noop

from apps.core.deadlines import SHANGHAI, local_date
from apps.core.models import Deadline
from apps.core.notifications import Text, notify_organization
from apps.core.rules import rule_get

from . import clocks
from .models import Claim, ClaimProgressNotice


def _claim_of(deadline: Deadline) -> Claim | None:
    if deadline.content_type_id == clocks.claim_content_type().pk:
        return Claim.objects.filter(pk=int(deadline.object_id)).first()
    notice = ClaimProgressNotice.objects.filter(pk=int(deadline.object_id)).select_related("claim").first()
    return notice.claim if notice else None


def _rule_name(rule: str):
    """The rule's registered label (lazy: a notification translates it when it is read)."""
    entry = rule_get(rule)
    return entry.label if entry else rule


def notify_warning(deadline: Deadline) -> None:
    claim = _claim_of(deadline)
    if claim is None:
        return
    notify_organization(
        organization=deadline.responsible, kind="claims.deadline_warning",
        title=Text(gettext_noop("理赔时限即将到期：%(number)s %(rule)s"), number=claim.number,
                   rule=_rule_name(deadline.rule)),
        body=Text(gettext_noop("到期时间：%(due)s（北京时间）"),
                  due=deadline.due_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")),
        link=reverse("claims-detail", args=[claim.pk]), dedup_key=f"claims.warn.{deadline.pk}",
    )


def notify_breach(deadline: Deadline) -> None:
    claim = _claim_of(deadline)
    if claim is None:
        return
    notify_organization(
        organization=deadline.responsible, kind="claims.deadline_breach",
        title=Text(gettext_noop("理赔时限已超期：%(number)s %(rule)s"), number=claim.number,
                   rule=_rule_name(deadline.rule)),
        body=Text(gettext_noop("应于 %(day)s 前完成，超期已记录，监管部门可见。"), day=local_date(deadline.due_at).isoformat()),
        link=reverse("claims-detail", args=[claim.pk]), dedup_key=f"claims.breach.{deadline.pk}",
    )

