"""Personal data at rest: encryption round trip through a model field, blind index, masking, key rotation,
and production refusing to start without real keys."""

import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import FieldError
from django.core.management import CommandError, call_command
from django.db import connection, models
from django.template import Context, Template
from django.test import override_settings

from apps.core import crypto
from apps.core.crypto import (
    BlindIndexField,
    EncryptedTextField,
    blind_index,
    mask_id_no,
    mask_name,
    mask_phone,
)

ROOT = Path(__file__).resolve().parents[2]
KEY_A = "personal-data-key-A-0123456789abcdefghijklmnop"
KEY_B = "personal-data-key-B-0123456789abcdefghijklmnop"
ID_NO = "450202198503121239"


class SecretNote(models.Model):
    """A kernel-test model with personal data; its table is created inside each test's transaction."""

    holder_name = EncryptedTextField(blank=True)
    id_no = EncryptedTextField(blank=True)
    id_no_bidx = BlindIndexField("id_no")

    class Meta:
        app_label = "core"
        db_table = "test_core_secretnote"

    def __str__(self) -> str:
        return f"note {self.pk}"


@pytest.fixture
def notes(db):
    with connection.schema_editor() as editor:
        editor.create_model(SecretNote)
    return SecretNote  # dropped when the test's transaction rolls back


def raw_column(pk, column="id_no") -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM test_core_secretnote WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_round_trip_through_a_real_field_and_the_column_holds_ciphertext(notes):
    note = notes.objects.create(holder_name="张三丰", id_no=ID_NO)
    again = notes.objects.get(pk=note.pk)
    assert again.id_no == ID_NO and again.holder_name == "张三丰"
    stored = raw_column(note.pk)
    assert stored != ID_NO and ID_NO not in stored and "1239" not in stored
    assert stored.startswith("gAAAA")  # a Fernet token
    assert "张三丰" not in raw_column(note.pk, "holder_name")
    # same plaintext, different ciphertext (random IV): the column reveals nothing about equality
    other = notes.objects.create(id_no=ID_NO)
    assert raw_column(other.pk) != stored


def test_empty_values_stay_empty(notes):
    note = notes.objects.create(holder_name="", id_no="")
    assert raw_column(note.pk) == "" and note.id_no_bidx == ""
    assert notes.objects.get(pk=note.pk).id_no == ""


def test_blind_index_finds_the_exact_value_without_decrypting(notes):
    wanted = notes.objects.create(id_no="11010519491231002X")
    notes.objects.create(id_no=ID_NO)
    assert wanted.id_no_bidx == blind_index("11010519491231002X") and len(wanted.id_no_bidx) == 64
    assert list(notes.objects.filter(id_no_bidx=blind_index("11010519491231002x"))) == [wanted]  # case-insensitive
    assert not notes.objects.filter(id_no_bidx=blind_index("110105194912310021")).exists()
    assert "11010519491231002X" not in raw_column(wanted.pk, "id_no_bidx")


def test_blind_index_is_keyed():
    plain = blind_index(ID_NO)
    with override_settings(BLIND_INDEX_KEY="another-blind-index-key-0123456789abcdef"):
        assert blind_index(ID_NO) != plain
    import hashlib

    assert plain != hashlib.sha256(ID_NO.encode()).hexdigest()


def test_equality_lookup_on_ciphertext_is_refused(notes):
    with pytest.raises(FieldError):
        list(notes.objects.filter(id_no=ID_NO))
    assert notes.objects.filter(id_no__isnull=True).count() == 0


def test_masking():
    assert mask_id_no(ID_NO) == "4502**********1239"
    assert mask_phone("13800138000") == "138****8000"
    assert mask_name("张三") == "张*"
    assert mask_name("张三丰") == "张*丰"
    assert mask_name("欧阳娜娜") == "欧**娜"
    assert mask_id_no(None) == mask_phone("") == mask_name(None) == ""
    rendered = Template("{% load lz %}{{ v|masked:'id' }} {{ p|masked:'phone' }} {{ n|masked:'name' }}").render(
        Context({"v": ID_NO, "p": "13800138000", "n": "李四"})
    )
    assert rendered == "4502**********1239 138****8000 李*"


def test_key_rotation_with_the_management_command(notes):
    with override_settings(PERSONAL_DATA_KEYS=[KEY_A]):
        notes_a = [notes.objects.create(holder_name=f"用户{i}", id_no=f"{ID_NO[:-1]}{i}") for i in range(5)]
        old_tokens = {n.pk: raw_column(n.pk) for n in notes_a}
    # new key first: old data still readable (the environment's own keys stay too, for any other rows)
    with override_settings(PERSONAL_DATA_KEYS=[KEY_B, KEY_A, *settings.PERSONAL_DATA_KEYS]):
        assert notes.objects.get(pk=notes_a[0].pk).id_no == notes_a[0].id_no
        assert not crypto.is_current(old_tokens[notes_a[0].pk])
        out = StringIO()
        call_command("rotate_personal_data_keys", "--batch-size", "2", stdout=out)
        assert "core.SecretNote: 5 rows, 10 values re-encrypted, 0 already under the newest key" in out.getvalue()
        again = StringIO()
        call_command("rotate_personal_data_keys", stdout=again)  # idempotent
        assert "core.SecretNote: 5 rows, 0 values re-encrypted, 10 already under the newest key" in again.getvalue()
    for note in notes_a:
        assert raw_column(note.pk) != old_tokens[note.pk]
    with override_settings(PERSONAL_DATA_KEYS=[KEY_B]):  # old key removed: everything still decrypts
        assert {n.pk: (n.holder_name, n.id_no) for n in notes.objects.all()} == {
            n.pk: (n.holder_name, n.id_no) for n in notes_a
        }
        # the blind index did not change (it depends on the plaintext only)
        assert notes.objects.filter(id_no_bidx=blind_index(notes_a[3].id_no)).get().pk == notes_a[3].pk
    with override_settings(PERSONAL_DATA_KEYS=[KEY_A]), pytest.raises(RuntimeError):
        notes.objects.get(pk=notes_a[0].pk)  # really re-encrypted: the old key alone no longer reads it


