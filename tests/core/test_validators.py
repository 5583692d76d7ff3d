"""Identifier validators: known good and bad values, and property-based tests of the check characters."""

import datetime as dt
import string

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from apps.core.validators import (
    USCC_ALPHABET,
    normalize_phone,
    normalize_plate,
    normalize_resident_id,
    normalize_uscc,
    normalize_vin,
    resident_id_check_char,
    uscc_check_char,
    validate_plate,
    validate_uscc,
    validate_vin,
    vin_check_digit,
)


def _code(exc_info) -> str:
    return exc_info.value.error_list[0].code


def _message(exc_info) -> str:
    return exc_info.value.messages[0]


# --- licence plates (rule J1) ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "plate",
    [
        "桂B12345",  # regular 7 characters
        "桂BA2345",
        "京A0C8Z9",
        "桂B1234学",  # driving-school plate
        "桂BD12345",  # new energy, small car: 3rd character D
        "桂BFA1234",  # new energy, small car: 3rd character F
        "桂B12345D",  # new energy, large vehicle: last character D
        "桂B12345F",
    ],
)
def test_j1_good_plates_are_accepted_unchanged(plate):
    assert normalize_plate(plate) == plate
    validate_plate(plate)


@pytest.mark.parametrize(("raw", "expected"), [("桂b12345", "桂B12345"), ("桂bd12345", "桂BD12345"), ("桂bfa1234", "桂BFA1234")])
def test_j1_lower_case_is_normalised_to_upper_case(raw, expected):
    assert normalize_plate(raw) == expected


@pytest.mark.parametrize("plate", ["桂B.12345", "桂B-12345", "桂B 12345", "桂B·12345", " 桂B12345", "桂B12345 ", "桂B\t12345",
                                   "桂B　12345", "桂B－12345", "桂B．12345", "桂B_2345"])
def test_j1_dot_dash_space_are_rejected_with_the_symbol_message_never_stripped(plate):
    with pytest.raises(ValidationError) as exc:
        normalize_plate(plate)
    assert _code(exc) == "plate_symbol"
    message = _message(exc)
    assert "空格、点、横线" in message and plate in message


@pytest.mark.parametrize(
    ("plate", "code"),
    [
        ("", "plate_required"),
        ("B12345", "plate_province"),
        ("AB12345", "plate_province"),
        ("桂B1234", "plate_length"),
        ("桂B1234567", "plate_length"),
        ("桂BA12345", "plate_nev"),  # 8 characters but neither D/F third nor D/F last
        ("桂B1234A5", "plate_nev"),
        ("桂BD1234A", "plate_nev"),  # small NEV: last four are digits
        ("桂B12I45", "plate_format"),  # I is never used
        ("桂B1O345", "plate_format"),  # O is never used
        ("桂812345", "plate_format"),  # second character is the authority letter
        ("桂B12#45", "plate_format"),
        ("桂Bａ2345", "plate_format"),  # a full-width letter is not upper-cased into something else
    ],
)
def test_j1_bad_plates_are_rejected(plate, code):
    with pytest.raises(ValidationError) as exc:
        normalize_plate(plate)
    assert _code(exc) == code


def test_j1_a_ligature_is_not_expanded_into_a_valid_plate():
    # "ﬀ".upper() == "FF": upper-casing blindly would turn 7 characters into the valid NEV plate 桂AFF2345.
    with pytest.raises(ValidationError):
        normalize_plate("桂Aﬀ2345")


def test_messages_in_english():
    with translation.override("en"):
        with pytest.raises(ValidationError) as exc:
            normalize_plate("桂B-12345")
        assert _message(exc).startswith('The licence plate "桂B-12345" contains a space, dot, dash')
        with pytest.raises(ValidationError) as exc:
            normalize_vin("1M8GDM9A1KP042788")
        assert "check digit" in _message(exc) and "should be X" in _message(exc)
        with pytest.raises(ValidationError) as exc:
            normalize_resident_id("360426199101010072")
        assert "check character" in _message(exc)
        with pytest.raises(ValidationError) as exc:
            normalize_uscc("91110000600037341M")
        assert "unified social credit code" in _message(exc)


# --- VIN ---------------------------------------------------------------------------------------------------

