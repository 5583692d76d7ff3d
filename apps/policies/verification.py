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
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.db import connection, models
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.deadlines import local_date
from apps.vehicles.conf import VEHICLE_SCOPE_MAX_SEATS
from apps.vehicles.models import OperatingPermit, Vehicle
from apps.vehicles.usage import OPERATING_NATURES, nature_label, usage_class

from .models import Coverage, CoverageKind, CoverageStandard, Policy, PolicyKind


class Finding(models.TextChoices):
    INSURED_AS_OPERATING = "insured_as_operating", gettext_lazy("按营运性质投保")
    INSURED_AS_NON_OPERATING = "insured_as_non_operating", gettext_lazy("按非营运性质投保")
    UNINSURED = "uninsured", gettext_lazy("未投保")
    NOT_IN_SCOPE = "not_in_scope", gettext_lazy("不在范围内（7 座以上）")


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
    def policies_by_insurer(self) -> dict[int, list[PolicyInfo]]:
        out: dict[int, list[PolicyInfo]] = defaultdict(list)
        for p in self.policies:
            out[p.insurer_id].append(p)
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

# One statement, built for the standard in force (its few requirements become columns). Every aggregate is a plain
# GROUP BY without ORDER BY or DISTINCT over at most the policies in force, so PostgreSQL hashes instead of sorting:
#   pol  — policies in force at T for the vehicles asked about;
#   vk   — per (vehicle, kind): policies of that kind (count, any non-operating) joined with the best coverage
#          limits of that kind;
#   agg  — per vehicle: totals, and for each requirement whether it is met, with the best limits it found.
# The few elements of each vehicle's lists (permits, policies, compulsory policies) are put in order when the row is
# read. Lists come back as PostgreSQL arrays in binary (psycopg's C loaders), never JSON.
_SQL = """
WITH v AS (
    SELECT id, seats, online, usage_nature FROM vehicles_vehicle WHERE {vehicle_filter}
),
perm AS (
    SELECT p.vehicle_id, array_agg(p.id) AS ids, array_agg(p.number) AS numbers, array_agg(p.kind) AS kinds,
           array_agg(p.valid_from) AS froms, array_agg(p.valid_to) AS tos
    FROM vehicles_operatingpermit p JOIN v ON v.id = p.vehicle_id
    WHERE p.valid_from <= %(day)s AND p.valid_to >= %(day)s AND (p.revoked_at IS NULL OR p.revoked_at > %(at)s)
    GROUP BY p.vehicle_id
),
pol AS (
    SELECT p.id, p.vehicle_id, p.insurer_id, p.kind, p.usage_nature_insured AS nature, p.starts_at
           {policy_columns}
    FROM policies_policy p JOIN v ON v.id = p.vehicle_id
    WHERE p.starts_at <= %(at)s AND p.ends_at > %(at)s
      AND (p.rescinded_at IS NULL OR p.rescinded_at > %(at)s)
      AND (p.cancelled_at IS NULL OR p.cancelled_at > %(at)s)
),
pk AS (
    SELECT vehicle_id, kind, count(*) AS n, bool_or(NOT (nature = ANY(%(operating)s))) AS non_operating
    FROM pol GROUP BY vehicle_id, kind
),
cov AS (
    SELECT pol.vehicle_id, c.kind, max(c."limit") AS lim, max(c.per_seat_limit) AS ps
    FROM policies_coverage c JOIN pol ON pol.id = c.policy_id
    GROUP BY pol.vehicle_id, c.kind
),
vk AS (
    SELECT coalesce(pk.vehicle_id, cov.vehicle_id) AS vehicle_id, coalesce(pk.kind, cov.kind) AS kind,
           coalesce(pk.n, 0) AS n, coalesce(pk.non_operating, false) AS non_operating, cov.lim, cov.ps
    FROM pk FULL JOIN cov ON cov.vehicle_id = pk.vehicle_id AND cov.kind = pk.kind
),
agg AS (
    SELECT vehicle_id, sum(n) AS n, bool_or(non_operating) AS any_non_operating
           {requirement_columns}
    FROM vk GROUP BY vehicle_id
),
natures AS (
    SELECT vehicle_id, array_agg(nature) AS natures
    FROM (SELECT DISTINCT vehicle_id, nature FROM pol) x GROUP BY vehicle_id
),
dc AS (
    SELECT vehicle_id, array_agg(id) AS ids, array_agg(extract(epoch FROM starts_at)) AS starts
    FROM pol WHERE kind = 'compulsory' GROUP BY vehicle_id HAVING count(*) > 1
){policy_cte}
SELECT v.id, v.seats, v.online, v.usage_nature,
       perm.ids AS permit_ids, perm.numbers AS permit_numbers, perm.kinds AS permit_kinds,
       perm.froms AS permit_froms, perm.tos AS permit_tos,
       CASE WHEN v.seats > %(max_seats)s THEN 'not_in_scope'
            WHEN coalesce(agg.n, 0) = 0 THEN 'uninsured'
            WHEN agg.any_non_operating THEN 'insured_as_non_operating'
            ELSE 'insured_as_operating' END AS finding,
       natures.natures, dc.ids AS dc_ids, dc.starts AS dc_starts
       {requirement_select}
       {policy_select}
FROM v
LEFT JOIN perm ON perm.vehicle_id = v.id
LEFT JOIN agg ON agg.vehicle_id = v.id
LEFT JOIN natures ON natures.vehicle_id = v.id
LEFT JOIN dc ON dc.vehicle_id = v.id
{policy_join}
"""

