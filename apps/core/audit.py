"""Writing audit events. Services call ``audit_record`` inside their transaction, so the event and the change
commit or roll back together."""

from __future__ import annotations

from typing import Any

from django.db import models

from .models import AuditEvent


def audit_record(
    *, actor=None, action: str, obj: models.Model | None = None, organization=None, detail: dict[str, Any] | None = None
) -> AuditEvent:
    if organization is None and actor is not None and getattr(actor, "organization_id", None):
        organization = actor.organization
    return AuditEvent.objects.create(
        actor=actor if (actor is not None and actor.is_authenticated) else None,
        organization=organization,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        detail=detail or {},
    )


def reveal(*, actor, obj: models.Model, field: str, reason: str = "") -> str:
    """Return the plaintext of a personal field and record who saw it. Callers check the right to reveal first."""
    value = getattr(obj, field)
    audit_record(actor=actor, action="personal_data.reveal", obj=obj, detail={"field": field, "reason": reason})
    return value or ""
