"""Bounded API fuzzing inside ``make test`` (``make fuzz`` runs the thorough version against a live server):
schemathesis drives every operation of ``/api/schema/`` in-process through the WSGI application, as a user of
each role with an API key; each example is rolled back. No 5xx, schema-conformant responses, no leak of another
party's objects (see engine.py)."""

import os
import re

import pytest
import schemathesis
from django.db import transaction

from .engine import api_keys, fuzz, report

# Responses that do not match what /api/schema/ documents, found by this test and left to the owning apps'
# serializers (the platform answers correctly; its description is incomplete). A response that breaks the schema
# in any other way fails the test.
# 1. Everywhere: a choice left blank ("") or an empty (null) value is not documented as allowed (read-only
#    choice / nullable fields declared without allow_blank / allow_null).
KNOWN_EMPTY_VALUE_GAPS = (re.compile(r'^"" is not one of '), re.compile(r'^null is not of type '))
def known_gap(failure) -> bool:
    return any(p.match(failure.summary) for p in KNOWN_EMPTY_VALUE_GAPS)


EXAMPLES = int(os.environ.get("LZ_FUZZ_EXAMPLES", "6"))
BUDGET = float(os.environ.get("LZ_FUZZ_SECONDS", "150"))


@pytest.fixture(scope="module")
def in_process(django_db_blocker):
    """The WSGI handler closes "old" connections around each request, which would end the test's transaction
    (Django's test client disconnects the same receiver); keep the one connection for the module."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def schema(in_process, django_db_blocker):
    from liuzhou_regulation.wsgi import application

    with django_db_blocker.unblock():
        return schemathesis.openapi.from_wsgi("/api/schema/", application)


def test_api_fuzz_every_operation_every_role_no_5xx_no_leak(schema, world, db):
    from liuzhou_regulation.wsgi import application

    keys = api_keys(world)

    def call(case, headers):
        with transaction.atomic():
            response = case.call(app=application, headers=headers)
            transaction.set_rollback(True)
        return response

    run = fuzz(schema, world, keys, examples=EXAMPLES, call=call, budget_seconds=BUDGET)
    print(report(run, full=False))
    assert run.operations > 80 and run.requests > run.operations * 2, report(run)
    serious = [f for f in run.failures if f.kind != "schema"]
    assert not serious, report(run, serious)
    new_gaps = [f for f in run.failures if f.kind == "schema" and not known_gap(f)]
    assert not new_gaps, "responses that do not match /api/schema/:\n" + report(run, new_gaps)
