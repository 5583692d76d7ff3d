"""Premium calculators: pure functions on ``Decimal`` yuan, no database (rules J4, J12, C1–C3, P1).

Every function raises ``ApplicationError`` with a Chinese message for input that cannot be priced, and returns
frozen dataclasses whose fields are what the calculator page and the API show. Rounding is explicit:

* compulsory insurance (J4 / J12): whole yuan, half up (四舍五入取整为元 — the seed's wording);
* everything else: fen (0.01 yuan), half up.

Where the seeds leave a number open (float ratios of the compulsory-insurance regions, the own-pricing range),
the value is a setting with the default below, never a literal buried in a formula.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as N_

from apps.core.errors import ApplicationError
from apps.policies.errors import ErrorCode

YUAN = Decimal("1")
FEN = Decimal("0.01")
ZERO = Decimal("0")
ONE = Decimal("1")
HUNDRED = Decimal("100")
DAYS_PER_YEAR = 365


def _dec(value, name: str) -> Decimal:
    if isinstance(value, float):
        value = repr(value)  # a float typed by a caller: use its shortest decimal form, not its binary value
    try:
        result = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ApplicationError(_("“%(name)s”不是有效的数字。") % {"name": name}, code=ErrorCode.INVALID_NUMBER) from None
    if not result.is_finite():
        raise ApplicationError(_("“%(name)s”不是有效的数字。") % {"name": name}, code=ErrorCode.INVALID_NUMBER)
    return result


def _positive(value, name: str) -> Decimal:
    result = _dec(value, name)
    if result <= 0:
        raise ApplicationError(_("“%(name)s”必须大于 0。") % {"name": name}, code=ErrorCode.NOT_POSITIVE)
    return result


def to_yuan(amount: Decimal) -> Decimal:
    """Whole yuan, half up (J4: 四舍五入取整为元)."""
    return amount.quantize(YUAN, rounding=ROUND_HALF_UP)


def to_fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


# --- compulsory traffic insurance (交强险) -----------------------------------------------------------------------

# Base premiums (基础保险费) of the national compulsory-insurance rate plan for passenger cars in this platform's
# scope (≤ 7 seats, rule M1): (usage class, seats band) → yuan. The plan is the insurer's filing, not a seed; the
# calculator pre-fills from it and lets the user type the base premium of the filing in force.
DEFAULT_COMPULSORY_BASE_PREMIUMS: dict[tuple[str, str], Decimal] = {
    ("family", "lt6"): Decimal("950"),  # 家庭自用汽车 6 座以下
    ("family", "6to10"): Decimal("1100"),  # 家庭自用汽车 6 座及以上
    ("non_operating_enterprise", "lt6"): Decimal("1000"),  # 企业非营业客车 6 座以下
    ("non_operating_enterprise", "6to10"): Decimal("1130"),  # 企业非营业客车 6–10 座
    ("operating_taxi", "lt6"): Decimal("1800"),  # 营业客车 出租、租赁 6 座以下
    ("operating_taxi", "6to10"): Decimal("2360"),  # 营业客车 出租、租赁 6–10 座
}

COMPULSORY_USAGE_CLASSES = {
    "family": "家庭自用汽车",
    "non_operating_enterprise": "企业非营业客车",
    "operating_taxi": "营业客车（出租、租赁）",
}


def compulsory_base_premium(*, usage_class: str, seats: int) -> Decimal:
    """The base premium of the rate plan for a ≤ 10-seat passenger car (setting POLICY_COMPULSORY_BASE_PREMIUMS)."""
    table = getattr(settings, "POLICY_COMPULSORY_BASE_PREMIUMS", DEFAULT_COMPULSORY_BASE_PREMIUMS)
    if seats < 1 or seats > 10:
        raise ApplicationError(_("基础保险费表只含 10 座及以下客车；请直接填写基础保险费。"), code=ErrorCode.SEATS_OUT_OF_TABLE)
    band = "lt6" if seats < 6 else "6to10"
    try:
        return table[(usage_class, band)]
    except KeyError:
        raise ApplicationError(_("未知的使用性质类别。"), code=ErrorCode.UNKNOWN_USAGE_CLASS) from None


@dataclass(frozen=True)
class ShortTermPremium:
    base_premium: Decimal
    days: int
    charged_days: int  # 7 when the period is shorter than 7 days (J4)
    exact: Decimal  # before rounding
    premium: Decimal  # whole yuan


def compulsory_short_term_premium(*, base_premium, days: int) -> ShortTermPremium:
    """Rule J4: period < 7 days → base × 7 / 365; ≥ 7 days → base × n / 365; rounded half up to whole yuan.

    ``days`` is the number of insured days (投保天数). A short-term policy is shorter than a year, so 1 ≤ days ≤
    365 (365 days is the full base premium).
    """
    base = _positive(base_premium, N_("基础保险费"))
    if isinstance(days, bool) or not isinstance(days, int):
        raise ApplicationError(_("投保天数必须是整数。"), code=ErrorCode.INVALID_DAYS)
    if days < 1 or days > DAYS_PER_YEAR:
        raise ApplicationError(_("短期交强险的投保天数应在 1 至 365 天之间（规则 J3/J4）。"), code=ErrorCode.INVALID_DAYS)
    charged = max(days, 7)
    exact = base * charged / DAYS_PER_YEAR
    return ShortTermPremium(base_premium=base, days=days, charged_days=charged, exact=exact, premium=to_yuan(exact))


# Float ratios linked to at-fault road accidents (与道路交通事故相联系的浮动比率), per region of the 2020
# compulsory-insurance reform. Guangxi (Liuzhou) applies plan B. Setting POLICY_COMPULSORY_FLOAT_RATIOS overrides.
FLOAT_FACTORS = ("A1", "A2", "A3", "A4", "A5", "A6")
FLOAT_FACTOR_LABELS = {
    "A1": "上一个年度未发生有责任道路交通事故",
    "A2": "上两个年度未发生有责任道路交通事故",
    "A3": "上三个及以上年度未发生有责任道路交通事故",
    "A4": "上一个年度发生一次有责任不涉及死亡的道路交通事故",
    "A5": "上一个年度发生两次及两次以上有责任道路交通事故",
    "A6": "上一个年度发生有责任道路交通死亡事故",
    "A0": "首次投保，费率不浮动",
}
DEFAULT_COMPULSORY_FLOAT_RATIOS: dict[str, Decimal] = {
    "A1": Decimal("-0.25"), "A2": Decimal("-0.35"), "A3": Decimal("-0.45"),
    "A4": Decimal("0"), "A5": Decimal("0.10"), "A6": Decimal("0.30"),
}


def compulsory_float_ratios() -> dict[str, Decimal]:
    return getattr(settings, "POLICY_COMPULSORY_FLOAT_RATIOS", DEFAULT_COMPULSORY_FLOAT_RATIOS)


def compulsory_float_factor(*, claim_free_years: int, at_fault_accidents_last_year: int = 0,
                            fatal_at_fault_last_year: bool = False, first_insured: bool = False) -> str:
    """Which factor of the float plan applies; when several apply the one with the highest ratio wins."""
    if first_insured:
        return "A0"
    if fatal_at_fault_last_year:
        return "A6"
    if at_fault_accidents_last_year >= 2:
        return "A5"
    if at_fault_accidents_last_year == 1:
        return "A4"
    if claim_free_years < 1:
        raise ApplicationError(_("未发生有责任事故的年度数至少为 1（或选择首次投保）。"), code=ErrorCode.INVALID_HISTORY)
    return {1: "A1", 2: "A2"}.get(claim_free_years, "A3")


@dataclass(frozen=True)
class FloatNotice:
    """The figures of 附件二 交强险费率浮动告知单 (rule J12)."""

    base_premium: Decimal
    factor: str
    factor_label: str
    ratio: Decimal  # e.g. -0.25
    ratio_percent: Decimal  # e.g. -25
    premium: Decimal  # whole yuan
    premium_in_words: str  # 大写
    notice_required: bool  # no notice for a vehicle insured for the first time


def compulsory_float_notice(*, base_premium, claim_free_years: int = 0, at_fault_accidents_last_year: int = 0,
                            fatal_at_fault_last_year: bool = False, first_insured: bool = False,
                            floats: bool = True) -> FloatNotice:
    """Rule J12: final premium = base × (1 + float ratio linked to at-fault road accidents), whole yuan half up.

    ``floats=False`` for a short-term policy of a vehicle temporarily on the road or entering from abroad (J4: 费率不
    浮动). ``base_premium`` may be a short-term base from ``compulsory_short_term_premium``.
    """
    base = _positive(base_premium, N_("基础保险费"))
    for value, name in ((claim_free_years, N_("未出险年度数")), (at_fault_accidents_last_year, N_("有责事故次数"))):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ApplicationError(_("“%(name)s”必须是非负整数。") % {"name": name}, code=ErrorCode.INVALID_HISTORY)
    if floats:
        factor = compulsory_float_factor(
            claim_free_years=claim_free_years, at_fault_accidents_last_year=at_fault_accidents_last_year,
            fatal_at_fault_last_year=fatal_at_fault_last_year, first_insured=first_insured,
        )
    else:
        factor = "A0"
    ratio = ZERO if factor == "A0" else compulsory_float_ratios()[factor]
    premium = to_yuan(base * (ONE + ratio))
    label = FLOAT_FACTOR_LABELS[factor] if floats else "临时上道路行驶或境外车辆临时入境，费率不浮动"
    return FloatNotice(
        base_premium=base, factor=factor, factor_label=label, ratio=ratio, ratio_percent=(ratio * HUNDRED).normalize(),
        premium=premium, premium_in_words=rmb_in_words(premium), notice_required=not first_insured,
    )


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_BIG_UNITS = ("", "万", "亿", "万亿")


def _four_digits(n: int) -> str:
    out, zero = "", False
    for pos in range(3, -1, -1):
        d = n // 10**pos % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += _DIGITS[d] + _SMALL_UNITS[pos]
    return out


def rmb_in_words(amount) -> str:
    """Chinese financial capitals for an amount in yuan: 1055 → 壹仟零伍拾伍元整, 12.30 → 壹拾贰元叁角整."""
    value = to_fen(_dec(amount, N_("金额")))
    if value < 0:
        return "负" + rmb_in_words(-value)
    yuan = int(value)
    fen_total = int((value - yuan) * 100)
    jiao, fen = divmod(fen_total, 10)
    groups = []
    n = yuan
    while n:
        groups.append(n % 10000)
        n //= 10000
    text = ""
    pending_zero = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            pending_zero = bool(text)
            continue
        if text and (pending_zero or group < 1000):
            text += "零"
        text += _four_digits(group) + _BIG_UNITS[index]
        pending_zero = False
    text = (text or "零") + "元"
    if jiao == 0 and fen == 0:
        return text + "整"
    if jiao:
        text += _DIGITS[jiao] + "角"
    elif yuan:
        text += "零"
    if fen:
        text += _DIGITS[fen] + "分"
    else:
        text += "整"
    return text


# --- carrier liability insurance (道路旅客运输承运人责任保险, seed 001) ---------------------------------------------

CARRIER_MIN_PER_SEAT_LIMIT = Decimal("400000")  # rule C2: 每座责任险应不低于 40 万元
CARRIER_IDEAL_MAX_PER_SEAT_LIMIT = Decimal("600000")  # rule C2 note: 理想方案每座赔偿限额控制在 60 万元以内
CARRIER_CREW_RIDER_MIN_SHARE = Decimal("1.00")  # rule C3: 附加每一司乘人员保险费不低于每座保险费的 100%
CARRIER_MENTAL_RIDER_MIN_SHARE = Decimal("0.02")  # rule C3: 精神损害附加险保险费不低于主险保险费的 2%
CARRIER_MENTAL_RIDER_LIMIT_SHARE = Decimal("0.10")  # rule C3: 其限额为主险每车每次事故限额的 10%


def carrier_passenger_seats(*, seats: int, crew: int = 1) -> int:
    """Seats insured by the main cover: approved seats less the crew (司乘人员) — rule C2, appendix A.2.

    The approved seats (核定座位数) on the licence include the driver's seat; the crew are not passengers and are
    covered by the crew rider instead (seed 001 §9.2: 驾驶员座位可投保司乘人员意外险附加险; §9.3.2: 不含司乘人员).
    """
    for value, name in ((seats, N_("核定座位数")), (crew, N_("司乘人员人数"))):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ApplicationError(_("“%(name)s”必须是非负整数。") % {"name": name}, code=ErrorCode.INVALID_SEATS)
    if crew < 1:
        raise ApplicationError(_("司乘人员至少包括驾驶员 1 人。"), code=ErrorCode.INVALID_CREW)
    if seats <= crew:
        raise ApplicationError(_("核定座位数必须大于司乘人员人数。"), code=ErrorCode.INVALID_SEATS)
    return seats - crew


def carrier_per_accident_limit(*, per_seat_limit, seats: int, crew: int = 1) -> Decimal:
    """Rule C2: per-vehicle per-accident limit = per-seat limit × (approved seats − crew)."""
    limit = _positive(per_seat_limit, N_("每座责任限额"))
    return to_fen(limit * carrier_passenger_seats(seats=seats, crew=crew))


@dataclass(frozen=True)
class CarrierLiabilityQuote:
    per_seat_limit: Decimal
    base_rate_percent: Decimal
    seats: int
    crew: int
    passenger_seats: int
    per_accident_limit: Decimal
    per_seat_base_premium: Decimal  # C1: per-seat limit × base rate
    factor_product: Decimal
    per_seat_premium: Decimal  # per-seat base × factors
    main_premium: Decimal  # C1: per-seat base × passenger seats × factors
    crew_rider_premium: Decimal  # C3 minimum, 0 unless requested
    mental_rider_premium: Decimal  # C3 minimum, 0 unless requested
    mental_rider_limit: Decimal
    total_premium: Decimal
    warnings: tuple[str, ...] = field(default_factory=tuple)


def _factor_product(factors: Iterable) -> Decimal:
    product = ONE
    for factor in factors:
        product *= _positive(factor, N_("风险调整因子"))
    return product


def carrier_limit_warnings(per_seat_limit: Decimal) -> list[str]:
    warnings = []
    if per_seat_limit < CARRIER_MIN_PER_SEAT_LIMIT:
        warnings.append(_("每座责任限额 %(limit)s 元低于 40 万元的最低标准（规则 C2）。") % {"limit": f"{per_seat_limit:,.0f}"})
    elif per_seat_limit > CARRIER_IDEAL_MAX_PER_SEAT_LIMIT:
        warnings.append(_("每座责任限额超过 60 万元；理想的承保方案一般控制在 60 万元以内（规则 C2）。"))
    return warnings


def carrier_liability_quote(*, per_seat_limit, base_rate_percent, seats: int, crew: int = 1,
                            factors: Iterable = (), crew_rider: bool = False,
                            mental_damage_rider: bool = False) -> CarrierLiabilityQuote:
    """Rules C1–C3 for one vehicle.

    C1: per-seat base premium = per-seat limit × base rate (%); vehicle premium = per-seat base × insured passenger
    seats × every applicable risk factor (multiplied). C2: limits. C3: the riders' minimum premiums (the crew rider
    costs at least the vehicle's per-seat premium for each crew member; the mental-damage rider at least 2 % of the
    main premium, with a limit of 10 % of the per-accident limit).
    """
    limit = _positive(per_seat_limit, N_("每座责任限额"))
    rate = _positive(base_rate_percent, N_("基准费率（%）"))
    if rate >= HUNDRED:
        raise ApplicationError(_("基准费率以百分数填写，应小于 100。"), code=ErrorCode.INVALID_RATE)
    passenger_seats = carrier_passenger_seats(seats=seats, crew=crew)
    product = _factor_product(factors)
    per_seat_base = to_fen(limit * rate / HUNDRED)
    per_seat_premium = to_fen(per_seat_base * product)
    main = to_fen(per_seat_base * passenger_seats * product)
    per_accident = to_fen(limit * passenger_seats)
    crew_premium = to_fen(per_seat_premium * CARRIER_CREW_RIDER_MIN_SHARE * crew) if crew_rider else ZERO
    mental_premium = to_fen(main * CARRIER_MENTAL_RIDER_MIN_SHARE) if mental_damage_rider else ZERO
    mental_limit = to_fen(per_accident * CARRIER_MENTAL_RIDER_LIMIT_SHARE) if mental_damage_rider else ZERO
    return CarrierLiabilityQuote(
        per_seat_limit=limit, base_rate_percent=rate, seats=seats, crew=crew, passenger_seats=passenger_seats,
        per_accident_limit=per_accident, per_seat_base_premium=per_seat_base, factor_product=product,
        per_seat_premium=per_seat_premium, main_premium=main, crew_rider_premium=crew_premium,
        mental_rider_premium=mental_premium, mental_rider_limit=mental_limit,
        total_premium=main + crew_premium + mental_premium, warnings=tuple(carrier_limit_warnings(limit)),
    )


def carrier_fleet_premium(quotes: Iterable[CarrierLiabilityQuote]) -> Decimal:
    """Rule C1: a fleet's premium is the sum of its vehicles' annual premiums."""
    return sum((q.total_premium for q in quotes), ZERO)


# --- commercial motor insurance (商业车险, seed 003) ----------------------------------------------------------------

DEFAULT_OWN_PRICING_RANGE = (Decimal("0.70"), Decimal("1.30"))  # P1: 2020 reform widened ±15 % to ±30 %
DEFAULT_NCD_RANGE = (Decimal("0.6"), Decimal("2.0"))  # P1: 无赔款优待系数 0.6 to 2.0


@dataclass(frozen=True)
class CommercialPremium:
    base_premium: Decimal
    own_pricing: Decimal
    no_claim_discount: Decimal
    violation: Decimal
    coefficient: Decimal  # product of the three
    premium: Decimal


def _in_range(value: Decimal, bounds: tuple[Decimal, Decimal], name: str) -> None:
    low, high = bounds
    if not low <= value <= high:
        raise ApplicationError(
            _("%(name)s应在 %(low)s 至 %(high)s 之间（规则 P1）。") % {"name": name, "low": low, "high": high},
            code=ErrorCode.COEFFICIENT_OUT_OF_RANGE,
        )


def commercial_premium(*, base_premium, own_pricing=ONE, no_claim_discount=ONE, violation=ONE) -> CommercialPremium:
    """Rule P1: premium = base × own-pricing coefficient × no-claim-discount coefficient × traffic-violation
    coefficient, to the fen. The own-pricing range is POLICY_OWN_PRICING_RANGE (default 0.70–1.30 after the 2020
    reform), the no-claim discount POLICY_NCD_RANGE (0.6–2.0); the seed gives no range for the violation coefficient,
    so it only has to be positive."""
    base = _positive(base_premium, N_("基准保费"))
    own = _positive(own_pricing, N_("自主定价系数"))
    ncd = _positive(no_claim_discount, N_("无赔款优待系数"))
    vio = _positive(violation, N_("交通违法系数"))
    _in_range(own, getattr(settings, "POLICY_OWN_PRICING_RANGE", DEFAULT_OWN_PRICING_RANGE), N_("自主定价系数"))
    _in_range(ncd, getattr(settings, "POLICY_NCD_RANGE", DEFAULT_NCD_RANGE), N_("无赔款优待系数"))
    coefficient = own * ncd * vio
    return CommercialPremium(base_premium=base, own_pricing=own, no_claim_discount=ncd, violation=vio,
                             coefficient=coefficient, premium=to_fen(base * coefficient))


def seat_cover_premium(*, seats: int, per_seat_limit, rate_percent) -> Decimal:
    """Seed 003: seat cover premium = seats × per-seat limit × rate."""
    if isinstance(seats, bool) or not isinstance(seats, int) or seats < 1:
        raise ApplicationError(_("投保座位数必须是正整数。"), code=ErrorCode.INVALID_SEATS)
    limit = _positive(per_seat_limit, N_("每座赔偿限额"))
    rate = _positive(rate_percent, N_("费率（%）"))
    return to_fen(seats * limit * rate / HUNDRED)
