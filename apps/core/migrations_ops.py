"""Migration operations of the project: ``AppendOnly`` makes a table append-only in the database.

A new append-only table (an audit trail, an event log, evidence) gets its trigger from one operation::

    from apps.core.migrations_ops import AppendOnly

    operations = [migrations.CreateModel(name="ThingEvent", ...), AppendOnly("thingevent")]

The operation installs, for the model's table ``<table>``, the trigger function ``<table>_append_only()`` and the
trigger ``<table>_no_update`` (BEFORE UPDATE OR DELETE, FOR EACH ROW) that refuses the statement with SQLSTATE
``insufficient_privilege`` — the SQL of ``core.0003_audit_append_only`` and ``leads.0002_append_only_and_grants``,
written once. The migrations that made the existing tables append-only keep the SQL they ran (migrations are
history); tests/core/test_migrations_ops.py checks that this operation installs the same function and trigger.
TRUNCATE is left to the table owner (test databases are flushed with it); the application's database role owns
no table (docs/operations.md §5), so it can neither truncate nor disable the trigger.
"""

from __future__ import annotations

from django.db import migrations


def _table(schema_editor, state, app_label: str, model_name: str) -> tuple[str, str]:
    """(quoted table name, plain table name) of the model in ``state``."""
    table = state.apps.get_model(app_label, model_name)._meta.db_table
    return schema_editor.quote_name(table), table


def forwards_sql(table: str, quoted: str | None = None) -> list[str]:
    """The statements that make ``table`` append-only: the function, then the trigger."""
    quoted = quoted or table
    return [
        f"""CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{table} is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql""",
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE OR DELETE ON {quoted}
    FOR EACH ROW EXECUTE FUNCTION {table}_append_only()""",
    ]


def backwards_sql(table: str, quoted: str | None = None) -> list[str]:
    quoted = quoted or table
    return [f"DROP TRIGGER IF EXISTS {table}_no_update ON {quoted}", f"DROP FUNCTION IF EXISTS {table}_append_only()"]


class AppendOnly(migrations.operations.base.Operation):
    """The database refuses UPDATE and DELETE of the rows of ``model_name``'s table (reversible)."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str):
        self.model_name = model_name

    def deconstruct(self):
        return self.__class__.__name__, [self.model_name], {}

    def state_forwards(self, app_label, state):
        pass  # the model's state does not change: only the database refuses some statements

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        quoted, table = _table(schema_editor, to_state, app_label, self.model_name)
        for sql in forwards_sql(table, quoted):
            schema_editor.execute(sql, params=None)  # no parameters: "%" is the message's own placeholder

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        quoted, table = _table(schema_editor, from_state, app_label, self.model_name)
        for sql in backwards_sql(table, quoted):
            schema_editor.execute(sql, params=None)

    def describe(self):
        return f"Make the table of {self.model_name} append-only (no UPDATE, no DELETE)"

    @property
    def migration_name_fragment(self):
        return f"{self.model_name.lower()}_append_only"
