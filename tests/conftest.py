"""Shared fixtures. Tests run against the real PostgreSQL and Redis of the settings (embedded by default).

Data created by migrations (role groups and their permissions, the working-day calendar, …) must survive
transactional tests (live server, Celery worker), whose teardown empties every table, and ``--reuse-db``: the
tables' contents are snapshotted into the schema ``lz_test_snapshot`` once the test database is ready and put
back after every such flush. A test database that lost that data anyway (an interrupted run) is recreated.
"""

import datetime as dt
import time

import pytest
import time_machine
from django.core.management import call_command
from django.db import connections, transaction
from django.test import TransactionTestCase
from rest_framework.test import APIClient

from apps.parties.models import Role

from . import clock, template_db
from .factories import build_parties

SNAPSHOT_SCHEMA = "lz_test_snapshot"

# The few tests that take a minute or more each start first (``make test`` hands tests to its two processes in
# chunks of at most 20, ``--maxschedchunk``): started late, one of them would be the last minutes of the run with
# the other process idle.
LONG_FIRST = ("tests/browser/test_crawl.py", "tests/perf/test_query_counts.py", "tests/fuzz/test_api_fuzz.py")


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: next(
        (i for i, path in enumerate(LONG_FIRST) if item.nodeid.startswith(path)), len(LONG_FIRST)))


class _TestClock:
    """The test process's clock: ``clock.NOW`` plus the time the session has run (see tests/clock.py)."""

    def __init__(self):
        self.started = time.monotonic()
        self.traveller = None

    def now(self):
        return clock.NOW + dt.timedelta(seconds=time.monotonic() - self.started)

    def start(self):
        self.traveller = time_machine.travel(self.now(), tick=True)
        self.traveller.start()

    def stop(self):
        if self.traveller is not None:
            self.traveller.stop()
            self.traveller = None


_CLOCK = _TestClock()


@pytest.fixture(scope="session", autouse=True)
def _test_clock():
    """Every test, fixture and in-process thread (live server, Celery worker thread) runs at ``clock.NOW`` and
    onwards, never at the machine's date."""
    _CLOCK.start()
    yield _CLOCK
    _CLOCK.stop()


@pytest.fixture(autouse=True)
def _real_clock_when_marked(request):
    """``@pytest.mark.real_clock``: the test hands work to another process, which runs at the machine's time, so
    the test does too (and builds its data relative to ``timezone.now()``)."""
    if request.node.get_closest_marker("real_clock") is None:
        yield
        return
    _CLOCK.stop()
    try:
        yield
    finally:
        _CLOCK.start()
_SNAPSHOT_TABLES: dict[str, list[str]] = {}  # alias → tables saved (connection objects differ per context)


def _test_database_lost_migration_data(connection) -> bool:
    """Whether the (kept) test database exists but misses the rows that migrations create."""
    import psycopg

    params = connection.get_connection_params()
    for key in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(key, None)
    params["dbname"] = connection.creation._get_test_db_name()
    try:
        conn = psycopg.connect(**params, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError:
        return False  # not created yet
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT to_regclass('django_migrations') IS NOT NULL")
            if not cursor.fetchone()[0]:
                return False  # empty database: migrate will fill it
            cursor.execute("SELECT count(*) FROM auth_group WHERE name = ANY(%s)", [list(Role.values)])
            groups = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM core_workcalendaryear")
            years = cursor.fetchone()[0]
            return groups < len(Role.values) or years == 0
    except psycopg.Error:
        return True
    finally:
        conn.close()


def _database_exists(connection, name: str) -> bool:
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def _copy_of_the_template(connection, workerid: str) -> None:
    """This ``make test`` process's database (``test_liuzhou_gw1``), made as a copy of one migrated template
    (``test_liuzhou_template``, tests/template_db.py): the processes migrate once between them instead of once
    each (~30 s of CPU). The run's controller starts migrating it while the processes collect the tests
    (``pytest_configure``); here, the lock held, it is brought up to date (nothing to do by then, unless the
    controller did not make it) and copied. The template is only ever copied: tests never run in it."""
    name = connection.settings_dict["TEST"]["NAME"]
    template = template_db.template_name(name, workerid)
    with connection.creation._nodb_cursor() as cursor:
        template_db.lock(cursor, template)
        if template_db.exists(cursor, name):
            cursor.execute(f'DROP DATABASE "{name}"')  # it lost the migrations' rows: copied afresh
        template_db.bring_up_to_date(connection, template)
        cursor.execute(f'CREATE DATABASE "{name}" WITH TEMPLATE "{template}"')


_TEMPLATE_MAKER: list = []  # the controller's ``python -m tests.template_db`` process


def pytest_configure(config):
    """The controller of a ``make test`` run (``-n N``, ``--reuse-db``) migrates the template in a process of its
    own while the test processes start and collect the tests, so that neither waits for it alone."""
    import os
    import subprocess
    import sys

    processes = getattr(config.option, "numprocesses", None)
    if (hasattr(config, "workerinput") or not processes or not config.getvalue("reuse_db")
            or config.getvalue("create_db")):
        return
    _TEMPLATE_MAKER.append(subprocess.Popen(  # noqa: S603 - this interpreter, this module
        [sys.executable, "-m", "tests.template_db", str(processes)], cwd=str(config.rootpath),
        env={**os.environ, "LOG_LEVEL": "WARNING"}, stdout=subprocess.DEVNULL))


def pytest_unconfigure(config):
    import subprocess

    for maker in _TEMPLATE_MAKER:
        try:
            maker.wait(timeout=600)
        except subprocess.TimeoutExpired:
            maker.kill()


@pytest.fixture(scope="session")
def django_db_createdb(request, django_db_modify_db_settings, django_db_blocker):
    from django.db import connection

    if request.config.getvalue("create_db"):
        return True
    if not request.config.getvalue("reuse_db"):
        return False
    workerid = getattr(request.config, "workerinput", {}).get("workerid")
    lost = _test_database_lost_migration_data(connection)
    if workerid:
        with django_db_blocker.unblock():
            if lost or not _database_exists(connection, connection.creation._get_test_db_name()):
                _copy_of_the_template(connection, workerid)
        return False  # kept: pytest-django finds it migrated
    if lost:
        request.config.option.create_db = True  # recreate it from the migrations
        return True
    return False


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        for connection in connections.all():
            tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
            saved = []
            with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                cursor.execute(f"DROP SCHEMA IF EXISTS {SNAPSHOT_SCHEMA} CASCADE")
                cursor.execute(f"CREATE SCHEMA {SNAPSHOT_SCHEMA}")
                for table in sorted(tables):
                    cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}")')  # noqa: S608
                    if cursor.fetchone()[0]:
                        cursor.execute(f'CREATE TABLE {SNAPSHOT_SCHEMA}."{table}" AS SELECT * FROM "{table}"')  # noqa: S608
                        saved.append(table)
            _SNAPSHOT_TABLES[connection.alias] = saved
    yield


