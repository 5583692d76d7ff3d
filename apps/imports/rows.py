"""Row specs: the contract between files/API batches and the register services — the generic machinery (cell
parsers, ``Column``, ``RowSpec``). The specs themselves live in the apps that own the registers
(``apps/vehicles/rows.py``: vehicles, permits, drivers and the vehicle columns' parsers; ``apps/policies/rows.py``).

A ``RowSpec`` maps one row — a dict of Chinese column headers to cell values, as read from CSV/XLSX or sent in
an API batch — to validated keyword arguments for an upsert service, and back (``export_row``) so that an
exported file re-imports without changing anything.

    spec = VEHICLE_ROWS                          # apps.vehicles.rows
    kwargs = spec.parse(row)                     # ValidationError({header: [reason, ...]}) per column
    obj, outcome = spec.apply(actor=user, kwargs=kwargs)   # UpsertOutcome; errors keyed by header too

Errors are ``django.core.exceptions.ValidationError`` whose ``message_dict`` is keyed by the column header
(the canonical one from ``spec.headers``); errors not tied to a column use ``NON_FIELD_ERRORS`` ("__all__").
Cells that are empty (or only whitespace) are "not given": an upsert leaves those fields unchanged. A personal
field exported masked (containing ``*``) is also "not given", so a masked export re-imports harmlessly.

Header matching ignores spaces, a trailing ``*`` (required mark), and full-width/half-width brackets; each column
also accepts the aliases listed (the names insurers' and the bureau's systems actually use).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DataError, IntegrityError, transaction
from django.utils.translation import gettext_lazy, gettext_noop

from apps.core.deadlines import SHANGHAI
from apps.core.errors import ApplicationError
from apps.core.notifications import Text
from apps.core.validators import DB_DATE_END, DB_DATE_MIN, check_amount
from apps.parties.models import Organization, OrganizationKind

# --- cell parsers (value → Python; raise ValidationError with a Chinese reason) ---------------------------------


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # spreadsheets turn 123 into 123.0
    return str(value).strip()


def parse_text(value: Any) -> str:
    return _text(value)


def parse_upper(value: Any) -> str:
    return _text(value).upper()


def parse_personal(value: Any) -> str | None:
    """Personal data; a masked value (with ``*``) means "unchanged"."""
    text = _text(value)
    return None if "*" in text else text


def error_list(exc: ValidationError) -> list[ValidationError]:
    """The errors inside ``exc`` themselves (not their rendered messages): a message the platform wrote (a
    ``Text``, or a lazy message with its params) stays a message, so the row error keeps it (issue 16)."""
    if hasattr(exc, "error_dict"):
        return [error for errors in exc.error_dict.values() for error in errors]
    return list(exc.error_list)


def parse_int(value: Any) -> int:
    text = _text(value)
    text = re.sub(r"(人|座|个)$", "", text)
    try:
        number = int(Decimal(text))
    except (InvalidOperation, ValueError):
        raise ValidationError(Text(gettext_noop("“%(v)s”不是整数。"), v=text)) from None
    if Decimal(text) != number or number < 0:
        raise ValidationError(Text(gettext_noop("“%(v)s”不是非负整数。"), v=text))
    return number


def parse_seats(value: Any) -> int:
    number = parse_int(value)
    if not 1 <= number <= 99:
        raise ValidationError(Text(gettext_noop("核定载客人数应在 1 到 99 之间。")))
    return number


def parse_money(value: Any) -> Decimal:
    """Yuan: ``1000000``, ``1,000,000.00``, ``100万``, ``100万元``, ``¥950``."""
    if isinstance(value, (int, Decimal)):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(str(value))
    else:
        text = _text(value).replace(",", "").replace("，", "").replace("¥", "").replace("￥", "")
        text = re.sub(r"元$", "", text)
        factor = Decimal(1)
        if text.endswith("万"):
            text, factor = text[:-1], Decimal(10000)
        try:
            amount = Decimal(text) * factor
        except InvalidOperation:
            raise ValidationError(Text(gettext_noop("金额“%(v)s”格式不正确。"), v=_text(value))) from None
    if amount.is_finite() and amount < 0:
        raise ValidationError(Text(gettext_noop("金额不能为负数。")))
    return check_amount(amount, field=None, label=gettext_lazy("金额"))  # finite, within the cap, whole cents


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_DATETIME = re.compile(
    r"^(?P<date>[^\sT]+?)(?:[\sT]+|(?<=日))(?P<h>\d{1,2})(?:[:时点](?P<m>\d{1,2})?(?:[:分](?P<s>\d{1,2}))?)?[秒分时]?$"
)


def parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return _storable(value.date(), str(value))
    if isinstance(value, dt.date):
        return _storable(value, str(value))
    text = _text(value)
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            try:
                day = dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                break
            return _storable(day, text)
    raise ValidationError(Text(gettext_noop("日期“%(v)s”格式不正确，应为如 2026-05-01。"), v=text))


def _storable(day: dt.date, text: str) -> dt.date:
    """The coarse bound of any date cell (what the database can hold); the services check the field's own range."""
    if not DB_DATE_MIN <= day < DB_DATE_END:
        raise ValidationError(Text(gettext_noop("日期“%(v)s”超出允许范围（%(a)s 至 %(b)s）。"),
                                   v=text, a=DB_DATE_MIN.isoformat(), b=(DB_DATE_END - dt.timedelta(days=1)).isoformat()))
    return day


