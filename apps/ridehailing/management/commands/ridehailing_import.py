"""Import a file of ride-hailing records (JSON lines: one record per line, in the interface's field names) through
the same service as the API, as the feed's organisation. The file is stored in deliveries of at most
RIDEHAILING_MAX_RECORDS records, each one transaction (docs/ridehailing.md)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import ApplicationError
from apps.parties.rights import SystemActor
from apps.ridehailing import services
from apps.ridehailing.interfaces import FIELDS
from apps.ridehailing.models import Delivery, Feed


class Command(BaseCommand):
    help = "Import ride-hailing records (JSON lines) for one interface, as one feed."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--feed", required=True, help="the feed's name")
        parser.add_argument("--interface", required=True, choices=sorted(FIELDS))

    def handle(self, *args, path, feed, interface, **options):
        source = Path(path)
        if not source.is_file():
            raise CommandError(f"no such file: {path}")
        the_feed = Feed.objects.select_related("organization").filter(name=feed).first()
        if the_feed is None:
            raise CommandError(f"no feed named {feed!r}")
        actor = SystemActor("ridehailing.import", organization=the_feed.organization)
        size = services.max_records()
        chunk: list = []
        totals = {"deliveries": 0, "total": 0, "stored": 0, "unchanged": 0, "superseded": 0, "rejected": 0}

        def flush():
            if not chunk:
                return
            try:
                delivery, results = services.ingest(feed=the_feed, interface=interface, records=list(chunk),
                                                    actor=actor, source=Delivery.Source.FILE, file_name=source.name)
            except ApplicationError as exc:
                raise CommandError(exc.message) from exc
            totals["deliveries"] += 1
            for key in ("total", "stored", "unchanged", "superseded", "rejected"):
                totals[key] += getattr(delivery, key)
            for r in results:
                for e in r["errors"]:
                    self.stderr.write(f"{delivery.number} #{r['index'] + 1}: {e['message']}")
            chunk.clear()

        with source.open(encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                try:
                    chunk.append(json.loads(line))
                except json.JSONDecodeError:
                    chunk.append(line.strip()[:80])  # reported as "not a JSON object", stores nothing
                if len(chunk) >= size:
                    flush()
        flush()
        self.stdout.write(json.dumps(totals, ensure_ascii=False))
