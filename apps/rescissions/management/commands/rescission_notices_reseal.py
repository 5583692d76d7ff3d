"""Re-encrypt the stored notice PDFs under the newest ``PERSONAL_DATA_KEYS`` key (rule M3).

Run it after ``rotate_personal_data_keys`` and before removing an old key, and once after upgrading, to encrypt the
notices written before they were encrypted at rest. Each file is checked against its registered SHA-256 first and
replaced atomically; the command can be interrupted and run again.
"""

from django.core.management.base import BaseCommand, CommandError

from apps.rescissions import notices
from apps.rescissions.models import RescissionNotice


class Command(BaseCommand):
    help = "用最新的个人信息密钥重新加密已存储的合同解除文书 PDF。Re-encrypt stored notice PDFs under the newest key."

    def handle(self, *args, **options):
        done, failed = 0, []
        for notice in RescissionNotice.objects.order_by("pk").iterator():
            if notices.reseal(notice):
                done += 1
            else:
                failed.append(notice.doc_no)
        self.stdout.write(f"已重新加密 {done} 份文书 / {done} notices re-encrypted")
        if failed:
            raise CommandError(f"摘要不一致，未改动 / SHA-256 mismatch, left as they were: {', '.join(failed)}")
