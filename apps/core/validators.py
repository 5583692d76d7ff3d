"""Identifier validators with messages in the user's language.

Each ``validate_*`` raises ``django.core.exceptions.ValidationError`` and is usable as a model-field validator;
each ``normalize_*`` returns the canonical form or raises. Nothing is stripped silently (rule J1).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from operator import mul
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS
from django.db.models import CheckConstraint, Q
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


# --- plausible ranges of dates, instants and amounts ------------------------------------------------------------
#
# One place for every bound. Two layers:
# * the database's CHECK constraints (``range_constraints`` in each model's Meta) hold fixed constants, never
#   relative to "now", so no path — a form, an API, a batch, an import, a shell — can store a value that the
#   database or Python cannot read back (a policy starting "0001-01-01" at +08:00 is a BC instant in UTC);
# * the entry checks (``check_date``, ``check_instant``, ``check_amount``), called by the services that every
#   form, serializer, batch and import goes through, are narrower and name the field in the error.

DB_DATE_MIN = dt.date(1900, 1, 1)
DB_DATE_END = dt.date(2200, 1, 1)  # exclusive
DB_INSTANT_MIN = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
DB_INSTANT_END = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)  # exclusive
DB_AMOUNT_END = Decimal(10**12)  # exclusive; amounts are never negative

#: Earliest date of a record of the scheme (policies, permits, claims, penalties, cases, complaints ...).
RECORD_EARLIEST = dt.date(1990, 1, 1)
#: Earliest date of a "historic" fact: a vehicle's registration, a person's birth.
HISTORIC_EARLIEST = dt.date(1950, 1, 1)
#: Largest amount in yuan an entry accepts (premiums, limits, claims, fines): 99.99 亿.
AMOUNT_MAX = Decimal("9999999999.99")
#: How far ahead an event that has already happened may lie (clock skew, time zones).
PAST = dt.timedelta(days=1)


def years_ahead() -> int:
    """How many years ahead a period end (policy, permit, suspension, standard) may lie; setting
    ``ENTRY_YEARS_AHEAD`` (default in settings.py)."""
    return int(settings.ENTRY_YEARS_AHEAD)


def _today() -> dt.date:
    return dt.datetime.now(_ZONE).date()


def _latest(ahead: dt.timedelta | None) -> dt.date:
    today = _today()
    if ahead is not None:
        return today + ahead
    years = years_ahead()
    try:
        return today.replace(year=today.year + years)
    except ValueError:  # 29 February
        return today.replace(year=today.year + years, day=28)


def _out_of_range(field: str, label, value, earliest: dt.date, latest: dt.date) -> ValidationError:
    return ValidationError({field: ValidationError(
        _("%(label)s“%(value)s”超出允许范围：应在 %(earliest)s 至 %(latest)s 之间。"), code="date_range",
        params={"label": label, "value": value, "earliest": earliest.isoformat(), "latest": latest.isoformat()},
    )})


def check_date(value: dt.date | None, *, field: str, label, earliest: dt.date = RECORD_EARLIEST,
               ahead: dt.timedelta | None = None) -> dt.date | None:
    """``value`` (``None`` passes) between ``earliest`` and today + ``ahead`` (default: ``years_ahead()`` years),
    or ``ValidationError({field: ...})`` naming the field."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    latest = _latest(ahead)
    if not earliest <= value <= latest:
        raise _out_of_range(field, label, value.isoformat(), earliest, latest)
    return value


def check_instant(value: dt.datetime | None, *, field: str, label, earliest: dt.date = RECORD_EARLIEST,
                  ahead: dt.timedelta | None = None) -> dt.datetime | None:
    """An instant whose calendar date (in its own offset: no conversion, which could overflow) lies in the range of
    ``check_date``."""
    if value is None:
        return None
    latest = _latest(ahead)
    if not earliest <= value.date() <= latest:
        raise _out_of_range(field, label, value.isoformat(sep=" ", timespec="minutes"), earliest, latest)
    return value


def _keyed(field: str | None, error: ValidationError) -> ValidationError:
    return ValidationError({field: error}) if field else error


def check_amount(value, *, field: str | None, label, maximum: Decimal = AMOUNT_MAX) -> Decimal | None:
    """A yuan amount (``None`` passes): finite, 0 ≤ amount ≤ ``maximum``, at most two decimal places. The error is
    keyed by ``field`` (a cell parser passes ``None`` and gets a plain one)."""
    if value is None:
        return None
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
        finite = amount.is_finite()
    except (InvalidOperation, ValueError, TypeError):
        finite = False
    if not finite:
        raise _keyed(field, ValidationError(
            _("%(label)s“%(value)s”不是有效金额。"), code="amount_invalid", params={"label": label, "value": value}))
    if not Decimal(0) <= amount <= maximum:
        raise _keyed(field, ValidationError(
            _("%(label)s“%(value)s”超出允许范围：应在 0 至 %(max)s 元之间。"), code="amount_range",
            params={"label": label, "value": value, "max": f"{maximum:,.2f}"}))
    cents = amount.quantize(Decimal("0.01"))
    if amount != cents:
        raise _keyed(field, ValidationError(
            _("%(label)s“%(value)s”最多保留两位小数。"), code="amount_places", params={"label": label, "value": value}))
    return cents


class RangeConstraint(CheckConstraint):
    """``CHECK (low <= column AND column < end)`` (``NULL`` passes), which ``Model.full_clean`` checks in Python.

    Django checks a ``CheckConstraint`` by asking the database (a savepoint, a ``SELECT`` and its release for each
    constraint): a model with ten range columns paid thirty round trips at every save through its service. The
    condition here is a plain range, so the same comparison is made on the instance's values; anything else (a value
    that is an expression, a naive instant that Python cannot compare) is left to the database as before. The
    database still enforces the constraint: it is the same ``CHECK`` (``deconstruct`` names the plain
    ``CheckConstraint``, so migrations see no change)."""

    def _bounds(self) -> tuple[str, object, object]:
        (first, low), (second, end) = self.condition.children
        name, op = first.rsplit("__", 1)
        assert op == "gte" and second == f"{name}__lt", self.condition  # noqa: S101 - built by range_constraints
        return name, low, end

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        name, low, end = self._bounds()
        if exclude and name in exclude:
            return
        value = getattr(instance, model._meta.get_field(name).attname)
        if value is None:
            return
        if hasattr(value, "resolve_expression"):
            return super().validate(model, instance, exclude=exclude, using=using)
        try:
            inside = low <= value < end
        except TypeError:  # e.g. a naive instant: the database decides, as for any CHECK
            return super().validate(model, instance, exclude=exclude, using=using)
        if not inside:
            raise ValidationError(self.get_violation_error_message(), code=self.violation_error_code)

    def deconstruct(self):
        _path, args, kwargs = super().deconstruct()
        return "django.db.models.CheckConstraint", args, kwargs


def range_constraints(prefix: str, *, dates: tuple[str, ...] = (), instants: tuple[str, ...] = (),
                      amounts: tuple[str, ...] = ()) -> list[CheckConstraint]:
    """CHECK constraints keeping each named column within the database bounds above (``NULL`` passes)."""
    out = []
    for names, low, end in ((dates, DB_DATE_MIN, DB_DATE_END), (instants, DB_INSTANT_MIN, DB_INSTANT_END),
                            (amounts, Decimal(0), DB_AMOUNT_END)):
        out.extend(RangeConstraint(condition=Q(**{f"{name}__gte": low, f"{name}__lt": end}),
                                   name=f"{prefix}_{name}_range") for name in names)
    return out
