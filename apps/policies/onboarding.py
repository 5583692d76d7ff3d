"""Rule M9: the onboarding checks that need policies, moved here from apps.vehicles (issue 18; vehicles sits below
policies in the layers, ``.importlinter``): why a vehicle may not go online (``onboarding_reasons``), a company's
worklist of online vehicles that no longer pass (``company_worklist``) and the same a page at a time on the
verification CTEs (``WorklistRows``, ``company_worklist_count``). Vehicle pages reach them through
``apps.vehicles.cover`` (``register`` below, called in ``PoliciesConfig.ready()``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.deadlines import local_date
from apps.parties.models import Organization
from apps.vehicles import conf as vehicles_conf
from apps.vehicles.conf import VEHICLE_SCOPE_MAX_SEATS
from apps.vehicles.cover import VEHICLE_COVER
from apps.vehicles.models import OperatingPermit, Vehicle
from apps.vehicles.selectors import WARNING_CODES, permit_kind_for
from apps.vehicles.usage import UsageNature

from .models import CoverageKind, PolicyKind
from .verification import (
    _KINDS,
    _NON_OPERATING_MASK,
    _bit,
    verification_statement,
    verify_vehicle,
    verify_vehicles,
)


def _day(at: dt.datetime) -> str:
    return local_date(at).isoformat()


def onboarding_reasons(result, *, permit_kind: str, at: dt.datetime) -> list[dict[str, str]]:
    """Rule M9: why a vehicle may not go online, from a verification result; no entry without
    ``severity: "warning"`` = pass (coverage-standard gaps are warnings, rule M10; 交强险 is required by law)."""
    reasons: list[dict[str, str]] = []
    warn_days = vehicles_conf.onboarding_expiry_warn_days()
    horizon = at + dt.timedelta(days=warn_days)

    if not result.in_scope:
        reasons.append({"code": "not_in_scope", "message": _(
            "核定载客 %(seats)d 人，超过 7 座，不属于网约车/出租汽车上线范围（规则 M1）。") % {"seats": result.seats}})
    permits = [p for p in result.valid_permits if p.kind == permit_kind]
    if not permits:
        reasons.append({"code": "no_valid_permit", "message": _("没有有效的%(kind)s（规则 M9、M15）。") % {
            "kind": OperatingPermit.Kind(permit_kind).label}})
    elif max(p.valid_to for p in permits) < local_date(horizon):
        last = max(p.valid_to for p in permits)
        reasons.append({"code": "permit_expiring", "message": _(
            "%(kind)s将于 %(day)s 到期（%(n)d 天内），请先办理延续。") % {
            "kind": OperatingPermit.Kind(permit_kind).label, "day": last.isoformat(), "n": warn_days}})
    if not result.policies:
        reasons.append({"code": "uninsured", "message": _("查询时点没有有效保单（规则 M9）。")})
    else:
        for p in result.policies:
            if p.usage_class != "operating":
                reasons.append({"code": "insured_as_non_operating", "message": _(
                    "%(kind)s保单 %(number)s（%(insurer)s）按“%(usage)s”承保，须先变更使用性质并按营运性质投保（规则 M9）。"
                ) % {"kind": PolicyKind(p.kind).label, "number": p.number, "insurer": p.insurer_name,
                     "usage": p.usage_label}})
    # Rule M10: the standard is a reference — a gap is a warning (recorded, not a refusal), except 交强险, which the
    # law requires whatever the standard says (also when no standard is in force).
    for gap in result.coverage_gaps:
        if gap.legal:
            reasons.append({"code": "no_compulsory", "message": gap.message})
        else:
            reasons.append({"code": "coverage_gap", "message": gap.message, "severity": "warning"})
    if result.in_scope and result.policies and not any(
            p.kind == PolicyKind.COMPULSORY or CoverageKind.COMPULSORY in p.coverage_kinds for p in result.policies) \
            and not any(g.legal for g in result.coverage_gaps):
        reasons.append({"code": "no_compulsory", "message": _(
            "缺少交强险：法定必须投保（机动车交通事故责任强制保险条例）。")})
    # expiry of what the standard requires (or of any active policy when no standard is in force)
    required = set(result.required_kinds) or {p.kind for p in result.policies}
    for kind in sorted(required):
        holding = [p for p in result.policies if p.kind == kind or kind in p.coverage_kinds]
        if holding and max(p.ends_at for p in holding) < horizon:
            last = max(p.ends_at for p in holding)
            reasons.append({"code": "policy_expiring", "message": _(
                "%(kind)s将于 %(day)s 到期（%(n)d 天内），请先续保。") % {
                "kind": CoverageKind(kind).label, "day": _day(last - dt.timedelta(microseconds=1)), "n": warn_days}})
    return reasons


@dataclass(frozen=True)
class WorklistItem:
    vehicle: Vehicle
    verification: object  # apps.policies.verification.Verification
    reasons: list[dict[str, str]]

    @property
    def failing(self) -> bool:
        """True when the vehicle does not pass now (not only an expiry warning)."""
        return any(r["code"] not in WARNING_CODES for r in self.reasons)


def company_worklist(*, company: Organization, at: dt.datetime | None = None,
                     include_warnings: bool = True) -> list[WorklistItem]:
    """Rule M9: the company's online vehicles that no longer pass the onboarding requirements (policy expired,
    permit lapsed, insured as non-operating, coverage gap) — and, with ``include_warnings``, those about to.

    Set-based: one query for the vehicles and one for their verification, whatever the fleet size.
    """
    at = at or timezone.now()
    vehicles = Vehicle.objects.filter(company=company, online=True).select_related("company").order_by("plate", "id")
    results = verify_vehicles(vehicles, at)
    items = []
    for vehicle in vehicles:
        result = results[vehicle.pk]
        reasons = onboarding_reasons(result, permit_kind=permit_kind_for(vehicle), at=at)
        if not include_warnings:
            reasons = [r for r in reasons if r["code"] not in WARNING_CODES]
        if reasons:
            items.append(WorklistItem(vehicle, result, reasons))
    return sorted(items, key=lambda i: (not i.failing, i.vehicle.plate or "", i.vehicle.pk))


# --- the worklist a page at a time ------------------------------------------------------------------------------
#
# ``company_worklist`` verifies every online vehicle of the company and keeps those with reasons: its cost grows
# with the fleet (the verdicts, each vehicle's policy list and reasons, 10.8 s for a city-sized fleet). A page needs
# only which vehicles are listed, in which order, and the reasons of its own 50: ``WorklistRows`` asks the first two
# of ONE set-based statement — the verification CTEs (apps.policies.verification, the one definition of "in
# force", "valid permit", "covered") with the onboarding rules of ``onboarding_reasons`` as SQL conditions, no
# Python per vehicle — and verifies only the page's vehicles for their reasons. A randomised test checks that it
# lists the same vehicles in the same order with the same reasons as ``company_worklist``
# (tests/vehicles/test_worklist_pages.py).

_WORKLIST_TAIL = """,
held AS (
    SELECT vehicle_id {held_columns} FROM pol GROUP BY vehicle_id
),
cls AS (
    SELECT v.id,
           coalesce(v.seats <= %(max_seats)s, false) AS in_scope,
           (SELECT max(x.t) FROM unnest(perm.kinds, perm.tos) AS x(k, t)
             WHERE x.k = CASE WHEN v.usage_nature = %(cruising)s THEN %(cruising_permit)s ELSE %(ride_permit)s END)
             AS permit_to,
           agg.vehicle_id IS NOT NULL AS insured,
           coalesce(agg.natures & %(non_operating)s <> 0, false) AS non_operating,
           coalesce(agg.kinds & %(compulsory_bit)s <> 0, false) AS has_compulsory,
           {legal_gap} AS legal_gap, {warning_gap} AS warning_gap, {expiring} AS policy_expiring
    FROM v
    LEFT JOIN agg ON agg.vehicle_id = v.id
    LEFT JOIN perm ON perm.vehicle_id = v.id
    LEFT JOIN held ON held.vehicle_id = v.id
),
flags AS (
    SELECT id,
           (NOT in_scope OR permit_to IS NULL OR NOT insured OR non_operating OR (in_scope AND legal_gap)
            OR (in_scope AND insured AND NOT has_compulsory AND NOT (in_scope AND legal_gap))) AS failing,
           (coalesce(permit_to < %(horizon_day)s, false) OR (in_scope AND warning_gap) OR policy_expiring) AS warning
    FROM cls
)
"""


def _worklist_statement(company: Organization, at: dt.datetime, select: str) -> tuple[str, dict]:
    """The worklist statement for ``company``'s online vehicles at ``at``, ending with ``select`` over ``flags``
    (id, failing, warning). Each condition is one of ``onboarding_reasons``'s, on the verification CTEs."""
    horizon = at + dt.timedelta(days=vehicles_conf.onboarding_expiry_warn_days())
    vehicles = Vehicle.objects.filter(company=company, online=True)
    params: dict = {}

    def tail_of(decoder) -> str:
        def met(requirement) -> str:
            """Some kind the requirement accepts is covered with its minimums (the decoder's rule, in SQL)."""
            options = []
            for kind in requirement.kinds:
                if kind not in _KINDS:
                    continue
                option = [f"agg.kinds & {_bit(_KINDS, kind)} <> 0"]
                if requirement.min_limit or requirement.min_per_seat_limit is not None:
                    j = decoder.measured.index(kind)
                    if requirement.min_limit:
                        option.append(f"agg.lim{j} >= {Decimal(requirement.min_limit)!s}::numeric")
                    if requirement.min_per_seat_limit is not None:
                        option.append(f"agg.ps{j} >= {Decimal(requirement.min_per_seat_limit)!s}::numeric")
                options.append("(" + " AND ".join(option) + ")")
            return "coalesce(" + (" OR ".join(options) or "false") + ", false)"

        legal = [f"NOT {met(r)}" for r in decoder.requirements if r.policy_kind == CoverageKind.COMPULSORY]
        warning = [f"NOT {met(r)}" for r in decoder.requirements if r.policy_kind != CoverageKind.COMPULSORY]
        # expiry of what the standard requires, or of every policy kind held when no standard is in force
        held_columns, expiring = [], []
        kinds = decoder.required_kinds or tuple(PolicyKind.values)
        for i, kind in enumerate(kinds):
            params[f"held_kind{i}"] = kind
            held_columns.append(f", max(ends_at) FILTER (WHERE kind = %(held_kind{i})s OR coverage_kinds & "
                                f"{_bit(_KINDS, kind)} <> 0) AS ends{i}, bool_or(kind = %(held_kind{i})s) AS kind{i}")
            condition = f"coalesce(held.ends{i} < %(horizon)s, false)"
            if not decoder.required_kinds:
                condition = f"(coalesce(held.kind{i}, false) AND {condition})"
            expiring.append(condition)
        tail = _WORKLIST_TAIL.format(
            held_columns="".join(held_columns),
            legal_gap=" OR ".join(legal) or "false", warning_gap=" OR ".join(warning) or "false",
            expiring=" OR ".join(expiring) or "false",
        ) + select
        return tail.replace("{", "{{").replace("}", "}}")

    sql, base_params = verification_statement(vehicles, at, tail_of)
    params.update(base_params)
    params.update({
        "max_seats": VEHICLE_SCOPE_MAX_SEATS, "cruising": UsageNature.CRUISING_TAXI,
        "cruising_permit": OperatingPermit.Kind.CRUISING_TAXI, "ride_permit": OperatingPermit.Kind.RIDE_HAILING,
        "non_operating": _NON_OPERATING_MASK, "compulsory_bit": _bit(_KINDS, CoverageKind.COMPULSORY),
        "horizon": horizon, "horizon_day": local_date(horizon),
    })
    return sql, params


