"""Insurance verification: "how is this vehicle insured at instant T" (rules M1, M6, M9–M11, M15, J7).

The ONE place that answers it; leads, screening, onboarding and claims call it, nothing re-implements it.

* ``verify_vehicle(vehicle, at)`` — the readable reference implementation (ORM, a handful of queries).
* ``verify_vehicles(vehicles, at)`` — the set-based version for screening lists of 100,000 vehicles: ONE SQL
  statement (CTEs with joins, window functions and aggregations in PostgreSQL), whatever the number of
  vehicles. Both return the same ``Verification`` objects; the test-suite checks they agree case by case.

Definitions (identical in both):
* a policy is *in force* at T when ``starts_at <= T < ends_at`` and it was neither rescinded nor cancelled at or
  before T (``Policy.in_force_q``);
* a permit is *valid* at T on the Asia/Shanghai date of T, unless revoked at or before T;
* the vehicle is *operating* when it holds a valid permit (either kind) or is online in a company ledger;
* finding: ``not_in_scope`` when seats > 7 (rule M1); else ``uninsured`` without any policy in force; else
  ``insured_as_non_operating`` when any policy in force insures a non-operating usage nature (rule M6:
  未按营运性质投保); else ``insured_as_operating``;
* double compulsory insurance (rule J7): two or more compulsory policies in force at T; all but the
  earliest-starting one (ties: lowest id) are to be cancelled;
* coverage gaps (rule M10) against the standard in force on the date of T, for vehicles in scope: for each
  requirement, the coverage kinds it accepts are looked up among the policies in force (a policy always covers
  its own kind; its coverage lines add kinds and limits) and the best limit / per-seat limit per kind is compared
  with the minimum.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.db import connection, models
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from apps.core.deadlines import local_date
from apps.vehicles.conf import VEHICLE_SCOPE_MAX_SEATS
from apps.vehicles.models import OperatingPermit, Vehicle
from apps.vehicles.usage import OPERATING_NATURES, nature_label, usage_class

from .models import Coverage, CoverageKind, CoverageStandard, Policy, PolicyKind


class Finding(models.TextChoices):
    INSURED_AS_OPERATING = "insured_as_operating", _("按营运性质投保")
    INSURED_AS_NON_OPERATING = "insured_as_non_operating", _("按非营运性质投保")
    UNINSURED = "uninsured", _("未投保")
    NOT_IN_SCOPE = "not_in_scope", _("不在范围内（7 座以上）")


@dataclass(frozen=True)
class PermitInfo:
    id: int
    number: str
    kind: str
    valid_from: dt.date
    valid_to: dt.date


@dataclass(frozen=True)
class PolicyInfo:
    id: int
    insurer_id: int
    insurer_name: str
    number: str
    kind: str
    usage_nature: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    coverage_kinds: tuple[str, ...] = ()

    @property
    def usage_class(self) -> str | None:
        return usage_class(self.usage_nature)

    @property
    def usage_label(self) -> str:
        return nature_label(self.usage_nature)

    @property
    def kind_label(self) -> str:
        return str(PolicyKind(self.kind).label)


def _yuan(value: Decimal | None) -> str:
    if value is None:
        return "—"
    if value >= 10000 and value % 10000 == 0:
        return _("%(n)s 万元") % {"n": f"{value / 10000:,.0f}"}
    return _("%(n)s 元") % {"n": f"{value:,.2f}"}


@dataclass(frozen=True)
class CoverageGap:
    kind: str
    required_limit: Decimal
    required_per_seat_limit: Decimal | None
    actual_limit: Decimal | None
    actual_per_seat_limit: Decimal | None
    missing: bool

    @property
    def kind_label(self) -> str:
        return str(CoverageKind(self.kind).label)

    @property
    def message(self) -> str:
        """Chinese reason, e.g. "第三者责任险限额 50 万元，低于保障标准要求的 100 万元（规则 M10）"."""
        if self.missing:
            return _("缺少%(kind)s（保障标准要求，规则 M10）。") % {"kind": self.kind_label}
        parts = []
        if self.required_limit and (self.actual_limit is None or self.actual_limit < self.required_limit):
            parts.append(_("%(kind)s限额 %(actual)s，低于保障标准要求的 %(required)s") % {
                "kind": self.kind_label, "actual": _yuan(self.actual_limit), "required": _yuan(self.required_limit)})
        if self.required_per_seat_limit is not None and (
                self.actual_per_seat_limit is None or self.actual_per_seat_limit < self.required_per_seat_limit):
            parts.append(_("%(kind)s每座限额 %(actual)s，低于保障标准要求的每座 %(required)s") % {
                "kind": self.kind_label, "actual": _yuan(self.actual_per_seat_limit),
                "required": _yuan(self.required_per_seat_limit)})
        return "；".join(parts) + _("（规则 M10）。")


@dataclass(frozen=True)
class Verification:
    vehicle_id: int
    at: dt.datetime
    seats: int
    in_scope: bool
    registered_usage_nature: str
    online: bool
    valid_permits: tuple[PermitInfo, ...]
    is_operating: bool
    policies: tuple[PolicyInfo, ...]
    usage_natures_insured: tuple[str, ...]
    finding: str
    double_compulsory: bool
    double_compulsory_to_cancel: tuple[int, ...]
    standard_id: int | None
    required_kinds: tuple[str, ...]
    coverage_gaps: tuple[CoverageGap, ...]
    extra: dict = field(default_factory=dict, compare=False)

    # --- derived views --------------------------------------------------------------------------------------
    @property
    def has_valid_permit(self) -> bool:
        return bool(self.valid_permits)

    @property
    def policies_by_kind(self) -> dict[str, list[PolicyInfo]]:
        out: dict[str, list[PolicyInfo]] = defaultdict(list)
        for p in self.policies:
            out[p.kind].append(p)
        return dict(out)

    @property
    def insurer_ids(self) -> tuple[int, ...]:
        return tuple(sorted({p.insurer_id for p in self.policies}))

    @property
    def finding_label(self) -> str:
        return str(Finding(self.finding).label)

    @property
    def wrongly_insured(self) -> bool:
        """An operating vehicle that is uninsured or insured as non-operating (rules M6, M15)."""
        return self.is_operating and self.finding in (Finding.UNINSURED, Finding.INSURED_AS_NON_OPERATING)

    @property
    def earliest_end(self) -> dt.datetime | None:
        return min((p.ends_at for p in self.policies), default=None)

    def as_dict(self) -> dict:
        """JSON-ready (dates ISO, money as strings)."""
        def conv(value):
            if isinstance(value, (dt.datetime, dt.date)):
                return value.isoformat()
            if isinstance(value, Decimal):
                return str(value)
            if isinstance(value, (list, tuple)):
                return [conv(v) for v in value]
            if isinstance(value, dict):
                return {k: conv(v) for k, v in value.items()}
            return value

        data = conv({k: v for k, v in asdict(self).items() if k != "extra"})
        data["finding_label"] = self.finding_label
        data["wrongly_insured"] = self.wrongly_insured
        for gap, gap_obj in zip(data["coverage_gaps"], self.coverage_gaps, strict=True):
            gap["message"] = gap_obj.message
        return data


# --- shared pieces -----------------------------------------------------------------------------------------------


def _standard_at(day: dt.date) -> CoverageStandard | None:
    from django.db.models import Q

    return (CoverageStandard.objects.filter(effective_from__lte=day)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day))
            .order_by("-effective_from", "-id").first())


def _finding(in_scope: bool, policies: Iterable[PolicyInfo]) -> str:
    policies = list(policies)
    if not in_scope:
        return Finding.NOT_IN_SCOPE
    if not policies:
        return Finding.UNINSURED
    if any(p.usage_nature not in OPERATING_NATURES for p in policies):
        return Finding.INSURED_AS_NON_OPERATING
    return Finding.INSURED_AS_OPERATING


# --- reference implementation ------------------------------------------------------------------------------------


def verify_vehicle(vehicle: Vehicle | int, at: dt.datetime) -> Verification:
    """How ``vehicle`` is insured at instant ``at`` (aware datetime)."""
    if not isinstance(vehicle, Vehicle):
        vehicle = Vehicle.objects.get(pk=vehicle)
    day = local_date(at)
    permits = tuple(
        PermitInfo(p.id, p.number, p.kind, p.valid_from, p.valid_to)
        for p in OperatingPermit.objects.filter(vehicle=vehicle).order_by("id") if p.is_valid_at(at)
    )
    rows = list(Policy.objects.filter(vehicle=vehicle).filter(Policy.in_force_q(at)).select_related("insurer"))
    coverages: dict[int, list[Coverage]] = defaultdict(list)
    for c in Coverage.objects.filter(policy__in=[p.id for p in rows]):
        coverages[c.policy_id].append(c)
    policies = tuple(sorted(
        (PolicyInfo(p.id, p.insurer_id, p.insurer.name, p.number, p.kind, p.usage_nature_insured, p.starts_at,
                    p.ends_at, tuple(sorted(c.kind for c in coverages[p.id]))) for p in rows),
        key=lambda p: (p.kind, p.starts_at, p.id),
    ))
    in_scope = vehicle.seats <= VEHICLE_SCOPE_MAX_SEATS
    compulsory = sorted((p for p in policies if p.kind == PolicyKind.COMPULSORY), key=lambda p: (p.starts_at, p.id))

    standard = _standard_at(day)
    requirements = sorted(standard.requirements.all(), key=lambda r: r.policy_kind) if standard else []
    gaps: list[CoverageGap] = []
    if in_scope and requirements:
        present: set[str] = set()
        best_limit: dict[str, Decimal] = {}
        best_seat: dict[str, Decimal] = {}
        for p in rows:
            present.add(p.kind)
            for c in coverages[p.id]:
                present.add(c.kind)
                best_limit[c.kind] = max(best_limit.get(c.kind, c.limit), c.limit)
                if c.per_seat_limit is not None:
                    best_seat[c.kind] = max(best_seat.get(c.kind, c.per_seat_limit), c.per_seat_limit)
        for r in requirements:
            kinds = [k for k in r.kinds if k in present]

            def ok(k, r=r):
                limit_ok = r.min_limit == 0 or (k in best_limit and best_limit[k] >= r.min_limit)
                seat_ok = r.min_per_seat_limit is None or (k in best_seat and best_seat[k] >= r.min_per_seat_limit)
                return limit_ok and seat_ok

            if any(ok(k) for k in kinds):
                continue
            limits = [best_limit[k] for k in kinds if k in best_limit]
            seats = [best_seat[k] for k in kinds if k in best_seat]
            gaps.append(CoverageGap(
                kind=r.policy_kind, required_limit=r.min_limit, required_per_seat_limit=r.min_per_seat_limit,
                actual_limit=max(limits) if limits else None, actual_per_seat_limit=max(seats) if seats else None,
                missing=not kinds,
            ))
    return Verification(
        vehicle_id=vehicle.pk, at=at, seats=vehicle.seats, in_scope=in_scope,
        registered_usage_nature=vehicle.usage_nature, online=vehicle.online, valid_permits=permits,
        is_operating=bool(permits) or vehicle.online, policies=policies,
        usage_natures_insured=tuple(sorted({p.usage_nature for p in policies})),
        finding=_finding(in_scope, policies), double_compulsory=len(compulsory) > 1,
        double_compulsory_to_cancel=tuple(sorted(p.id for p in compulsory[1:])),
        standard_id=standard.pk if standard else None,
        required_kinds=tuple(r.policy_kind for r in requirements), coverage_gaps=tuple(gaps),
    )


# --- set-based implementation ------------------------------------------------------------------------------------

_SQL = """
WITH v AS (
    SELECT id, seats, online, usage_nature FROM vehicles_vehicle WHERE {vehicle_filter}
),
perm AS (
    SELECT p.vehicle_id,
           json_agg(json_build_object('id', p.id, 'number', p.number, 'kind', p.kind,
                    'valid_from', p.valid_from, 'valid_to', p.valid_to) ORDER BY p.id) AS permits
    FROM vehicles_operatingpermit p JOIN v ON v.id = p.vehicle_id
    WHERE p.valid_from <= %(day)s AND p.valid_to >= %(day)s AND (p.revoked_at IS NULL OR p.revoked_at > %(at)s)
    GROUP BY p.vehicle_id
),
pol AS (
    SELECT p.id, p.vehicle_id, p.insurer_id, p.number, p.kind, p.usage_nature_insured, p.starts_at, p.ends_at,
           row_number() OVER (PARTITION BY p.vehicle_id, p.kind ORDER BY p.starts_at, p.id) AS rn
    FROM policies_policy p JOIN v ON v.id = p.vehicle_id
    WHERE p.starts_at <= %(at)s AND p.ends_at > %(at)s
      AND (p.rescinded_at IS NULL OR p.rescinded_at > %(at)s)
      AND (p.cancelled_at IS NULL OR p.cancelled_at > %(at)s)
),
cov AS (
    SELECT c.policy_id, pol.vehicle_id, c.kind, c."limit" AS lim, c.per_seat_limit AS ps
    FROM policies_coverage c JOIN pol ON pol.id = c.policy_id
),
covkinds AS (
    SELECT policy_id, array_agg(kind ORDER BY kind COLLATE "C") AS kinds FROM cov GROUP BY policy_id
),
present AS (
    SELECT vehicle_id, kind, max(lim) AS lim, max(ps) AS ps FROM (
        SELECT vehicle_id, kind, lim, ps FROM cov
        UNION ALL
        SELECT vehicle_id, kind, NULL, NULL FROM pol
    ) x GROUP BY vehicle_id, kind
),
std AS (
    SELECT id FROM policies_coveragestandard
    WHERE effective_from <= %(day)s AND (effective_to IS NULL OR effective_to >= %(day)s)
    ORDER BY effective_from DESC, id DESC LIMIT 1
),
req AS (
    SELECT r.id, r.policy_kind, r.min_limit, r.min_per_seat_limit,
           array_prepend(r.policy_kind::varchar, r.alternative_kinds) AS kinds
    FROM policies_coveragerequirement r JOIN std ON std.id = r.standard_id
),
reqmatch AS (
    SELECT pr.vehicle_id, req.id AS req_id, max(pr.lim) AS lim, max(pr.ps) AS ps,
           coalesce(bool_or((req.min_limit = 0 OR pr.lim >= req.min_limit)
                            AND (req.min_per_seat_limit IS NULL OR pr.ps >= req.min_per_seat_limit)), false) AS ok
    FROM present pr JOIN req ON pr.kind = ANY(req.kinds)
    GROUP BY pr.vehicle_id, req.id
),
gaps AS (
    SELECT v.id AS vehicle_id,
           json_agg(json_build_object(
               'kind', req.policy_kind, 'required_limit', req.min_limit::text,
               'required_per_seat_limit', req.min_per_seat_limit::text,
               'actual_limit', m.lim::text, 'actual_per_seat_limit', m.ps::text, 'missing', m.req_id IS NULL
           ) ORDER BY req.policy_kind COLLATE "C") AS gaps
    FROM v CROSS JOIN req LEFT JOIN reqmatch m ON m.vehicle_id = v.id AND m.req_id = req.id
    WHERE v.seats <= %(max_seats)s AND NOT coalesce(m.ok, false)
    GROUP BY v.id
),
polagg AS (
    SELECT pol.vehicle_id,
           count(*) AS n,
           bool_or(NOT (pol.usage_nature_insured = ANY(%(operating)s))) AS any_non_operating,
           array_agg(DISTINCT pol.usage_nature_insured COLLATE "C" ORDER BY pol.usage_nature_insured COLLATE "C") AS natures,
           count(*) FILTER (WHERE pol.kind = 'compulsory') AS n_compulsory,
           coalesce(array_agg(pol.id ORDER BY pol.id) FILTER (WHERE pol.kind = 'compulsory' AND pol.rn > 1),
                    '{{}}') AS to_cancel
           {policy_json}
    FROM pol {policy_join}
    GROUP BY pol.vehicle_id
)
SELECT v.id, v.seats, v.online, v.usage_nature, perm.permits,
       CASE WHEN v.seats > %(max_seats)s THEN 'not_in_scope'
            WHEN polagg.n IS NULL THEN 'uninsured'
            WHEN polagg.any_non_operating THEN 'insured_as_non_operating'
            ELSE 'insured_as_operating' END AS finding,
       coalesce(polagg.natures, '{{}}') AS natures,
       coalesce(polagg.n_compulsory, 0) > 1 AS double_compulsory,
       coalesce(polagg.to_cancel, '{{}}') AS to_cancel,
       (SELECT id FROM std) AS standard_id,
       (SELECT coalesce(array_agg(policy_kind::text ORDER BY policy_kind COLLATE "C"), '{{}}') FROM req)
           AS required_kinds,
       gaps.gaps
       {policy_select}
