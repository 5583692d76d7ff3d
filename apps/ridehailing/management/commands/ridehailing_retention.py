"""Drop the raw operating-data partitions older than RIDEHAILING_RAW_RETENTION_DAYS (as the daily beat job does);
refuses a retention below 6 months."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import ApplicationError
from apps.parties.rights import SystemActor
from apps.ridehailing import services


class Command(BaseCommand):
    help = "Drop raw ride-hailing operating partitions older than the retention setting."

    def handle(self, *args, **options):
        try:
            dropped = services.retention_sweep(actor=SystemActor("ridehailing.retention"))
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write("\n".join(dropped) if dropped else "nothing to drop")