def test_rotation_refuses_values_no_configured_key_decrypts(notes):
    with override_settings(PERSONAL_DATA_KEYS=[KEY_A]):
        note = notes.objects.create(id_no=ID_NO)
    with override_settings(PERSONAL_DATA_KEYS=[KEY_B]), pytest.raises(CommandError, match="no configured key"):
        call_command("rotate_personal_data_keys", stdout=StringIO())
    with override_settings(PERSONAL_DATA_KEYS=[KEY_A]):
        assert notes.objects.get(pk=note.pk).id_no == ID_NO  # nothing was damaged


# --- production refuses to start without real keys ---------------------------------------------------------

GOOD = {
    "SECRET_KEY": "s" * 20 + "-production-secret-key-0123456789abcdef",
    "DATABASE_URL": "postgres://lz:pw@db:5432/lz",
    "REDIS_URL": "redis://redis:6379/0",
    "PERSONAL_DATA_KEYS": KEY_B + "," + KEY_A,
    "BLIND_INDEX_KEY": "blind-index-key-0123456789abcdefghijklmnop",
    "PLATFORM_KEY": "platform-key-0123456789abcdefghijklmnopqrstu",
    "ALLOWED_HOSTS": "lz.example.org",
}


def _run(args, **overrides):
    env = {k: v for k, v in os.environ.items() if k not in GOOD and not k.startswith(("LZ_", "DJANGO_"))}
    env.update(DJANGO_ENV="production", DJANGO_SETTINGS_MODULE="liuzhou_regulation.settings", LZ_VAR_DIR="/nonexistent")
    env.update({k: v for k, v in overrides.items() if v is not None})
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


SETUP = ["-c", "import django; django.setup(); print('started')"]


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "REDIS_URL", "PERSONAL_DATA_KEYS", "BLIND_INDEX_KEY",
                                     "PLATFORM_KEY"])
def test_production_refuses_to_start_without_each_secret(missing):
    result = _run(SETUP, **{**GOOD, missing: None})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{missing} must be set when DJANGO_ENV=production" in result.stderr
    assert "started" not in result.stdout


def test_production_refuses_no_keys_at_all():
    result = _run(SETUP)
    assert result.returncode != 0 and "ImproperlyConfigured" in result.stderr


@pytest.mark.parametrize("value", ["short", "change-me-personal-data-key-0123456789abcdef", KEY_A + ",tiny"])
def test_production_refuses_placeholder_or_short_personal_data_keys(value):
    result = _run(SETUP, **{**GOOD, "PERSONAL_DATA_KEYS": value})
    assert result.returncode != 0
    assert "PERSONAL_DATA_KEYS must hold real secrets" in result.stderr


def test_production_starts_with_all_secrets_and_check_deploy_is_clean():
    started = _run(SETUP, **GOOD)
    assert started.returncode == 0, started.stderr
    assert "started" in started.stdout
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "ERROR"], **GOOD)
    assert result.returncode == 0, result.stdout + result.stderr
    output = result.stdout + result.stderr
    issues = re.findall(r"^(\S*): \((\S+?)\) (.*)$", output, flags=re.MULTILINE)
    # Deployment checks (security.*, …) are clean. OpenAPI schema warnings of the apps are reported by
    # drf-spectacular here too; none may come from the foundation (apps/core, apps/parties).
    assert [i for i in issues if not i[1].startswith("drf_spectacular.")] == []
    foundation = [i for i in issues if re.search(r"/apps/(core|parties)/(?!import)", i[2])]
    assert foundation == [], foundation


def test_key_rotation_of_a_real_register_model(db, parties):
    """The drivers register (apps.vehicles) keeps ID numbers, names and phones encrypted (DESIGN.md *)."""
    from apps.vehicles.models import Driver

    with override_settings(PERSONAL_DATA_KEYS=[KEY_A]):
        driver = Driver.objects.create(name="韦小宝", id_no=ID_NO, phone="13800138000", company=parties.company_a)
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, id_no, phone FROM vehicles_driver WHERE id = %s", [driver.pk])
        stored = cursor.fetchone()
    assert "韦小宝" not in stored[0] and ID_NO not in stored[1] and "13800138000" not in stored[2]
    with override_settings(PERSONAL_DATA_KEYS=[KEY_B, KEY_A, *settings.PERSONAL_DATA_KEYS]):
        out = StringIO()
        call_command("rotate_personal_data_keys", stdout=out)
        assert "vehicles.Driver: 1 rows, 3 values re-encrypted" in out.getvalue()
    with override_settings(PERSONAL_DATA_KEYS=[KEY_B]):
        again = Driver.objects.get(id_no_bidx=blind_index(ID_NO))
        assert (again.pk, again.name, again.id_no, again.phone) == (driver.pk, "韦小宝", ID_NO, "13800138000")
        assert again.id_no_masked == "4502**********1239" and again.name_masked == "韦*宝"
