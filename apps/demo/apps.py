from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo and benchmark data: ``manage.py seed_demo`` (the demo organisations, one user per role, then every
    app's demo data: ``apps.demo.seeders``, run in the order of its ``SEEDERS``) and ``manage.py generate_city``
    (a realistic city of registers and policies).

    Above every domain app in the layers (``.importlinter``), since it writes the registers of all of them; no app
    imports it."""

    name = "apps.demo"
    label = "demo"
    verbose_name = _("演示数据")
