"""The one clock table (issue 15, rules T1, M12, M13, M16, M17, J5, J11): every registered clock rule has its rule IDs,
legal basis, unit and amount, so ``manage.py clock_due --rule`` answers for each, ``--list`` prints them all, and a
clock of each starts from its registration alone. Iterating the registry: a new rule without them fails here."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from apps.core import deadlines
from apps.core.models import Deadline
from apps.core.rules import registered_rules
from apps.core.whatif import due_preview
from apps.parties.rights import SystemActor
from tests.factories import OrganizationFactory

START = "2026-04-16T15:00:00+08:00"  # a Thursday, the eve of Guangxi's 三月三 days off
RULES = registered_rules()


def clock_due(*args) -> list[str]:
    out = StringIO()
    call_command("clock_due", *args, stdout=out)
    return out.getvalue().splitlines()


def test_t1_the_table_holds_the_clocks_of_every_app():
    keys = {rule.key for rule in RULES}
    assert {"rescission.decide", "rescission.disclosure", "supervisory_action.followup", "credit.urging_item",
            "lead.offline_check", "inspection.rectification", "complaint.feedback", "claim.dispatch",
            "claim.decision", "claim.small_close", "claim.progress"} <= keys, keys


@pytest.mark.parametrize("rule", RULES, ids=[rule.key for rule in RULES])
def test_t1_every_rule_is_registered_with_every_field(rule):
    assert rule.rule_ids.strip(), f"{rule.key}: no rule IDs"
    assert str(rule.legal_basis).strip(), f"{rule.key}: no legal basis"
    assert rule.unit in Deadline.Unit.values, f"{rule.key}: no unit"
    amount = rule.resolved_amount()
    assert isinstance(amount, int) and amount > 0, f"{rule.key}: no amount"
    assert rule.end_of_day == (rule.unit != Deadline.Unit.HOURS), f"{rule.key}: end of day"


@pytest.mark.parametrize("rule", RULES, ids=[rule.key for rule in RULES])
def test_t1_clock_due_answers_for_every_rule_as_the_preview_does(db, rule):
    lines = clock_due("--start", START, "--rule", rule.key)
    preview = due_preview(start=dt.datetime.fromisoformat(START), rule=rule.key)
    assert lines[0] == preview.due.due_at.astimezone(deadlines.SHANGHAI).isoformat()
    assert lines[1] == f"provisional: {'yes' if preview.due.provisional else 'no'}"
    assert lines[2].startswith(f"rolled over: {'yes' if preview.due.rolled_over else 'no'}")


@pytest.mark.parametrize("rule", RULES, ids=[rule.key for rule in RULES])
def test_t1_a_clock_of_every_rule_starts_from_its_registration_alone(db, rule):
    org = OrganizationFactory(kind="insurer")
    starts = dt.datetime.fromisoformat(START)
    clock = deadlines.deadline_start(rule=rule.key, subject=org, responsible=org, starts_at=starts,
                                     actor=SystemActor("test.clock_table"))
    assert (clock.unit, clock.amount, clock.obligation) == (rule.unit, rule.resolved_amount(), rule.obligation)
    assert clock.due_at == deadlines.rule_due(rule=rule.key, starts_at=starts, responsible=org).due_at


def test_t1_list_prints_every_rule_with_rule_id_unit_amount_and_roll_over(db):
    lines = clock_due("--list")
    rules = registered_rules()  # now: other tests may have registered rules of their own since collection
    assert len(lines) == len(rules)
    by_key = {line.split("\t")[0]: line.split("\t") for line in lines}
    for rule in rules:
        key, rule_ids, unit, amount, roll = by_key[rule.key][:5]
        assert (rule_ids, unit, amount) == (rule.rule_ids or "-", str(Deadline.Unit(rule.unit).label),
                                            str(rule.resolved_amount()))
        expected = ("yes" if rule.roll_over else "no") if rule.unit == Deadline.Unit.NATURAL_DAYS else "n/a"
        assert roll == f"roll-over: {expected}"


def test_m13_the_dispatch_warning_is_the_registrations_not_a_setting(db, settings):
    settings.DEADLINE_RULES = {}
    org = OrganizationFactory(kind="insurer")
    starts = dt.datetime.fromisoformat(START)
    clock = deadlines.deadline_start(rule="claim.dispatch", subject=org, responsible=org, starts_at=starts,
                                     actor=SystemActor("test.clock_table"))
    assert clock.due_at == starts + dt.timedelta(hours=1)
    assert clock.final_warn_at == clock.due_at - dt.timedelta(minutes=15)
