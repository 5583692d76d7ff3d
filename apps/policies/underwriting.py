"""Underwriting rule checks on existing policy records (rules C2, P3, M11).

* ``check_facts(facts)`` — the rules as a pure function of a policy's facts (no database): what the policy page
  shows and what the tests pin down rule by rule.
* ``flagged_policies(queryset, rule=None)`` — the same rules as one SQL filter, for the regulator's list over the
  whole book; ``tests/policies/premiums`` checks both agree.

Rules (each names its source):
* ``c2_per_seat`` (C2, seed 001 §9.3.2): carrier liability per-seat limit below 400,000 yuan.
* ``c2_seats`` (C2, seed 001 §9.2): carrier liability insuring fewer seats than the vehicle's approved seats less
  the driver (selective or under-insurance; all passenger seats must be insured).
* ``p3_seat`` (P3, seed 004 车上人员责任险): per-seat seat cover above 100,000 (driver only: 50,000) for an
  operating vehicle, above 200,000 (driver only: 100,000) for others.
* ``p3_own_damage`` (P3, seed 004 车损险 5): own-damage cover on an operating vehicle of 10 years or more.
* ``p3_theft`` (P3, seed 004 盗抢险 7): theft cover on an operating vehicle of 5 years or more.
* ``m11_usage`` (M11, M6): the vehicle is registered for an operating use but the policy insures a
  non-operating one — the usage nature was not verified before underwriting.

"Operating" for P3 means the policy insures an operating usage nature or the vehicle is registered as one. A
vehicle's age counts full years from its registration date to the policy's start date (Asia/Shanghai).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    BooleanField,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.lookups import Exact
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.deadlines import local_date
from apps.core.pagination import BoundedPaginator
from apps.vehicles.usage import OPERATING_NATURES, nature_label

from .models import Coverage, CoverageKind, Policy, PolicyKind
from .premiums import CARRIER_MIN_PER_SEAT_LIMIT

SEAT_LIMITS = {  # seed 004: (operating, non-operating) maximum per-seat limits
    "passenger": (Decimal("100000"), Decimal("200000")),
    "driver": (Decimal("50000"), Decimal("100000")),
}
SEAT_KINDS = {CoverageKind.SEAT: "passenger", CoverageKind.PASSENGER_SEAT: "passenger",
              CoverageKind.DRIVER_SEAT: "driver"}
FLAGGED_COUNT_BOUND = 1_000
OWN_DAMAGE_MAX_AGE = 10
THEFT_MAX_AGE = 5
CREW = 1  # the driver (seed 001 A.2: 核定座位数 − 司乘人员人数, with one crew member)

RULES = {
    "c2_per_seat": ("C2", gettext_lazy("承运人责任险每座限额低于 40 万元")),
    "c2_seats": ("C2", gettext_lazy("承运人责任险未按核定座位数全部投保")),
    "p3_seat": ("P3", gettext_lazy("车上人员责任险每座限额超过上限")),
    "p3_own_damage": ("P3", gettext_lazy("10 年及以上营运车辆承保车损险")),
    "p3_theft": ("P3", gettext_lazy("5 年及以上营运车辆承保盗抢险")),
    "m11_usage": ("M11", gettext_lazy("登记为营运车辆却按非营运性质承保")),
}


@dataclass(frozen=True)
class CoverageLine:
    kind: str
    limit: Decimal
    per_seat_limit: Decimal | None = None
    seats: int | None = None

    @property
    def effective_per_seat(self) -> Decimal | None:
        if self.per_seat_limit is not None:
            return self.per_seat_limit
        if self.seats and self.limit:
            return (self.limit / self.seats).quantize(Decimal("0.01"))
        return None


@dataclass(frozen=True)
class PolicyFacts:
    kind: str
    usage_nature_insured: str
    vehicle_usage_nature: str
    vehicle_seats: int
    vehicle_registered_on: dt.date | None
    starts_on: dt.date
    coverages: tuple[CoverageLine, ...] = ()

    @property
    def operating(self) -> bool:
        return self.usage_nature_insured in OPERATING_NATURES or self.vehicle_usage_nature in OPERATING_NATURES

    @property
    def vehicle_age(self) -> int | None:
        """Full years from registration to the start of the policy."""
        reg = self.vehicle_registered_on
        if reg is None:
            return None
        start = self.starts_on
        return start.year - reg.year - ((start.month, start.day) < (reg.month, reg.day))

    def has_cover(self, kind: str) -> bool:
        return self.kind == kind or any(c.kind == kind for c in self.coverages)


@dataclass(frozen=True)
class Flag:
    code: str
    rule: str
    message: str

    @property
    def label(self) -> str:
        return str(RULES[self.code][1])


def _yuan(value: Decimal) -> str:
    return f"{value:,.0f}"


def _per_seat_below(line: CoverageLine, minimum: Decimal) -> bool:
    """Whether the line's cover per seat is below ``minimum``: its per-seat limit, else its limit shared by its seats
    (compared exactly, as the SQL filter does: ``limit < seats × minimum``)."""
    if line.per_seat_limit is not None:
        return line.per_seat_limit < minimum
    return bool(line.seats) and line.limit < line.seats * minimum


def _per_seat_above(line: CoverageLine, maximum: Decimal) -> bool:
    if line.per_seat_limit is not None:
        return line.per_seat_limit > maximum
    return bool(line.seats) and line.limit > line.seats * maximum


def check_facts(facts: PolicyFacts) -> list[Flag]:
    """Every underwriting rule the policy breaks (empty list: none)."""
    flags: list[Flag] = []
    for line in facts.coverages:
        if line.kind == CoverageKind.CARRIER_LIABILITY:
            if _per_seat_below(line, CARRIER_MIN_PER_SEAT_LIMIT):
                flags.append(Flag("c2_per_seat", "C2", _(
                    "承运人责任险每座限额 %(v)s 元，低于 40 万元的最低标准（规则 C2）。") % {
                    "v": _yuan(line.effective_per_seat or Decimal(0))}))
            passenger_seats = max(facts.vehicle_seats - CREW, 0)
            if line.seats is not None and line.seats < passenger_seats:
                flags.append(Flag("c2_seats", "C2", _(
                    "承运人责任险投保 %(n)d 座，少于核定载客 %(s)d 人（不含驾驶员）的 %(p)d 座；应按核定座位数全部投保"
                    "（规则 C2）。") % {"n": line.seats, "s": facts.vehicle_seats, "p": passenger_seats}))
        seat_kind = SEAT_KINDS.get(line.kind)
        if seat_kind is not None:
            maximum = SEAT_LIMITS[seat_kind][0 if facts.operating else 1]
            if _per_seat_above(line, maximum):
                who = _("驾驶员座位") if seat_kind == "driver" else _("乘客座位")
                cls = _("营运车辆") if facts.operating else _("非营运车辆")
                flags.append(Flag("p3_seat", "P3", _(
                    "%(cls)s车上人员责任险（%(who)s）每座限额 %(v)s 元，超过 %(max)s 元的上限（规则 P3）。") % {
                    "cls": cls, "who": who, "v": _yuan(line.effective_per_seat), "max": _yuan(maximum)}))
    age = facts.vehicle_age
    if facts.operating and age is not None:
        if age >= OWN_DAMAGE_MAX_AGE and facts.has_cover(CoverageKind.OWN_DAMAGE):
            flags.append(Flag("p3_own_damage", "P3", _(
                "营运车辆已使用 %(n)d 年（10 年及以上），不予承保车辆损失险（规则 P3）。") % {"n": age}))
        if age >= THEFT_MAX_AGE and facts.has_cover(CoverageKind.THEFT):
            flags.append(Flag("p3_theft", "P3", _(
                "营运车辆已使用 %(n)d 年（5 年及以上），不得承保全车盗抢险（规则 P3）。") % {"n": age}))
    if facts.vehicle_usage_nature in OPERATING_NATURES and facts.usage_nature_insured not in OPERATING_NATURES:
        flags.append(Flag("m11_usage", "M11", _(
            "车辆登记的使用性质为“%(reg)s”，保单却按“%(ins)s”承保；承保前应核实使用性质（规则 M11、M6）。") % {
            "reg": nature_label(facts.vehicle_usage_nature), "ins": nature_label(facts.usage_nature_insured)}))
    return flags


def facts_for(policy: Policy) -> PolicyFacts:
    """Facts of a policy row (use ``select_related("vehicle")`` and ``prefetch_related("coverages")``)."""
    vehicle = policy.vehicle
    lines = tuple(CoverageLine(c.kind, c.limit, c.per_seat_limit, c.seats) for c in policy.coverages.all())
    return PolicyFacts(
        kind=policy.kind, usage_nature_insured=policy.usage_nature_insured,
        vehicle_usage_nature=vehicle.usage_nature or "", vehicle_seats=vehicle.seats,
        vehicle_registered_on=vehicle.registered_on, starts_on=local_date(policy.starts_at), coverages=lines,
    )


def policy_flags(policy: Policy) -> list[Flag]:
    return check_facts(facts_for(policy))


# --- the same rules in SQL ---------------------------------------------------------------------------------------


class _YearsBefore(Func):
    """The Asia/Shanghai date of a timestamp, less N whole years (PostgreSQL date arithmetic)."""

    template = "((%(expressions)s AT TIME ZONE 'Asia/Shanghai')::date - make_interval(years => %(years)d))::date"
    output_field = DateField()

    def __init__(self, expression, *, years: int):
        super().__init__(expression, years=years)


def _operating() -> Q:
    return Q(usage_nature_insured__in=OPERATING_NATURES) | Q(vehicle__usage_nature__in=OPERATING_NATURES)


def _outer(name: str) -> Exact:
    """Inside the coverage subquery: the policy's boolean annotation ``name`` (see ``flagged_policies``) is true."""
    return Exact(OuterRef(name), True)


