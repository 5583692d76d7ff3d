"""When is it due? ``manage.py clock_due --start 2026-04-16T10:00+08:00 --rule claim.small_close``.

Prints the due instant in Asia/Shanghai (ISO 8601) on the first line, then whether the calendar was provisional
(a year without a published arrangement: computed statutory holidays) and whether the end rolled over a rest day
(Civil Code art. 203, rule T1). ``--list`` prints every rule of the one clock table (``apps.core.rules``): key,
rule IDs, unit, amount, roll-over, label. The computation is ``apps.core.whatif.due_preview``, shared with the API
and the admin calendar's "what if" preview.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.core import calendar, whatif
from apps.core.deadlines import SHANGHAI
from apps.core.models import Deadline
from apps.core.rules import registered_rules


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
        if not options["rule"] and (not options["unit"] or options["amount"] is None):
            raise CommandError("give --rule, or --unit and --amount")
        try:  # the one preview (apps/core/whatif.py): the computation a running clock of the rule uses
            preview = whatif.due_preview(start=start, rule=options["rule"], unit=options["unit"],
                                         amount=options["amount"], region=options["region"],
                                         roll_over=not options["no_roll_over"])
        except ValidationError as exc:
            field, messages = next(iter(exc.message_dict.items()))
            raise CommandError(f"--{field}: {' '.join(messages)}") from exc
        due, region = preview.due, preview.region
        self.stdout.write(due.due_at.astimezone(SHANGHAI).isoformat())
        self.stdout.write(f"provisional: {'yes' if due.provisional else 'no'}")
        self.stdout.write(f"rolled over: {'yes' if due.rolled_over else 'no'}"
                          + (f" (day {due.nominal_last_day.isoformat()} is a rest day)" if due.rolled_over else ""))
        self.stdout.write(f"region: {region} ({' > '.join(calendar.layers(region))})")
