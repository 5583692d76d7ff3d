"""The application's database role: rows only, never an owner (docs/operations.md §5).

Migrations run as the owner of the tables; the web server, the Celery worker and beat connect as a role that holds
only SELECT/INSERT/UPDATE/DELETE, so it cannot ``ALTER TABLE … DISABLE TRIGGER`` the append-only tables nor
``TRUNCATE`` them. The grants are in ``app_role.sql`` (also run by the database container's init script).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

GRANTS_FILE = Path(__file__).resolve().parent / "app_role.sql"
_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# Append-only tables whose rows the application only adds (their triggers refuse UPDATE/DELETE in any case).
INSERT_ONLY_TABLES = ("core_auditevent",)


def _ident(name: str) -> str:
    if not _ROLE.match(name):
        raise ValueError(f"not a plain role name: {name!r}")
    return f'"{name}"'


def password_from_environment(name: str) -> str:
    """The role's password from the environment variable an operator names (``db_app_role --password-env``), so it
    never appears on a command line. Read here, in the project package, like every other environment variable."""
    return os.environ.get(name, "")


def grants_sql(*, app_role: str, owner_role: str) -> str:
    """``app_role.sql`` with its psql variables filled in."""
    text = GRANTS_FILE.read_text(encoding="utf-8")
    return text.replace(':"app_role"', _ident(app_role)).replace(':"owner_role"', _ident(owner_role))


def ensure_app_role(cursor, *, role: str, password: str | None = None) -> None:
    """Create (or bring back to rows-only) the application's role on the current database, as its owner.

    ``cursor`` is a DB-API cursor connected as the owner of the tables (the role that runs the migrations)."""
    ident = _ident(role)
    cursor.execute("SELECT current_user, quote_ident(current_database())")
    owner, database = cursor.fetchone()
    if owner == role:
        raise ValueError("the application's role must not be the owner role")
    attributes = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
    cursor.execute(f"{'ALTER' if cursor.fetchone() else 'CREATE'} ROLE {ident} {attributes}")
    if password:  # utility statements take no bound parameters: quote the literal on the server
        cursor.execute("SELECT quote_literal(%s)", [password])
        cursor.execute(f"ALTER ROLE {ident} PASSWORD {cursor.fetchone()[0]}")
    cursor.execute(f"GRANT CONNECT ON DATABASE {database} TO {ident}")
    cursor.execute(grants_sql(app_role=role, owner_role=owner))
    for table in INSERT_ONLY_TABLES:
        cursor.execute("SELECT to_regclass(%s)", [table])
        if cursor.fetchone()[0] is not None:
            cursor.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {ident}")
