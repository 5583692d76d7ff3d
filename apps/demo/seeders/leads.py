"""Demo data of the leads app (``manage.py seed_demo``; idempotent): the first weights of the risk model, and two
draft leads flagged by the demo transport officer on vehicles of the registers' demo data, ready to push."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_noop

from apps.core.notifications import Text
from apps.leads import conf, services
from apps.leads.models import Lead, RiskModelWeights
from apps.parties.models import OrganizationKind, User
from apps.parties.rights import SystemActor
from apps.vehicles.models import Vehicle


def seed_demo(stdout) -> None:
    with transaction.atomic():
        if not RiskModelWeights.objects.exists():
            association = services.organization_of_kind(OrganizationKind.INSURANCE_ASSOCIATION)
            services.risk_weights_update(actor=SystemActor("leads.seed_demo", organization=association), weights={}, threshold=conf.risk_model_default_threshold(),
                                         note=Text(gettext_noop("初始版本（各特征使用默认权重）")))
        officer = User.objects.filter(organization__kind=OrganizationKind.TRANSPORT, is_active=True,
                                      is_system=False).order_by("id").first()
        if officer is None or Lead.objects.exists():
            return
        vehicles = list(Vehicle.objects.filter(plate__isnull=False, seats__lte=7).order_by("id")[:2])
        for vehicle in vehicles:
            services.lead_flag(
                actor=officer, plate=vehicle.plate,
                evidence="执法人员在柳州站出租车候客区发现该车揽客载客，按人收费（演示数据）。",
            )
    if vehicles:
        stdout.write(f"leads: {len(vehicles)} draft lead(s) for the demo transport officer")
