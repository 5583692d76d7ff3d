"""Load the demo organisations and one user per role (idempotent), then every app's demo data.

Demo passwords are printed; they are for a local demonstration only and the command refuses to run in
production.
"""

import json
import traceback
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.parties import services
from apps.parties.models import Organization, Role, User
from apps.parties.rights import SystemActor

DEMO_PASSWORD = "Liuzhou-2026"  # shown on screen by `make run`; demo data only
FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "demo_organizations.json"

# Other apps append callables ``fn(stdout) -> None`` to load their own demo data after the parties exist.
DEMO_SEEDERS: list = []


class Command(BaseCommand):
    help = "加载演示单位与演示账号（每个角色一个），并打印登录信息。"

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="不打印演示账号")

    def handle(self, *args, quiet_logins=False, **options):
        if settings.PRODUCTION:
            raise CommandError("生产环境不能加载演示数据。")
        actor = SystemActor("seed_demo")
        with transaction.atomic():
            for row in json.loads(FIXTURE.read_text(encoding="utf-8")):
                org = Organization.objects.filter(uscc=row["uscc"]).first() or services.organization_create(
                    kind=row["kind"], name=row["name"], short_name=row["short_name"], uscc=row["uscc"], actor=actor,
                )
                for u in row["users"]:
                    if not User.objects.filter(username=u["username"]).exists():
                        services.user_create(
                            organization=org, username=u["username"], password=DEMO_PASSWORD, full_name=u["full_name"],
                            is_staff=u["role"] == Role.PLATFORM_ADMIN, is_superuser=u["role"] == Role.PLATFORM_ADMIN,
                            actor=actor,
                        )
        failed = []
        for seeder in DEMO_SEEDERS:
            # One app's broken demo data must not keep the platform from starting: report it and go on.
            try:
                with transaction.atomic():  # a failing seeder leaves nothing half-written
                    seeder(self.stdout)
            except Exception:  # noqa: BLE001
                name = f"{seeder.__module__}.{seeder.__qualname__}"
                failed.append(name)
                self.stderr.write(f"演示数据加载失败 Demo data failed: {name}\n{traceback.format_exc()}")
        if not quiet_logins:
            self.print_logins()
        if failed:
            self.stderr.write(self.style.WARNING(f"部分演示数据未加载 Some demo data was not loaded: {', '.join(failed)}"))

    def print_logins(self):
        self.stdout.write("")
        self.stdout.write(f"演示账号 Demo logins（密码 password: {DEMO_PASSWORD}）")
        self.stdout.write("-" * 72)
        for user in User.objects.filter(is_system=False).select_related("organization").order_by("organization__kind", "username"):
            role = Role(user.role).label if user.role else ""
            self.stdout.write(f"  {user.username:<12} {DEMO_PASSWORD:<14} {role:<14} {user.organization}")
        self.stdout.write("-" * 72)
