"""Writes of the dashboard app: telling the parties that a month's joint report is ready (rule M17)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_noop

from apps.core.audit import audit_record
from apps.core.notifications import Text, notify_organization
from apps.parties.models import Organization
from apps.parties.rights import SystemActor

from . import conf
from .periods import add_months, current_month
from .report import READERS


@transaction.atomic
def joint_report_announce(*, today: dt.date | None = None) -> int:
    """Once a month is over, tell every user of the transport bureau, the regulator and the insurance association
    that its joint report can be downloaded. Idempotent (one notification per user and month): the beat task may
    run it as often as it likes. Returns the number of notifications created."""
    month = add_months(today.replace(day=1), -1) if today else add_months(current_month(), -1)
    if month < conf.report_first_month():
        return 0
    label = f"{month:%Y-%m}"
    link = f"{reverse('dashboard:report')}?month={label}"
    created = 0
    for organization in Organization.objects.filter(kind__in=READERS, is_active=True).order_by("pk"):
        created += notify_organization(
            organization=organization, title=Text(gettext_noop("%(m)s 联合监管月报已可下载"), m=label),
            body=Text(gettext_noop("请在联合检查会议前查阅本月报（PDF / Excel）。")), link=link, kind="dashboard.joint_report",
            dedup_key=f"joint-report:{label}",
        )
    if created:
        audit_record(actor=SystemActor("dashboard.report_announce"), action="dashboard.report_announce", detail={"month": label, "notifications": created})
    return created
