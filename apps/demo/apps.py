from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo and benchmark data: ``manage.py generate_city`` (a realistic city of registers and policies).

    Above every domain app in the layers (``.importlinter``), since it writes the registers of several of them;
    no app imports it. Its seeder of the demo city runs in ``seed_demo`` where this app stands in INSTALLED_APPS
    (after vehicles, before policies' coverage standard, as it did from vehicles)."""

    name = "apps.demo"
    label = "demo"
    verbose_name = _("演示数据")

    def ready(self) -> None:
        # in the body: AppConfig.ready() runs once every app's models are loaded
        from apps.parties.management.commands.seed_demo import DEMO_SEEDERS

        from .management.commands.generate_city import seed_demo_city

        DEMO_SEEDERS.add(seed_demo_city)
