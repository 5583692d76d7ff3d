"""The 国密 suite (SM2 / SM4 / SM3): the standards' published vectors, and a batch sealed, delivered, opened and
verified offline with it; a tampered 国密 batch or archive fails."""

import json

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.core.errors import PermissionDeniedError
from apps.exchange import crypto, evidence, gm, keys, selectors, services, suites
from apps.exchange.models import Batch, OrganizationKey
from apps.parties.models import OrganizationKind
from tests.factories import user_of

from .conftest import tamper

# GB/T 32918.2-2016 appendix A (also ISO/IEC 14888-3 and draft-shen-sm2-ecdsa): the test curve Fp-256, user A.
TEST_CURVE = gm.Curve(
    p=0x8542D69E4C044F18E8B92435BF6FF7DE457283915C45517D722EDB8B08F1DFC3,
    a=0x787968B4FA32C3FD2417842E73BBFEFF2F3C848B6831D7E0EC65228B3937E498,
    b=0x63E4C6D3B23B0C849CF84241484BFE48F61D59A5B16BA06E6E12D1DA27C5249A,
    gx=0x421DEBD61B62EAB6746434EBC3CC315E32220B3BADD50BDC4C4E6C147FEDD43D,
    gy=0x0680512BCBB42C07D47349D2153B70C4E5D7FDFCBFA36EA1A85841B9E46E09A2,
    n=0x8542D69E4C044F18E8B92435BF6FF7DD297720630485628D5AE74EE7C32E79B7,
)
ID_A = b"ALICE123@YAHOO.COM"
D_A = bytes.fromhex("128B2FA8BD433C6C068C8D803DFF79792A519A55171B1B650C23661D15897263")
P_A = bytes.fromhex(
    "04" "0AE4C7798AA0F119471BEE11825BE46202BB79E2A5844495E97C04FF4DF2548A"
    "7C0240F88F1CD4E16352A73C17B7F16F07353E53A176D684A9FE0C6BB798E857"
)
K = 0x6CB28D99385C175C94F94E934817663FC176D925DD72B727260DBAAE1FB2F96F
Z_A = "F4A38489E32B45B6F876E3AC2168CA392362DC8F23459C1D1146FC3DBFB7BC9A"
E = "B524F552CD82B8B028476E005C377FB19A87E6FC682D48BB5D42E3D9B9EFFE76"
R = "40F1EC59F793D9F49E09DCEF49130D4194F79FB1EED2CAA55BACDB49C4E755D1"
S = "6FC6DAC32C5D5CF10C77DFB20F7C2EB667A457872FB09EC56327A67EC7DEEBE7"
MESSAGE = b"message digest"


def test_sm3_of_abc_is_the_published_value():
    assert gm.sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_sm4_encrypts_the_published_block():
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()  # noqa: S305 - the standard's one-block vector
    assert (encryptor.update(key) + encryptor.finalize()).hex() == "681edf34d206965e86b3e94f536e4246"


def test_sm2_signature_example_of_gbt_32918_with_its_k():
    assert gm.public_from_private(D_A, TEST_CURVE) == P_A
    assert gm.za(P_A, ID_A, TEST_CURVE).hex().upper() == Z_A
    assert gm.digest_e(P_A, MESSAGE, ID_A, TEST_CURVE).hex().upper() == E
    signature = gm.sign(D_A, MESSAGE, public=P_A, ident=ID_A, curve=TEST_CURVE, k=K)
    assert signature.hex().upper() == R + S


def test_sm2_verifies_the_published_signature_and_refuses_a_changed_one():
    published = bytes.fromhex(R + S)
    assert gm.verify(P_A, published, MESSAGE, ident=ID_A, curve=TEST_CURVE)
    assert not gm.verify(P_A, published, b"message digesT", ident=ID_A, curve=TEST_CURVE)
    assert not gm.verify(P_A, published[:-1] + bytes([published[-1] ^ 1]), MESSAGE, ident=ID_A, curve=TEST_CURVE)
    assert not gm.verify(P_A, published, MESSAGE, curve=TEST_CURVE)  # another identifier: another Z_A


def test_sm2_keys_sign_and_encrypt_on_the_recommended_curve():
    private, public = gm.generate()
    signature = gm.sign(private, b"\xe6\x9f\xb3\xe5\xb7\x9e", public=public)
    assert gm.verify(public, signature, b"\xe6\x9f\xb3\xe5\xb7\x9e")
    sealed = gm.encrypt(public, b"content-key-0123")
    assert len(sealed) == 65 + 32 + 16 and sealed[0] == 4
    assert gm.decrypt(private, sealed) == b"content-key-0123"
    changed = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(gm.GMError, match="C3"):
        gm.decrypt(private, changed)
    off_curve = b"\x04" + b"\x01" * 64 + sealed[65:]
    with pytest.raises(gm.GMError, match="curve"):
        gm.decrypt(private, off_curve)


def test_sm_key_id_is_derived_with_sm3():
    material = crypto.generate_key(crypto.SM2)
    assert material.key_id == "sm2:" + gm.sm3_hex(material.public_raw)[:32]


@pytest.fixture
def sm_recipient(parties):
    admin = user_of(OrganizationKind.PLATFORM, username="u_platform_sm")
    suites.exchange_profile_set(organization=parties.insurer_a, suite="sm", actor=admin)
    return parties.insurer_a


def test_only_the_platform_operator_sets_a_party_suite(parties):
    with pytest.raises(PermissionDeniedError):
        suites.exchange_profile_set(organization=parties.insurer_a, suite="sm", actor=parties.insurer_a_user)


