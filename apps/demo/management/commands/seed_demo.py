"""Load the demo organisations and one user per role (idempotent), then every app's demo data (the seeders of
``apps.demo.seeders``, in the order of its ``SEEDERS``).

Demo passwords are printed; they are for a local demonstration only and the command refuses to run in
production.
"""

import json
import traceback
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from apps.demo import seeders
from apps.parties import services
from apps.parties.models import Organization, Role, User
from apps.parties.rights import SystemActor

DEMO_PASSWORD = "Liuzhou-2026"  # shown on screen by `make run`; demo data only
FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "demo_organizations.json"


class Command(BaseCommand):
    help = "加载演示单位与演示账号（每个角色一个），并打印登录信息。"

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="不打印演示账号")
        parser.add_argument("--logins-only", action="store_true", help="只打印演示账号，不加载数据（make run 最后一步）")
        parser.add_argument("--url", default="", help="同时打印平台地址")
        parser.add_argument("--logs", default="", help="同时打印日志目录")

    def handle(self, *args, quiet_logins=False, logins_only=False, url="", logs="", **options):
        if settings.PRODUCTION:
            raise CommandError("生产环境不能加载演示数据。")
        if logins_only:
            self.print_logins(url=url, logs=logs)
            return
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
        for seeder in seeders.SEEDERS:
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

    def print_logins(self, url="", logs=""):
        """One block in one language (the platform's default): the address, the logins, where the logs are."""
        with translation.override(settings.LANGUAGE_CODE):
            rule = "-" * 72
            lines = ["", rule]
            if url:
                lines.append(_("平台已启动：%(url)s（按 Ctrl-C 停止）") % {"url": url})
            lines.append(_("演示账号（密码均为 %(password)s）：") % {"password": DEMO_PASSWORD})
            users = User.objects.filter(is_system=False).select_related("organization")
            rows = [(user.username, str(Role(user.role).label) if user.role else "", str(user.organization))
                    for user in users.order_by("organization__kind", "username")]
            name_width = max((_width(name) for name, _role, _org in rows), default=0) + 2
            role_width = max((_width(role) for _name, role, _org in rows), default=0) + 2
            lines.extend(f"  {_pad(name, name_width)}{_pad(role, role_width)}{org}" for name, role, org in rows)
            if logs:
                lines.append(_("日志（Web 请求、Celery worker 与 beat）：%(path)s") % {"path": logs})
            lines.append(rule)
        self.stdout.write("\n".join(lines))


def _width(text: str) -> int:
    """Terminal columns ``text`` takes (a Chinese character takes two)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    """``text`` left-aligned in ``width`` terminal columns."""
    return text + " " * max(width - _width(text), 0)
