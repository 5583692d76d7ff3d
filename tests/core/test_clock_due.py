"""``manage.py clock_due``: the due instant (Asia/Shanghai, ISO) on the first line, then provisional and roll-over;
``--list`` gives every rule with its rule IDs."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command


def run(*args) -> list[str]:
    out = StringIO()
    call_command("clock_due", *args, stdout=out)
    return out.getvalue().splitlines()


def test_small_claim_in_liuzhou_and_nationally(db):
    lines = run("--start", "2026-04-16T15:00:00+08:00", "--rule", "claim.small_close")
    assert lines[:3] == ["2026-04-23T23:59:59.999999+08:00", "provisional: no", "rolled over: no"]
    lines = run("--start", "2026-04-16T15:00:00+08:00", "--rule", "claim.small_close", "--region", "000000")
    assert lines[0] == "2026-04-21T23:59:59.999999+08:00"


def test_unit_and_amount_roll_over_by_default(db):
    lines = run("--start", "2026-09-02T10:00:00+08:00", "--unit", "natural_days", "--amount", "30")
    assert lines[0] == "2026-10-08T23:59:59.999999+08:00"
    assert lines[1] == "provisional: no" and lines[2].startswith("rolled over: yes (day 2026-10-02")
    lines = run("--start", "2026-09-02T10:00:00+08:00", "--unit", "natural_days", "--amount", "30", "--no-roll-over")
    assert lines[0] == "2026-10-02T23:59:59.999999+08:00" and lines[2] == "rolled over: no"


def test_an_instant_in_another_offset_and_hours(db):
    lines = run("--start", "2026-10-01T15:30:00+00:00", "--unit", "hours", "--amount", "1")
    assert lines[:3] == ["2026-10-02T00:30:00+08:00", "provisional: no", "rolled over: no"]  # 23:30 local + 1 h


def test_a_year_without_arrangement_is_provisional(db):
    lines = run("--start", "2026-12-29T11:00:00+08:00", "--rule", "claim.decision")
    assert lines[:2] == ["2027-01-04T23:59:59.999999+08:00", "provisional: yes"]


def test_rescission_rule_from_its_setting(db, settings):
    settings.RESCISSION_DAYS = 30
    assert run("--start", "2026-11-13T09:00:00+08:00", "--rule", "rescission.decide")[0] == (
        "2026-12-14T23:59:59.999999+08:00")  # day 30 is Sunday Dec 13


def test_list_gives_every_rule_with_its_rule_id(db):
    lines = run("--list")
    rows = {line.split("\t")[0]: line.split("\t") for line in lines}
    assert rows["rescission.decide"][1] == "M12, J5"
    assert rows["claim.small_close"][1] == "M13"
    assert rows["claim.payment"][1] == "J11" and rows["claim.payment"][4] == "roll-over: yes"
    assert rows["claim.dispatch"][4] == "roll-over: n/a"


@pytest.mark.parametrize("args", [
    ("--start", "2026-04-16"),
    ("--start", "yesterday", "--unit", "hours", "--amount", "1"),
    ("--start", "2026-04-16T10:00", "--rule", "no.such.rule"),
    ("--start", "2026-04-16T10:00", "--unit", "hours", "--amount", "1", "--region", "45"),
])
def test_bad_arguments_say_which(db, args):
    with pytest.raises(CommandError):
        run(*args)