# Per requirement i: is any accepted kind present; the best limits among them; is one of them good enough alone.
_REQUIREMENT_COLUMNS = """,
           bool_or(kind = ANY(%(k{i})s)) AS present{i},
           max(lim) FILTER (WHERE kind = ANY(%(k{i})s)) AS lim{i},
           max(ps) FILTER (WHERE kind = ANY(%(k{i})s)) AS ps{i},
           bool_or(kind = ANY(%(k{i})s)
                   AND (%(m{i})s::numeric = 0 OR lim >= %(m{i})s::numeric)
                   AND (%(s{i})s::numeric IS NULL OR ps >= %(s{i})s::numeric)) AS ok{i}"""
_REQUIREMENT_SELECT = """,
       agg.present{i} AS present{i}, agg.lim{i} AS lim{i}, agg.ps{i} AS ps{i}, agg.ok{i} AS ok{i}"""

_POLICY_COLUMNS = ", p.number, p.ends_at"
_POLICY_CTE = """,
ck AS (
    SELECT c.policy_id, array_to_string(array_agg(c.kind), ',') AS kinds
    FROM policies_coverage c JOIN pol ON pol.id = c.policy_id GROUP BY c.policy_id
),
plist AS (
    SELECT pol.vehicle_id,
           array_agg(pol.id) AS ids, array_agg(pol.insurer_id) AS insurers, array_agg(pol.number) AS numbers,
           array_agg(pol.kind) AS kinds, array_agg(pol.nature) AS natures,
           array_agg((extract(epoch FROM pol.starts_at) * 1000000)::bigint) AS starts,
           array_agg((extract(epoch FROM pol.ends_at) * 1000000)::bigint) AS ends,
           array_agg(coalesce(ck.kinds, '')) AS coverages
    FROM pol LEFT JOIN ck ON ck.policy_id = pol.id
    GROUP BY pol.vehicle_id
)"""
_POLICY_SELECT = """, plist.ids AS p_ids, plist.insurers AS p_insurers, plist.numbers AS p_numbers,
       plist.kinds AS p_kinds, plist.natures AS p_natures, plist.starts AS p_starts, plist.ends AS p_ends,
       plist.coverages AS p_coverages"""
_POLICY_JOIN = "LEFT JOIN plist ON plist.vehicle_id = v.id"

# Large hashes stay in memory for this one statement (set for it, then restored).
_WORK_MEM = "128MB"


