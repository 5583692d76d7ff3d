"""Rules M6, M8, M10: the insurance the ride-hailing platforms report against the insurers' register (as the
platform acting for the insurance regulator, like the daily beat job): findings and insurers' worklist items."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import ApplicationError
from apps.ridehailing.insurance_check import insurance_check_for_regulator


class Command(BaseCommand):
    help = "Findings and insurer worklist items: ride-hailing reported insurance that does not match the register."

    def handle(self, *args, **options):
        try:
            found = insurance_check_for_regulator()
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        for m in found:
            self.stdout.write(f"{m.plate}\t{m.insur_num}\t{m.kind}\t{'item' if m.item else '-'}")