def _parse_datetime(value: Any, *, end: bool) -> dt.datetime:
    """Aware datetime in Asia/Shanghai. A bare date means 0时 of that day for a start and 24时 for an end."""
    if isinstance(value, dt.datetime):
        _storable(value.date(), str(value))
        return value if value.tzinfo else value.replace(tzinfo=SHANGHAI)
    if isinstance(value, dt.date):
        day = _storable(value, str(value))
        return dt.datetime.combine(day + dt.timedelta(days=1 if end else 0), dt.time(), tzinfo=SHANGHAI)
    text = _text(value)
    if any(pattern.match(text) for pattern in _DATE_PATTERNS):
        day = parse_date(text)  # a bare date: its own format and range errors
        return dt.datetime.combine(day + dt.timedelta(days=1 if end else 0), dt.time(), tzinfo=SHANGHAI)
    m = _DATETIME.match(text)
    if m:
        try:
            day = parse_date(m["date"])
            hour, minute, second = int(m["h"]), int(m["m"] or 0), int(m["s"] or 0)
            if hour == 24 and minute == 0 and second == 0:
                return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=SHANGHAI)
            return dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=SHANGHAI)
        except (ValidationError, ValueError):
            pass
    raise ValidationError(Text(gettext_noop("时间“%(v)s”格式不正确，应为如 2026-05-01 或 2026-05-01 00:00。"), v=text))


def parse_start(value: Any) -> dt.datetime:
    return _parse_datetime(value, end=False)


def parse_end(value: Any) -> dt.datetime:
    return _parse_datetime(value, end=True)


_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "例外"}
_FALSE = {"否", "n", "no", "false", "0", ""}


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValidationError(Text(gettext_noop("“%(v)s”应为“是”或“否”。"), v=_text(value)))


def _organization(kind: str, label) -> Callable[[Any], Organization]:
    def parse(value: Any) -> Organization:
        text = _text(value)
        org = (Organization.objects.filter(kind=kind, uscc=text.upper()).first()
               or Organization.objects.filter(kind=kind, name=text).first()
               or Organization.objects.filter(kind=kind, short_name=text).first())
        if org is None:
            raise ValidationError(Text(gettext_noop("系统中没有名为“%(v)s”的%(label)s（可填全称、简称或统一社会信用代码）。"),
                                       v=text, label=label))
        return org

    return parse


parse_company = _organization(OrganizationKind.TAXI_COMPANY, gettext_lazy("出租汽车企业/平台"))
parse_insurer = _organization(OrganizationKind.INSURER, gettext_lazy("保险公司"))


def choice_parser(mapping: dict[str, str], what) -> Callable[[Any], str]:
    """Accepts the Chinese terms (keys) and the stored codes (values); ``what`` is a label (``gettext_lazy``), so
    the row error names it in the reader's language (issue 16)."""
    codes = set(mapping.values())

    def parse(value: Any) -> str:
        text = re.sub(r"\s+", "", _text(value))
        if text in mapping:
            return mapping[text]
        if text in codes:
            return text
        raise ValidationError(Text(gettext_noop("无法识别的%(what)s“%(v)s”，可填：%(ok)s。"),
                                   what=what, v=text, ok="、".join(mapping)))

    return parse


