"""Follow-up clocks of supervisory actions (rule M15, M17): the issuing organisation is reminded."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from apps.core.deadlines import on_breach, on_warning
from apps.core.models import Deadline
from apps.core.notifications import Text, choice, notify_organization

from .models import SupervisoryAction
from .services import FOLLOWUP_RULE, URGING_RULE


def _notify(deadline: Deadline, title: str, key: str) -> None:
    action = SupervisoryAction.objects.filter(pk=deadline.object_id).select_related("target", "issued_by").first()
    if action is None or action.status != SupervisoryAction.Status.OPEN:
        return
    notify_organization(organization=action.issued_by,
                        title=Text(title, kind=choice(action, "kind"), target=action.target.name),
                        link=f"/credit/actions/{action.pk}/", kind=f"supervisory_action.{key}",
                        dedup_key=f"supervisory_action.{key}:{action.pk}")


@on_warning(FOLLOWUP_RULE)
def _followup_due_soon(deadline: Deadline) -> None:
    _notify(deadline, gettext_noop("%(target)s的%(kind)s临近跟踪期限，请核查整改情况"), "followup_warning")


@on_breach(FOLLOWUP_RULE)
def _followup_overdue(deadline: Deadline) -> None:
    _notify(deadline, gettext_noop("%(target)s的%(kind)s已超过跟踪期限，请跟进并结案"), "followup_breach")


# --- 督促 items (rules M12, M17): the insurance association is reminded ----------------------------------------


def _notify_urging(deadline: Deadline, title: str, key: str) -> None:
    from .models import UrgingItem

    item = UrgingItem.objects.filter(pk=deadline.object_id).select_related("insurer").first()
    if item is None or item.status == UrgingItem.Status.CLOSED:
        return
    notify_organization(organization=deadline.responsible,
                        title=Text(title, no=item.number, insurer=item.insurer.name),
                        link=f"/credit/urging/{item.pk}/", kind=f"credit.urging_{key}",
                        dedup_key=f"credit.urging_{key}:{item.pk}")


@on_warning(URGING_RULE)
def _urging_due_soon(deadline: Deadline) -> None:
    _notify_urging(deadline, gettext_noop("督促事项 %(no)s（%(insurer)s）临近办理期限"), "warning")


@on_breach(URGING_RULE)
def _urging_overdue(deadline: Deadline) -> None:
    _notify_urging(deadline, gettext_noop("督促事项 %(no)s（%(insurer)s）已超过办理期限"), "breach")
