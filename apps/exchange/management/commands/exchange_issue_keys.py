"""Issue exchange key pairs to organisations that have none (idempotent); ``--rotate`` rotates instead."""

from django.core.management.base import BaseCommand, CommandError

from apps.exchange.services import organization_keys_issue, organization_keys_rotate
from apps.parties.models import Organization
from apps.parties.rights import SystemActor


class Command(BaseCommand):
    help = ("为尚无交换密钥的单位签发签名（Ed25519）与加密（X25519）密钥，加 --sm 同时签发国密 SM2 签名与加密密钥；"
            "--rotate 轮换指定单位的密钥。")

    def add_arguments(self, parser):
        parser.add_argument("--rotate", action="store_true", help="轮换（停用旧密钥并签发新密钥），需配合 --org")
        parser.add_argument("--org", action="append", default=[], help="单位统一社会信用代码或编号，可重复")
        parser.add_argument("--sm", action="store_true", help="同时签发国密 SM2 签名与加密密钥")

    def _orgs(self, selectors):
        if not selectors:
            return list(Organization.objects.order_by("pk"))
        orgs = []
        for value in selectors:
            org = Organization.objects.filter(uscc=value.upper()).first()
            if org is None and value.isdigit():
                org = Organization.objects.filter(pk=int(value)).first()
            if org is None:
                raise CommandError(f"找不到单位 {value}")
            orgs.append(org)
        return orgs

    def handle(self, *args, rotate=False, org=(), sm=False, **options):
        if rotate and not org:
            raise CommandError("轮换密钥必须用 --org 指定单位。")
        total = 0
        actor = SystemActor("exchange_issue_keys")
        for organization in self._orgs(org):
            if rotate:
                created = organization_keys_rotate(organization=organization, actor=actor)
            else:
                created = organization_keys_issue(organization=organization, actor=actor,
                                                  families=("intl", "sm") if sm else ("intl",))
            for key in created:
                self.stdout.write(f"{organization.uscc} {organization.name}: {key.purpose} {key.key_id}")
            total += len(created)
        self.stdout.write(self.style.SUCCESS(f"签发密钥 {total} 个 / {total} key(s) issued"))
        from apps.exchange import pdfsign

        ca = pdfsign.document_ca()  # the document CA (idempotent; party certificates are issued at first signature)
        self.stdout.write(f"文书签名 CA / document CA: {ca.key_id} serial {ca.serial}")
