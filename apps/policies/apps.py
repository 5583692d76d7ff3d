from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "apps.policies"
    label = "policies"
    verbose_name = _("保单与核保")

    def ready(self) -> None:
        from apps.core import navigation
        from apps.core.schedule import register_periodic
        from apps.vehicles.timeline import register_timeline_source

        from . import imports, views

        imports.register()
        # rule M10: the demo standard, proposed and approved by the two demo associations, labelled as demo
        from apps.parties.management.commands.seed_demo import DEMO_SEEDERS

        from .demo import seed_demo_standard

        if seed_demo_standard not in DEMO_SEEDERS:
            DEMO_SEEDERS.append(seed_demo_standard)
        # Policies past their end move to `expired` (verification already treats them as not in force).
        register_periodic("policies-expire", "apps.policies.tasks.policies_expire", 3600)
        register_timeline_source("policies", views.policies_on_vehicle_timeline)

        readers = ["transport_officer", "regulator_staff", "insurance_association_staff"]
        navigation.register(_("保单"), "policies:list", roles=[*readers, "insurer_staff"], order=30, group="registers")
        navigation.register(_("保障标准"), "policies:standard", order=31, group="registers")
        navigation.register(_("保费计算"), "policies:calculator", roles=[*readers, "insurer_staff"], order=32, group="registers")
        navigation.register(_("核保规则检查"), "policies:underwriting",
                            roles=["regulator_staff", "insurance_association_staff", "insurer_staff"], order=33, group="registers")
