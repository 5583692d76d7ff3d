from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    name = "apps.credit"
    label = "credit"
    verbose_name = _("信用档案与监管措施")