def _listed(include_warnings: bool) -> str:
    return "(failing OR warning)" if include_warnings else "failing"


def company_worklist_count(*, company: Organization, at: dt.datetime | None = None,
                           include_warnings: bool = True) -> int:
    """``len(company_worklist(...))`` with one set-based statement (the company's home tile)."""
    sql, params = _worklist_statement(company, at or timezone.now(),
                                      f"SELECT count(*) FROM flags WHERE {_listed(include_warnings)}")  # noqa: S608 (fixed fragments)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


class WorklistRows(Sequence):
    """``company_worklist(...)`` read a page at a time: one statement gives the listed vehicles' ids in the list's
    order (failing first, then plate — a vehicle without one first — and id, as ``company_worklist``), so ``len()``
    and every slice come from it; a slice then reads and verifies (``verify_vehicles``) its own vehicles only. A
    paginator takes it as it takes a list."""

    def __init__(self, *, company: Organization, at: dt.datetime | None = None, include_warnings: bool = True):
        self.company, self.at, self.include_warnings = company, at or timezone.now(), include_warnings
        self._ids: list[int] | None = None

    @property
    def ids(self) -> list[int]:
        if self._ids is None:
            sql, params = _worklist_statement(self.company, self.at, f"""
                SELECT flags.id FROM flags JOIN vehicles_vehicle vv ON vv.id = flags.id
                WHERE {_listed(self.include_warnings)}
                ORDER BY NOT failing, coalesce(vv.plate, '') COLLATE "C", flags.id""")  # noqa: S608 (fixed fragments)
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                self._ids = [row[0] for row in cursor.fetchall()]
        return self._ids

    def __len__(self) -> int:
        return len(self.ids)

    def count(self, value=None) -> int:  # the paginator's count (a Sequence's count(value) is not asked)
        return len(self)

    def __getitem__(self, index):
        if isinstance(index, int):
            found = self[index:index + 1]
            if not found:
                raise IndexError(index)
            return found[0]
        return self._items(self.ids[index])

    def _items(self, ids: list[int]) -> list[WorklistItem]:
        vehicles = {v.pk: v for v in Vehicle.objects.filter(pk__in=ids).select_related("company")}
        results = verify_vehicles(ids, self.at)
        items = []
        for vehicle_id in ids:
            vehicle, result = vehicles[vehicle_id], results[vehicle_id]
            reasons = onboarding_reasons(result, permit_kind=permit_kind_for(vehicle), at=self.at)
            if not self.include_warnings:
                reasons = [r for r in reasons if r["code"] not in WARNING_CODES]
            items.append(WorklistItem(vehicle, result, reasons))
        return items


def onboarding(vehicle: Vehicle, *, permit_kind: str, at: dt.datetime) -> tuple[dict, list[dict[str, str]]]:
    """The vehicle's verification at ``at`` (as recorded on an onboarding check) and its onboarding reasons."""
    result = verify_vehicle(vehicle, at)
    return result.as_dict(), onboarding_reasons(result, permit_kind=permit_kind, at=at)


def register() -> None:
    VEHICLE_COVER.register("onboarding", onboarding)
    VEHICLE_COVER.register("worklist_rows", WorklistRows)
