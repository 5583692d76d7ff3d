"""``apps.core.migrations_ops.AppendOnly``: the one operation new append-only tables use. It installs the same
function and trigger as the migrations that made the existing trail tables append-only (core.0003, leads.0002),
and the database then refuses UPDATE and DELETE of the table's rows (rule M3: the trail is evidence)."""

import pytest
from django.db import DatabaseError, connection, models, transaction
from django.db.migrations.state import ModelState, ProjectState
from django.db.migrations.writer import OperationWriter

from apps.core.migrations_ops import AppendOnly

PROBE = "core_appendonlyprobe"


@pytest.fixture
def probe(db):
    """A table of its own (created in the test's transaction, gone after it) made append-only by the operation."""
    state = ProjectState()
    state.add_model(ModelState("core", "AppendOnlyProbe", [("id", models.BigAutoField(primary_key=True)),
                                                             ("note", models.TextField())],
                               options={"db_table": PROBE}))
    with connection.schema_editor() as editor:
        editor.create_model(state.apps.get_model("core", "appendonlyprobe"))
        AppendOnly("appendonlyprobe").database_forwards("core", editor, state, state)
    return state


def _sql(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else None


def _installed(table: str, function: str, trigger: str) -> dict:
    """What the database holds for a table's append-only trigger, with the table's name written as <table>."""
    (body, definition), = _sql("SELECT prosrc, pg_get_functiondef(oid) FROM pg_proc WHERE proname = %s", [function])
    (trigger_def, tgtype, enabled), = _sql(
        "SELECT pg_get_triggerdef(t.oid), t.tgtype, t.tgenabled FROM pg_trigger t "
        "WHERE t.tgname = %s AND t.tgrelid = %s::regclass", [trigger, table])
    return {name: value.replace(table, "<table>") if isinstance(value, str) else value
            for name, value in {"body": body, "definition": definition, "trigger": trigger_def, "tgtype": tgtype,
                                "enabled": enabled}.items()}


@pytest.mark.parametrize("table", ["core_auditevent", "leads_leadevent"])
def test_m3_operation_installs_what_the_existing_append_only_migrations_installed(probe, table):
    made = _installed(PROBE, f"{PROBE}_append_only", f"{PROBE}_no_update")
    assert made == _installed(table, f"{table}_append_only", f"{table}_no_update")
    assert "BEFORE DELETE OR UPDATE" in made["trigger"] and "insufficient_privilege" in made["body"]


def test_comparison_tells_a_different_trigger_apart(probe):
    """The credit trail's trigger (credit.0002) says more in its message: the comparison above sees it."""
    made = _installed(PROBE, f"{PROBE}_append_only", f"{PROBE}_no_update")
    credit = _installed("credit_creditrecord", "credit_creditrecord_append_only", "credit_creditrecord_no_update")
    assert made["trigger"] == credit["trigger"] and made["body"] != credit["body"]


def test_m3_operation_makes_the_table_refuse_update_and_delete(probe):
    (pk,), = _sql(f"INSERT INTO {PROBE} (note) VALUES ('first') RETURNING id")  # adding rows stays allowed
    for statement in (f"UPDATE {PROBE} SET note = 'changed' WHERE id = %s", f"DELETE FROM {PROBE} WHERE id = %s"):
        with pytest.raises(DatabaseError, match=f"{PROBE} is append-only"), transaction.atomic():
            _sql(statement, [pk])
    assert _sql(f"SELECT note FROM {PROBE}") == [("first",)]


def test_m3_operation_is_reversible(probe):
    (pk,), = _sql(f"INSERT INTO {PROBE} (note) VALUES ('first') RETURNING id")
    with connection.schema_editor() as editor:
        AppendOnly("appendonlyprobe").database_backwards("core", editor, probe, probe)
    _sql(f"UPDATE {PROBE} SET note = 'changed' WHERE id = %s", [pk])
    assert _sql(f"SELECT note FROM {PROBE}") == [("changed",)]
    assert _sql("SELECT count(*) FROM pg_proc WHERE proname = %s", [f"{PROBE}_append_only"]) == [(0,)]


def test_operation_is_written_into_a_migration_and_described():
    operation = AppendOnly("thingevent")
    text, imports = OperationWriter(operation).serialize()
    assert " ".join(text.split()) == "apps.core.migrations_ops.AppendOnly( model_name='thingevent', ),"
    assert imports == {"import apps.core.migrations_ops"}
    assert operation.describe() == "Make the table of thingevent append-only (no UPDATE, no DELETE)"
    assert operation.migration_name_fragment == "thingevent_append_only"