def test_a_batch_to_a_sm_party_is_sealed_opened_and_verified_offline_with_sm(parties, send, sm_recipient,
                                                                             tmp_path, capsys):
    rows = [{"n": 7, "plate": "桂B12345"}]
    batch = send(rows, sender=parties.transport, recipient=sm_recipient, refs=["PEN-SM-1"])
    assert batch.header["suite"] == crypto.SUITE_SM
    assert batch.header["signature_algorithm"] == crypto.SIGNATURE_SM2
    assert batch.header["sender_key_id"].startswith("sm2:") and batch.header["recipient_key_id"].startswith("sm2:")
    assert services.batch_deliver(batch_id=batch.pk) == "delivered"
    batch.refresh_from_db()
    assert batch.receipt["recipient_key_id"].startswith("sm2:")
    assert batch.receipt["batch_sm3"] == batch.sealed_sha256 == crypto.sealed_digest(
        batch.header_bytes, bytes(batch.ciphertext), bytes(batch.signature), crypto.SUITE_SM)
    assert "batch_sha256" not in batch.receipt
    assert selectors.batch_rows(batch=batch, organization=sm_recipient) == rows
    assert selectors.batch_verify(batch=batch).ok

    path = tmp_path / "sm.json"
    call_command("exchange_archive", "export", str(batch.pk), str(path))
    capsys.readouterr()
    call_command("exchange_archive", "verify", str(path))
    out = capsys.readouterr().out
    assert out.startswith("核验通过 / VERIFIED")
    assert crypto.SUITE_SM in out and "SM2-with-SM3" in out

    data = json.loads(path.read_text(encoding="utf-8"))
    raw = bytearray(crypto.b64d(data["batch"]["ciphertext"]))
    raw[-1] ^= 1
    data["batch"]["ciphertext"] = crypto.b64e(bytes(raw))
    verdict = evidence.verify_archive(data, roots=[keys.root().public_raw])
    assert not verdict.ok
    failed = {check.label_en for check in verdict.checks if not check.ok}
    assert {"sender's batch signature", "receipt hash matches the batch"} <= failed


def test_a_tampered_sm_batch_is_rejected(parties, send, sm_recipient):
    batch = send(sender=parties.transport, recipient=sm_recipient)
    raw = bytearray(bytes(batch.ciphertext))
    raw[150] ^= 1
    tamper(batch, ciphertext=bytes(raw))
    assert services.batch_deliver(batch_id=batch.pk) == "rejected"
    assert Batch.objects.get(pk=batch.pk).rejection_code == "bad_signature"


def test_a_sm_header_with_the_international_signature_name_is_refused(parties, send, sm_recipient):
    batch = send(sender=parties.transport, recipient=sm_recipient)
    tamper(batch, header=dict(batch.header, signature_algorithm=crypto.SIGNATURE_ALGORITHM))
    assert services.batch_deliver(batch_id=batch.pk) == "rejected"
    assert Batch.objects.get(pk=batch.pk).rejection_code == "unsupported_suite"


def test_the_deployment_setting_selects_the_suite(parties, send, settings):
    batch = send(sender=parties.transport, recipient=parties.insurer_b)
    assert batch.header["suite"] != crypto.SUITE_SM and batch.header["signature_algorithm"] == "Ed25519"
    settings.EXCHANGE_SUITE = "sm"
    batch = send(sender=parties.transport, recipient=parties.insurer_b)
    assert batch.header["suite"] == crypto.SUITE_SM
    assert services.batch_deliver(batch_id=batch.pk) == "delivered"
    # both families' keys live side by side: one current key per purpose and algorithm
    current = OrganizationKey.objects.filter(organization=parties.insurer_b, retired_at__isnull=True)
    assert sorted(current.values_list("purpose", "algorithm")) == [
        ("encryption", "sm2"), ("encryption", "x25519"), ("signing", "ed25519"), ("signing", "sm2")]


def test_rotation_rotates_the_sm_keys_too_and_old_sm_batches_still_verify(parties, send, sm_recipient, capsys):
    batch = send(sender=parties.transport, recipient=sm_recipient)
    services.batch_deliver(batch_id=batch.pk)
    call_command("exchange_issue_keys", "--rotate", "--org", sm_recipient.uscc)
    current = OrganizationKey.objects.filter(organization=sm_recipient, retired_at__isnull=True)
    assert current.filter(algorithm="sm2").count() == 2
    batch.refresh_from_db()
    assert selectors.batch_verify(batch=batch).ok


def test_unknown_deployment_suite_is_a_system_check_error(settings):
    from apps.exchange.apps import _check_suite

    settings.EXCHANGE_SUITE = "sm9"
    assert [error.id for error in _check_suite(None)] == ["exchange.E001"]
    settings.EXCHANGE_SUITE = "sm"
    assert _check_suite(None) == []


def test_cli_exit_status_for_a_tampered_sm_archive(parties, send, sm_recipient, tmp_path, capsys):
    batch = send(sender=parties.transport, recipient=sm_recipient)
    services.batch_deliver(batch_id=batch.pk)
    path = tmp_path / "sm.json"
    call_command("exchange_archive", "export", str(batch.pk), str(path))
    data = json.loads(path.read_text(encoding="utf-8"))
    data["receipt"]["body"]["received_at"] = "2020-01-01T00:00:00.000000Z"
    evidence.dump(data, path)
    with pytest.raises(CommandError):
        call_command("exchange_archive", "verify", str(path))
    assert "核验失败 / VERIFICATION FAILED" in capsys.readouterr().out
