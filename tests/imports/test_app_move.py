"""The importer left the kernel for its own app (issue 18) without touching a table: migrations ``imports.0001`` and
``core.0018`` move Django's state only, and relabel the four content types ``core`` → ``imports`` keeping their ids,
so the permissions (and anything else) attached to them stay attached on an existing database."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from apps.imports.models import ImportChunk, ImportJob, ImportPreviewPart, ImportRowError

MOVE = [("imports", "0001_initial"), ("core", "0018_imports_app")]
MODELS = (ImportJob, ImportRowError, ImportChunk, ImportPreviewPart)

pytestmark = pytest.mark.django_db


def test_the_move_writes_no_sql_in_either_direction():
    executor = MigrationExecutor(connection)
    for backwards in (False, True):
        plan = [(executor.loader.graph.nodes[key], backwards) for key in (reversed(MOVE) if backwards else MOVE)]
        statements = [s.strip() for s in executor.loader.collect_sql(plan) if s.strip()]
        # the only operation that is not a schema change is the content-type relabelling (RunPython)
        assert all(s.startswith("--") for s in statements), statements
        assert any("RunPython" in s or "CANNOT BE WRITTEN AS SQL" in s for s in statements), statements


def test_models_keep_the_kernels_tables():
    tables = set(connection.introspection.table_names())
    for model in MODELS:
        assert model._meta.app_label == "imports"
        assert model._meta.db_table in tables
        assert model._meta.db_table == f"core_{model._meta.model_name}"


def test_content_types_are_relabelled_with_their_ids_and_permissions():
    migration = importlib.import_module("apps.imports.migrations.0001_initial")
    before = {m: ContentType.objects.get_for_model(m) for m in MODELS}
    perms = {m: set(Permission.objects.filter(content_type=ct).values_list("pk", flat=True))
             for m, ct in before.items()}
    assert all(perms.values())
    try:
        migration.backwards(apps, None)  # as the kernel's database had them before the move
        assert {m: ContentType.objects.get(pk=ct.pk).app_label for m, ct in before.items()} == dict.fromkeys(
            MODELS, "core")
        migration.forwards(apps, None)
        after = {m: ContentType.objects.get(pk=ct.pk) for m, ct in before.items()}
        assert {m: (ct.app_label, ct.model) for m, ct in after.items()} == {
            m: ("imports", m._meta.model_name) for m in MODELS}
        assert {m: set(Permission.objects.filter(content_type=ct).values_list("pk", flat=True))
                for m, ct in after.items()} == perms
        assert Permission.objects.filter(content_type__app_label="imports", codename="add_importjob").count() == 1
        # a database where both labels already exist (content types created twice) is left as it is, not broken
        ContentType.objects.create(app_label="core", model="importjob")
        migration.forwards(apps, None)
        migration.backwards(apps, None)
        assert ContentType.objects.get(pk=before[ImportJob].pk).app_label == "imports"
    finally:
        ContentType.objects.clear_cache()
