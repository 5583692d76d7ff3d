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

from django.db.models import DateField, Exists, F, Func, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.deadlines import local_date
from apps.vehicles.usage import OPERATING_NATURES, nature_label

from .models import Coverage, CoverageKind, Policy, PolicyKind
from .premiums import CARRIER_MIN_PER_SEAT_LIMIT

SEAT_LIMITS = {  # seed 004: (operating, non-operating) maximum per-seat limits
    "passenger": (Decimal("100000"), Decimal("200000")),
    "driver": (Decimal("50000"), Decimal("100000")),
}
SEAT_KINDS = {CoverageKind.SEAT: "passenger", CoverageKind.PASSENGER_SEAT: "passenger",
              CoverageKind.DRIVER_SEAT: "driver"}
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


def check_facts(facts: PolicyFacts) -> list[Flag]:
    """Every underwriting rule the policy breaks (empty list: none)."""
    flags: list[Flag] = []
    for line in facts.coverages:
        if line.kind == CoverageKind.CARRIER_LIABILITY:
            per_seat = line.effective_per_seat
            if per_seat is not None and per_seat < CARRIER_MIN_PER_SEAT_LIMIT:
                flags.append(Flag("c2_per_seat", "C2", _(
                    "承运人责任险每座限额 %(v)s 元，低于 40 万元的最低标准（规则 C2）。") % {"v": _yuan(per_seat)}))
            passenger_seats = max(facts.vehicle_seats - CREW, 0)
            if line.seats is not None and line.seats < passenger_seats:
                flags.append(Flag("c2_seats", "C2", _(
                    "承运人责任险投保 %(n)d 座，少于核定载客 %(s)d 人（不含驾驶员）的 %(p)d 座；应按核定座位数全部投保"
                    "（规则 C2）。") % {"n": line.seats, "s": facts.vehicle_seats, "p": passenger_seats}))
        seat_kind = SEAT_KINDS.get(line.kind)
        if seat_kind is not None:
            per_seat = line.effective_per_seat
            maximum = SEAT_LIMITS[seat_kind][0 if facts.operating else 1]
            if per_seat is not None and per_seat > maximum:
                who = _("驾驶员座位") if seat_kind == "driver" else _("乘客座位")
                cls = _("营运车辆") if facts.operating else _("非营运车辆")
                flags.append(Flag("p3_seat", "P3", _(
                    "%(cls)s车上人员责任险（%(who)s）每座限额 %(v)s 元，超过 %(max)s 元的上限（规则 P3）。") % {
                    "cls": cls, "who": who, "v": _yuan(per_seat), "max": _yuan(maximum)}))
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


def _cover(**lookups) -> Exists:
    return Exists(Coverage.objects.filter(policy_id=OuterRef("pk"), **lookups))


def _rule_q(code: str) -> Q:
    operating = Q(usage_nature_insured__in=OPERATING_NATURES) | Q(vehicle__usage_nature__in=OPERATING_NATURES)
    passenger = [CoverageKind.SEAT, CoverageKind.PASSENGER_SEAT]
    if code == "c2_per_seat":
        return Q(_cover(kind=CoverageKind.CARRIER_LIABILITY, per_seat_limit__lt=CARRIER_MIN_PER_SEAT_LIMIT)) | Q(
            _cover(kind=CoverageKind.CARRIER_LIABILITY, per_seat_limit__isnull=True, seats__gt=0,
                   limit__lt=F("seats") * CARRIER_MIN_PER_SEAT_LIMIT))
    if code == "c2_seats":
        return Q(_cover(kind=CoverageKind.CARRIER_LIABILITY, seats__lt=OuterRef("vehicle__seats") - CREW))
    if code == "p3_seat":
        def over(kinds, maximum):
            return Q(_cover(kind__in=kinds, per_seat_limit__gt=maximum)) | Q(
                _cover(kind__in=kinds, per_seat_limit__isnull=True, seats__gt=0, limit__gt=F("seats") * maximum))

        return ((operating & (over(passenger, SEAT_LIMITS["passenger"][0])
                              | over([CoverageKind.DRIVER_SEAT], SEAT_LIMITS["driver"][0])))
                | (~operating & (over(passenger, SEAT_LIMITS["passenger"][1])
                                 | over([CoverageKind.DRIVER_SEAT], SEAT_LIMITS["driver"][1]))))
    if code == "p3_own_damage":
        return operating & Q(vehicle__registered_on__lte=F("_start_less_10y")) & (
            Q(kind=PolicyKind.OWN_DAMAGE) | Q(_cover(kind=CoverageKind.OWN_DAMAGE)))
    if code == "p3_theft":
        return operating & Q(vehicle__registered_on__lte=F("_start_less_5y")) & Q(_cover(kind=CoverageKind.THEFT))
    if code == "m11_usage":
        return Q(vehicle__usage_nature__in=OPERATING_NATURES) & ~Q(usage_nature_insured__in=OPERATING_NATURES)
    raise KeyError(code)


def flagged_policies(queryset: QuerySet, rule: str | None = None) -> QuerySet:
    """The policies of ``queryset`` breaking ``rule`` (or any rule)."""
    qs = queryset.annotate(_start_less_10y=_YearsBefore("starts_at", years=OWN_DAMAGE_MAX_AGE),
                           _start_less_5y=_YearsBefore("starts_at", years=THEFT_MAX_AGE))
    if rule is not None:
        return qs.filter(_rule_q(rule))
    condition = Q()
    for code in RULES:
        condition |= _rule_q(code)
    return qs.filter(condition)