def _per_seat_q(compare: str, bound: Decimal) -> Q:
    """A coverage row whose cover per seat is ``compare`` (``lt``/``gt``) ``bound``: its per-seat limit, else its
    limit against ``seats × bound`` (``_per_seat_below`` / ``_per_seat_above``)."""
    return Q(**{f"per_seat_limit__{compare}": bound}) | Q(
        per_seat_limit__isnull=True, seats__gt=0, **{f"limit__{compare}": F("seats") * bound})


def _coverage_q(code: str) -> Q | None:
    """The rule's condition on one coverage row of the policy (the policy's facts through its annotations), or
    None for a rule on the policy alone."""
    passenger = [CoverageKind.SEAT, CoverageKind.PASSENGER_SEAT]
    driver = [CoverageKind.DRIVER_SEAT]

    def seat_over(index: int) -> Q:
        return (Q(kind__in=passenger) & _per_seat_q("gt", SEAT_LIMITS["passenger"][index])
                | Q(kind__in=driver) & _per_seat_q("gt", SEAT_LIMITS["driver"][index]))

    if code == "c2_per_seat":
        return Q(kind=CoverageKind.CARRIER_LIABILITY) & _per_seat_q("lt", CARRIER_MIN_PER_SEAT_LIMIT)
    if code == "c2_seats":
        return Q(kind=CoverageKind.CARRIER_LIABILITY, seats__lt=OuterRef("vehicle__seats") - CREW)
    if code == "p3_seat":
        return Q(_outer("_operating")) & seat_over(0) | Q(_outer("_not_operating")) & seat_over(1)
    if code == "p3_own_damage":
        return Q(_outer("_operating"), _outer("_age_own_damage"), kind=CoverageKind.OWN_DAMAGE)
    if code == "p3_theft":
        return Q(_outer("_operating"), _outer("_age_theft"), kind=CoverageKind.THEFT)
    if code == "m11_usage":
        return None
    raise KeyError(code)


