"""Regression tests of the attack findings closed in issue 2/9 (deploy side): the offline evidence verifier pins
the platform root key (rule M3), the app's database role cannot disable the append-only triggers, the ``make run``
supervisor restarts a dead worker, and notice PDFs are encrypted at rest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction

from apps.exchange import crypto, evidence, keys, services
from apps.parties.rights import SystemActor
from tests.exchange import kinds  # noqa: F401 - registers the test batch kinds

ROOT = Path(settings.BASE_DIR)


# --- finding 1: archive keys cannot vouch for themselves (rule M3) ------------------------------------------------


@pytest.fixture
def genuine_archive(parties, tmp_path):
    with transaction.atomic():
        batch = services.batch_send(kind="test_echo", sender=parties.transport, recipient=parties.insurer_a,
                                    rows=[{"n": 7}], refs=["PEN-2026-9"],
                                    actor=SystemActor("tests.send", organization=parties.transport))
    services.batch_deliver(batch_id=batch.pk)
    path = tmp_path / "genuine.json"
    call_command("exchange_archive", "export", str(batch.pk), str(path))
    return path


def _forge_receipt_with_appended_key(path: Path, out: Path) -> None:
    """The attack: a receipt re-signed with the forger's own Ed25519 key, appended to the archive's key list with
    the recipient's USCC and a validity window that covers the forged receipt time."""
    data = json.loads(path.read_text(encoding="utf-8"))
    fake = crypto.generate_key(crypto.ED25519)
    recipient_uscc = data["batch"]["header"]["recipient_uscc"]
    original = next(k for k in data["keys"] if k["key_id"] == data["receipt"]["body"]["recipient_key_id"])
    body = dict(data["receipt"]["body"], received_at="2026-11-30T02:00:00.000000Z", recipient_key_id=fake.key_id)
    data["receipt"] = {
        "body": body, "signature": crypto.b64e(crypto.sign(fake.private_raw, crypto.receipt_signing_message(body))),
    }
    forged_key = {k: v for k, v in original.items() if k != "endorsement"}
    forged_key.update(key_id=fake.key_id, organization_uscc=recipient_uscc, public_key=crypto.b64e(fake.public_raw),
                      valid_from="2019-01-01T00:00:00.000000Z", retired_at=None)
    # a forger can also "endorse" the key with a root of their own; it is not the pinned one
    data["keys"].append(crypto.endorse(forged_key, crypto.generate_key(crypto.ED25519)))
    evidence.dump(data, out)


def _standalone(args: list[str], env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "LZ_EXCHANGE_ROOT_KEY"}}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "apps.exchange.evidence", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_m3_forged_receipt_with_its_own_appended_key_fails_against_the_pinned_root(genuine_archive, tmp_path):
    forged = tmp_path / "forged.json"
    _forge_receipt_with_appended_key(genuine_archive, forged)
    root_file = tmp_path / "root.pub"
    call_command("exchange_root_key", "--out", str(root_file))

    result = _standalone(["verify", str(forged), "--root", str(root_file)])
    assert result.returncode == evidence.EXIT_FAILED, result.stdout
    assert result.stdout.startswith("核验失败 / VERIFICATION FAILED")
    assert "核验通过" not in result.stdout
    assert any("recipient key endorsed by the platform root" in line and "✗" in line
               for line in result.stdout.splitlines()), result.stdout

    # through the management command too (it pins the platform's own root)
    with pytest.raises(Exception, match="存证核验失败"):
        call_command("exchange_archive", "verify", str(forged))


def test_m3_genuine_archive_verifies_with_the_pinned_root_from_a_file_or_the_argument(genuine_archive, tmp_path):
    root_file = tmp_path / "root.pub"
    call_command("exchange_root_key", "--out", str(root_file))
    root_b64 = crypto.b64e(keys.root().public_raw)
    assert root_b64 in root_file.read_text(encoding="utf-8")
    for args, env in (
        (["--root", str(root_file)], None),
        (["--root", root_b64], None),
    ):
        result = _standalone(["verify", str(genuine_archive), *args], env)
        assert result.returncode == evidence.EXIT_VERIFIED, result.stdout + result.stderr
        assert result.stdout.startswith("核验通过 / VERIFIED")
        assert keys.root().key_id in result.stdout
    # the verifier reads no environment: a root in a variable pins nothing (only --root does)
    result = _standalone(["verify", str(genuine_archive)], {"LZ_EXCHANGE_ROOT_KEY": root_b64})
    assert result.returncode == evidence.EXIT_UNVERIFIED_KEYS, result.stdout


