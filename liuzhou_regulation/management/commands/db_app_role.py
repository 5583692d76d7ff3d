"""Create or refresh the application's database role: rows only, owns nothing (docs/operations.md §5).

    DATABASE_URL=<owner url> manage.py db_app_role --role liuzhou_app [--password-env APP_DB_PASSWORD]

Run as the owner of the tables, after ``migrate`` (the compose ``migrate`` service and ``make run`` do). A command of
the project package, next to the role setup it runs (``dbroles``), not of the kernel below it (layers).
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from liuzhou_regulation import dbroles


class Command(BaseCommand):
    help = "创建或更新应用数据库角色（只有增删改查权限，不拥有任何表），须以表的所有者身份运行。"

    def add_arguments(self, parser):
        parser.add_argument("--role", required=True, help="应用连接数据库所用的角色名")
        parser.add_argument("--password-env", help="从该环境变量读取角色密码（不设则不改密码）")

    def handle(self, *args, role, password_env=None, **options):
        password = dbroles.password_from_environment(password_env) if password_env else None
        if password_env and not password:
            raise CommandError(f"环境变量 {password_env} 为空 / {password_env} is empty")
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                dbroles.ensure_app_role(cursor, role=role, password=password)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"应用数据库角色已就绪 / application role ready: {role}")