def verify_vehicles(
    vehicles: QuerySet | Iterable[int], at: dt.datetime, *, with_policies: bool = True,
) -> dict[int, Verification]:
    """Set-based verification: ``{vehicle_id: Verification}`` for a queryset of vehicles or an iterable of ids.

    A constant number of SQL queries whatever the number of vehicles: the standard in force (two small queries),
    ONE statement for all the vehicles, and the insurer names when ``with_policies``. ``with_policies=False``
    leaves the policy list out (findings, double compulsory and gaps are still computed) — the cheaper form for
    city-wide screening.
    """
    import psycopg
    from django.db import transaction

    from apps.parties.models import Organization

    day = local_date(at)
    standard = _standard_at(day)
    requirements = sorted(standard.requirements.all(), key=lambda r: r.policy_kind) if standard else []
    params: dict = {
        "at": at, "day": day, "max_seats": VEHICLE_SCOPE_MAX_SEATS,
        "operating": sorted(str(n) for n in OPERATING_NATURES),
    }
    for i, r in enumerate(requirements):
        params[f"k{i}"] = list(r.kinds)
        params[f"m{i}"] = r.min_limit
        params[f"s{i}"] = r.min_per_seat_limit
    if isinstance(vehicles, QuerySet):
        sub_sql, sub_params = vehicles.order_by().values("pk").query.sql_with_params()
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
        requirement_columns="".join(_REQUIREMENT_COLUMNS.format(i=i) for i in range(len(requirements))),
        requirement_select="".join(_REQUIREMENT_SELECT.format(i=i) for i in range(len(requirements))),
        policy_columns=_POLICY_COLUMNS if with_policies else "",
        policy_cte=_POLICY_CTE if with_policies else "",
        policy_select=_POLICY_SELECT if with_policies else "",
        policy_join=_POLICY_JOIN if with_policies else "",
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('work_mem'), set_config('work_mem', %s, true)", [_WORK_MEM])
        previous_work_mem = cursor.fetchone()[0]
        # binary results with server-side parameters: no text formatting in PostgreSQL and no text parsing here
        # (psycopg's C loaders); Django's own cursors bind on the client side, which cannot return binary.
        with psycopg.Cursor(connection.connection) as raw:
            raw.execute(sql, params, binary=True)
            columns = tuple(c.name for c in raw.description)
            rows = raw.fetchall()
        # back to the caller's value: SET LOCAL would otherwise outlive this savepoint in an outer transaction
        cursor.execute("SELECT set_config('work_mem', %s, true)", [previous_work_mem])
    insurer_names: dict[int, str] = {}
    if with_policies:
        insurer_names = dict(Organization.objects.filter(kind="insurer").values_list("id", "name"))

    context = _RowContext(at, standard.pk if standard else None, tuple(r.policy_kind for r in requirements),
                          requirements, insurer_names, with_policies)
    return {row[0]: _from_row(row, columns, context) for row in rows}


@dataclass(frozen=True)
class _RowContext:
    at: dt.datetime
    standard_id: int | None
    required_kinds: tuple[str, ...]
    requirements: list
    insurer_names: dict
    with_policies: bool


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _instant(micros: int) -> dt.datetime:
    # timestamps travel as epoch microseconds: integers load in C, far cheaper than timestamptz values
    return _EPOCH + dt.timedelta(microseconds=micros)


def _sorted(items, key=None) -> tuple:
    return tuple(items) if len(items) < 2 else tuple(sorted(items, key=key))


def _from_row(row, columns, ctx: _RowContext) -> Verification:
    r = dict(zip(columns, row, strict=True))
    seats, online = r["seats"], r["online"]
    in_scope = seats <= VEHICLE_SCOPE_MAX_SEATS
    permit_ids = r["permit_ids"]
    permits = _sorted([PermitInfo(*values) for values in zip(
        permit_ids, r["permit_numbers"], r["permit_kinds"], r["permit_froms"], r["permit_tos"], strict=True)]
    ) if permit_ids else ()
    policies: tuple[PolicyInfo, ...] = ()
    if ctx.with_policies and r["p_ids"]:
        names = ctx.insurer_names
        policies = _sorted([
            PolicyInfo(pid, insurer, names.get(insurer, ""), number, kind, nature, _instant(starts), _instant(ends),
                       _sorted(coverage.split(",")) if coverage else ())
            for pid, insurer, number, kind, nature, starts, ends, coverage in zip(
                r["p_ids"], r["p_insurers"], r["p_numbers"], r["p_kinds"], r["p_natures"], r["p_starts"], r["p_ends"],
                r["p_coverages"], strict=True)
        ], key=lambda p: (p.kind, p.starts_at, p.id))
    gaps = []
    if in_scope:
        for i, req in enumerate(ctx.requirements):
            if not r[f"ok{i}"]:
                gaps.append(CoverageGap(req.policy_kind, req.min_limit, req.min_per_seat_limit, r[f"lim{i}"],
                                        r[f"ps{i}"], not r[f"present{i}"]))
    to_cancel: tuple[int, ...] = ()
    if r["dc_ids"]:
        ordered = sorted(zip(r["dc_starts"], r["dc_ids"], strict=True))  # rule J7: the earliest-starting one stays
        to_cancel = tuple(sorted(pid for _start, pid in ordered[1:]))
    natures = r["natures"]
    return Verification(
        vehicle_id=r["id"], at=ctx.at, seats=seats, in_scope=in_scope,
        registered_usage_nature=r["usage_nature"], online=online, valid_permits=permits,
        is_operating=bool(permits) or online, policies=policies,
        usage_natures_insured=_sorted(natures) if natures else (), finding=r["finding"],
        double_compulsory=bool(to_cancel), double_compulsory_to_cancel=to_cancel,
        standard_id=ctx.standard_id, required_kinds=ctx.required_kinds, coverage_gaps=tuple(gaps),
    )
