from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "apps.dashboard"
    label = "dashboard"
    verbose_name = _("工作台与报表")

    def ready(self) -> None:
        # in the body: AppConfig.ready() runs once every app's models are loaded
        from apps.core import navigation
        from apps.parties.models import Role

        chart_roles = [Role.TRANSPORT_OFFICER, Role.REGULATOR_STAFF, Role.INSURANCE_ASSOCIATION_STAFF,
                       Role.TAXI_ASSOCIATION_STAFF, Role.TAXI_COMPANY_STAFF, Role.INSURER_STAFF]
        navigation.register(_("监管看板"), "dashboard:charts", roles=chart_roles, order=10, group="overview")
        navigation.register(_("联合监管月报"), "dashboard:report",
                            roles=[Role.TRANSPORT_OFFICER, Role.REGULATOR_STAFF, Role.INSURANCE_ASSOCIATION_STAFF],
                            order=11, group="overview")
