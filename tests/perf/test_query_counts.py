"""Every page and API endpoint answers each role with a number of SQL queries that does not grow with the data,
and no list of the API returns more than its page size.

The small city of the URL × role table (tests/security/world.py) is built once; every GET pattern of the URL
conf is asked as every role of the table (its path parameters name party A's objects, tests/security/params.py)
and its queries are counted; then the same parties get three more rounds (the small city already has three) of every kind of row
(tests/perf/growth.py: vehicles, permits, drivers, policies, claims, leads with their worklists and rescission
cases, complaints, credit records, measures, proposals, urging items, inspections, trainings, penalties,
focused checks, import jobs, exchange batches, deadlines, notifications) and every URL is asked again. A count
that grew fails the test, listed as (role, URL name, before, after).

Patterns not asked are listed in ``NOT_MEASURED`` with the reason; a pattern of the URL conf that is neither
asked nor listed, or a path of the API schema whose pattern is not asked, fails ``test_every_pattern_is_measured``.
"""

from __future__ import annotations

import json
import time

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, get_resolver

from tests.security.observe import clients
from tests.security.params import url_for
from tests.security.urlwalk import all_patterns
from tests.security.world import ROLES

from .growth import grow

_ACTION = "POST-only: an action, not a page (a GET is refused with 405)"

NOT_MEASURED: dict[str, str] = {
    name: _ACTION for name in (
        "logout", "notifications-read", "import-upload", "import-start", "import-discard", "api-import-start",
        "api-import-discard", "api-premium-compulsory", "api-premium-carrier", "api-premium-commercial",
        "exchange-batch-retry", "vehicles:reveal", "vehicles:online", "vehicles:driver_reveal", "policies:reveal",
        "policies:standard-decide", "leads:bulk", "leads:push", "leads:verify", "leads:request-check",
        "leads:check-start", "leads:check", "leads:dispose", "leads:attach", "leads:worklist-answer",
        "leads:screening-push", "leads:screening-review", "leads:screening-dispatch", "leads:risk-run-now",
        "leads:risk-run-confirm", "rescissions:notice-send", "rescissions:notice-receive", "rescissions:disclosure",
        "rescissions:decide", "rescissions:correct", "rescissions:path", "rescissions:endorse",
        "rescissions:policy-add", "claims-action", "claims-thresholds-update", "claims-analytics-run",
        "complaints:staff_action", "credit:action_close", "credit:proposal_decide", "credit:urging_record",
        "credit:urging_close", "inspections:finding", "inspections:notice-issue", "inspections:notice-report",
        "inspections:notice-close", "vehicle-online", "vehicle-reveal", "permit-revoke", "driver-reveal",
        "onboarding-check-go-online", "policy-batch", "policy-reveal", "policy-endorse", "policy-cancel",
        "policy-extend-laid-up", "coverage-standard-decide", "lead-flag", "lead-from-complaint", "lead-push",
        "lead-report", "lead-check", "lead-verify", "lead-request-check", "lead-check-start", "lead-dispose",
        "lead-worklist-answer", "lawful-list-run-push", "lawful-list-run-dispatch-findings",
        "screening-finding-review", "risk-run-run", "risk-run-confirm", "rescission-case-correction",
        "rescission-case-decision", "rescission-case-disclosure", "rescission-case-endorsement",
        "rescission-case-notice-received", "rescission-case-notice-sent", "rescission-case-path", "claim-batch",
        "claim-withdraw", "focused-check-result", "public-complaint-create", "public-complaint-status",
        "complaint-extend", "complaint-feedback", "complaint-forward", "complaint-note", "complaint-rehandle",
        "complaint-resolve", "complaint-reveal-contact", "complaint-to-lead", "complaint-verify",
        "credit-record-correct", "credit-proposal-decide", "urging-item-record", "urging-item-close",
        "supervisory-action-close", "pending-document-signed",
    )
}

# JSON lists returned whole (not paginated) because their length is fixed by the code, not by the data
FIXED_LISTS = {
    "api-dashboard-charts": "the catalogue of charts (a fixed set)",
    "api-underwriting-list": "the catalogue of underwriting checks (a fixed set)",
    "coverage-standard-in-force": "the requirements of the one standard in force",
    "batch-events": "one batch's events (a batch has a bounded life cycle of events)",
    "lead-events": "one lead's events (bounded by its life cycle)",
    "policy-history": "one policy's endorsements and state changes",
    "inspection-findings": "one inspection's findings (one per inspected party)",
}

_SLOW = []
PATTERNS = all_patterns()
MEASURED = sorted({name for _route, name, _view in PATTERNS} - set(NOT_MEASURED))
PAGE_SIZE = settings.REST_FRAMEWORK["PAGE_SIZE"]
# the API description reads no data and is the same for everyone (and takes seconds to build): asked anonymously
ANONYMOUS_ONLY = {"api-schema", "api-docs"}