# Independent reference (ISO 3779 / GB 16735 transliteration written differently from the implementation).
_TRANSLIT = {**{d: int(d) for d in string.digits}}
for _letters, _start in (("ABCDEFGH", 1), ("JKLMN", 1), ("P", 7), ("R", 9), ("STUVWXYZ", 2)):
    for _offset, _letter in enumerate(_letters):
        _TRANSLIT[_letter] = _start + _offset
_POS_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
VIN_CHARS = "".join(sorted(_TRANSLIT))


def reference_vin_check(vin: str) -> str:
    remainder = sum(_TRANSLIT[c] * _POS_WEIGHTS[i] for i, c in enumerate(vin)) % 11
    return "X" if remainder == 10 else str(remainder)


@pytest.mark.parametrize("vin", ["1M8GDM9AXKP042788", "11111111111111111", "LSVAU218XN2183294",
                                 "JHMCM56557C404453", "5YJ3E1EA7HF000337"])
def test_known_good_vins(vin):
    assert reference_vin_check(vin) == vin[8]
    assert normalize_vin(vin) == vin
    validate_vin(vin)


def test_vin_lower_case_is_normalised():
    assert normalize_vin("1m8gdm9axkp042788") == "1M8GDM9AXKP042788"


def test_vin_with_a_bad_check_digit_is_rejected_with_the_expected_digit():
    with pytest.raises(ValidationError) as exc:
        normalize_vin("1M8GDM9A1KP042788")
    assert _code(exc) == "vin_check_digit"
    assert "X" in _message(exc)


def test_vin_override_for_imported_vehicle_accepts_a_bad_check_digit():
    assert normalize_vin("WP0ZZZ99ZTS392124", allow_bad_check_digit=True) == "WP0ZZZ99ZTS392124"
    with pytest.raises(ValidationError):
        normalize_vin("WP0ZZZ99ZTS392124")


@pytest.mark.parametrize("letter", ["I", "O", "Q", "i", "o", "q"])
def test_vin_letters_i_o_q_are_rejected_even_with_the_override(letter):
    vin = "1M8GDM9AXKP04278" + letter
    with pytest.raises(ValidationError) as exc:
        normalize_vin(vin, allow_bad_check_digit=True)
    assert _code(exc) == "vin_chars"
    assert letter.upper() in _message(exc)


@pytest.mark.parametrize(("vin", "code"), [("", "vin_required"), ("1M8GDM9AXKP04278", "vin_length"),
                                           ("1M8GDM9AXKP0427888", "vin_length"), ("1M8GDM9AXKP-42788", "vin_chars"),
                                           ("1M8GDM9AXKP 42788", "vin_chars")])
def test_bad_vins(vin, code):
    with pytest.raises(ValidationError) as exc:
        normalize_vin(vin)
    assert _code(exc) == code


vin_bodies = st.text(alphabet=VIN_CHARS, min_size=17, max_size=17)


@given(vin_bodies)
def test_property_vin_with_computed_check_digit_validates(body):
    vin = body[:8] + vin_check_digit(body) + body[9:]
    assert vin_check_digit(vin) == reference_vin_check(vin) == vin[8]
    assert normalize_vin(vin) == vin


@given(vin_bodies, st.sampled_from("0123456789X"))
def test_property_vin_any_other_check_digit_is_rejected(body, check):
    vin = body[:8] + check + body[9:]
    assume(check != reference_vin_check(vin))
    with pytest.raises(ValidationError) as exc:
        normalize_vin(vin)
    assert _code(exc) == "vin_check_digit"
    assert normalize_vin(vin, allow_bad_check_digit=True) == vin


# --- resident identity numbers (GB 11643) ------------------------------------------------------------------


@pytest.mark.parametrize("number", ["360426199101010071", "11010519491231002X", "450202198503121239"])
def test_known_good_resident_ids(number):
    assert ric.is_valid(number)  # python-stdnum agrees
    assert normalize_resident_id(number) == (number, [])


def test_resident_id_lower_case_x_is_normalised():
    assert normalize_resident_id("11010519491231002x") == ("11010519491231002X", [])


@pytest.mark.parametrize(("number", "code"), [
    ("360426199101010072", "ric_checksum"),
    ("11010519491231002Y", "ric_format"),
    ("1101051949123100", "ric_format"),
    ("11010519491231002 ", "ric_format"),
    ("", "ric_required"),
])
def test_bad_resident_ids(number, code):
    with pytest.raises(ValidationError) as exc:
        normalize_resident_id(number)
    assert _code(exc) == code


