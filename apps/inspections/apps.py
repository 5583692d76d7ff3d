from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "apps.inspections"
    label = "inspections"
    verbose_name = _("联合检查与行业培训")

    def ready(self) -> None:
        # in the body: AppConfig.ready() runs once every app's models are loaded
        from apps.core import home, navigation
        from apps.core.models import Deadline
        from apps.core.rules import register_rule
        from apps.parties.models import Role

        from . import conf, handlers, services  # noqa: F401 - handlers register with the deadline scan

        # Rule M17: the party notified of a joint inspection's problems rectifies within INSPECTION_RECTIFICATION_DAYS
        # natural days (each notice states its own number, passed when its clock starts).
        register_rule(services.RECTIFICATION_RULE, _("联合检查通报整改期限（规则 M17）"), rule_ids="M17",
                      legal_basis=_("网约车保险工作通知：相关部门会同两个行业协会定期指导、适时开展联合检查，"
                                    "通报发现的问题并督促改正（种子文件未规定整改期限：INSPECTION_RECTIFICATION_DAYS，默认 30 日）"),
                      unit=Deadline.Unit.NATURAL_DAYS, amount=conf.rectification_days)
        inspection_roles = [Role.TRANSPORT_OFFICER, Role.REGULATOR_STAFF, Role.INSURANCE_ASSOCIATION_STAFF,
                            Role.TAXI_ASSOCIATION_STAFF, Role.TAXI_COMPANY_STAFF, Role.INSURER_STAFF]
        training_roles = [Role.TRANSPORT_OFFICER, Role.REGULATOR_STAFF, Role.INSURANCE_ASSOCIATION_STAFF,
                          Role.TAXI_ASSOCIATION_STAFF, Role.TAXI_COMPANY_STAFF]
        navigation.register(_("联合检查"), "inspections:list", roles=inspection_roles, order=85, group="oversight")
        navigation.register(_("检查问题通报"), "inspections:notices", roles=inspection_roles, order=86,
                            group="oversight")
        navigation.register(_("行业培训"), "inspections:trainings", roles=training_roles, order=87, group="oversight")
        from . import panels

        associations = [Role.INSURANCE_ASSOCIATION_STAFF, Role.TAXI_ASSOCIATION_STAFF]
        home.register("inspections.own", "inspections/panel_inspections.html", panels.inspections_panel,
                      roles=associations, order=13)
        home.register("inspections.trainings", "inspections/panel_trainings.html", panels.trainings_panel,
                      roles=[Role.TAXI_ASSOCIATION_STAFF], order=13)
