"""The evidence archive: export, offline verification, and refusal of a modified archive (rule M3, M12)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.exchange import crypto, evidence, keys, services
from apps.exchange.models import OrganizationKey
from apps.parties.rights import SystemActor

ROOT = Path(settings.BASE_DIR)


@pytest.fixture
def archive_file(parties, send, tmp_path):
    batch = send([{"n": 41}, {"n": 42}], sender=parties.transport, recipient=parties.insurer_a, refs=["PEN-2026-7"])
    services.batch_deliver(batch_id=batch.pk)
    path = tmp_path / "evidence.json"
    call_command("exchange_archive", "export", str(batch.pk), str(path))
    batch.refresh_from_db()
    return batch, path


def _verify_with_command(path, capsys):
    try:
        call_command("exchange_archive", "verify", str(path))
        code = 0
    except CommandError as exc:
        code = exc.returncode
    return code, capsys.readouterr().out


def test_export_then_verify_offline_prints_the_receipt_time(archive_file, capsys, django_db_blocker):
    batch, path = archive_file
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == crypto.ARCHIVE_FORMAT
    assert {k["key_id"] for k in data["keys"]} == {batch.header["sender_key_id"], batch.receipt["recipient_key_id"]}
    assert all("private" not in field for key in data["keys"] for field in key)
    capsys.readouterr()

    with django_db_blocker.block():  # any database query would now fail: the check uses the file only
        code, out = _verify_with_command(path, capsys)
    assert code == 0, out
    assert out.startswith("核验通过 / VERIFIED")
    local = batch.receipt_at.astimezone(evidence.SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
    assert f"接收方知悉时间 Receipt time: {local}" in out
    assert "CASE-41, CASE-42" in out
    assert batch.receipt["recipient_key_id"] in out


def test_standalone_verifier_needs_neither_django_nor_a_database(archive_file, tmp_path):
    _batch, path = archive_file
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL"}}
    root = crypto.b64e(keys.root().public_raw)
    script = (
        "import sys; from apps.exchange import evidence; "
        "rc = evidence.main(['verify', sys.argv[1], '--root', sys.argv[2]]); "
        "assert 'django' not in sys.modules, 'django was imported'; sys.exit(rc)"
    )
    ok = subprocess.run([sys.executable, "-c", script, str(path), root], cwd=ROOT, env=env, capture_output=True,
                        text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert "核验通过 / VERIFIED" in ok.stdout

    data = json.loads(path.read_text(encoding="utf-8"))
    data["receipt"]["body"]["received_at"] = "2026-01-01T00:00:00.000000Z"
    bad = tmp_path / "bad.json"
    evidence.dump(data, bad)
    failed = subprocess.run([sys.executable, "-m", "apps.exchange.evidence", "verify", str(bad), "--root", root],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert failed.returncode == 1
    assert "核验失败 / VERIFICATION FAILED" in failed.stdout


def _modified(path, tmp_path, change) -> Path:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    out = tmp_path / "modified.json"
    evidence.dump(data, out)
    return out


def _flip_ciphertext(data):
    raw = bytearray(crypto.b64d(data["batch"]["ciphertext"]))
    raw[50] ^= 1
    data["batch"]["ciphertext"] = crypto.b64e(bytes(raw))


def _earlier_receipt(data):
    data["receipt"]["body"]["received_at"] = "2020-01-01T00:00:00.000000Z"


def _other_recipient_key(data):
    other = crypto.generate_key(crypto.ED25519)
    for key in data["keys"]:
        if key["key_id"] == data["receipt"]["body"]["recipient_key_id"]:
            key["public_key"] = crypto.b64e(other.public_raw)


def _forged_receipt(data):
    """A receipt re-signed with a fresh key that pretends to be the recipient's."""
    fake = crypto.generate_key(crypto.ED25519)
    body = dict(data["receipt"]["body"], received_at="2020-01-01T00:00:00.000000Z", recipient_key_id=fake.key_id)
    data["receipt"] = {"body": body, "signature": crypto.b64e(crypto.sign(fake.private_raw, crypto.receipt_signing_message(body)))}
    data["keys"].append({"key_id": fake.key_id, "algorithm": "ed25519", "organization_uscc": "91450200MA00000000",
                         "public_key": crypto.b64e(fake.public_raw), "valid_from": "2019-01-01T00:00:00.000000Z"})


def _header_changed(data):
    data["batch"]["header"]["refs"] = ["PEN-2026-8"]


def _receipt_removed(data):
    data["receipt"] = None


@pytest.mark.parametrize(
    ("change", "failing"),
    [
        (_flip_ciphertext, "sender's batch signature"),
        (_earlier_receipt, "recipient's receipt signature"),
        (_other_recipient_key, "recipient public key"),
        (_forged_receipt, "recipient public key"),
        (_header_changed, "receipt hash matches the batch"),
        (_receipt_removed, "recipient's receipt"),
    ],
)
def test_verify_fails_on_a_modified_archive(archive_file, tmp_path, capsys, change, failing):
    _batch, path = archive_file
    code, out = _verify_with_command(_modified(path, tmp_path, change), capsys)
    assert code == 1
    assert out.startswith("核验失败 / VERIFICATION FAILED")
    assert any(failing in line and "✗" in line for line in out.splitlines()), out


def test_a_receipt_from_another_batch_does_not_verify_this_one(parties, send, archive_file, tmp_path, capsys):
    _batch, path = archive_file
    other = send([{"n": 1}], sender=parties.transport, recipient=parties.insurer_a)
    services.batch_deliver(batch_id=other.pk)
    other_path = tmp_path / "other.json"
    call_command("exchange_archive", "export", str(other.pk), str(other_path))
    other_receipt = json.loads(other_path.read_text(encoding="utf-8"))["receipt"]
    code, out = _verify_with_command(_modified(path, tmp_path, lambda d: d.update(receipt=other_receipt)), capsys)
    assert code == 1
    assert any("receipt hash matches the batch" in line and "✗" in line for line in out.splitlines())


def test_export_refuses_a_batch_without_receipt(parties, send, tmp_path):
    batch = send()
    with pytest.raises(CommandError, match="回执"):
        call_command("exchange_archive", "export", str(batch.pk), str(tmp_path / "x.json"))
    assert not (tmp_path / "x.json").exists()


def test_archive_after_key_rotation_still_verifies(archive_file, parties, tmp_path, capsys):
    batch, _path = archive_file
    operator = SystemActor("exchange_issue_keys")
    services.organization_keys_rotate(organization=parties.transport, actor=operator)
    services.organization_keys_rotate(organization=parties.insurer_a, actor=operator)
    path = tmp_path / "after-rotation.json"
    call_command("exchange_archive", "export", str(batch.pk), str(path))
    data = json.loads(path.read_text(encoding="utf-8"))
    assert all(key["retired_at"] for key in data["keys"])
    assert OrganizationKey.objects.filter(key_id__in=[k["key_id"] for k in data["keys"]], retired_at__isnull=False).count() == 2
    capsys.readouterr()
    code, out = _verify_with_command(path, capsys)
    assert code == 0, out
