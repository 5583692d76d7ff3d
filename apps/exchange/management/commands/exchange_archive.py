"""Export a batch with its receipt as one evidence archive, or verify such an archive offline.

    manage.py exchange_archive export <batch_id> <file.json>
    manage.py exchange_archive verify <file.json> [--root <key or file>] [--registry <registry.json>]
    manage.py exchange_archive registry <registry.json> [--uscc <code>]

``verify`` reads only the file (no database query) and checks its keys against the platform's own root key, or
against the roots given with ``--root``; ``python -m apps.exchange.evidence verify <file> --root <key>`` does the
same without Django at all. It exits with status 1 when the archive does not verify. ``registry`` writes the key
registry (every key entry with its custody, revocation and proof of possession, endorsed by the platform root) —
the file a verifier keeps and passes with ``--registry``.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.exchange import conf, evidence
from apps.parties.rights import SystemActor


class Command(BaseCommand):
    help = "导出交换批次存证（批次、回执、签名、公钥），或离线核验存证文件。"
    requires_system_checks: list = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="导出存证")
        export.add_argument("batch_id")
        export.add_argument("file")
        verify = sub.add_parser("verify", help="离线核验存证")
        verify.add_argument("file")
        verify.add_argument("--root", action="append", default=[],
                            help="平台根公钥（Base64）或保存它的文件，可重复；默认本平台的根公钥")
        verify.add_argument("--registry", default=None, help="独立获取的密钥登记簿文件（lz-key-registry/1）")
        registry = sub.add_parser("registry", help="导出经平台根密钥背书的密钥登记簿")
        registry.add_argument("file")
        registry.add_argument("--uscc", default=None, help="只导出该统一社会信用代码单位的密钥")

    def handle(self, *args, action=None, **options):
        if action == "export":
            return self.export(options["batch_id"], options["file"])
        if action == "registry":
            from apps.exchange.selectors import key_registry

            evidence.dump(key_registry(uscc=options["uscc"]), options["file"])
            self.stdout.write(self.style.SUCCESS(f"已导出密钥登记簿 / key registry written: {options['file']}"))
            return None
        return self.verify(options["file"], options["root"], options["registry"])

    def export(self, batch_id: str, path: str) -> None:
        from apps.exchange.models import Batch
        from apps.exchange.services import batch_archive_export

        try:
            batch = Batch.objects.select_related("sender", "recipient").get(pk=batch_id)
        except (Batch.DoesNotExist, ValidationError, ValueError):
            raise CommandError(f"找不到批次 / no batch {batch_id}") from None
        if not batch.receipt:
            raise CommandError(f"批次尚无接收方回执，不能导出存证 / batch {batch_id} has no receipt (state {batch.state})")
        archive = batch_archive_export(actor=SystemActor("exchange_archive"), batch=batch, via="command")
        evidence.dump(archive, path)
        self.stdout.write(self.style.SUCCESS(f"已导出存证 / archive written: {path}"))

    def verify(self, path: str, root_values: list[str], registry: str | None = None) -> None:
        from apps.exchange import keys

        try:
            roots = [raw for value in root_values for raw in evidence.parse_roots(value)]
        except (OSError, ValueError) as exc:
            raise CommandError(f"平台根公钥无法读取 / cannot read the root public key: {exc}") from None
        verdict = evidence.verify_file(path, roots=roots or [keys.root().public_raw], registry=registry,
                                       tsa_certs=conf.tsa_certificates())
        self.stdout.write(evidence.render(verdict))
        if not verdict.ok:
            raise CommandError("存证核验失败 / archive does not verify", returncode=1)
