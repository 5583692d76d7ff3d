"""The insurance a ride-hailing platform reports against the insurers' register (rules M6, M8, M10).

Each current, not deleted ``baseInfoVehicleInsurance`` record whose reported period covers the check day
(``InsurEff ≤ day ≤ InsurExp``; a missing date does not limit it), of a vehicle in the vehicle register, is looked
up in the policy register by its ``InsurNum`` and the vehicle. A mismatch, by precedence:

* ``rh_unknown_policy`` — the register holds no policy of that number for that vehicle;
* ``rh_expired`` — it does, but the policy is not in force at the check instant (ended, rescinded, cancelled:
  the verification's own definition of "in force", the ``pol`` CTE of ``apps.policies.verification``);
* ``rh_non_operating`` — the policy in force insures a non-operating usage nature (rule M6, 未按营运性质投保);
* ``rh_below_standard`` — the reported amount ``InsurCount`` is below the minimum limit of the coverage standard
  in force (rule M10) for the policy's kind (a reference: a warning, except 交强险).

ONE statement finds them all: the verification statement's CTEs (``verification_statement``) for the vehicles
concerned, followed by a SELECT joining the reported records to the register. Each mismatch becomes a screening
finding of the regulator (``leads.ScreeningFinding``, no list) and, where the insurer is known (the register's
policy, else the insurer whose name is the reported ``InsurCom``), an item of that insurer's worklist
(``leads.InsurerWorklistItem`` of kind 网约车平台报送保险信息核对). A record already found with the same kind gets no
second finding nor item.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.deadlines import deadline_start
from apps.core.errors import ApplicationError
from apps.core.errors import ErrorCode as CoreErrorCode
from apps.leads.models import InsurerWorklistItem, ScreeningFinding
from apps.leads.services import WORKLIST_ANSWER_RULE
from apps.parties import rights
from apps.parties.models import Organization, OrganizationKind
from apps.parties.rights import SystemActor
from apps.policies.verification import verification_statement
from apps.vehicles.models import Vehicle
from apps.vehicles.usage import OPERATING_NATURES

KIND_ORDER = ("rh_unknown_policy", "rh_expired", "rh_non_operating", "rh_below_standard")


@dataclass
class Mismatch:
    kind: str
    company_id: str
    plate: str
    vehicle_id: int
    insur_num: str
    insur_com: str
    insur_type: str
    insur_count: Decimal | None
    policy_id: int | None
    insurer_id: int | None
    required: Decimal | None
    finding: object = None
    item: object = None


# after the verification statement's CTEs (``pol``: the policies in force, its one definition); the standard's
# minimums and the operating natures are parameters
_TAIL = """,
std AS (SELECT * FROM unnest(%(rh_kinds)s::text[], %(rh_minimums)s::numeric[]) AS t(kind, min_limit)),
rep AS (
    SELECT i.id, c.company_id, i.vehicle_no, i.insur_num, i.data->>'InsurCom' AS insur_com,
           coalesce(i.data->>'InsurType', '') AS insur_type, nullif(i.data->>'InsurCount', '')::numeric AS amount,
           vv.id AS vehicle_id
    FROM ridehailing_vehicleinsuranceversion i
    JOIN ridehailing_platformcompany c ON c.id = i.company_id
    JOIN vehicles_vehicle vv ON vv.plate = i.vehicle_no
    WHERE i.is_current AND NOT i.deleted
      AND (i.insur_eff IS NULL OR i.insur_eff <= %(day)s) AND (i.insur_exp IS NULL OR i.insur_exp >= %(day)s)
)
SELECT rep.company_id, rep.vehicle_no, rep.vehicle_id, rep.insur_num, rep.insur_com, rep.insur_type, rep.amount,
       p.id, coalesce(p.insurer_id, ins.id),
       CASE WHEN p.id IS NULL THEN 'rh_unknown_policy'
            WHEN pol.id IS NULL THEN 'rh_expired'
            WHEN NOT (pol.nature = ANY(%(rh_operating)s::text[])) THEN 'rh_non_operating'
            WHEN rep.amount < std.min_limit THEN 'rh_below_standard' END AS kind,
       std.min_limit
FROM rep
LEFT JOIN policies_policy p ON p.number = rep.insur_num AND p.vehicle_id = rep.vehicle_id
LEFT JOIN pol ON pol.id = p.id
LEFT JOIN std ON std.kind = p.kind
LEFT JOIN LATERAL (SELECT o.id FROM parties_organization o WHERE o.kind = 'insurer' AND o.name = rep.insur_com
                   ORDER BY o.id LIMIT 1) ins ON true
