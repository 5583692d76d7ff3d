"""The fields of each interface (/work RIDE_HAILING_DATA digest of the national technical requirements) and the
parsing of one record into what the platform keeps, with per-field errors in the reader's language.

Values are accepted as the interfaces send them: a date ``YYYYMMDD`` and an instant ``YYYYMMDDhhmmss`` (Beijing
time) as digits, in a string or a JSON number; numbers as numbers or digit strings. What is stored is canonical:
dates and instants as digit strings, integers as integers, amounts as decimal strings. Fields an interface does
not define here (optional personal fields, surcharges) are not stored and are named in the record's result.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_noop as N_

from apps.core.notifications import Text
from apps.core.validators import RECORD_EARLIEST, normalize_plate, normalize_uscc, normalize_vin

from .models import Interface

BEIJING = ZoneInfo("Asia/Shanghai")
_DIGITS = re.compile(r"^[0-9]+$")
AHEAD = dt.timedelta(days=1)
INT_MAX = 2_147_483_647  # a count, seconds, seats: what a PostgreSQL integer holds
DATE_EARLIEST = dt.date(1900, 1, 1)  # dates include birthdays; instants (events, UpdateTime) start at RECORD_EARLIEST  # clock skew: an instant may lie at most a day ahead of the platform's clock


class FieldError(Exception):
    """A field's value refused: a code for machines and a ``Text`` (message id and parameters) that is rendered in
    the language of whoever reads it (the client now, a supervisor on the delivery's page later)."""

    def __init__(self, code: str, text: Text):
        super().__init__(str(text))
        self.code = code
        self.text = text


@dataclass(frozen=True)
class Spec:
    kind: str  # str, date, time, int, dec, region, plate, vin, uscc, lon, lat, flag
    required: bool = False
    max_length: int = 0
    choices: tuple[int, ...] = ()
    personal: str = ""  # model field holding the encrypted value


def S(n: int, required: bool = False, personal: str = "") -> Spec:  # noqa: N802 - the interfaces' V<n> type
    return Spec("str", required=required, max_length=n, personal=personal)


DATE, TIME, INT, DEC, REGION = Spec("date"), Spec("time"), Spec("int"), Spec("dec"), Spec("region")
STATE = Spec("int", choices=(0, 1))
LON, LAT, ENCRYPT = Spec("lon"), Spec("lat"), Spec("int", choices=(0, 1, 2, 3, 4))
BASE_TAIL = {"Flag": Spec("int", required=True, choices=(1, 2, 3)), "UpdateTime": Spec("time", required=True)}
COMPANY_ID = Spec("str", required=True, max_length=32)


FIELDS: dict[str, dict[str, Spec]] = {
    Interface.COMPANY: {
        "CompanyId": COMPANY_ID, "CompanyName": S(256, True), "Identifier": Spec("uscc", required=True),
        "Address": Spec("region", required=True), "BusinessScope": S(256), "ContactAddress": S(256),
        "EconomicType": S(32), "RegCapital": S(32), "LegalName": S(64, personal="legal_name"),
        "LegalID": S(32, personal="legal_id"), "LegalPhone": S(32, personal="legal_phone"), "State": STATE,
        **BASE_TAIL,
    },
    Interface.VEHICLE: {
        "CompanyId": COMPANY_ID, "Address": REGION, "VehicleNo": Spec("plate", required=True), "PlateColor": S(32),
        "Seats": INT, "Brand": S(64), "Model": S(64), "VehicleType": S(64), "OwnerName": S(64, personal="owner_name"),
        "VehicleColor": S(32), "EngineId": S(32), "VIN": Spec("vin", required=True), "CertifyDateA": DATE,
        "FuelType": S(32), "EngineDisplace": S(32), "Certificate": S(64), "TransAgency": S(256),
        "TransArea": S(256), "TransDateStart": DATE, "TransDateStop": DATE, "CertifyDateB": DATE,
        "FixState": S(32), "NextFixDate": DATE, "CheckState": S(32), "FeePrintId": S(64), "GPSBrand": S(256),
        "GPSModel": S(64), "GPSIMEI": S(128), "GPSInstallDate": DATE, "RegisterDate": DATE,
        "CommercialType": Spec("int", choices=(1, 2, 3)), "FareType": S(16), "State": STATE, **BASE_TAIL,
    },
    Interface.VEHICLE_INSURANCE: {
        "CompanyId": COMPANY_ID, "VehicleNo": Spec("plate", required=True), "InsurCom": S(64, True),
        "InsurNum": S(64, True), "InsurType": S(32), "InsurCount": DEC, "InsurEff": DATE, "InsurExp": DATE,
        **BASE_TAIL,
    },
    Interface.DRIVER: {
        "CompanyId": COMPANY_ID, "Address": REGION, "DriverName": S(64, True, personal="driver_name"),
        "DriverPhone": S(32, personal="driver_phone"), "DriverGender": S(2), "DriverBirthday": DATE,
        "LicenseId": S(32, True, personal="license_id"), "DriverType": S(16), "GetDriverLicenseDate": DATE,
        "DriverLicenseOn": DATE, "DriverLicenseOff": DATE, "TaxiDriver": Spec("int", choices=(0, 1)),
        "CertificateNo": S(128), "NetworkCarIssueOrganization": S(256), "NetworkCarIssueDate": DATE,
        "GetNetworkCarProofDate": DATE, "NetworkCarProofOn": DATE, "NetworkCarProofOff": DATE,
        "RegisterDate": DATE, "FullTimeDriver": Spec("int", choices=(0, 1)),
        "InDriverBlacklist": Spec("int", choices=(0, 1)), "CommercialType": Spec("int", choices=(1, 2, 3)),
        "ContractCompany": S(256), "ContractOn": DATE, "ContractOff": DATE, "State": STATE, **BASE_TAIL,
    },
    Interface.LOGIN: {
        "CompanyId": COMPANY_ID, "LicenseId": S(32, True, personal="license_id"),
        "VehicleNo": Spec("plate", required=True), "LoginTime": Spec("time", required=True), "Longitude": LON,
        "Latitude": LAT, "Encrypt": ENCRYPT,
    },
    Interface.LOGOUT: {
        "CompanyId": COMPANY_ID, "LicenseId": S(32, True, personal="license_id"),
        "VehicleNo": Spec("plate", required=True), "LogoutTime": Spec("time", required=True), "Longitude": LON,
        "Latitude": LAT, "Encrypt": ENCRYPT,
    },
    Interface.DEPART: {
        "CompanyId": COMPANY_ID, "OrderId": S(64, True), "LicenseId": S(32, personal="license_id"),
        "FareType": S(16), "VehicleNo": Spec("plate", required=True), "DepLongitude": LON, "DepLatitude": LAT,
        "Encrypt": ENCRYPT, "DepTime": Spec("time", required=True), "WaitMile": DEC, "WaitTime": INT,
    },
    Interface.ARRIVE: {
        "CompanyId": COMPANY_ID, "OrderId": S(64, True), "DestLongitude": LON, "DestLatitude": LAT,
        "Encrypt": ENCRYPT, "DestTime": Spec("time", required=True), "DriveMile": DEC, "DriveTime": INT,
    },
    Interface.PAY: {
        "CompanyId": COMPANY_ID, "OrderId": S(64, True), "OnArea": REGION, "LicenseId": S(32, personal="license_id"),
        "FareType": S(16), "VehicleNo": Spec("plate", required=True), "BookDepTime": TIME, "DepLongitude": LON,
        "DepLatitude": LAT, "DepTime": Spec("time", required=True), "DestLongitude": LON, "DestLatitude": LAT,
        "DestTime": TIME, "DriveMile": DEC, "DriveTime": INT, "FactPrice": DEC, "Price": DEC,
        "PayState": Spec("int", choices=(0, 1, 2)), "PayTime": TIME, "InvoiceStatus": S(16),
    },
}

#: The field whose instant places an operating record on its day.
EVENT_TIME = {Interface.LOGIN: "LoginTime", Interface.LOGOUT: "LogoutTime", Interface.DEPART: "DepTime",
              Interface.ARRIVE: "DestTime", Interface.PAY: "DepTime"}


@dataclass
class Parsed:
    """One record parsed: ``values`` the canonical non-personal fields, ``personal`` model field → plaintext,
    ``typed`` field name → Python value (dates, instants, Decimals) for the columns, ``errors`` per field."""

    values: dict = field(default_factory=dict)
    personal: dict = field(default_factory=dict)
    typed: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    ignored: list = field(default_factory=list)

    def error(self, name: str, code: str, text: Text) -> None:
        """``message`` is rendered now (the client's language); ``msg`` keeps the message to render it again."""
        message = f"{name}: {text}" if name else str(text)
        self.errors.append({"field": name, "code": code, "message": message, "msg": text.as_json()})


def _digits(value) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and _DIGITS.match(value.strip()):
        return value.strip()
    return None


def parse_date(value) -> dt.date:
    text = _digits(value)
    if text is None or len(text) != 8:
        raise FieldError("date_format", Text(N_("“%(value)s”不是 YYYYMMDD 格式的日期。"), **{"value": value}))
    try:
        day = dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise FieldError("date_invalid", Text(N_("“%(value)s”不是有效日期。"), **{"value": value})) from None
    if day < DATE_EARLIEST:
        raise FieldError("date_range", Text(N_("日期“%(value)s”早于 %(earliest)s。"), **{
            "value": value, "earliest": DATE_EARLIEST.isoformat()}))
    return day


def parse_time(value, *, now: dt.datetime) -> dt.datetime:
    text = _digits(value)
    if text is None or len(text) != 14:
        raise FieldError("time_format", Text(N_("“%(value)s”不是 YYYYMMDDhhmmss 格式的时间。"), **{"value": value}))
    try:
        at = dt.datetime(int(text[:4]), int(text[4:6]), int(text[6:8]), int(text[8:10]), int(text[10:12]),
                         int(text[12:]), tzinfo=BEIJING)
    except ValueError:
        raise FieldError("time_invalid", Text(N_("“%(value)s”不是有效时间。"), **{"value": value})) from None
    if at.date() < RECORD_EARLIEST:
        raise FieldError("time_range", Text(N_("时间“%(value)s”早于 %(earliest)s。"), **{
            "value": value, "earliest": RECORD_EARLIEST.isoformat()}))
    if at > now + AHEAD:
        raise FieldError("time_future", Text(N_("时间“%(value)s”晚于当前时间。"), **{"value": value}))
    return at


def _parse_int(value) -> int:
    if isinstance(value, bool) or value is None:
        raise FieldError("int_invalid", Text(N_("“%(value)s”不是整数。"), **{"value": value}))
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if re.fullmatch(r"-?[0-9]{1,12}", text):
        return int(text)
    raise FieldError("int_invalid", Text(N_("“%(value)s”不是整数。"), **{"value": value}))


def _parse_dec(value) -> Decimal:
    if isinstance(value, bool):
        raise FieldError("number_invalid", Text(N_("“%(value)s”不是数值。"), **{"value": value}))
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise FieldError("number_invalid", Text(N_("“%(value)s”不是数值。"), **{"value": value})) from None
    if not number.is_finite() or number < 0 or number >= Decimal("1e9"):
        raise FieldError("number_range", Text(N_("数值“%(value)s”超出允许范围（0 至 10 亿）。"), **{"value": value}))
    if number.as_tuple().exponent < -3:
        raise FieldError("number_places", Text(N_("数值“%(value)s”最多保留三位小数。"), **{"value": value}))
    return number


def _validator_text(exc: ValidationError) -> tuple[str, Text]:
    """The code and message of the project's identifier validators (their lazy message and parameters)."""
    error = exc.error_list[0]
    return (error.code or "invalid"), Text(error.message, **(error.params or {}))


def _parse_value(spec: Spec, value, *, now: dt.datetime):
    """(canonical JSON value, typed value) or FieldError."""
    kind = spec.kind
    if kind == "str":
        if isinstance(value, bool) or isinstance(value, dict | list):
            raise FieldError("text_invalid", Text(N_("应为文字。")))
        text = str(value).strip()
        if spec.max_length and len(text) > spec.max_length:
            raise FieldError("too_long", Text(N_("长度为 %(length)d，超过接口规定的 %(max)d。"), **{
                "length": len(text), "max": spec.max_length}))
        return text, text
    if kind == "date":
        day = parse_date(value)
        return day.strftime("%Y%m%d"), day
    if kind == "time":
        at = parse_time(value, now=now)
        return at.strftime("%Y%m%d%H%M%S"), at
    if kind == "int":
        number = _parse_int(value)
        if not spec.choices and not 0 <= number <= INT_MAX:
            raise FieldError("int_range", Text(N_("整数“%(value)s”超出允许范围（0 至 %(max)d）。"), value=value, max=INT_MAX))
        if spec.choices and number not in spec.choices:
            raise FieldError("choice", Text(N_("“%(value)s”不是允许的取值（%(choices)s）。"), **{
                "value": value, "choices": "、".join(str(c) for c in spec.choices)}))
        return number, number
    if kind == "dec":
        number = _parse_dec(value)
        return str(number), number
    if kind == "region":
        text = _digits(value)
        if text is None or len(text) != 6:
            raise FieldError("region_format", Text(N_("“%(value)s”不是 6 位行政区划代码（GB/T 2260）。"), **{"value": value}))
        return text, text
    if kind in ("lon", "lat"):
        number = _parse_int(value)
        limit = 180_000_000 if kind == "lon" else 90_000_000
        if not -limit <= number <= limit:
            raise FieldError("coordinate_range", Text(N_("坐标“%(value)s”超出范围（单位为百万分之一度）。"), **{"value": value}))
        return number, number
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise FieldError("text_invalid", Text(N_("应为文字。")))
    try:
        if kind == "plate":
            text = normalize_plate(str(value).strip())
        elif kind == "vin":
            text = normalize_vin(str(value).strip())
        else:  # uscc
            text = normalize_uscc(str(value).strip())
    except ValidationError as exc:
        code, text = _validator_text(exc)
        raise FieldError(code, text) from None
    return text, text


def parse(interface: str, record, *, now: dt.datetime) -> Parsed:
    out = Parsed()
    if not isinstance(record, dict):
        out.error("", "not_object", Text(N_("每条记录应为一个 JSON 对象。")))
        return out
    specs = FIELDS[interface]
    out.ignored = sorted(str(k) for k in record if k not in specs)
    for name, spec in specs.items():
        value = record.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if spec.required:
                out.error(name, "required", Text(N_("缺少必填字段 %(field)s。"), **{"field": name}))
            continue
        try:
            canonical, typed = _parse_value(spec, value, now=now)
        except FieldError as exc:
            out.error(name, exc.code, exc.text)
            continue
        out.typed[name] = typed
        if spec.personal:
            out.personal[spec.personal] = canonical
        else:
            out.values[name] = canonical
    return out


class _Slow(Exception):
    """A value the fast path of ``parse_many`` does not settle (an error, an unusual type): ``parse`` decides."""


_PLAIN_DECIMAL = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,3})?\Z")  # in range, at most three places: valid
_NORMALIZE = {"plate": normalize_plate, "vin": normalize_vin, "uscc": normalize_uscc}


