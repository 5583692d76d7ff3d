"""Writes for organisations, users and API keys (one transaction each, audited)."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.audit import audit_record
from apps.core.registry import Registry, dotted_name
from apps.core.validators import normalize_uscc

from . import rights
from .models import ROLE_FOR_KIND, ApiKey, Organization, User

# Hooks ``fn(organization=, actor=)`` run inside organization_create's transaction (e.g. the exchange app issues
# the key pairs).
ORGANIZATION_CREATED_HOOKS: Registry = Registry("organisation-created hooks", key=dotted_name)


@transaction.atomic
def organization_create(*, kind: str, name: str, uscc: str, short_name: str = "", actor) -> Organization:
    rights.require(actor, "parties.add_organization", _("只有平台管理员可以登记单位。"))
    org = Organization(kind=kind, name=name, uscc=normalize_uscc(uscc), short_name=short_name)
    org.full_clean()
    org.save()
    for hook in ORGANIZATION_CREATED_HOOKS.values():
        hook(organization=org, actor=actor)
    audit_record(actor=actor, action="organization.create", obj=org, organization=org, detail={"kind": kind})
    return org


@transaction.atomic
def user_create(
    *, organization: Organization, username: str, password: str | None, full_name: str = "", email: str = "",
    is_system: bool = False, is_staff: bool = False, is_superuser: bool = False, actor,
) -> User:
    rights.require(actor, "parties.add_user", _("只有平台管理员可以开设账号。"))
    user = User(
        organization=organization, username=username, full_name=full_name, email=email, is_system=is_system,
        is_staff=is_staff, is_superuser=is_superuser,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    user.groups.add(Group.objects.get(name=ROLE_FOR_KIND[organization.kind]))
    audit_record(actor=actor, action="user.create", obj=user, organization=organization, detail={"username": username})
    return user


@transaction.atomic
def api_key_create(*, user: User, name: str, actor) -> tuple[ApiKey, str]:
    """Returns the key and its plaintext ``<prefix>.<secret>``; the plaintext is shown once and never stored."""
    rights.require(actor, "parties.add_apikey", _("只有平台管理员可以签发接口密钥。"))
    prefix, secret = ApiKey.generate()
    key = ApiKey.objects.create(user=user, name=name, prefix=prefix, digest=ApiKey.hash(secret))
    audit_record(actor=actor, action="api_key.create", obj=key, organization=user.organization, detail={"name": name})
    return key, f"{prefix}.{secret}"


@transaction.atomic
def api_key_revoke(*, key: ApiKey, actor) -> ApiKey:
    rights.require(actor, "parties.change_apikey", _("只有平台管理员可以吊销接口密钥。"))
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="api_key.revoke", obj=key, organization=key.user.organization)
    return key