def _flush_and_restore(self):
    """TransactionTestCase teardown: empty the tables, then put the migrations' rows back (see module doc)."""
    for db_name in self._databases_names(include_mirrors=False):
        connection = connections[db_name]
        saved = _SNAPSHOT_TABLES.get(db_name)
        if saved is not None and _owner_may_bypass_triggers(connection):
            _empty_django_tables(connection)
        else:
            call_command(
                "flush", verbosity=0, interactive=False, database=db_name, reset_sequences=False,
                allow_cascade=self.available_apps is not None, inhibit_post_migrate=saved is not None,
            )
        with transaction.atomic(using=db_name), connection.cursor() as cursor:
            # ``flush`` empties only the tables Django manages: also the unmanaged ones (the day-partitioned raw
            # ride-hailing records), so no test sees rows an earlier transactional test left behind
            unmanaged = _unmanaged_tables(connection, cursor)
            if unmanaged:
                cursor.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in unmanaged))
            for table in saved or ():
                cursor.execute(f'INSERT INTO "{table}" SELECT * FROM {SNAPSHOT_SCHEMA}."{table}"')  # noqa: S608


_BYPASS: dict[str, bool] = {}  # alias → whether the test database's user may switch row triggers off


def _owner_may_bypass_triggers(connection) -> bool:
    if connection.alias not in _BYPASS:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('is_superuser') = 'on'")
            _BYPASS[connection.alias] = cursor.fetchone()[0]
    return _BYPASS[connection.alias]


def _empty_django_tables(connection) -> None:
    """What ``flush`` leaves (every table Django manages empty, sequences not reset), by deleting the rows of the
    tables that have any: a transactional test leaves rows in a few of the ~100 tables, and ``flush``'s TRUNCATE of
    all of them makes new files for each table and index (0.5–3 s after every such test). Row triggers (the
    append-only guards, which TRUNCATE does not fire either) and foreign-key checks are off for this transaction
    (``session_replication_role = replica``, which needs the rights of the database's owner, like TRUNCATE)."""
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(
            f'SELECT \'{table}\' FROM (SELECT 1 FROM "{table}" LIMIT 1) AS one' for table in tables))  # noqa: S608
        filled = [row[0] for row in cursor.fetchall()]
        cursor.execute("SET LOCAL session_replication_role = replica")
        for table in filled:
            cursor.execute(f'DELETE FROM "{table}"')  # noqa: S608


def _unmanaged_tables(connection, cursor) -> list[str]:
    from django.apps import apps

    existing = {t.name for t in connection.introspection.get_table_list(cursor) if t.type == "t"}
    return sorted({m._meta.db_table for m in apps.get_models() if not m._meta.managed and not m._meta.proxy}
                  & existing)


TransactionTestCase._fixture_teardown = _flush_and_restore