def parse_many(interface: str, records: list, *, now: dt.datetime) -> list[Parsed]:
    """``[parse(interface, r, now=now) for r in records]``, with the same results, faster: a tight loop settles
    the common case (every value valid and of its usual JSON type, identifiers normalised once per distinct value)
    and hands any other record to ``parse``, which produces its errors and messages."""
    specs = FIELDS[interface]
    plan = [(name, spec.kind, spec.required, spec.max_length, spec.choices, spec.personal)
            for name, spec in specs.items()]
    latest = now + AHEAD
    normalized: dict[tuple[str, str], str] = {}
    out = []
    for record in records:
        if type(record) is not dict:
            out.append(parse(interface, record, now=now))
            continue
        values, personal, typed = {}, {}, {}
        try:
            for name, kind, required, max_length, choices, personal_field in plan:
                value = record.get(name)
                if value is None:
                    if required:
                        raise _Slow
                    continue
                vtype = type(value)
                if vtype is str:
                    text = value.strip()
                    if not text:
                        if required:
                            raise _Slow
                        continue
                elif vtype is int:
                    text = None
                else:
                    raise _Slow
                if kind == "str":
                    if text is None or (max_length and len(text) > max_length):
                        raise _Slow
                    canonical = parsed = text
                elif kind == "time":
                    if text is None:
                        text = str(value)
                    if len(text) != 14 or not (text.isascii() and text.isdigit()):
                        raise _Slow
                    try:
                        parsed = dt.datetime(int(text[:4]), int(text[4:6]), int(text[6:8]), int(text[8:10]),
                                             int(text[10:12]), int(text[12:]), tzinfo=BEIJING)
                    except ValueError:
                        raise _Slow from None
                    if parsed.date() < RECORD_EARLIEST or parsed > latest:
                        raise _Slow
                    canonical = text
                elif kind == "int" or kind == "lon" or kind == "lat":
                    if text is not None:
                        raise _Slow
                    if kind == "int":
                        if choices:
                            if value not in choices:
                                raise _Slow
                        elif not 0 <= value <= INT_MAX:
                            raise _Slow
                    elif not -(180_000_000 if kind == "lon" else 90_000_000) <= value <= (
                            180_000_000 if kind == "lon" else 90_000_000):
                        raise _Slow
                    canonical = parsed = value
                elif kind == "dec":
                    if text is None or not _PLAIN_DECIMAL.match(text):
                        raise _Slow  # what _parse_dec accepts beyond a plain 0–999,999,999.999 is rare
                    parsed = Decimal(text)
                    canonical = str(parsed)
                elif kind == "date":
                    if text is None:
                        text = str(value)
                    if len(text) != 8 or not (text.isascii() and text.isdigit()):
                        raise _Slow
                    try:
                        parsed = dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
                    except ValueError:
                        raise _Slow from None
                    if parsed < DATE_EARLIEST:
                        raise _Slow
                    canonical = text
                elif kind == "region":
                    if text is None:
                        text = str(value)
                    if len(text) != 6 or not (text.isascii() and text.isdigit()):
                        raise _Slow
                    canonical = parsed = text
                else:  # plate, vin, uscc
                    if text is None:
                        raise _Slow
                    key = (kind, text)
                    canonical = normalized.get(key)
                    if canonical is None:
                        try:
                            canonical = normalized[key] = _NORMALIZE[kind](text)
                        except ValidationError:
                            raise _Slow from None
                    parsed = canonical
                typed[name] = parsed
                if personal_field:
                    personal[personal_field] = canonical
                else:
                    values[name] = canonical
        except _Slow:
            out.append(parse(interface, record, now=now))
            continue
        ignored = [] if record.keys() <= specs.keys() else sorted(str(k) for k in record if k not in specs)
        out.append(Parsed(values=values, personal=personal, typed=typed, ignored=ignored))
    return out
