"""Print the whole table of who may do what (``manage.py rights``), or apply it (``--apply``)."""

from django.core.management.base import BaseCommand

from apps.parties import rights


class Command(BaseCommand):
    help = "Print the role × action table (apps/*/rights.py); --apply makes the role groups hold exactly it."

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="grant what is missing and revoke what is not listed")

    def handle(self, *args, apply=False, **options):
        if apply:
            for role, (granted, revoked) in rights.apply().items():
                self.stdout.write(f"{role}: +{granted} -{revoked}")
            return
        self.stdout.write(rights.matrix_text(), ending="")
