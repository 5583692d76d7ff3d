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
* coverage gaps (rule M10) against the jointly published standard in force on the date of T (a gap is a warning,
  ``CoverageGap.severity``, except 交强险 which the law requires), for vehicles in scope: for each
  requirement, the coverage kinds it accepts are looked up among the policies in force (a policy always covers
  its own kind; its coverage lines add kinds and limits) and the best limit / per-seat limit per kind is compared
  with the minimum.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal

from django.db import connection, models
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.deadlines import local_date
from apps.parties.models import Organization
from apps.vehicles.conf import VEHICLE_SCOPE_MAX_SEATS
from apps.vehicles.models import OperatingPermit, Vehicle
from apps.vehicles.usage import OPERATING_NATURES, UsageNature, nature_label, usage_class

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
    def legal(self) -> bool:
        """Rule M10: the standard is a reference (a gap is a warning) except where the law itself requires the
        cover — 交强险 (机动车交通事故责任强制保险条例 art. 2)."""
        return self.kind == CoverageKind.COMPULSORY

    @property
    def severity(self) -> str:
        return "legal" if self.legal else "warning"

    @property
    def message(self) -> str:
        """Chinese reason, e.g. "第三者责任险限额 50 万元，低于保障标准要求的 100 万元（规则 M10）"."""
        if self.missing and self.legal:
            return _("缺少%(kind)s：法定必须投保（机动车交通事故责任强制保险条例）。") % {"kind": self.kind_label}
        if self.missing:
            return _("缺少%(kind)s（保障标准为行业参考，提示，规则 M10）。") % {"kind": self.kind_label}
        parts = []
        if self.required_limit and (self.actual_limit is None or self.actual_limit < self.required_limit):
            parts.append(_("%(kind)s限额 %(actual)s，低于保障标准要求的 %(required)s") % {
                "kind": self.kind_label, "actual": _yuan(self.actual_limit), "required": _yuan(self.required_limit)})
        if self.required_per_seat_limit is not None and (
                self.actual_per_seat_limit is None or self.actual_per_seat_limit < self.required_per_seat_limit):
            parts.append(_("%(kind)s每座限额 %(actual)s，低于保障标准要求的每座 %(required)s") % {
                "kind": self.kind_label, "actual": _yuan(self.actual_per_seat_limit),
                "required": _yuan(self.required_per_seat_limit)})
        return "；".join(parts) + _("（保障标准为行业参考，提示，规则 M10）。")


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

        data = conv({k: v for k, v in asdict(replace(self, policies=tuple(self.policies))).items() if k != "extra"})
        data["finding_label"] = self.finding_label
        data["wrongly_insured"] = self.wrongly_insured
        for gap, gap_obj in zip(data["coverage_gaps"], self.coverage_gaps, strict=True):
            gap["message"] = gap_obj.message
            gap["severity"] = gap_obj.severity
        return data


# --- shared pieces -----------------------------------------------------------------------------------------------


