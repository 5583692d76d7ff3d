from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VehiclesConfig(AppConfig):
    name = "apps.vehicles"
    label = "vehicles"
    verbose_name = _("车辆与驾驶员")
