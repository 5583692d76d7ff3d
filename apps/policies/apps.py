from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "apps.policies"
    label = "policies"
    verbose_name = _("保单与核保")

    def ready(self) -> None:
        # in the body: AppConfig.ready() runs once every app's models are loaded
        from apps.core import navigation
        from apps.core.models import Deadline
        from apps.core.rules import register_rule
        from apps.vehicles.timeline import register_timeline_source

        from . import imports, onboarding, vehicle_cover, views

        imports.register()
        onboarding.register()  # rule M9: onboarding checks and the company worklist (apps.vehicles.cover)
        vehicle_cover.register()  # what vehicle pages read of a vehicle's insurance (apps.vehicles.cover)

        from . import conf, services

        # Rules M6, J8, J9: the insurer's period to record an endorsement it owes (POLICY_ENDORSEMENT_DAYS)
        register_rule(services.ENDORSEMENT_RULE, _("保单批改期限（保险公司，规则 M6、J8、J9）"), rule_ids="M6, J8, J9",
                      legal_basis=_("交强险承保实务规程：使用性质变更应批改并按日费率调整保费（J8）；保险期间内危险程度"
                                    "增加未通知的，批改并按保单年度重新核定保费（J9）；合法营运车辆清单比对发现按非营运投保的，"
                                    "批改（M6）。种子文件未规定期限：POLICY_ENDORSEMENT_DAYS，默认 15 日"),
                      unit=Deadline.Unit.NATURAL_DAYS, amount=conf.endorsement_days, roll_over=True)
        register_timeline_source("policies", views.policies_on_vehicle_timeline)

        readers = ["transport_officer", "regulator_staff", "insurance_association_staff"]
        navigation.register(_("保单"), "policies:list", roles=[*readers, "insurer_staff"], order=30, group="registers")
        navigation.register(_("保障标准"), "policies:standard", order=31, group="registers")
        navigation.register(_("保费计算"), "policies:calculator", roles=[*readers, "insurer_staff"], order=32, group="registers")
        navigation.register(_("核保规则检查"), "policies:underwriting",
                            roles=["regulator_staff", "insurance_association_staff", "insurer_staff"], order=33, group="registers")
