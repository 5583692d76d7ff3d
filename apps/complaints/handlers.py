"""Consequences of the complaint feedback clock (rule M16), registered with the kernel's Deadline scan."""

from __future__ import annotations

from django.utils.translation import gettext as _

from apps.core.deadlines import on_breach, on_warning
from apps.core.models import Deadline
from apps.core.notifications import notify_organization

from .models import Complaint
from .services import FEEDBACK_RULE


def _notify(deadline: Deadline, title: str, key: str) -> None:
    complaint = Complaint.objects.filter(pk=deadline.object_id).select_related("routed_to").first()
    if complaint is None or complaint.routed_to is None:
        return
    notify_organization(organization=complaint.routed_to, title=title % {"no": complaint.tracking_no},
                        link=f"/complaints/staff/{complaint.pk}/", kind=f"complaint.{key}",
                        dedup_key=f"complaint.{key}:{complaint.pk}")


@on_warning(FEEDBACK_RULE)
def _feedback_due_soon(deadline: Deadline) -> None:
    _notify(deadline, _("举报 %(no)s 临近反馈期限，请尽快核查反馈"), "feedback_warning")


@on_breach(FEEDBACK_RULE)
def _feedback_overdue(deadline: Deadline) -> None:
    _notify(deadline, _("举报 %(no)s 已超过反馈期限（规则 M16）"), "feedback_breach")