FROM v
LEFT JOIN perm ON perm.vehicle_id = v.id
LEFT JOIN polagg ON polagg.vehicle_id = v.id
LEFT JOIN gaps ON gaps.vehicle_id = v.id
"""

_POLICY_JSON = """,
           json_agg(json_build_object(
               'id', pol.id, 'insurer_id', pol.insurer_id, 'insurer_name', o.name, 'number', pol.number,
               'kind', pol.kind, 'usage_nature', pol.usage_nature_insured,
               'starts_at', pol.starts_at, 'ends_at', pol.ends_at, 'coverage_kinds', coalesce(ck.kinds, '{}')
           ) ORDER BY pol.kind COLLATE "C", pol.starts_at, pol.id) AS policies"""
_POLICY_JOIN = """JOIN parties_organization o ON o.id = pol.insurer_id
    LEFT JOIN covkinds ck ON ck.policy_id = pol.id"""


def _dt(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def _dec(value: str | None) -> Decimal | None:
    return Decimal(value) if value is not None else None


def verify_vehicles(
    vehicles: QuerySet | Iterable[int], at: dt.datetime, *, with_policies: bool = True,
) -> dict[int, Verification]:
    """Set-based verification: ``{vehicle_id: Verification}`` for a queryset of vehicles or an iterable of ids,
    in ONE SQL statement. ``with_policies=False`` leaves the policy list out (findings, double compulsory and gaps
    are still computed) — cheaper for city-wide screening."""
    params: dict = {
        "at": at, "day": local_date(at), "max_seats": VEHICLE_SCOPE_MAX_SEATS,
        "operating": sorted(str(n) for n in OPERATING_NATURES),
    }
    if isinstance(vehicles, QuerySet):
        sub_sql, sub_params = vehicles.values("pk").query.sql_with_params()
        # the subquery uses %s placeholders: turn them into named ones so both styles do not mix
        names = []
        for i, value in enumerate(sub_params):
            params[f"sub{i}"] = value
            names.append(f"%(sub{i})s")
        sub_sql = sub_sql.replace("%%", "\x00") % tuple(names) if names else sub_sql
        sub_sql = sub_sql.replace("\x00", "%%")
        vehicle_filter = f"id IN ({sub_sql})"
    else:
        params["ids"] = [int(i) for i in vehicles]
        vehicle_filter = "id = ANY(%(ids)s)"
    sql = _SQL.format(
        vehicle_filter=vehicle_filter,
        policy_json=_POLICY_JSON if with_policies else "",
        policy_join=_POLICY_JOIN if with_policies else "",
        policy_select=", polagg.policies" if with_policies else "",
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [c.name for c in cursor.description]
        rows = cursor.fetchall()

    results: dict[int, Verification] = {}
    for raw in rows:
        row = dict(zip(columns, raw, strict=True))
        permits = tuple(
            PermitInfo(p["id"], p["number"], p["kind"], dt.date.fromisoformat(p["valid_from"]),
                       dt.date.fromisoformat(p["valid_to"]))
            for p in _json(row["permits"])
        )
        policies = tuple(
            PolicyInfo(p["id"], p["insurer_id"], p["insurer_name"], p["number"], p["kind"], p["usage_nature"],
                       _dt(p["starts_at"]), _dt(p["ends_at"]), tuple(p["coverage_kinds"]))
            for p in _json(row.get("policies"))
        )
        gaps = tuple(
            CoverageGap(g["kind"], Decimal(g["required_limit"]), _dec(g["required_per_seat_limit"]),
                        _dec(g["actual_limit"]), _dec(g["actual_per_seat_limit"]), g["missing"])
            for g in _json(row["gaps"])
        )
        results[row["id"]] = Verification(
            vehicle_id=row["id"], at=at, seats=row["seats"], in_scope=row["seats"] <= VEHICLE_SCOPE_MAX_SEATS,
            registered_usage_nature=row["usage_nature"], online=row["online"], valid_permits=permits,
            is_operating=bool(permits) or row["online"], policies=policies,
            usage_natures_insured=tuple(row["natures"]), finding=row["finding"],
            double_compulsory=row["double_compulsory"], double_compulsory_to_cancel=tuple(sorted(row["to_cancel"])),
            standard_id=row["standard_id"], required_kinds=tuple(row["required_kinds"]), coverage_gaps=gaps,
        )
    return results


def _json(value) -> list:
    if value is None:
        return []
    return json.loads(value) if isinstance(value, str) else value