def _standard_at(day: dt.date) -> CoverageStandard | None:
    from django.db.models import Q

    return (CoverageStandard.objects.filter(status=CoverageStandard.Status.IN_FORCE, effective_from__lte=day)
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

# One statement, built for the standard in force. Sets of codes travel as bit masks (bit i+1 = the i-th value of the
# enumeration, ``array_position`` being 1-based), so the aggregates are plain integer ORs and maxima — no arrays and
# no DISTINCT per vehicle, no sort anywhere:
#   pol  — the policies in force at T of the vehicles asked about, one row each, with the kinds their coverage lines
#          add and, for the few kinds whose limits the standard measures, their best limits;
#   agg  — per vehicle: the usage natures insured, every kind covered (a policy covers its own kind), the best
#          limits, the number of compulsory policies (and the policy lists, when asked for);
#   dc   — for the few vehicles with two compulsory policies or more (rule J7), those policies;
#   perm — the permits valid on the date of T.
# Requirement checks, findings and labels are derived from these values in Python, row by row, in ``_Decoder``.
_CTES = """
WITH v AS (
    SELECT id, seats, online, usage_nature FROM vehicles_vehicle WHERE {vehicle_filter}
),
pol AS (
    SELECT p.id, p.vehicle_id, p.kind, p.usage_nature_insured AS nature,
           (extract(epoch FROM p.starts_at) * 1000000)::bigint AS starts, p.ends_at,
           bit_or(coalesce(1::bigint << array_position(%(kinds)s::text[], c.kind::text), 0)) AS coverage_kinds
           {limit_columns}
    FROM policies_policy p LEFT JOIN policies_coverage c ON c.policy_id = p.id
    WHERE p.{policy_vehicle_filter}
      AND p.starts_at <= %(at)s AND p.ends_at > %(at)s
      AND (p.rescinded_at IS NULL OR p.rescinded_at > %(at)s)
      AND (p.cancelled_at IS NULL OR p.cancelled_at > %(at)s)
    GROUP BY p.id
),
agg AS (
    SELECT vehicle_id,
           bit_or(1::bigint << coalesce(array_position(%(natures)s::text[], nature::text), {unknown_bit})) AS natures,
           bit_or(coverage_kinds | coalesce(1::bigint << array_position(%(kinds)s::text[], kind::text), 0)) AS kinds,
           count(*) FILTER (WHERE kind = 'compulsory') AS compulsory
           {vehicle_limit_columns}
    FROM pol GROUP BY vehicle_id
),
dc AS (
    SELECT vehicle_id, array_agg(id) AS ids, array_agg(starts) AS starts FROM pol
    WHERE kind = 'compulsory' AND vehicle_id IN (SELECT vehicle_id FROM agg WHERE compulsory > 1)
    GROUP BY vehicle_id
),
perm AS (
    SELECT p.vehicle_id, array_agg(p.id) AS ids, array_agg(p.number) AS numbers, array_agg(p.kind) AS kinds,
           array_agg(p.valid_from) AS froms, array_agg(p.valid_to) AS tos
    FROM vehicles_operatingpermit p
    WHERE p.{policy_vehicle_filter}
      AND p.valid_from <= %(day)s AND p.valid_to >= %(day)s AND (p.revoked_at IS NULL OR p.revoked_at > %(at)s)
    GROUP BY p.vehicle_id
)
"""
_SELECT = """
SELECT v.id, v.seats, v.online, v.usage_nature,
       perm.ids, perm.numbers, perm.kinds, perm.froms, perm.tos,
       agg.natures, agg.kinds, dc.ids, dc.starts {limit_select}
FROM v
LEFT JOIN agg ON agg.vehicle_id = v.id
LEFT JOIN perm ON perm.vehicle_id = v.id
LEFT JOIN dc ON dc.vehicle_id = v.id
"""
# per measured kind j: the best limit and per-seat limit of the policy's coverage lines of that kind
_LIMIT_COLUMNS = """,
           max(c."limit") FILTER (WHERE c.kind = %(measured{j})s) AS lim{j},
           max(c.per_seat_limit) FILTER (WHERE c.kind = %(measured{j})s) AS ps{j}"""
_VEHICLE_LIMIT_COLUMNS = ", max(lim{j}) AS lim{j}, max(ps{j}) AS ps{j}"
_LIMIT_SELECT = ", agg.lim{j}, agg.ps{j}"

# Large hashes stay in memory for this one statement (set for it, then restored).
_WORK_MEM = "192MB"

_NATURES: tuple[str, ...] = tuple(UsageNature.values)
_KINDS: tuple[str, ...] = tuple(CoverageKind.values)
# A stored nature outside the enumeration (forms, imports and the API all refuse one) sets this bit: like the
# reference implementation, it counts as non-operating.
_UNKNOWN_NATURE_BIT = 62
_UNKNOWN_NATURE = "unknown"


def _bit(values: tuple[str, ...], value: str) -> int:
    return 1 << (values.index(value) + 1)


_NON_OPERATING_MASK = sum(_bit(_NATURES, n) for n in _NATURES if n not in OPERATING_NATURES) | (
    1 << _UNKNOWN_NATURE_BIT)


def verify_vehicles(
    vehicles: QuerySet | Iterable[int], at: dt.datetime, *, with_policies: bool = True,
) -> dict[int, Verification]:
    """Set-based verification: ``{vehicle_id: Verification}`` for a queryset of vehicles or an iterable of ids.

    A constant number of SQL queries whatever the number of vehicles: the standard in force (two small queries),
    ONE statement for all the vehicles. Each vehicle's list of policies in force (``Verification.policies``, a
    ``PolicyList``) is read when a list is first used, a slice of the call's vehicles at a time (one query per
    slice of 5,000 vehicles, and one for the insurers' names; see ``_PolicyLists``), so the verdicts of a city cost
    the same whether or not the lists are read, and a page reading a few lists reads one slice.
    ``with_policies=False`` gives empty lists (findings, double compulsory and gaps are still computed).
    """
    import psycopg
    from django.db import transaction

    sql, params, decoder = _statement(vehicles, at, with_policies)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('work_mem'), set_config('work_mem', %s, true)", [_WORK_MEM])
        previous_work_mem = cursor.fetchone()[0]
        # binary results with server-side parameters: no text formatting in PostgreSQL and no text parsing here
        # (psycopg's C loaders); Django's own cursors bind on the client side, which cannot return binary.
        with psycopg.Cursor(connection.connection) as raw:
            raw.execute(sql, params, binary=True)
            rows = raw.fetchall()
        # back to the caller's value: SET LOCAL would otherwise outlive this savepoint in an outer transaction
        cursor.execute("SELECT set_config('work_mem', %s, true)", [previous_work_mem])
    if with_policies:
        # the vehicles with a policy in force (a usage nature insured); the others' lists are empty
        decoder.lists = _PolicyLists(at, decoder, [row[0] for row in rows if row[9]])
    return {row[0]: decoder.verification(row) for row in rows}


def _statement(vehicles: QuerySet | Iterable[int], at: dt.datetime, with_policies: bool = True, *,
               tail_of=None) -> tuple[str, dict, _Decoder]:
    """The set-based statement of ``verify_vehicles`` (SQL with named parameters) and its row decoder.
    ``tail_of(decoder)`` replaces the final SELECT: ``verification_statement`` builds other set-based answers on the same CTEs (``v``,
    ``pol``, ``agg``, ``dc``, ``perm``), so they share the one definition of "in force", "valid" and "covered"."""
    day = local_date(at)
    standard = _standard_at(day)
    requirements = sorted(standard.requirements.all(), key=lambda r: r.policy_kind) if standard else []
    decoder = _Decoder(at, standard.pk if standard else None, requirements, with_policies)
    params: dict = {"at": at, "day": day, "natures": list(_NATURES), "kinds": list(_KINDS)}
    for j, kind in enumerate(decoder.measured):
        params[f"measured{j}"] = kind
    if isinstance(vehicles, QuerySet):
        sub_sql, sub_params = vehicles.order_by().values("pk").query.sql_with_params()
        # the subquery uses %s placeholders: turn them into named ones so both styles do not mix
        names = []
        for i, value in enumerate(sub_params):
            params[f"sub{i}"] = value
            names.append(f"%(sub{i})s")
        sub_sql = sub_sql.replace("%%", "\x00") % tuple(names) if names else sub_sql
        sub_sql = sub_sql.replace("\x00", "%%")
        vehicle_filter, policy_vehicle_filter = f"id IN ({sub_sql})", f"vehicle_id IN ({sub_sql})"
    else:
        # "= ANY(array)" on every table: PostgreSQL hashes the array and scans each table once
        params["ids"] = [int(i) for i in vehicles]
        vehicle_filter, policy_vehicle_filter = "id = ANY(%(ids)s)", "vehicle_id = ANY(%(ids)s)"
    measured = range(len(decoder.measured))
    # The policy lists are not part of the statement: they are read on first use, for all the vehicles of this
    # call at once (``_PolicyLists``), so a city-wide caller that reads only verdicts never pays for them.
    sql = (_CTES + (tail_of(decoder) if tail_of else _SELECT)).format(
        vehicle_filter=vehicle_filter, policy_vehicle_filter=policy_vehicle_filter, unknown_bit=_UNKNOWN_NATURE_BIT,
        limit_columns="".join(_LIMIT_COLUMNS.format(j=j) for j in measured),
        vehicle_limit_columns="".join(_VEHICLE_LIMIT_COLUMNS.format(j=j) for j in measured),
        limit_select="".join(_LIMIT_SELECT.format(j=j) for j in measured),
    )
    return sql, params, decoder


def verification_statement(vehicles: QuerySet | Iterable[int], at: dt.datetime, tail_of) -> tuple[str, dict]:
    """The CTEs of the verification statement for ``vehicles`` at ``at`` followed by ``tail_of(decoder)`` (a SELECT
    over ``v``, ``pol``, ``agg``, ``dc``, ``perm``; parameters named, ``{``/``}`` doubled), and its parameters.
    The decoder's ``measured`` kinds name the limit columns ``agg.lim{j}``/``agg.ps{j}``, its ``requirements`` and
    ``required_kinds`` are the standard in force. Caller: the company worklist a page at a time (apps.vehicles)."""
    sql, params, _decoder = _statement(vehicles, at, False, tail_of=tail_of)
    return sql, params


_LIST_SQL = """
SELECT p.vehicle_id, p.id, p.insurer_id, p.number, p.kind, p.usage_nature_insured,
       (extract(epoch FROM p.starts_at) * 1000000)::bigint, (extract(epoch FROM p.ends_at) * 1000000)::bigint,
       bit_or(coalesce(1::bigint << array_position(%(kinds)s::text[], c.kind::text), 0))
FROM policies_policy p LEFT JOIN policies_coverage c ON c.policy_id = p.id
WHERE p.vehicle_id = ANY(%(ids)s)
  AND p.starts_at <= %(at)s AND p.ends_at > %(at)s
  AND (p.rescinded_at IS NULL OR p.rescinded_at > %(at)s)
  AND (p.cancelled_at IS NULL OR p.cancelled_at > %(at)s)
GROUP BY p.id
"""


class _PolicyLists:
    """The policies in force at T of the vehicles of one ``verify_vehicles`` call, read when a list is first used:
    the vehicles are taken in slices of ``LIST_SLICE`` (in the order of the call's result), and the first use of a
    vehicle's list reads its whole slice with ONE statement (and the insurers' names once) — a page showing a few
    vehicles reads one slice, a caller reading every list one statement per slice, never one per vehicle. Each
    vehicle's ``PolicyInfo`` are built when its list is first read. "In force" is the verdicts' own definition; a
    policy written between the verdicts and the first read of a list would show in the list only."""

    LIST_SLICE = 5000

    def __init__(self, at: dt.datetime, decoder: _Decoder, vehicle_ids: list[int]):
        self.at, self.decoder, self.vehicle_ids = at, decoder, vehicle_ids
        self.slice_of = {vehicle_id: i // self.LIST_SLICE for i, vehicle_id in enumerate(vehicle_ids)}
        self.rows: dict[int, list[tuple]] = {}
        self.loaded: set[int] = set()
        self.names: dict[int, str] | None = None
        self.built: dict[int, tuple[PolicyInfo, ...]] = {}

    def _load(self, number: int) -> None:
        import psycopg

        ids = self.vehicle_ids[number * self.LIST_SLICE:(number + 1) * self.LIST_SLICE]
        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as raw:
            raw.execute(_LIST_SQL, {"ids": ids, "at": self.at, "kinds": list(_KINDS)}, binary=True)
            for row in raw:
                self.rows.setdefault(row[0], []).append(row)
        if self.names is None:
            self.names = dict(Organization.objects.filter(kind="insurer").values_list("id", "name"))
        self.loaded.add(number)

    def of(self, vehicle_id: int) -> tuple[PolicyInfo, ...]:
        found = self.built.get(vehicle_id)
        if found is None:
            number = self.slice_of.get(vehicle_id)
            if number is None:
                return ()
            if number not in self.loaded:
                self._load(number)
            names, kind_set = self.names, self.decoder.kind_set
            found = self.built[vehicle_id] = _sorted([
                PolicyInfo(pid, insurer, names.get(insurer, ""), number_, kind, nature, _instant(starts),
                           _instant(ends), kind_set(coverages))
                for _v, pid, insurer, number_, kind, nature, starts, ends, coverages in self.rows.pop(vehicle_id, ())
            ], key=lambda p: (p.kind, p.starts_at, p.id))
        return found


class PolicyList(Sequence):
    """A vehicle's policies in force as ``verify_vehicles`` returns them: a read-only sequence of ``PolicyInfo``
    equal to the tuple ``verify_vehicle`` gives, read when first used (see ``_PolicyLists``)."""

    __slots__ = ("_lists", "_vehicle_id")

    def __init__(self, lists: _PolicyLists, vehicle_id: int):
        self._lists, self._vehicle_id = lists, vehicle_id

    def _items(self) -> tuple[PolicyInfo, ...]:
        return self._lists.of(self._vehicle_id)

    def __getitem__(self, index):
        return self._items()[index]

    def __len__(self) -> int:
        return len(self._items())

    def __iter__(self):
        return iter(self._items())

    def __eq__(self, other) -> bool:
        if isinstance(other, PolicyList | tuple | list):
            return self._items() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._items())

    def __repr__(self) -> str:
        return repr(self._items())


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _instant(micros: int) -> dt.datetime:
    # timestamps travel as epoch microseconds: integers load in C, far cheaper than timestamptz values
    return _EPOCH + dt.timedelta(microseconds=micros)


def _by_id(item) -> int:
    return item.id


def _sorted(items, key=None) -> tuple:
    return tuple(items) if len(items) < 2 else tuple(sorted(items, key=key))


class _Decoder:
    """Turns a row of the set-based statement into a ``Verification``, with the same rules as ``verify_vehicle``.

    Masks recur across vehicles (a few dozen combinations of natures or kinds in a whole city), so their decoded
    forms are memoised, and equal coverage gaps are the same (immutable) object.
    """

    def __init__(self, at, standard_id, requirements, with_policies):
        self.at, self.standard_id, self.with_policies = at, standard_id, with_policies
        self.requirements = requirements
        self.required_kinds = tuple(r.policy_kind for r in requirements)
        self.lists: _PolicyLists | None = None
        # kinds whose limits some requirement compares: only those get limit columns
        measured: list[str] = []
        for r in requirements:
            if r.min_limit or r.min_per_seat_limit is not None:
                measured.extend(k for k in r.kinds if k in _KINDS and k not in measured)
        self.measured = tuple(measured)
        self.limit_start = 13  # index of lim0 in the row (see the SELECT list)
        self.policy_start = self.limit_start + 2 * len(measured)
        # per requirement: (requirement, mask of its kinds, [(bit, index of the kind's limit column)])
        self.checks = []
        for r in requirements:
            kinds = [k for k in r.kinds if k in _KINDS]
            mask = sum(_bit(_KINDS, k) for k in kinds)
            limits = [(_bit(_KINDS, k), self.limit_start + 2 * measured.index(k)) for k in kinds if k in measured]
            # a requirement with a minimum has all its kinds measured; one without only asks for presence
            self.checks.append((r, mask, limits))
        self._natures: dict[int, tuple[str, ...]] = {}
        self._kind_sets: dict[int, tuple[str, ...]] = {}
        self._gaps: dict[tuple, tuple[CoverageGap, ...]] = {}

    def natures(self, mask: int) -> tuple[str, ...]:
        found = self._natures.get(mask)
        if found is None:
            found = tuple(sorted(n for n in _NATURES if mask & _bit(_NATURES, n)))
            if mask & (1 << _UNKNOWN_NATURE_BIT):
                found += (_UNKNOWN_NATURE,)
            self._natures[mask] = found
        return found

    def kind_set(self, mask: int) -> tuple[str, ...]:
        found = self._kind_sets.get(mask)
        if found is None:
            found = self._kind_sets[mask] = tuple(sorted(k for k in _KINDS if mask & _bit(_KINDS, k)))
        return found

    def gaps(self, kinds: int, row) -> tuple[CoverageGap, ...]:
        """Rule M10: the requirements that no single present kind meets (same rule as ``verify_vehicle``)."""
        key = (kinds, row[self.limit_start:self.policy_start])
        found = self._gaps.get(key)
        if found is not None:
            return found
        gaps = []
        for r, mask, limits in self.checks:
            if not kinds & mask:
                gaps.append(CoverageGap(r.policy_kind, r.min_limit, r.min_per_seat_limit, None, None, True))
                continue
            if not limits:  # presence is all this requirement asks for
                continue
            ok = False
            best_limit = best_seat = None
            for bit, i in limits:
                if not kinds & bit:
                    continue
                limit, seat = row[i], row[i + 1]
                if limit is not None and (best_limit is None or limit > best_limit):
                    best_limit = limit
                if seat is not None and (best_seat is None or seat > best_seat):
                    best_seat = seat
                limit_ok = r.min_limit == 0 or (limit is not None and limit >= r.min_limit)
                seat_ok = r.min_per_seat_limit is None or (seat is not None and seat >= r.min_per_seat_limit)
                ok = ok or (limit_ok and seat_ok)
            if not ok:
                gaps.append(CoverageGap(r.policy_kind, r.min_limit, r.min_per_seat_limit, best_limit, best_seat,
                                        False))
        found = self._gaps[key] = tuple(gaps)
        return found

    def verification(self, row) -> Verification:
        (vehicle_id, seats, online, usage_nature, permit_ids, permit_numbers, permit_kinds, permit_froms, permit_tos,
         natures, kinds, dc_ids, dc_starts) = row[:13]
        in_scope = seats <= VEHICLE_SCOPE_MAX_SEATS
        permits = _sorted([PermitInfo(*values) for values in zip(
            permit_ids, permit_numbers, permit_kinds, permit_froms, permit_tos, strict=True)], key=_by_id) if permit_ids else ()
        if not in_scope:
            finding = Finding.NOT_IN_SCOPE
        elif not natures:
            finding = Finding.UNINSURED
        elif natures & _NON_OPERATING_MASK:
            finding = Finding.INSURED_AS_NON_OPERATING
        else:
            finding = Finding.INSURED_AS_OPERATING
        to_cancel: tuple[int, ...] = ()
        if dc_ids:
            ordered = sorted(zip(dc_starts, dc_ids, strict=True))  # rule J7: the earliest-starting one stays
            to_cancel = tuple(sorted(pid for _start, pid in ordered[1:]))
        return Verification(
            vehicle_id=vehicle_id, at=self.at, seats=seats, in_scope=in_scope,
            registered_usage_nature=usage_nature, online=online, valid_permits=permits,
            is_operating=bool(permits) or online,
            policies=PolicyList(self.lists, vehicle_id) if self.with_policies and natures else (),
            usage_natures_insured=self.natures(natures) if natures else (), finding=finding,
            double_compulsory=bool(to_cancel), double_compulsory_to_cancel=to_cancel,
            standard_id=self.standard_id, required_kinds=self.required_kinds,
            coverage_gaps=self.gaps(kinds or 0, row) if in_scope and self.checks else (),
        )
