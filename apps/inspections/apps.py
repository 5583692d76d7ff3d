from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "apps.inspections"
    label = "inspections"
    verbose_name = _("联合检查与行业培训")

    def ready(self) -> None:
        from apps.core import navigation
        from apps.core.rules import register_rule
        from apps.parties.management.commands.seed_demo import DEMO_SEEDERS
        from apps.parties.models import Role

        from . import handlers, services  # noqa: F401 - handlers register with the deadline scan
        from .demo import seed_demo_inspections

        register_rule(services.RECTIFICATION_RULE, _("联合检查通报整改期限（规则 M17）"))
        inspection_roles = [Role.TRANSPORT_OFFICER, Role.REGULATOR_STAFF, Role.INSURANCE_ASSOCIATION_STAFF,
                            Role.TAXI_ASSOCIATION_STAFF, Role.TAXI_COMPANY_STAFF, Role.INSURER_STAFF]
        training_roles = [Role.TRANSPORT_OFFICER, Role.REGULATOR_STAFF, Role.INSURANCE_ASSOCIATION_STAFF,
                          Role.TAXI_ASSOCIATION_STAFF, Role.TAXI_COMPANY_STAFF]
        navigation.register(_("联合检查"), "inspections:list", roles=inspection_roles, order=85, group="oversight")
        navigation.register(_("检查问题通报"), "inspections:notices", roles=inspection_roles, order=86,
                            group="oversight")
        navigation.register(_("行业培训"), "inspections:trainings", roles=training_roles, order=87, group="oversight")
        if seed_demo_inspections not in DEMO_SEEDERS:
            DEMO_SEEDERS.append(seed_demo_inspections)