def _ask(client, url):
    """GET ``url``; the number of queries it made, its status and, for a JSON answer, the length of its list
    (the top-level list, or ``results`` of a page) and whether it was a page. Rolled back (a GET that audits)."""
    started = time.monotonic()
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        transaction.set_rollback(True)
    _SLOW.append((round(time.monotonic() - started, 2), url))
    items, paged = None, False
    if response.get("Content-Type", "").startswith("application/json") and response.status_code == 200:
        body = json.loads(response.content)
        if isinstance(body, list):
            items = len(body)
        elif isinstance(body, dict) and isinstance(body.get("results"), list):
            items, paged = len(body["results"]), True
    return {"queries": len(queries), "status": response.status_code, "items": items, "paged": paged}


def _measure(w, role_clients) -> dict[tuple[str, str], dict]:
    result = {}
    for role in ROLES:
        client = role_clients[role]
        client.get("/")  # the session, the user and the language are loaded once before counting
        for name in MEASURED:
            if role == "anon" or name not in ANONYMOUS_ONLY:
                result[(role, name)] = _ask(client, url_for(name, w))
    return result


@pytest.fixture(scope="module")
def measurements(world, django_db_blocker):
    with django_db_blocker.unblock():
        role_clients = clients(world)
        with transaction.atomic():
            # the small city: the world plus three rounds, so every party has rows of every kind and the short
            # panels of the home pages are full (an empty list, or one shorter than its panel, may skip a count)
            started = time.monotonic()
            grow(world, rounds=3)
            grown = time.monotonic()
            before = _measure(world, role_clients)
            measured = time.monotonic()
            grow(world, rounds=3)
            regrown = time.monotonic()
            after = _measure(world, role_clients)
            print(f"grow {grown - started:.1f}s, measure {measured - grown:.1f}s, grow {regrown - measured:.1f}s, "
                  f"measure {time.monotonic() - regrown:.1f}s")
            transaction.set_rollback(True)
    return before, after


# a value each path parameter of the schema matches (to find the pattern of a schema path)
_PATH_FILLERS = {"kind": "taxi_company", "key_id": "insurer:0a1b", "key": "rescissions", "interface": "baseInfoVehicle"}


def test_every_pattern_is_measured():
    """A new URL pattern is asked (or listed in NOT_MEASURED with its reason); every GET operation of the API
    schema resolves to a pattern that is asked."""
    from drf_spectacular.generators import SchemaGenerator

    names = {name for _route, name, _view in PATTERNS}
    assert not sorted(set(NOT_MEASURED) - names), "NOT_MEASURED lists patterns that no longer exist"
    assert not sorted(set(FIXED_LISTS) - names), "FIXED_LISTS names patterns that no longer exist"
    schema = SchemaGenerator().get_schema(request=None, public=True)
    unmeasured = []
    for path, operations in schema["paths"].items():
        if "get" not in operations:
            continue
        concrete = path
        for param in [p["name"] for p in operations["get"].get("parameters", []) if p["in"] == "path"]:
            concrete = concrete.replace("{" + param + "}", _PATH_FILLERS.get(param, "1"))
        try:
            match = get_resolver().resolve(concrete)
        except Resolver404:
            match = None
        name = match and (f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name)
        if name not in MEASURED:
            unmeasured.append((path, name))
    assert not unmeasured, f"API schema paths whose GET is not measured: {unmeasured}"


def test_no_page_or_endpoint_makes_more_queries_when_the_data_grows(measurements, db):
    before, after = measurements
    grew = [(role, name, before[key]["queries"], after[key]["queries"])
            for key in sorted(before) for role, name in [key]
            if before[key]["status"] == after[key]["status"] and after[key]["queries"] > before[key]["queries"]]
    print("slowest requests:", sorted(_SLOW)[-10:])
    assert not grew, "query counts that grew with the data (role, URL name, before, after):\n" + "\n".join(
        f"  {row}" for row in grew)


def test_every_get_pattern_answers_get(measurements, db):
    """A measured pattern that refuses GET for every role is an action: list it in NOT_MEASURED."""
    before, _after = measurements
    refused = [name for name in MEASURED if all(before[key]["status"] == 405 for key in before if key[1] == name)]
    assert not refused, f"patterns that only accept other methods (list them in NOT_MEASURED): {refused}"


def test_no_list_endpoint_returns_more_than_its_page_size_nor_a_list_that_grows(measurements, db):
    before, after = measurements
    over = [(role, name, a["items"]) for (role, name), a in sorted(after.items())
            if a["paged"] and a["items"] > PAGE_SIZE]
    assert not over, f"pages longer than the page size {PAGE_SIZE}: {over}"
    unpaged = [(role, name, before[(role, name)]["items"], a["items"]) for (role, name), a in sorted(after.items())
               if a["items"] is not None and not a["paged"] and name not in FIXED_LISTS
               and before[(role, name)]["items"] is not None and a["items"] > before[(role, name)]["items"]]
    assert not unpaged, "lists returned whole that grow with the data (paginate them): " + repr(unpaged)
