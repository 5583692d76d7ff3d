"""When is it due? ``manage.py clock_due --start 2026-04-16T10:00+08:00 --rule claim.small_close``.

Prints the due instant in Asia/Shanghai (ISO 8601) on the first line, then whether the calendar was provisional
(a year without a published arrangement: computed statutory holidays) and whether the end rolled over a rest day
(Civil Code art. 203, rule T1). ``--list`` prints every registered clock rule with its rule IDs.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from apps.core import calendar
from apps.core.deadlines import SHANGHAI, compute_due_detail
from apps.core.models import Deadline
from apps.core.rules import registered_rules, rule_get


def _instant(value: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--start: not an ISO 8601 instant: {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=SHANGHAI)  # a local time is Liuzhou's


class Command(BaseCommand):
    help = "The due instant of a clock rule (or of a unit and amount) started at a given instant."

    def add_arguments(self, parser):
        parser.add_argument("--start", help="the starting instant, ISO 8601 (without an offset: Asia/Shanghai)")
        parser.add_argument("--rule", help="a registered clock rule (see --list)")
        parser.add_argument("--unit", choices=list(Deadline.Unit.values))
        parser.add_argument("--amount", type=int, help="the period's length in the unit (with --rule: overrides it)")
        parser.add_argument("--region", help="GB/T 2260 code of the calendar (default: the platform's city)")
        parser.add_argument("--no-roll-over", action="store_true", help="do not roll a day period over a rest day")
        parser.add_argument("--list", action="store_true", help="list every clock rule with its rule IDs")

    def handle(self, *args, **options):
        if options["list"]:
            for rule in registered_rules():
                amount = rule.resolved_amount()
                unit = str(Deadline.Unit(rule.unit).label) if rule.unit else "-"
                roll = ("roll-over: " + ("yes" if rule.roll_over else "no")) if rule.unit == Deadline.Unit.NATURAL_DAYS \
                    else "roll-over: n/a"
                self.stdout.write(f"{rule.key}\t{rule.rule_ids or '-'}\t{unit}\t{amount if amount is not None else '-'}"
                                  f"\t{roll}\t{rule.label}")
            return
        if not options["start"]:
            raise CommandError("--start is required (or --list)")
        start = _instant(options["start"])
        unit, amount, roll_over = options["unit"], options["amount"], not options["no_roll_over"]
        if options["rule"]:
            rule = rule_get(options["rule"])
            if rule is None or not rule.unit:
                raise CommandError(f"--rule: unknown clock rule {options['rule']!r} (see --list)")
            if unit and unit != rule.unit:
                raise CommandError(f"--unit: the rule {rule.key} counts in {rule.unit}")
            unit = rule.unit
            amount = amount if amount is not None else rule.resolved_amount()
            if amount is None:
                raise CommandError(f"--amount: the rule {rule.key} has no fixed length; give --amount")
            roll_over = roll_over and rule.roll_over
        elif not unit or amount is None:
            raise CommandError("give --rule, or --unit and --amount")
        if amount < 0:
            raise CommandError("--amount must be >= 0")
        region = options["region"] or calendar.platform_region()
        try:
            calendar.layers(region)
        except ValueError as exc:
            raise CommandError(f"--region: {exc}") from exc
        with calendar.memoized():
            due = compute_due_detail(starts_at=start, unit=unit, amount=amount, end_of_day_due=unit != Deadline.Unit.HOURS,
                                     roll_over=roll_over, region=region)
        self.stdout.write(due.due_at.astimezone(SHANGHAI).isoformat())
        self.stdout.write(f"provisional: {'yes' if due.provisional else 'no'}")
        self.stdout.write(f"rolled over: {'yes' if due.rolled_over else 'no'}"
                          + (f" (day {due.nominal_last_day.isoformat()} is a rest day)" if due.rolled_over else ""))
        self.stdout.write(f"region: {region} ({' > '.join(calendar.layers(region))})")