def test_m3_without_a_pinned_root_the_verifier_does_not_vouch_for_the_keys(genuine_archive, tmp_path):
    forged = tmp_path / "forged.json"
    _forge_receipt_with_appended_key(genuine_archive, forged)
    result = _standalone(["verify", str(genuine_archive)])
    assert result.returncode == evidence.EXIT_UNVERIFIED_KEYS, result.stdout
    assert result.stdout.startswith("密钥未核实 / KEYS NOT VOUCHED FOR")
    assert "核验通过" not in result.stdout
    # the forged receipt is not the one the archive's transparency-log section recorded: a failed check even
    # without a pinned root (a forger who also rewrites that section gets "not vouched for", never "verified")
    result = _standalone(["verify", str(forged)])
    assert result.returncode == evidence.EXIT_FAILED, result.stdout
    assert "✗ 失败 FAIL  回执已登记于透明日志" in result.stdout and "核验通过" not in result.stdout


def test_m3_a_root_that_is_not_the_platforms_rejects_the_genuine_archive(genuine_archive):
    other_root = crypto.b64e(crypto.generate_key(crypto.ED25519).public_raw)
    result = _standalone(["verify", str(genuine_archive), "--root", other_root])
    assert result.returncode == evidence.EXIT_FAILED
    assert "核验失败 / VERIFICATION FAILED" in result.stdout


# --- finding 3: under `make run`, a dead worker is restarted and the web server stays up -------------------------


@pytest.mark.real_clock
def test_supervisor_restarts_a_dying_worker_while_the_web_server_stays_up():
    import threading
    import time

    from liuzhou_regulation.run import Child, Supervisor, _stop

    lines: list[str] = []
    supervisor = Supervisor(
        [
            Child("web", [sys.executable, "-c", "import time; time.sleep(60)"], restart=False),
            Child("worker", [sys.executable, "-c", "import sys; sys.exit(3)"]),
        ],
        poll_seconds=0.05, restart_delay=0.05, max_restart_delay=0.1, log=lines.append,
    )
    supervisor.start()
    web = supervisor.procs["web"]
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(supervisor.run()), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while supervisor.restarts.get("worker", 0) < 2 and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert supervisor.restarts.get("worker", 0) >= 2, lines
        assert thread.is_alive(), (result, lines)
        assert supervisor.procs["web"] is web and web.poll() is None  # the same web process, still running
        assert any(line.startswith("worker exited with 3; restarting") for line in lines), lines
        assert any(line.startswith("worker restarted") for line in lines), lines
    finally:
        supervisor.stop_event.set()
        thread.join(timeout=5)
        _stop(supervisor.procs)
    assert result == [0]


@pytest.mark.real_clock
def test_supervisor_stops_when_the_web_server_exits():
    from liuzhou_regulation.run import Child, Supervisor, _stop

    supervisor = Supervisor(
        [
            Child("web", [sys.executable, "-c", "import sys; sys.exit(4)"], restart=False),
            Child("worker", [sys.executable, "-c", "import time; time.sleep(60)"]),
        ],
        poll_seconds=0.05, log=lambda _line: None,
    )
    supervisor.start()
    try:
        assert supervisor.run() == 4
    finally:
        _stop(supervisor.procs)
    assert all(proc.poll() is not None for proc in supervisor.procs.values())


# --- finding 2: the application's database role owns nothing --------------------------------------------------


def _append_only_tables(cursor) -> list[str]:
    """Every table of the schema with a trigger of the project's own (the append-only and sealed tables)."""
    cursor.execute(
        "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal AND n.nspname = 'public' "
        "ORDER BY 1"
    )
    return [row[0] for row in cursor.fetchall()]


def _refused(cursor, statement: str) -> str:
    """Run ``statement`` in a savepoint; return the SQLSTATE it failed with ("" when it succeeded)."""
    from django.db import DatabaseError

    try:
        with transaction.atomic():
            cursor.execute(statement)
    except DatabaseError as exc:
        return getattr(exc.__cause__, "sqlstate", "") or "error"
    return ""


