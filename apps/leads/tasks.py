"""Celery tasks of the leads app: thin wrappers around the services (registered with Celery beat in apps.py)."""

from __future__ import annotations

from celery import shared_task

from apps.parties.models import OrganizationKind
from apps.parties.rights import SystemActor


@shared_task(name="apps.leads.tasks.push_lawful_list", acks_late=True)
def push_lawful_list() -> dict:
    """Rule M6: Celery beat pushes the lawful operating vehicle list (every LAWFUL_LIST_PUSH_SECONDS)."""

    from .screening import lawful_list_push
    from .services import organization_of_kind

    transport = organization_of_kind(OrganizationKind.TRANSPORT)
    run = lawful_list_push(actor=SystemActor("leads.push_lawful_list", organization=transport))
    return {"run": run.pk, "vehicles": run.vehicle_count}


@shared_task(name="apps.leads.tasks.run_risk_model", acks_late=True)
def run_risk_model() -> dict:
    """Rule M8: Celery beat runs the risk identification model (every RISK_MODEL_RUN_SECONDS). The run is a
    preview: association staff confirm it before any lead is sent to transport."""

    from .risk import risk_model_run
    from .services import organization_of_kind

    association = organization_of_kind(OrganizationKind.INSURANCE_ASSOCIATION)
    run = risk_model_run(actor=SystemActor("leads.run_risk_model", organization=association))
    return {"run": run.pk, "scored": run.vehicles_scored, "flagged": run.flagged, "state": run.state}