def _policy_q(code: str) -> Q | None:
    """The rule's condition on the policy and its vehicle alone, or None for a rule on coverage rows only."""
    if code == "p3_own_damage":
        return _operating() & Q(vehicle__registered_on__lte=F("_start_less_10y"), kind=PolicyKind.OWN_DAMAGE)
    if code == "m11_usage":
        return Q(vehicle__usage_nature__in=OPERATING_NATURES) & ~Q(usage_nature_insured__in=OPERATING_NATURES)
    if code in RULES:
        return None
    raise KeyError(code)


def flagged_policies(queryset: QuerySet, rule: str | None = None) -> QuerySet:
    """The policies of ``queryset`` breaking ``rule`` (or any rule).

    The rules on coverage rows are one correlated ``EXISTS`` over the policy's own rows — an index probe by policy
    (one ``EXISTS`` per rule let the planner hash the whole coverage table once per rule: seconds on a city's book)
    — with the facts of the policy and its vehicle they need passed in as boolean annotations."""
    codes = list(RULES) if rule is None else [rule]
    if not set(codes) <= set(RULES):
        raise KeyError(rule)
    operating = _operating()
    qs = queryset.annotate(
        _start_less_10y=_YearsBefore("starts_at", years=OWN_DAMAGE_MAX_AGE),
        _start_less_5y=_YearsBefore("starts_at", years=THEFT_MAX_AGE),
    ).annotate(
        _operating=ExpressionWrapper(operating, output_field=BooleanField()),
        _not_operating=ExpressionWrapper(~operating, output_field=BooleanField()),
        _age_own_damage=ExpressionWrapper(Q(vehicle__registered_on__lte=F("_start_less_10y")),
                                          output_field=BooleanField()),
        _age_theft=ExpressionWrapper(Q(vehicle__registered_on__lte=F("_start_less_5y")), output_field=BooleanField()),
    )
    row = Q()
    for code in codes:
        if (q := _coverage_q(code)) is not None:
            row |= q
    condition = Q(Exists(Coverage.objects.filter(row, policy_id=OuterRef("pk")))) if row else Q()
    for code in codes:
        if (q := _policy_q(code)) is not None:
            condition |= q
    return qs.filter(condition)


class FlaggedPaginator(BoundedPaginator):
    """The flagged policies' list counts at most 1,000 rows (then "more than 1,000"; deeper pages by cursor): each
    row counted is a policy checked against every rule, and 10,000 of them took about a second on a city's book."""

    bound = FLAGGED_COUNT_BOUND