@pytest.mark.parametrize("birth", ["19910230", "19911301", "19910001", "20991231"])
def test_resident_id_with_an_impossible_or_future_birth_date_is_rejected(birth):
    body = f"360426{birth}007"
    with pytest.raises(ValidationError) as exc:
        normalize_resident_id(body + resident_id_check_char(body))
    assert _code(exc) == "ric_birth_date"


def test_resident_id_with_an_unknown_region_is_accepted_with_a_warning():
    body = "99999919900101123"
    number = body + resident_id_check_char(body)
    assert not ric.is_valid(number)  # stdnum's own table refuses it …
    normalized, warnings = normalize_resident_id(number)  # … we accept it and say so
    assert normalized == number
    assert len(warnings) == 1 and "行政区划代码" in warnings[0]


birth_dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31))
regions = st.from_regex(r"[1-8][0-9]{5}", fullmatch=True)


@given(regions, birth_dates, st.integers(0, 999))
def test_property_resident_id_with_computed_check_char_validates(region, birth, seq):
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    number = body + resident_id_check_char(body)
    # python-stdnum's check (an independent implementation) agrees with ours
    assert ric.calc_check_digit(number) == number[17]
    assert normalize_resident_id(number)[0] == number


@given(regions, birth_dates, st.integers(0, 999), st.sampled_from("0123456789X"))
def test_property_resident_id_any_other_check_char_is_rejected(region, birth, seq, check):
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    assume(check != resident_id_check_char(body))
    with pytest.raises(ValidationError) as exc:
        normalize_resident_id(body + check)
    assert _code(exc) == "ric_checksum"


# --- unified social credit codes (GB 32100) ----------------------------------------------------------------


def reference_uscc_check(body: str) -> str:
    weights = [pow(3, i, 31) for i in range(17)]
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body, weights, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


@pytest.mark.parametrize("code", ["91110000600037341L", "91450200MA5K12345B", "11450200MB1234567J", "51450200MJ34567890"])
def test_known_good_uscc(code):
    assert normalize_uscc(code) == code
    validate_uscc(code)


def test_uscc_with_letters_in_the_first_two_positions_is_accepted():
    body = "N2450202MF0000001"  # rural collective economic organisation
    assert normalize_uscc(body + reference_uscc_check(body)) == body + reference_uscc_check(body)


@pytest.mark.parametrize(("code", "expected"), [
    ("91110000600037341M", "uscc_checksum"),
    ("9111000060003734", "uscc_length"),
    ("911100006000373411L", "uscc_length"),
    ("9111000O600037341L", "uscc_format"),  # letter in the region digits
    ("91110000600037341I", "uscc_format"),  # I is not in the alphabet
    ("9111 000060003734L", "uscc_format"),  # a space is not removed silently
])
def test_bad_uscc(code, expected):
    with pytest.raises(ValidationError) as exc:
        normalize_uscc(code)
    assert _code(exc) == expected


uscc_bodies = st.tuples(
    st.text(alphabet=USCC_ALPHABET, min_size=2, max_size=2),
    st.text(alphabet=string.digits, min_size=6, max_size=6),
    st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9),
).map("".join)


@given(uscc_bodies)
def test_property_uscc_with_computed_check_char_validates(body):
    code = body + uscc_check_char(body)
    assert code[17] == reference_uscc_check(body)
    assert normalize_uscc(code) == code


@settings(suppress_health_check=[HealthCheck.filter_too_much])
@given(uscc_bodies, st.sampled_from(USCC_ALPHABET))
def test_property_uscc_any_other_check_char_is_rejected(body, check):
    assume(check != reference_uscc_check(body))
    with pytest.raises(ValidationError) as exc:
        normalize_uscc(body + check)
    assert _code(exc) == "uscc_checksum"


# --- phone numbers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("phone", ["13800138000", "0772-1234567", "07721234567", "010-12345678"])
def test_good_phones(phone):
    assert normalize_phone(phone) == phone


@pytest.mark.parametrize("phone", ["1380013800", "12800138000", "138 0013 8000", "0772 1234567", "abc"])
def test_bad_phones(phone):
    with pytest.raises(ValidationError):
        normalize_phone(phone)
