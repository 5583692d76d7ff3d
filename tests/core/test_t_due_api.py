"""``GET /api/v1/deadlines/due/``: "when is it due?" through the API — the same answer as ``manage.py clock_due``
for every rule of the one clock table (rules T1–T3), and clear errors naming the field."""

from io import StringIO

import pytest
from django.core.management import call_command

from apps.core.rules import registered_rules
from tests.factories import user_of

START = "2026-04-16T15:00:00+08:00"  # a Thursday, the eve of Guangxi's 三月三 days off (17–20 April 2026)


@pytest.fixture
def caller(db, api):
    return api.as_user(user_of("insurer", username="due_api_insurer"))


def clock_due(*args) -> list[str]:
    out = StringIO()
    call_command("clock_due", *args, stdout=out)
    return out.getvalue().splitlines()


def test_t2_small_claim_is_due_after_sanyuesan_in_liuzhou_and_earlier_nationally(caller):
    body = caller.get("/api/v1/deadlines/due/", {"start": START, "rule": "claim.small_close"}).json()
    assert body["due_at"] == "2026-04-23T23:59:59.999999+08:00"
    assert (body["provisional"], body["rolled_over"], body["rule_ids"]) == (False, False, "M13")
    national = caller.get("/api/v1/deadlines/due/",
                          {"start": START, "rule": "claim.small_close", "region": "000000"}).json()
    assert national["due_at"] == "2026-04-21T23:59:59.999999+08:00"


def test_t1_natural_days_roll_over_national_day_unless_told_not_to(caller):
    query = {"start": "2026-09-02T10:00:00+08:00", "unit": "natural_days", "amount": 30}
    body = caller.get("/api/v1/deadlines/due/", query).json()
    assert (body["due_at"], body["rolled_over"], body["nominal_last_day"]) == (
        "2026-10-08T23:59:59.999999+08:00", True, "2026-10-02")
    plain = caller.get("/api/v1/deadlines/due/", {**query, "roll_over": "false"}).json()
    assert (plain["due_at"], plain["rolled_over"]) == ("2026-10-02T23:59:59.999999+08:00", False)


def test_t3_a_year_without_arrangement_is_provisional(caller):
    body = caller.get("/api/v1/deadlines/due/", {"start": "2026-12-29T11:00:00+08:00", "rule": "claim.decision"}).json()
    assert body["due_at"] == "2027-01-04T23:59:59.999999+08:00" and body["provisional"] is True


@pytest.mark.parametrize("rule", [r.key for r in registered_rules() if r.unit] or ["-"])
def test_t1_every_rule_of_the_table_gives_the_same_answer_as_clock_due(caller, rule):
    for start in ("2026-09-25T16:00:00+08:00", "2026-04-16T09:30:00+08:00", "2026-12-28T10:00:00+08:00"):
        body = caller.get("/api/v1/deadlines/due/", {"start": start, "rule": rule}).json()
        lines = clock_due("--start", start, "--rule", rule)
        assert body["due_at"] == lines[0], (rule, start)
        assert lines[1] == f"provisional: {'yes' if body['provisional'] else 'no'}"
        assert lines[2].startswith(f"rolled over: {'yes' if body['rolled_over'] else 'no'}")


@pytest.mark.parametrize(("query", "field"), [
    ({}, "start"),
    ({"start": "yesterday", "unit": "hours", "amount": 1}, "start"),
    ({"start": START, "rule": "no.such.rule"}, "rule"),
    ({"start": START}, "rule"),
    ({"start": START, "unit": "hours", "amount": -1}, "amount"),
    ({"start": START, "unit": "weeks", "amount": 1}, "unit"),
    ({"start": START, "unit": "hours", "amount": 1, "region": "45"}, "region"),
])
def test_bad_input_is_refused_naming_the_field(caller, query, field):
    response = caller.get("/api/v1/deadlines/due/", query)
    assert response.status_code == 400
    assert field in str(response.json()), response.json()


def test_anonymous_is_refused(db, api):
    assert api.get("/api/v1/deadlines/due/", {"start": START, "unit": "hours", "amount": 1}).status_code == 401
