from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VehiclesConfig(AppConfig):
    name = "apps.vehicles"
    label = "vehicles"
    verbose_name = _("车辆与驾驶员")

    def ready(self) -> None:
        # in the body: AppConfig.ready() runs once every app's models are loaded
        from apps.core import navigation

        from . import imports, timeline

        imports.register()
        timeline.register_sources()

        registers = ["transport_officer", "regulator_staff", "insurance_association_staff", "taxi_association_staff",
                     "taxi_company_staff", "insurer_staff"]
        navigation.register(_("车辆"), "vehicles:list", roles=registers, order=20, group="registers")
        navigation.register(_("运输证"), "vehicles:permits", roles=registers, order=21, group="registers")
        navigation.register(_("驾驶员"), "vehicles:drivers", roles=[r for r in registers if r != "insurer_staff"],
                            order=22, group="registers")
        navigation.register(_("上线核查"), "vehicles:onboarding", roles=["taxi_company_staff"], order=23, group="registers")
        navigation.register(_("待处理车辆"), "vehicles:worklist", roles=["taxi_company_staff"], order=24, group="registers")
        navigation.register(_("批量导入"), "import-list",
                            roles=["transport_officer", "taxi_company_staff", "insurer_staff"], order=90, group="registers")