def test_the_app_role_cannot_disable_append_only_triggers_but_can_insert_audit_rows(db):
    from django.db import connection

    from apps.core.audit import audit_record
    from apps.core.models import AuditEvent
    from liuzhou_regulation import dbroles

    role = "lz_app_" + "".join(ch if ch.isalnum() else "_" for ch in connection.settings_dict["NAME"]).lower()
    with connection.cursor() as cursor:  # the suite's own connection is the owner's, as migrations are
        dbroles.ensure_app_role(cursor, role=role)
        tables = _append_only_tables(cursor)
        assert "core_auditevent" in tables and len(tables) >= 5, tables
        cursor.execute(f'SET ROLE "{role}"')
        try:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == role
            for table in tables:
                assert _refused(cursor, f"ALTER TABLE {table} DISABLE TRIGGER ALL") == "42501", table
            assert _refused(cursor, "TRUNCATE core_auditevent") == "42501"
            event = audit_record(actor=SystemActor("security.app_role_probe"), action="security.app_role_probe", detail={"role": role})  # INSERT works
            assert AuditEvent.objects.filter(pk=event.pk, action="security.app_role_probe").exists()
            assert _refused(cursor, f"DELETE FROM core_auditevent WHERE id = {int(event.pk)}") == "42501"
        finally:
            cursor.execute("RESET ROLE")
        cursor.execute("SELECT t.tgenabled FROM pg_trigger t WHERE t.tgname = 'core_auditevent_no_update'")
        assert cursor.fetchone()[0] == "O"  # still enabled


# --- finding 4: notice PDFs naming the policyholder are encrypted at rest (rule M3) -----------------------------


def test_m3_notice_pdfs_are_encrypted_at_rest_owner_only_and_decrypted_when_served(parties, settings, tmp_path, client):
    import hashlib
    import io
    import stat

    from django.urls import reverse
    from pypdf import PdfReader

    from apps.rescissions.notices import NoticeKind
    from tests.rescissions.factories import days_ago, notice_through, open_case

    settings.MEDIA_ROOT = str(tmp_path / "media")
    case = notice_through(open_case(parties.insurer_a, known_at=days_ago(4, 9)), parties.insurer_a_user,
                          sent_at=days_ago(3, 10))
    notice = case.notices.get(kind=NoticeKind.DISCLOSURE_REQUEST)
    name = case.policy.policyholder_name
    path = Path(notice.file.path)
    raw = path.read_bytes()

    # what lies on disk is neither the PDF nor readable by anyone but the owner
    assert not raw.startswith(b"%PDF") and hashlib.sha256(raw).hexdigest() != notice.sha256
    assert name.encode("utf-8") not in raw
    with pytest.raises(Exception):  # noqa: B017, PT011 - any parse error: it is not a PDF
        PdfReader(io.BytesIO(raw)).pages[0].extract_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    # a permitted user gets the PDF as issued, its digest checked, with the policyholder's name in it
    client.force_login(parties.insurer_a_user)
    response = client.get(reverse("rescissions:notice-pdf", args=[case.pk, notice.pk]))
    assert response.status_code == 200
    served = b"".join(response.streaming_content)
    assert served.startswith(b"%PDF") and hashlib.sha256(served).hexdigest() == notice.sha256
    assert name in "".join(page.extract_text() for page in PdfReader(io.BytesIO(served)).pages)


def test_m3_reseal_encrypts_legacy_plain_notices_and_follows_a_key_rotation(parties, settings, tmp_path, client):
    import hashlib
    import secrets

    from django.urls import reverse

    from apps.rescissions import notices
    from apps.rescissions.notices import NoticeKind
    from tests.rescissions.factories import days_ago, notice_through, open_case

    settings.MEDIA_ROOT = str(tmp_path / "media")
    case = notice_through(open_case(parties.insurer_a, known_at=days_ago(4, 9)), parties.insurer_a_user,
                          sent_at=days_ago(3, 10))
    notice = case.notices.get(kind=NoticeKind.DISCLOSURE_REQUEST)
    path = Path(notice.file.path)
    pdf = notices.notice_content(notice)
    path.write_bytes(pdf)  # as a notice written before encryption at rest lies on disk
    path.chmod(0o644)

    new_key = secrets.token_urlsafe(32)
    settings.PERSONAL_DATA_KEYS = [new_key, *settings.PERSONAL_DATA_KEYS]  # rotation: the new key first
    call_command("rotate_personal_data_keys")  # the documented rotation: the columns, then the notice files
    call_command("rescission_notices_reseal")
    raw = path.read_bytes()
    assert not raw.startswith(b"%PDF") and (path.stat().st_mode & 0o777) == 0o600

    settings.PERSONAL_DATA_KEYS = [new_key]  # the old keys removed: the notice still opens
    client.force_login(parties.insurer_a_user)
    response = client.get(reverse("rescissions:notice-pdf", args=[case.pk, notice.pk]))
    assert response.status_code == 200
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == notice.sha256
