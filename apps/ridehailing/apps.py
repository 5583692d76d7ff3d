from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RideHailingConfig(AppConfig):
    name = "apps.ridehailing"
    label = "ridehailing"
    verbose_name = _("网约车监管数据")

    def ready(self) -> None:
        # in the body: AppConfig.ready() runs once every app's models are loaded
        from django.core import checks

        from apps.core import navigation
        from apps.parties.models import Role
        from apps.vehicles.worklist import register_worklist_section

        from . import onboarding, partitions, risk_features

        checks.register(partitions.check_retention_setting, "ridehailing")
        risk_features.register()  # rule M8
        register_worklist_section("ridehailing", template="ridehailing/_worklist_not_onboarded.html",
                                  context=onboarding.worklist_section)  # rule M9
        navigation.register(_("网约车数据接入"), "ridehailing:feeds",
                            roles=[Role.TRANSPORT_OFFICER, Role.REGULATOR_STAFF, Role.TAXI_COMPANY_STAFF], order=95,
                            group="registers")
