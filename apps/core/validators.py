"""Identifier validators with messages in the user's language.

Each ``validate_*`` raises ``django.core.exceptions.ValidationError`` and is usable as a model-field validator;
each ``normalize_*`` returns the canonical form or raises. Nothing is stripped silently (rule J1).
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from operator import mul
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric, uscc

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_LETTER = "A-HJ-NP-Z"  # plates never use I or O
_ALNUM = "0-9A-HJ-NP-Z"
_REGULAR = re.compile(rf"^[{PROVINCES}][A-Z][{_ALNUM}]{{4}}[{_ALNUM}学警港澳挂领试超]$")
_NEV_SMALL = re.compile(rf"^[{PROVINCES}][A-Z][DF][{_ALNUM}][0-9]{{4}}$")
_NEV_LARGE = re.compile(rf"^[{PROVINCES}][A-Z][0-9]{{5}}[DF]$")
_PLATE_FORBIDDEN = re.compile(r"[\s.\-·_/\\,，。、:：;；|．－—–・•]")


_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _ascii_upper(value: str) -> str:
    """Upper-case ASCII letters only: ``str.upper`` would turn a ligature such as "ﬀ" into "FF" and so
    silently change a value's length and meaning."""
    return value.translate(_ASCII_UPPER)


def normalize_plate(value: str) -> str:
    """Rule J1: Chinese characters, upper-case letters and digits only.

    Lower-case letters are upper-cased (the same plate); a dot, dash, space or other symbol is an error,
    never removed, because removing it could turn a typo into somebody else's plate.
    """
    if value is None or value == "":
        raise ValidationError(_("请填写号牌号码。"), code="plate_required")
    if _PLATE_FORBIDDEN.search(value):
        raise ValidationError(
            _("号牌号码“%(value)s”含有空格、点、横线或其他符号；号牌只能由汉字、大写字母和数字组成（规则 J1）。"),
            code="plate_symbol", params={"value": value},
        )
    plate = _ascii_upper(value)
    if plate[0] not in PROVINCES:
        raise ValidationError(
            _("号牌号码“%(value)s”须以省份简称开头，例如“桂B12345”。"), code="plate_province", params={"value": value}
        )
    if len(plate) == 7:
        if _REGULAR.match(plate):
            return plate
    elif len(plate) == 8:
        if _NEV_SMALL.match(plate) or _NEV_LARGE.match(plate):
            return plate
        raise ValidationError(
            _("8 位号牌“%(value)s”不是有效的新能源号牌：小型车第 3 位须为 D 或 F，大型车末位须为 D 或 F。"),
            code="plate_nev", params={"value": value},
        )
    else:
        raise ValidationError(
            _("号牌号码“%(value)s”长度为 %(length)d 位；普通号牌为 7 位，新能源号牌为 8 位。"),
            code="plate_length", params={"value": value, "length": len(plate)},
        )
    raise ValidationError(
        _("号牌号码“%(value)s”格式不正确（字母 I、O 不用于号牌）。"), code="plate_format", params={"value": value}
    )


def validate_plate(value: str) -> None:
    normalize_plate(value)


_VIN_VALUES = {**{str(d): d for d in range(10)}, **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
               **dict(zip("JKLMN", range(1, 6), strict=True)), "P": 7, "R": 9,
               **dict(zip("STUVWXYZ", range(2, 10), strict=True))}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


_VIN_CHARS = frozenset(_VIN_VALUES)


def vin_check_digit(vin: str) -> str:
    """ISO 3779 / GB 16735 position-9 check character for a 17-character VIN."""
    if len(vin) != len(_VIN_WEIGHTS):
        raise ValueError("a VIN has 17 characters")
    total = sum(map(mul, map(_VIN_VALUES.__getitem__, vin), _VIN_WEIGHTS))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def normalize_vin(value: str, *, allow_bad_check_digit: bool = False) -> str:
    """17 characters, no I/O/Q, valid check digit at position 9.

    ``allow_bad_check_digit`` is the explicit override for an imported vehicle whose manufacturer does not use
    the check digit; callers that pass it must record an audit event (the vehicles service does).
    """
    if not value:
        raise ValidationError(_("请填写车辆识别代号（VIN）。"), code="vin_required")
    vin = _ascii_upper(value)
    if len(vin) != 17:
        raise ValidationError(
            _("车辆识别代号“%(value)s”为 %(length)d 位，应为 17 位。"),
            code="vin_length", params={"value": value, "length": len(vin)},
        )
    bad = sorted(set(vin) - _VIN_CHARS)
    if bad:
        raise ValidationError(
            _("车辆识别代号“%(value)s”含有不允许的字符：%(chars)s（不得含 I、O、Q 或符号）。"),
            code="vin_chars", params={"value": value, "chars": "".join(bad)},
        )
    if not allow_bad_check_digit and vin[8] != vin_check_digit(vin):
        raise ValidationError(
            _("车辆识别代号“%(value)s”第 9 位校验位应为 %(expected)s；请核对。进口车辆可由有权限的人员确认后例外录入。"),
            code="vin_check_digit", params={"value": value, "expected": vin_check_digit(vin)},
        )
    return vin


def validate_vin(value: str) -> None:
    normalize_vin(value)


