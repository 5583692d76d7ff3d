"""Key material of the organisations: generation, sealing under ``settings.PLATFORM_KEY``, loading.

The functions take the model class so the data migration can use them with its historical model.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from . import crypto

PURPOSES = {"signing": crypto.ED25519, "encryption": crypto.X25519}
FAMILY_PURPOSES = {
    crypto.FAMILY_INTL: PURPOSES,
    crypto.FAMILY_SM: {"signing": crypto.SM2, "encryption": crypto.SM2},
}


def _wrap_key() -> bytes:
    return crypto.wrapping_key(settings.PLATFORM_KEY)


def root() -> crypto.KeyMaterial:
    """The platform's root signing key, which endorses the organisation keys put into evidence archives."""
    return crypto.root_key(settings.PLATFORM_KEY)


def new_key(model, *, organization_id: int, purpose: str, valid_from=None, algorithm: str | None = None):
    """Create (and save) one key pair row of ``purpose`` (and ``algorithm``: by default the international one)."""
    material = crypto.generate_key(algorithm or PURPOSES[purpose])
    return model.objects.create(
        key_id=material.key_id,
        organization_id=organization_id,
        purpose=purpose,
        algorithm=material.algorithm,
        public_key=crypto.b64e(material.public_raw),
        private_key_sealed=crypto.wrap_private(material.private_raw, kid=material.key_id, wrap_key=_wrap_key()),
        valid_from=valid_from or timezone.now(),
    )


def ensure_keys(model, *, organization_id: int, families=(crypto.FAMILY_INTL,)) -> list:
    """Create the missing current keys of an organisation (of the suite ``families``); returns the keys created
    (idempotent)."""
    created = []
    # a party that registered its own signing key never gets a custodial one again (the platform must not sign
    # in its name); the historical model of migration 0003 has no custody yet
    own_signing = any(f.name == "custody" for f in model._meta.get_fields()) and model.objects.filter(
        organization_id=organization_id, custody="party").exists()
    for family in families:
        for purpose, algorithm in FAMILY_PURPOSES[family].items():
            if purpose == "signing" and own_signing:
                continue
            current = model.objects.filter(organization_id=organization_id, purpose=purpose, algorithm=algorithm,
                                           retired_at__isnull=True)
            if not current.exists():
                created.append(new_key(model, organization_id=organization_id, purpose=purpose, algorithm=algorithm))
    return created


def private_raw(key) -> bytes:
    """The private half of ``key`` (an OrganizationKey), unsealed with the platform key."""
    return crypto.unwrap_private(bytes(key.private_key_sealed), kid=key.key_id, wrap_key=_wrap_key())
