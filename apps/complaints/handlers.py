"""Consequences of the complaint feedback clock (rule M16), registered with the kernel's Deadline scan."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from apps.core.deadlines import on_breach, on_warning
from apps.core.models import Deadline
from apps.core.notifications import Text, notify_organization

from .models import Complaint, HandlingPeriod
from .services import FEEDBACK_RULE, HANDLING_RULE


def _notify(deadline: Deadline, title: str, key: str) -> None:
    if deadline.rule == HANDLING_RULE:  # a 12378 handling period's clock (rule T4)
        period = HandlingPeriod.objects.filter(pk=deadline.object_id).first()
        pk = period.complaint_id if period else None
        dedup = f"complaint.{key}:{pk}:{period.number}" if period else ""
    else:
        pk = deadline.object_id
        dedup = f"complaint.{key}:{pk}"
    complaint = Complaint.objects.filter(pk=pk).select_related("routed_to").first()
    if complaint is None or complaint.routed_to is None:
        return
    notify_organization(organization=complaint.routed_to, title=Text(title, no=complaint.tracking_no),
                        link=f"/complaints/staff/{complaint.pk}/", kind=f"complaint.{key}",
                        dedup_key=dedup)


@on_warning(HANDLING_RULE)
def _handling_due_soon(deadline: Deadline) -> None:
    _notify(deadline, gettext_noop("投诉 %(no)s 临近处理期限，请尽快办理并告知投诉人"), "handling_warning")


@on_breach(HANDLING_RULE)
def _handling_overdue(deadline: Deadline) -> None:
    _notify(deadline, gettext_noop("投诉 %(no)s 已超过处理期限（规则 T4）"), "handling_breach")


@on_warning(FEEDBACK_RULE)
def _feedback_due_soon(deadline: Deadline) -> None:
    _notify(deadline, gettext_noop("举报 %(no)s 临近反馈期限，请尽快核查反馈"), "feedback_warning")


@on_breach(FEEDBACK_RULE)
def _feedback_overdue(deadline: Deadline) -> None:
    _notify(deadline, gettext_noop("举报 %(no)s 已超过反馈期限（规则 M16）"), "feedback_breach")
