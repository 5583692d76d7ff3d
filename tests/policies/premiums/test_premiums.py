"""Premium calculators against the seeds' numbers (rules J4, J12, C1–C3, P1)."""

from decimal import Decimal

import pytest

from apps.core.errors import ApplicationError
from apps.policies import premiums as p


@pytest.mark.parametrize(("seats", "limit"), [
    (19, "9000000"), (29, "14000000"), (39, "19000000"), (45, "22000000"), (55, "27000000"),
])
def test_c2_appendix_a2_per_accident_limits(seats, limit):
    """Seed 001 appendix A.2: 500,000 per seat × (approved seats − 1 crew member)."""
    assert p.carrier_per_accident_limit(per_seat_limit=Decimal("500000"), seats=seats) == Decimal(limit)
    assert p.carrier_passenger_seats(seats=seats) == seats - 1


def test_c2_appendix_a2_fleet_of_300_coaches():
    """Appendix A.2.1.3: 55 × 19, 45 × 29, 154 × 39, 30 × 45, 16 × 55 seats; every coach's limit as above."""
    fleet = {19: 55, 29: 45, 39: 154, 45: 30, 55: 16}
    assert sum(fleet.values()) == 300
    quotes = [p.carrier_liability_quote(per_seat_limit=500000, base_rate_percent="0.05", seats=s)
              for s, n in fleet.items() for _ in range(n)]
    assert {q.seats: q.per_accident_limit for q in quotes} == {
        19: Decimal("9000000.00"), 29: Decimal("14000000.00"), 39: Decimal("19000000.00"),
        45: Decimal("22000000.00"), 55: Decimal("27000000.00")}
    # C1: the fleet premium is the sum of the vehicles' premiums; per seat 500,000 × 0.05 % = 250
    passenger_seats = sum((s - 1) * n for s, n in fleet.items())
    assert passenger_seats == 10286
    assert p.carrier_fleet_premium(quotes) == Decimal("250") * passenger_seats


def test_c1_premium_multiplies_every_risk_factor():
    q = p.carrier_liability_quote(per_seat_limit="400000", base_rate_percent="0.06", seats=5,
                                  factors=["1.2", "0.9"])
    assert q.per_seat_base_premium == Decimal("240.00")  # 400,000 × 0.06 %
    assert q.factor_product == Decimal("1.08")
    assert q.main_premium == Decimal("1036.80")  # 240 × 4 passenger seats × 1.08
    assert q.total_premium == q.main_premium
    assert q.warnings == ()


def test_c3_rider_minimums():
    q = p.carrier_liability_quote(per_seat_limit=500000, base_rate_percent="0.05", seats=19, crew=2,
                                  crew_rider=True, mental_damage_rider=True)
    assert q.passenger_seats == 17
    assert q.per_seat_premium == Decimal("250.00")
    assert q.crew_rider_premium == Decimal("500.00")  # ≥ 100 % of the per-seat premium, for each of 2 crew
    assert q.main_premium == Decimal("4250.00")
    assert q.mental_rider_premium == Decimal("85.00")  # ≥ 2 % of the main premium
    assert q.mental_rider_limit == Decimal("850000.00")  # 10 % of 8,500,000
    assert q.total_premium == Decimal("4835.00")


def test_c2_minimum_and_ideal_maximum_are_warnings():
    assert "40 万元" in p.carrier_liability_quote(per_seat_limit=300000, base_rate_percent="0.05", seats=5).warnings[0]
    assert "60 万元" in p.carrier_liability_quote(per_seat_limit=800000, base_rate_percent="0.05", seats=5).warnings[0]


@pytest.mark.parametrize(("base", "days", "charged", "premium"), [
    ("950", 1, 7, "18"),  # < 7 days: base × 7 / 365 = 18.219… → 18
    ("950", 6, 7, "18"),
    ("950", 7, 7, "18"),
    ("950", 30, 30, "78"),  # 78.08…
    ("1800", 100, 100, "493"),  # 493.15…
    ("1100", 146, 146, "440"),  # exactly 440.0
    ("950", 365, 365, "950"),
    ("2360", 3, 7, "45"),  # 45.26…
])
def test_j4_short_term_compulsory_premium(base, days, charged, premium):
    result = p.compulsory_short_term_premium(base_premium=Decimal(base), days=days)
    assert result.charged_days == charged
    assert result.premium == Decimal(premium)


