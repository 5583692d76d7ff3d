"""Generate a realistic city (placeholder while the generator is being written)."""

from django.core.management.base import BaseCommand


def seed_demo_city(stdout) -> None:
    return None


class Command(BaseCommand):
    help = "生成演示城市数据。"

    def handle(self, *args, **options):
        return None
