"""Rule M5: vehicles with ride-hailing trips in a period and no valid ride-hailing transport permit become leads
of transport (as the platform acting for transport, like the daily beat job). Default period: yesterday (Beijing)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import ApplicationError
from apps.ridehailing.crosscheck import permit_check_for_transport


class Command(BaseCommand):
    help = "Leads for transport: vehicles with ride-hailing trips without a valid ride-hailing permit."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", help="YYYY-MM-DD (default: yesterday)")
        parser.add_argument("--to", dest="date_to", help="YYYY-MM-DD (default: the from date)")

    def handle(self, *args, date_from=None, date_to=None, **options):
        try:
            start = dt.date.fromisoformat(date_from) if date_from else None
            end = dt.date.fromisoformat(date_to) if date_to else None
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        try:
            findings = permit_check_for_transport(date_from=start, date_to=end)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        for f in findings:
            self.stdout.write(f"{f.plate}\t{f.days}\t{f.trips}\t{f.km}\t{f.lead.reference if f.lead else '-'}")
