"""The migrated template the ``make test`` processes copy their test databases from (``CREATE DATABASE …
TEMPLATE``, tests/conftest.py): migrated once instead of once per process.

``python -m tests.template_db N`` makes or updates it while the N processes collect the tests (the controller of
the run starts it, tests/conftest.py ``pytest_configure``); a process that finds its database missing waits for it
(an advisory lock), brings the template up to date — nothing left to do by then — and copies it. Started alone,
it does nothing when the template and the N processes' databases exist already (``--reuse-db`` keeps them).
"""

from __future__ import annotations

import sys


def template_name(test_name: str, workerid: str | None = None) -> str:
    """``test_liuzhou_gw1`` → ``test_liuzhou_template`` (``LZ_TEST_DB=test_x`` → ``test_x_template``)."""
    return (test_name.removesuffix(f"_{workerid}") if workerid else test_name) + "_template"


def lock(cursor, template: str) -> None:
    """Until the cursor's session ends: one process at a time migrates or copies the template (a database being
    copied must have no other session)."""
    cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [template])


def exists(cursor, name: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
    return cursor.fetchone() is not None


def bring_up_to_date(connection, template: str) -> None:
    """Create and migrate the template, or apply what a kept one lacks (as ``--reuse-db`` does a kept test
    database); the lock held. The connection's settings are put back afterwards, its session closed."""
    from django.conf import settings

    test = connection.settings_dict["TEST"]
    test_name, database_name = test["NAME"], connection.settings_dict["NAME"]
    test["NAME"] = template
    try:
        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=True, serialize=False)
    finally:
        connection.close()
        test["NAME"] = test_name
        connection.settings_dict["NAME"] = database_name
        settings.DATABASES[connection.alias]["NAME"] = database_name


def main(processes: str) -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuzhou_regulation.settings")
    django.setup()
    from django.db import connection

    test_name = connection.creation._get_test_db_name()
    template = template_name(test_name)
    with connection.creation._nodb_cursor() as cursor:
        lock(cursor, template)
        copies = [f"{test_name}_gw{i}" for i in range(int(processes))] if processes.isdigit() else None
        if copies is not None and exists(cursor, template) and all(exists(cursor, name) for name in copies):
            return  # kept from an earlier run: the processes migrate their own databases forward, if need be
        bring_up_to_date(connection, template)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "")
