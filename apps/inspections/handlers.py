"""Consequences of the rectification clock of a notice (rule M17), registered with the kernel's Deadline scan:
the notified party is reminded before the period ends; at its end the issuing association, which urges the
correction, is told that the period ran out without the follow-up being closed."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from apps.core.deadlines import on_breach, on_warning
from apps.core.models import Deadline
from apps.core.notifications import Text, notify_organization

from .models import InspectionNotice, NoticeStatus
from .services import RECTIFICATION_RULE


def _notice(deadline: Deadline) -> InspectionNotice | None:
    notice = InspectionNotice.objects.filter(pk=deadline.object_id).select_related("party", "issued_by").first()
    if notice is None or notice.status == NoticeStatus.CLOSED:
        return None
    return notice


@on_warning(RECTIFICATION_RULE)
def _rectification_due_soon(deadline: Deadline) -> None:
    notice = _notice(deadline)
    if notice is None or notice.reported_at is not None:
        return
    notify_organization(organization=notice.party,
                        title=Text(gettext_noop("通报 %(no)s 的整改期限临近，请尽快整改并报送整改情况"), no=notice.number),
                        link=f"/inspections/notices/{notice.pk}/", kind="inspection.rectification_warning",
                        dedup_key=f"inspection.rectification_warning:{notice.pk}")


@on_breach(RECTIFICATION_RULE)
def _rectification_overdue(deadline: Deadline) -> None:
    notice = _notice(deadline)
    if notice is None:
        return
    title = Text(gettext_noop("通报 %(no)s 的整改期限已届满（规则 M17），请督促%(p)s改正"), no=notice.number,
                 p=notice.party.name)
    notify_organization(organization=notice.issued_by, title=title, link=f"/inspections/notices/{notice.pk}/",
                        kind="inspection.rectification_breach",
                        dedup_key=f"inspection.rectification_breach:{notice.pk}")
