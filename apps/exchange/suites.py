"""Which algorithm suite a batch uses: the deployment's ``EXCHANGE_SUITE`` and each party's exchange profile.

A party's effective suite is its profile's, or the deployment's when the profile says nothing. A batch uses the 国密
suite (SM2 / SM4 / SM3) when the sender's or the recipient's effective suite is 国密, otherwise the international
one (Ed25519 / X25519 / AES-256-GCM / SHA-256). The header names the suite; the recipient's receipt uses the same.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from apps.core.audit import audit_record
from apps.core.errors import ApplicationError
from apps.exchange.errors import ErrorCode
from apps.parties import rights

from . import conf, crypto
from .models import ExchangeProfile


def party_family(organization) -> str:
    profile = ExchangeProfile.objects.filter(organization_id=organization.pk).values_list("suite", flat=True).first()
    family = profile or conf.deployment_suite()
    return family if family in crypto.FAMILIES else crypto.FAMILY_INTL


def batch_family(sender, recipient) -> str:
    if crypto.FAMILY_SM in {party_family(sender), party_family(recipient)}:
        return crypto.FAMILY_SM
    return crypto.FAMILY_INTL


def suite_name(family: str) -> str:
    return crypto.SUITE_SM if family == crypto.FAMILY_SM else crypto.default_suite()


@transaction.atomic
def exchange_profile_set(*, organization, suite: str, actor) -> ExchangeProfile:
    """Choose the party's algorithm suite ("" = the deployment's, "intl" or "sm"); the platform operator does."""
    rights.require(actor, "exchange.change_exchangeprofile", _("只有平台管理员可以设置单位的交换算法套件。"))
    if suite not in ExchangeProfile.Suite.values:
        raise ApplicationError(_("算法套件无效：%(suite)s") % {"suite": suite}, code=ErrorCode.BAD_SUITE)
    profile, _created = ExchangeProfile.objects.select_for_update().get_or_create(organization=organization)
    previous = profile.suite
    profile.suite = suite
    profile.save(update_fields=["suite", "updated_at"])
    audit_record(actor=actor, action="exchange.profile_set", obj=profile, organization=organization,
                 detail={"suite": suite, "previous": previous})
    return profile
