"""Personal data at rest: encryption with key rotation, blind index for exact search, masking for display.

* ``PERSONAL_DATA_KEYS`` (newest first): each configured secret is stretched with HKDF-SHA256 into a Fernet key
  (AES-128-CBC + HMAC-SHA256, authenticated). ``MultiFernet`` encrypts with the newest and decrypts with any, so
  adding a key in front and running ``manage.py rotate_personal_data_keys`` re-encrypts every value.
* ``BLIND_INDEX_KEY``: HMAC-SHA256 of the normalised value, stored beside the ciphertext so "find the driver
  with ID number X" is an indexed exact match without decrypting anything.
* ``mask_*``: what a screen shows unless the user is entitled to reveal (``apps.core.audit.reveal`` audits it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models


@lru_cache(maxsize=16)
def _derive(secret: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret.encode())


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys or not all(keys):
        raise RuntimeError("PERSONAL_DATA_KEYS is empty")
    return MultiFernet([Fernet(base64.urlsafe_b64encode(_derive(k, b"lz personal data"))) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(k.strip() for k in settings.PERSONAL_DATA_KEYS))


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise RuntimeError("personal data could not be decrypted with any configured key") from None


def is_current(token: str) -> bool:
    """Whether ``token`` is encrypted under the newest key (so key rotation can skip it)."""
    keys = tuple(k.strip() for k in settings.PERSONAL_DATA_KEYS)
    try:
        _fernet(keys[:1]).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def encrypted_fields(model: type[models.Model]) -> list[EncryptedTextField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]


def rotate(token: str) -> str:
    """Re-encrypt a token under the newest key (no-op in meaning, new ciphertext)."""
    return fernet().rotate(token.encode()).decode()


def blind_index(value: str | None) -> str:
    if not value:
        return ""
    key = _derive(settings.BLIND_INDEX_KEY, b"lz blind index")
    return hmac.new(key, value.strip().upper().encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """Holds plaintext in Python and a Fernet token in the database. No lookups: search by blind index."""

    description = "Encrypted text"

    def from_db_value(self, value, expression, connection):
        return value if value in (None, "") else decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return value if value in (None, "") else encrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        return None  # equality on ciphertext is meaningless; use the blind index field


class BlindIndexField(models.CharField):
    """HMAC of another field of the same instance, computed on save: ``id_no_bidx = BlindIndexField("id_no")``."""

    def __init__(self, source: str | None = None, *args, **kwargs):
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key, default in (("max_length", 64), ("editable", False), ("db_index", True), ("blank", True)):
            if kwargs.get(key, default) == default:
                kwargs.pop(key, None)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = blind_index(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


OWNER_ONLY = 0o600


def make_owner_only(field_file) -> None:
    """Readable by the server's own user only (a stored file that holds personal data, rule M3); a storage
    without local paths sets its own access rules."""
    import os

    try:
        path = field_file.path
    except NotImplementedError:
        return
    os.chmod(path, OWNER_ONLY)


def mask_id_no(value: str | None) -> str:
    """4502**********1234 — region prefix and last four kept."""
    if not value:
        return ""
    return value[:4] + "*" * max(len(value) - 8, 0) + value[-4:] if len(value) > 8 else "*" * len(value)


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    return value[:3] + "*" * max(len(value) - 7, 0) + value[-4:] if len(value) > 7 else "*" * len(value)


def mask_name(value: str | None) -> str:
    """张* / 张*明 / J*** S**."""
    if not value:
        return ""
    if len(value) == 1:
        return "*"
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


def mask_text(value: str | None, keep: int = 2) -> str:
    if not value:
        return ""
    return value[:keep] + "*" * max(len(value) - keep, 1)
