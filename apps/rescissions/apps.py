from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RescissionsConfig(AppConfig):
    name = "apps.rescissions"
    label = "rescissions"
    verbose_name = _("合同解除")
