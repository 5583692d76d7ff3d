"""The transparency log: ``sync`` (append what is missing and sign a head), ``heads`` (send the latest head to the
parties), ``proof <file>`` (inclusion of batches, consistency with an older head) and ``verify <file>``."""

from django.core.management.base import BaseCommand, CommandError

from apps.exchange import conf, evidence, keys, log
from apps.exchange.models import Batch, TreeHead


class Command(BaseCommand):
    help = "透明日志：sync 登记并签署树头；heads 向各方发送最新树头；proof 导出包含与一致性证明；verify 离线核验证明。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("sync")
        sub.add_parser("heads")
        proof = sub.add_parser("proof")
        proof.add_argument("file")
        proof.add_argument("--batch", action="append", default=[], help="批次编号，可重复")
        proof.add_argument("--from-size", type=int, help="持有的旧树头的条目数")
        verify = sub.add_parser("verify")
        verify.add_argument("file")

    def handle(self, *args, action, **options):
        if action == "sync":
            appended = log.log_sync()
            head = log.log_sign_head(trigger=TreeHead.Trigger.COMMAND, only_if_grown=False)
            log.log_timestamp_or_retry(head)
            self.stdout.write(f"登记 {appended} 条 / {appended} appended; 树头 tree head {head.tree_size} {head.root_hash}")
        elif action == "heads":
            self.stdout.write(f"发送 {log.log_distribute()} 个批次 / batches sent")
        elif action == "proof":
            batches = list(Batch.objects.filter(pk__in=options["batch"]))
            try:
                bundle = log.log_proof(batches=batches, from_size=options.get("from_size"))
            except LookupError as exc:
                raise CommandError(str(exc)) from exc
            evidence.dump(bundle, options["file"])
            self.stdout.write(f"已写入 {options['file']}")
        else:
            verdict = evidence.verify_log_bundle(evidence.load(options["file"]), roots=[keys.root().public_raw],
                                                 tsa_certs=conf.tsa_certificates())
            self.stdout.write(evidence.render_log(verdict))
            if not verdict.ok:
                raise CommandError("核验失败 / VERIFICATION FAILED", returncode=1)
