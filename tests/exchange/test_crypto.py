"""The exchange's byte-level definitions: canonical JSON, sealing, signatures (no database)."""

import datetime as dt
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from apps.exchange import crypto


def test_canonical_json_sorts_keys_without_whitespace_in_utf8():
    assert crypto.canonical_json({"b": 1, "a": [True, None, "柳州"]}) == '{"a":[true,null,"柳州"],"b":1}'.encode()


def test_canonical_json_renders_decimal_date_datetime_uuid_deterministically():
    shanghai = ZoneInfo("Asia/Shanghai")
    value = {
        "premium": Decimal("1234.50"),
        "tiny": Decimal("1E-7"),
        "day": dt.date(2026, 3, 1),
        "at": dt.datetime(2026, 3, 1, 8, 0, tzinfo=shanghai),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    }
    assert crypto.canonical_json(value) == (
        b'{"at":"2026-03-01T00:00:00.000000Z","day":"2026-03-01",'
        b'"id":"12345678-1234-5678-1234-567812345678","premium":"1234.50","tiny":"0.0000001"}'
    )
    # the same instant in another zone renders the same bytes
    same = dict(value, at=dt.datetime(2026, 3, 1, 0, 0, tzinfo=dt.UTC))
    assert crypto.canonical_json(same) == crypto.canonical_json(value)


@pytest.mark.parametrize("bad", [dt.datetime(2026, 1, 1), float("nan"), {1: "x", "a": 2}, {"s": {1, 2}}, b"bytes", Decimal("NaN")])
def test_canonical_json_refuses_ambiguous_values(bad):
    with pytest.raises(ValueError):
        crypto.canonical_json(bad)


@pytest.mark.parametrize("suite", [crypto.SUITE_HPKE, crypto.SUITE_MANUAL])
def test_seal_and_open_bind_the_header(suite):
    key = crypto.generate_key(crypto.X25519)
    header = crypto.canonical_json({"batch_id": "1", "kind": "test"})
    sealed = crypto.seal(b"rows", key.public_raw, header, suite)
    assert crypto.open_sealed(sealed, key.private_raw, header, suite) == b"rows"
    with pytest.raises(crypto.CryptoError) as exc:
        crypto.open_sealed(sealed, key.private_raw, crypto.canonical_json({"batch_id": "2", "kind": "test"}), suite)
    assert exc.value.code == "decrypt_failed"
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(crypto.CryptoError):
        crypto.open_sealed(tampered, key.private_raw, header, suite)


def test_hpke_is_used_when_cryptography_has_it():
    assert crypto.default_suite() == crypto.SUITE_HPKE


def test_key_ids_derive_from_the_public_key_and_signatures_verify():
    key = crypto.generate_key(crypto.ED25519)
    assert key.key_id == crypto.key_id("ed25519", key.public_raw)
    assert key.key_id.startswith("ed25519:") and len(key.key_id) == len("ed25519:") + 32
    signature = crypto.sign(key.private_raw, b"message")
    crypto.verify(key.public_raw, signature, b"message")
    with pytest.raises(crypto.CryptoError):
        crypto.verify(key.public_raw, signature, b"messagE")


def test_private_keys_are_wrapped_under_the_platform_key_and_bound_to_their_id():
    wrap = crypto.wrapping_key("platform secret")
    sealed = crypto.wrap_private(b"k" * 32, kid="ed25519:abc", wrap_key=wrap)
    assert b"k" * 32 not in sealed
    assert crypto.unwrap_private(sealed, kid="ed25519:abc", wrap_key=wrap) == b"k" * 32
    with pytest.raises(crypto.CryptoError):
        crypto.unwrap_private(sealed, kid="ed25519:other", wrap_key=wrap)
    with pytest.raises(crypto.CryptoError):
        crypto.unwrap_private(sealed, kid="ed25519:abc", wrap_key=crypto.wrapping_key("another platform key"))
