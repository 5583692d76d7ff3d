"""Rule M5: vehicles with ride-hailing trips in a period and no valid ride-hailing transport permit become leads
of transport (as the platform acting for transport). Default period: yesterday (Beijing)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.parties.models import Organization, OrganizationKind
from apps.parties.rights import SystemActor
from apps.ridehailing.crosscheck import permit_check
from apps.ridehailing.interfaces import BEIJING


class Command(BaseCommand):
    help = "Leads for transport: vehicles with ride-hailing trips without a valid ride-hailing permit."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", help="YYYY-MM-DD (default: yesterday)")
        parser.add_argument("--to", dest="date_to", help="YYYY-MM-DD (default: the from date)")

    def handle(self, *args, date_from=None, date_to=None, **options):
        yesterday = timezone.now().astimezone(BEIJING).date() - dt.timedelta(days=1)
        try:
            start = dt.date.fromisoformat(date_from) if date_from else yesterday
            end = dt.date.fromisoformat(date_to) if date_to else start
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        transport = Organization.objects.filter(kind=OrganizationKind.TRANSPORT, is_active=True).order_by("id").first()
        if transport is None:
            raise CommandError("no active transport bureau")
        try:
            findings = permit_check(actor=SystemActor("ridehailing.permit_check", organization=transport),
                                    date_from=start, date_to=end)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        for f in findings:
            self.stdout.write(f"{f.plate}\t{f.days}\t{f.trips}\t{f.km}\t{f.lead.reference if f.lead else '-'}")