_RIC_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_RIC_FORMAT = re.compile(r"[0-9]{17}[0-9X]")
_ZONE = ZoneInfo(settings.TIME_ZONE)  # the calendar of the birth-date check (Asia/Shanghai)


def resident_id_check_char(body: str) -> str:
    """GB 11643 check character (ISO 7064 MOD 11-2) of the first 17 digits of a resident identity number."""
    if len(body) != 17 or not body.isascii() or not body.isdigit():
        raise ValueError("the body of a resident identity number is 17 digits")
    total = sum(map(mul, map(int, body), _RIC_WEIGHTS))
    return "10X98765432"[total % 11]


def normalize_resident_id(value: str) -> tuple[str, list[str]]:
    """GB 11643 resident identity number: 18 characters, valid birth date, check character (mod 11-2).

    Returns ``(number, warnings)``. An unknown region code is a warning, never a rejection: python-stdnum's
    region table is not complete, and a citizen's real ID must not be refused because of it.
    """
    if not value:
        raise ValidationError(_("请填写身份证号码。"), code="ric_required")
    number = _ascii_upper(value)
    if not _RIC_FORMAT.fullmatch(number):
        raise ValidationError(
            _("身份证号码应为 18 位：前 17 位为数字，末位为数字或 X。"), code="ric_format"
        )
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("身份证号码中的出生日期无效。"), code="ric_birth_date") from None
    if birth > dt.datetime.now(_ZONE).date():
        raise ValidationError(_("身份证号码中的出生日期无效。"), code="ric_birth_date")
    if resident_id_check_char(number[:17]) != number[17]:
        raise ValidationError(_("身份证号码校验位不正确，请核对。"), code="ric_checksum")
    warnings: list[str] = []
    if not _region_known(number[:6], number[6:10]):
        warnings.append(str(_("身份证号码的行政区划代码不在参考表中，已接受，请留意核对。")))
    return number, warnings


@lru_cache(maxsize=8192)
def _region_known(region: str, birth_year: str) -> bool:
    """python-stdnum's region table (counties valid in the birth year) is only a hint; cached because a bulk
    import checks the same few hundred regions again and again."""
    try:
        ric.get_birth_place(f"{region}{birth_year}0101000")
    except Exception:  # noqa: BLE001 - stdnum raises InvalidComponent, and even KeyError for some codes
        return False
    return True


def validate_resident_id(value: str) -> None:
    normalize_resident_id(value)


USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z
_USCC_FORMAT = re.compile(rf"[{USCC_ALPHABET}]{{2}}[0-9]{{6}}[{USCC_ALPHABET}]{{10}}")


def uscc_check_char(body: str) -> str:
    """GB 32100 check character (position 18) of the first 17 characters of a unified social credit code."""
    return uscc.calc_check_digit(body[:17])


def normalize_uscc(value: str) -> str:
    """GB 32100 unified social credit code: 18 characters with check character.

    Positions 1–2 (registering authority, organisation category) may be letters — e.g. "N2…" for rural
    collective economic organisations — which python-stdnum's ``uscc.validate`` rejects, so the format is
    checked here and only the check-character computation comes from stdnum. Nothing is stripped silently.
    """
    if not value:
        raise ValidationError(_("请填写统一社会信用代码。"), code="uscc_required")
    code = _ascii_upper(value)
    if len(code) != 18:
        raise ValidationError(_("统一社会信用代码应为 18 位。"), code="uscc_length")
    if not _USCC_FORMAT.fullmatch(code):
        raise ValidationError(_("统一社会信用代码格式不正确。"), code="uscc_format")
    if uscc_check_char(code) != code[17]:
        raise ValidationError(_("统一社会信用代码校验位不正确，请核对。"), code="uscc_checksum")
    return code


def validate_uscc(value: str) -> None:
    normalize_uscc(value)


_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")


def normalize_phone(value: str) -> str:
    """Mainland mobile (11 digits) or a landline with area code (e.g. 0772-1234567, digits and one dash)."""
    if not value:
        raise ValidationError(_("请填写联系电话。"), code="phone_required")
    if _MOBILE.match(value) or re.fullmatch(r"0[0-9]{2,3}-?[0-9]{7,8}", value):
        return value
    raise ValidationError(_("联系电话格式不正确：手机号为 11 位数字，固定电话如 0772-1234567。"), code="phone_format")

# --- links stored from user input and shown as ``href`` ---------------------------------------------------------

_LINK_SCHEMES = ("http", "https")


def is_safe_link(value: str) -> bool:
    """An ``http``/``https`` address with a host, or a path on this site (``/credit/…``; never ``//host``).
    Anything else — ``javascript:``, ``data:``, ``vbscript:``, control characters that browsers strip before
    reading the scheme — is not a link the platform will store or render."""
    from urllib.parse import urlsplit

    if not value or value != value.strip() or any(ord(c) < 32 or ord(c) == 127 for c in value) or "\\" in value:
        return False
    if value.startswith("/"):
        return not value.startswith("//")
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in _LINK_SCHEMES and bool(parts.netloc)


def normalize_link(value: str) -> str:
    """A link typed by a user (an evidence link, …): empty, or ``is_safe_link``; raises otherwise."""
    value = value or ""
    if value and not is_safe_link(value):
        raise ValidationError(_("链接须以 http:// 或 https:// 开头（或为本平台内的路径）。"), code="link_scheme")
    return value

