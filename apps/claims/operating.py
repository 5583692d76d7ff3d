"""Rule M15: was the vehicle operating when the accident happened, while the claim's policy insured it as
non-operating?

The judgement is on the claim's OWN policy: the usage nature that policy insures (营运 / 非营运), whether it was in
force at the accident — never the vehicle's other policies (a compulsory policy insured as non-operating says
nothing about a commercial policy of the same vehicle insured as operating, and vice versa). Whether the vehicle
was operating comes from the vehicle (the registers' verification service gives the valid permits). Evidence that
it was operating, each item with its source:

* ``permit`` — a road transport permit valid at the accident (from the same verification result);
* ``ledger`` — the vehicle was online in a platform company's ledger at the accident;
* ``lead``   — a confirmed illegal-operation lead about the vehicle, within ``CLAIM_OPERATING_EVIDENCE_DAYS``;
* ``penalty`` — a transport penalty on the vehicle within ``CLAIM_OPERATING_EVIDENCE_DAYS``.

The result is a flag for the insurer (the decision to cover or refuse stays the insurer's).
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from apps.core.deadlines import local_date
from apps.leads.models import Lead, Penalty, Status
from apps.policies.verification import verify_vehicle
from apps.vehicles.conf import VEHICLE_SCOPE_MAX_SEATS

from . import conf


def _iso(value) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value) if value is not None else ""


def insured_usage_at(policy, at: dt.datetime) -> str:
    """How the claim's own ``policy`` insured the vehicle at ``at``: "operating" | "non_operating" (its usage
    nature insured), "not_in_force" when the policy was not in force then, "not_in_scope" for a vehicle of more
    than 7 seats (rule M1)."""

    if policy.vehicle.seats is not None and policy.vehicle.seats > VEHICLE_SCOPE_MAX_SEATS:
        return "not_in_scope"
    if not policy.in_force_at(at):
        return "not_in_force"
    return policy.usage_class or ""


def operating_evidence(claim) -> tuple[str, list[dict]]:
    """(how the claim's own policy insured the vehicle at the accident, evidence that it was operating then)."""

    vehicle, at = claim.vehicle, claim.occurred_at
    usage = insured_usage_at(claim.policy, at)
    result = verify_vehicle(vehicle, at)  # the permits valid at the accident (the register's one answer)
    evidence: list[dict] = []
    for permit in getattr(result, "valid_permits", []) or []:
        evidence.append({
            "kind": "permit",
            "label": _("出险时持有效运输证 %(number)s（有效期至 %(to)s）") % {
                "number": getattr(permit, "number", ""), "to": _iso(getattr(permit, "valid_to", ""))},
        })
    if vehicle.company_id and vehicle.online and vehicle.online_since and vehicle.online_since <= at:
        evidence.append({
            "kind": "ledger",
            "label": _("出险时在%(company)s台账中处于上线运营状态（%(since)s 起）") % {
                "company": vehicle.company, "since": local_date(vehicle.online_since).isoformat()},
        })
    days = dt.timedelta(days=conf.operating_evidence_days())
    day = local_date(at)

    for lead in Lead.objects.filter(
        vehicle=vehicle, status__in=[Status.CONFIRMED, Status.DISPOSED], dismissed_reason="",
        created_at__gte=at - days, created_at__lte=at + days,
    ).order_by("created_at")[:5]:
        if lead.status == Status.DISPOSED and "dismissed" in (lead.disposals or []):
            continue
        evidence.append({
            "kind": "lead",
            "label": _("非法营运线索 %(ref)s 经核实确认（%(day)s）") % {
                "ref": lead.reference, "day": local_date(lead.checked_at or lead.created_at).isoformat()},
            "lead": lead.pk,
        })
    for penalty in Penalty.objects.filter(
        vehicle=vehicle, decided_on__gte=day - days, decided_on__lte=day + days,
    ).order_by("decided_on")[:5]:
        evidence.append({
            "kind": "penalty",
            "label": _("交通运输部门处罚决定 %(no)s（%(day)s）") % {
                "no": penalty.decision_no, "day": penalty.decided_on.isoformat()},
            "penalty": penalty.pk,
        })
    return usage, evidence