# --- the spec ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    parse: Callable[[Any], Any] = parse_text
    required: bool = False
    aliases: tuple[str, ...] = ()
    help: str = ""
    export: Callable[[Any], Any] | None = None  # obj → cell value


def _header_key(text: str) -> str:
    text = re.sub(r"\s+", "", str(text)).rstrip("*＊").replace("（", "(").replace("）", ")")
    return text


@dataclass(frozen=True)
class RowSpec:
    key: str
    label: str
    columns: tuple[Column, ...]
    upsert: Callable[..., tuple[Any, str]]
    clean: Callable[[dict[str, Any]], dict[str, Any]] | None = None  # cross-column checks, errors keyed by field
    example: dict[str, str] = field(default_factory=dict)

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    @property
    def required_headers(self) -> list[str]:
        return [c.header for c in self.columns if c.required]

    def header_for(self, field_name: str) -> str:
        for c in self.columns:
            if c.field == field_name:
                return c.header
        return NON_FIELD_ERRORS

    def resolve_headers(self, headers: list[str]) -> tuple[dict[str, str], list[str]]:
        """Map a file's headers to canonical ones: ``({file_header: canonical}, missing required headers)``."""
        lookup: dict[str, str] = {}
        for c in self.columns:
            for name in (c.header, *c.aliases):
                lookup[_header_key(name)] = c.header
        mapping = {h: lookup[_header_key(h)] for h in headers if h is not None and _header_key(h) in lookup}
        missing = [h for h in self.required_headers if h not in mapping.values()]
        return mapping, missing

    def parse(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """Validated keyword arguments for ``upsert`` (empty cells omitted), or ``ValidationError`` by header."""
        mapping, _missing = self.resolve_headers(list(row.keys()))
        cells = {mapping[k]: v for k, v in row.items() if k in mapping}
        kwargs: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        for c in self.columns:
            value = cells.get(c.header)
            if value is None or (isinstance(value, str) and not value.strip()):
                if c.required:
                    errors.setdefault(c.header, []).append(ValidationError(Text(gettext_noop("此项必填。"))))
                continue
            try:
                parsed = c.parse(value)
            except ValidationError as exc:
                errors.setdefault(c.header, []).extend(error_list(exc))
                continue
            except (ArithmeticError, ValueError, TypeError):  # a cell no parser foresaw is the row's error, never a 500
                errors.setdefault(c.header, []).append(ValidationError(
                    Text(gettext_noop("“%(v)s”格式不正确或超出允许范围。"), v=_text(value)[:40])))
                continue
            if parsed is not None:
                kwargs[c.field] = parsed
        if errors:
            raise ValidationError(errors)
        if self.clean is not None:
            try:
                kwargs = self.clean(kwargs)
            except ValidationError as exc:
                raise self._by_header(exc) from None
        return kwargs

    def _by_header(self, exc: ValidationError) -> ValidationError:
        if not hasattr(exc, "error_dict"):
            return ValidationError({NON_FIELD_ERRORS: exc.error_list})
        out: dict[str, list] = {}
        for name, errors in exc.error_dict.items():  # the errors themselves, their messages kept (issue 16)
            out.setdefault(self.header_for(name), []).extend(errors)
        return ValidationError(out)

    def apply(self, *, actor, kwargs: dict[str, Any]) -> tuple[Any, str]:
        """Run the upsert service; every refusal becomes ``ValidationError`` keyed by header. A value the database
        itself refuses (its range CHECK constraints, apps.core.validators) is the row's refusal too, never a 500:
        the row's savepoint is rolled back, so nothing of it is stored."""
        try:
            with transaction.atomic():
                return self.upsert(actor=actor, **kwargs)
        except ValidationError as exc:
            raise self._by_header(exc) from None
        except ApplicationError as exc:
            raise ValidationError({NON_FIELD_ERRORS: [exc.message]}) from None
        except (DataError, IntegrityError):
            raise ValidationError({NON_FIELD_ERRORS: [ValidationError(Text(
                gettext_noop("该行数据不符合数据库的约束（如日期或金额超出允许范围），未保存。")))]}) from None

    def export_row(self, obj: Any) -> dict[str, Any]:
        """One object as a row of this spec (personal fields masked), re-importable without changes."""
        row = {}
        for c in self.columns:
            value = c.export(obj) if c.export else getattr(obj, c.field, "")
            row[c.header] = "" if value is None else value
        return row