ORDER BY rep.company_id, rep.vehicle_no, rep.insur_num
"""


def insurance_mismatches(at: dt.datetime) -> list[Mismatch]:
    """The reported insurance records that do not match the register at ``at`` (one statement)."""

    from .models import VehicleInsuranceVersion

    plates = VehicleInsuranceVersion.objects.filter(is_current=True, deleted=False).values("vehicle_no")
    requirements = []

    def tail(decoder):
        requirements.extend(decoder.requirements)
        return _TAIL

    sql, params = verification_statement(Vehicle.objects.filter(plate__in=plates), at, tail)
    params.update(rh_kinds=[r.policy_kind for r in requirements], rh_minimums=[r.min_limit for r in requirements],
                  rh_operating=sorted(OPERATING_NATURES))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [Mismatch(company_id=r[0], plate=r[1], vehicle_id=r[2], insur_num=r[3], insur_com=r[4] or "",
                     insur_type=r[5], insur_count=r[6], policy_id=r[7], insurer_id=r[8], kind=r[9], required=r[10])
            for r in rows if r[9]]


def _text(m: Mismatch) -> str:
    base = _("网约车平台公司 %(company)s 报送：号牌 %(plate)s 保单 %(num)s（%(com)s，%(type)s，保险金额 %(count)s 元）。") % {
        "company": m.company_id, "plate": m.plate, "num": m.insur_num, "com": m.insur_com or "—",
        "type": m.insur_type or "—", "count": m.insur_count if m.insur_count is not None else "—"}
    reason = {
        "rh_unknown_policy": _("保单登记中没有该车辆的这一保单号。"),
        "rh_expired": _("保单登记中该保单在核对时不在保险期间内（已到期、已解除或已退保）。"),
        "rh_non_operating": _("保单登记中该保单按非营运性质承保（规则 M6）。"),
        "rh_below_standard": _("保险金额低于现行保障标准的最低责任限额 %(min)s 元（规则 M10）。") % {"min": m.required},
    }[m.kind]
    return base + reason


@transaction.atomic
def insurance_check(*, actor, at: dt.datetime | None = None) -> list[Mismatch]:
    """Rules M6, M8: a screening finding of the regulator for each mismatch and a worklist item for its insurer.
    ``actor`` is the regulator (a person with the review right, or the platform acting for it)."""

    rights.require(actor, "leads.review_screeningfinding", _("只有金融监管部门可以进行网约车保险信息比对。"))
    at = at or timezone.now()
    mismatches = insurance_mismatches(at)
    if not mismatches:
        return mismatches
    keys = {f"rh:{m.company_id}:{m.plate}:{m.insur_num}:{m.kind}" for m in mismatches}
    done = set(InsurerWorklistItem.objects.filter(row_key__in=keys).values_list("row_key", flat=True))
    seen = set(ScreeningFinding.objects.filter(run__isnull=True, kind__in=KIND_ORDER,
                                               plate__in={m.plate for m in mismatches})
               .values_list("plate", "kind", "finding"))
    insurers = Organization.objects.in_bulk({m.insurer_id for m in mismatches if m.insurer_id})
    new = [m for m in mismatches if (m.plate, m.kind, _text(m)) not in seen]
    findings = ScreeningFinding.objects.bulk_create([
        ScreeningFinding(vehicle_id=m.vehicle_id, insurer_id=m.insurer_id, policy_id=m.policy_id, kind=m.kind,
                         plate=m.plate, finding=_text(m), dispatched_at=at if m.insurer_id else None)
        for m in new])
    for m, f in zip(new, findings, strict=True):
        m.finding = f
        key = f"rh:{m.company_id}:{m.plate}:{m.insur_num}:{m.kind}"
        if m.insurer_id and key not in done:
            m.item = InsurerWorklistItem.objects.create(
                insurer_id=m.insurer_id, kind=InsurerWorklistItem.Kind.RIDE_HAILING_INSURANCE, row_key=key,
                screening_finding=f, policy_id=m.policy_id, vehicle_id=m.vehicle_id, plate=m.plate,
                summary=_text(m) + _("请核对贵公司承保记录并答复。"), received_at=at)
            deadline_start(rule=WORKLIST_ANSWER_RULE, subject=m.item, responsible=insurers[m.insurer_id],
                           starts_at=at, actor=actor)
            done.add(key)
    return mismatches


def insurance_check_for_regulator(*, at: dt.datetime | None = None) -> list[Mismatch]:
    """The platform acting for the insurance regulator (Celery beat, daily; ``manage.py ridehailing_insurance_check``)."""

    regulator = Organization.objects.filter(kind=OrganizationKind.REGULATOR, is_active=True).order_by("id").first()
    if regulator is None:
        raise ApplicationError(_("平台中没有启用的金融监管部门，无法比对。"), code=CoreErrorCode.ORGANIZATION_MISSING)
    return insurance_check(actor=SystemActor("ridehailing.insurance_check", organization=regulator), at=at)