@pytest.fixture(autouse=True)
def _own_throttle_counters(settings):
    """Throttle counters live in the shared Redis cache: each test counts under its own key prefix, so no test
    inherits another's (or another checkout's) requests (apps.core.throttles)."""
    import uuid

    settings.THROTTLE_KEY_PREFIX = f"t{uuid.uuid4().hex}:"


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language (a request switched to English must not leak)."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


class _PartiesTemplate:
    """The rows ``build_parties`` writes, made once per test process and copied back into each test that asks for
    ``parties`` (a few COPY statements instead of ~180 queries: the fixture was a third of many test files' time).

    Made by the real ``build_parties`` inside a savepoint that is rolled back, read out of the tables it wrote
    (it must write only into tables that were empty: otherwise, or when it would register work for the commit,
    the template is not used). Each test then gets the same rows — the same ids, keys and names — as fresh model
    instances. Used only where a real build would give the same rows: tests in a transaction (not transactional
    ones, whose commits run hooks), at the frozen test clock within an hour of when the template was made."""

    MAX_AGE = dt.timedelta(hours=1)

    def __init__(self):
        self.rows = None  # [(table, columns, COPY data)], or False when the template cannot be used
        self.made_at = None
        self.pks = None

    def usable(self, request) -> bool:
        from django.utils import timezone

        if self.rows is False or "transactional_db" in request.fixturenames or "live_server" in request.fixturenames:
            return False
        if request.node.get_closest_marker("real_clock") is not None:
            return False
        return self.made_at is None or abs(timezone.now() - self.made_at) < self.MAX_AGE

    def make(self):
        from django.db import connection
        from django.utils import timezone

        with connection.cursor() as cursor:
            tables = connection.introspection.table_names(cursor, include_views=False)
            before = self._counts(cursor, tables)
            sid = transaction.savepoint()
            callbacks = len(connection.run_on_commit)
            p = build_parties()
            after = self._counts(cursor, tables)
            written = [t for t in tables if after[t] != before[t]]
            rows = []
            if all(before[t] == 0 for t in written) and len(connection.run_on_commit) == callbacks:
                for table in written:
                    columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
                    names = ", ".join(f'"{c}"' for c in columns)
                    with cursor.cursor.copy(f'COPY "{table}" ({names}) TO STDOUT') as copy:  # noqa: S608
                        rows.append((table, names, b"".join(bytes(chunk) for chunk in copy)))
            transaction.savepoint_rollback(sid)
        self.rows = rows or False
        self.made_at = timezone.now()
        self.pks = ({name: org.pk for name, org in p.orgs.items()}, {name: u.pk for name, u in p.users.items()})

    @staticmethod
    def _counts(cursor, tables) -> dict[str, int]:
        cursor.execute(" UNION ALL ".join(f"SELECT '{t}', count(*) FROM \"{t}\"" for t in tables))  # noqa: S608
        return dict(cursor.fetchall())

    def build(self):
        from types import SimpleNamespace

        from django.db import connection

        from apps.parties.models import Organization, User

        with connection.cursor() as cursor:
            for table, names, data in self.rows:
                with cursor.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:  # noqa: S608
                    copy.write(data)
        org_pks, user_pks = self.pks
        by_pk = Organization.objects.in_bulk(org_pks.values())
        users_by_pk = User.objects.in_bulk(user_pks.values())
        orgs = {name: by_pk[pk] for name, pk in org_pks.items()}
        users = {name: users_by_pk[pk] for name, pk in user_pks.items()}
        for name, user in users.items():
            user.organization = orgs[name]  # as build_parties hands them out: the user's organisation loaded
        p = SimpleNamespace(orgs=orgs, users=users)
        for name in orgs:
            setattr(p, name, orgs[name])
            setattr(p, f"{name}_user", users[name])
        return p


_PARTIES = _PartiesTemplate()


@pytest.fixture
def parties(db, request):
    """One organisation of every kind, two insurers and two taxi companies (for isolation tests), a user each."""
    if not _PARTIES.usable(request):
        return build_parties()
    if _PARTIES.rows is None:
        _PARTIES.make()
        if _PARTIES.rows is False:
            return build_parties()
    return _PARTIES.build()


@pytest.fixture
def api():
    """An API client; ``api.as_user(user)`` authenticates it."""
    client = APIClient()

    def as_user(user):
        client.force_authenticate(user)
        return client

    client.as_user = as_user
    return client


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker (thread in this process) consuming from the real Redis broker."""
    from celery.contrib.testing.worker import start_worker
    from kombu import pools

    from liuzhou_regulation.celery import app

    # Fresh broker connections: a test that swapped the broker (or closed the app's pool) must not leave a
    # closed pool behind — kombu caches pools per connection, so ``app._pool = None`` alone is not enough.
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    app.control.purge()
    with start_worker(app, perform_ping_check=False, loglevel="WARNING", shutdown_timeout=20) as worker:
        yield worker