def test_j4_rounds_half_up_to_whole_yuan():
    # 73 days are a fifth of a year: base 1002.5 → 200.5 → 201 (half up, not banker's rounding to 200)
    result = p.compulsory_short_term_premium(base_premium=Decimal("1002.5"), days=73)
    assert result.exact == Decimal("200.5")
    assert result.premium == Decimal("201")


@pytest.mark.parametrize("days", [0, -1, 366])
def test_j4_refuses_impossible_periods(days):
    with pytest.raises(ApplicationError):
        p.compulsory_short_term_premium(base_premium=950, days=days)


@pytest.mark.parametrize(("history", "factor", "premium"), [
    ({"claim_free_years": 1}, "A1", "1350"),  # 1800 × (1 − 25 %)
    ({"claim_free_years": 2}, "A2", "1170"),
    ({"claim_free_years": 5}, "A3", "990"),
    ({"at_fault_accidents_last_year": 1}, "A4", "1800"),
    ({"at_fault_accidents_last_year": 2}, "A5", "1980"),
    ({"at_fault_accidents_last_year": 1, "fatal_at_fault_last_year": True}, "A6", "2340"),
    ({"first_insured": True}, "A0", "1800"),
])
def test_j12_float_notice(history, factor, premium):
    """Seed 002 附件二: final premium = base × (1 + float ratio), Guangxi's ratios (plan B of the 2020 reform)."""
    notice = p.compulsory_float_notice(base_premium=Decimal("1800"), **history)
    assert notice.factor == factor
    assert notice.premium == Decimal(premium)
    assert notice.notice_required is (factor != "A0")


def test_j12_no_float_for_temporary_road_use_and_words():
    notice = p.compulsory_float_notice(base_premium=Decimal("78"), claim_free_years=3, floats=False)
    assert (notice.factor, notice.premium) == ("A0", Decimal("78"))
    # 950 × 0.75 = 712.5 → 713 (J4's "四舍五入取整为元", half up; banker's rounding would give 712)
    notice = p.compulsory_float_notice(base_premium=950, claim_free_years=1)
    assert (notice.premium, notice.premium_in_words) == (Decimal("713"), "柒佰壹拾叁元整")


def test_rmb_in_words():
    assert p.rmb_in_words(Decimal("1055")) == "壹仟零伍拾伍元整"
    assert p.rmb_in_words(Decimal("100010")) == "壹拾万零壹拾元整"
    assert p.rmb_in_words(Decimal("12.30")) == "壹拾贰元叁角整"
    assert p.rmb_in_words(Decimal("10.05")) == "壹拾元零伍分"
    assert p.rmb_in_words(Decimal("9000000")) == "玖佰万元整"


def test_compulsory_base_premium_table():
    assert p.compulsory_base_premium(usage_class="family", seats=5) == Decimal("950")
    assert p.compulsory_base_premium(usage_class="family", seats=7) == Decimal("1100")
    assert p.compulsory_base_premium(usage_class="operating_taxi", seats=5) == Decimal("1800")
    with pytest.raises(ApplicationError):
        p.compulsory_base_premium(usage_class="family", seats=19)


def test_p1_commercial_premium():
    result = p.commercial_premium(base_premium=Decimal("3000"), own_pricing="0.85", no_claim_discount="0.6",
                                  violation="1.1")
    assert result.coefficient == Decimal("0.5610")
    assert result.premium == Decimal("1683.00")


@pytest.mark.parametrize("kwargs", [
    {"own_pricing": "0.69"}, {"own_pricing": "1.31"}, {"no_claim_discount": "0.5"}, {"no_claim_discount": "2.1"},
    {"violation": "0"}, {"base_premium": "-1"}, {"base_premium": "abc"},
])
def test_p1_refuses_coefficients_out_of_range(kwargs):
    with pytest.raises(ApplicationError):
        p.commercial_premium(**{"base_premium": "3000", **kwargs})


def test_money_is_decimal_everywhere():
    q = p.carrier_liability_quote(per_seat_limit=400000.0, base_rate_percent=0.06, seats=5)
    for value in (q.per_accident_limit, q.main_premium, q.total_premium):
        assert isinstance(value, Decimal)
    assert p.seat_cover_premium(seats=5, per_seat_limit=10000, rate_percent="0.4") == Decimal("200.00")
