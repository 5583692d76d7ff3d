"""Writing audit events. Services call ``audit_record`` inside their transaction, so the event and the change
commit or roll back together."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from .errors import ApplicationError, ErrorCode
from .models import AuditEvent

REVEAL_REASON_MAX = 200


def acting_user(actor):
    """The user an action is recorded under: the actor itself, or none when the platform acted by itself (a
    system actor, which names its job instead)."""
    if actor is None or getattr(actor, "system_job", "") or not actor.is_authenticated:
        return None
    return actor


def audit_record(
    *, actor, action: str, obj: models.Model | None = None, organization=None, detail: dict[str, Any] | None = None
) -> AuditEvent:
    """One audit event. ``actor`` is the user who acted, or the platform acting by itself (a system actor, see
    ``apps.parties.rights.SystemActor``): then the event has no user and names the job in ``system_job``."""
    if actor is None:
        raise TypeError("audit_record is called with the actor: a user, or a SystemActor for the platform acting by itself")
    if organization is None and getattr(actor, "organization_id", None):
        organization = actor.organization
    system_job = getattr(actor, "system_job", "") or ""
    return AuditEvent.objects.create(
        actor=acting_user(actor),
        system_job=system_job,
        organization=organization,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        detail=detail or {},
    )


def reveal(*, actor, obj: models.Model, field: str, reason: str = "") -> str:
    """Return the plaintext of a personal field and record who saw it, and why: a reveal without a reason (blank
    or only spaces) is refused, nothing shown and nothing recorded. Callers check the right to reveal first."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("请填写查看个人信息明文的理由（将记入审计日志）。"), code=ErrorCode.REASON_REQUIRED,
                               extra={"fields": {"reason": [_("查看理由不能为空。")]}})
    if len(reason) > REVEAL_REASON_MAX:
        raise ApplicationError(_("查看理由最多 %(n)s 个字。") % {"n": REVEAL_REASON_MAX}, code=ErrorCode.REASON_TOO_LONG,
                               extra={"fields": {"reason": [_("查看理由过长。")]}})
    value = getattr(obj, field)
    audit_record(actor=actor, action="personal_data.reveal", obj=obj, detail={"field": field, "reason": reason})
    return value or ""
