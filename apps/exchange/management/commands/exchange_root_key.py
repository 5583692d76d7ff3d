"""Print (or write to a file) the platform's exchange root public key.

    manage.py exchange_root_key [--out root.pub]

A party records this key once, independently of any archive, and verifies evidence archives against it:
``python -m apps.exchange.evidence verify <archive.json> --root root.pub``. Only the public half is printed.
"""

from pathlib import Path

from django.core.management.base import BaseCommand

from apps.exchange import evidence, keys


class Command(BaseCommand):
    help = "输出平台数据交换根公钥（Ed25519），供各方登记后离线核验存证。"
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("--out", help="写入该文件（而不是只输出到屏幕）")

    def handle(self, *args, out=None, **options):
        text = evidence.root_file_text(keys.root())
        if out:
            Path(out).write_text(text, encoding="utf-8")
        self.stdout.write(text, ending="")
