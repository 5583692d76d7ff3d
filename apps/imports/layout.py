"""Header matching and row parsing: where a file's header row is, which of its columns feed which header of the
kind's row spec (``apps/imports/rows.py``; the specs live in the apps that own the registers), and one data row
parsed into the keyword arguments of the register's upsert service — or its errors by column header."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.core.logging import scrub
from apps.core.notifications import Text
from apps.imports.errors import ErrorCode

from .decoding import HEADER_SCAN_ROWS, NUMBER_TOO_LONG, SCIENTIFIC, Sheet
from .errors import ImportFileError
from .registry import ImportKind


@dataclass
class Layout:
    """Where the header is, which file column feeds which spec header, and what was ignored."""

    header_row: int
    columns: dict[int, str]  # file column index → canonical header
    ignored: list[str] = field(default_factory=list)


def find_layout(spec, records: list[tuple[int, list[str]]]) -> Layout:
    """The header row among the first rows (a title row above it is allowed) and its mapping to the spec."""
    best: tuple[int, int, dict, list] | None = None
    for index, (_number, cells) in enumerate(records[:HEADER_SCAN_ROWS]):
        mapping, missing = spec.resolve_headers([c.strip() for c in cells])
        if best is None or len(mapping) > len(best[2]):
            best = (index, _number, mapping, missing)
        if mapping and not missing:
            break
    if best is None or not best[2]:
        raise ImportFileError(
            _("文件表头与“%(label)s”导入模板不符：没有找到可识别的列。模板的列为：%(headers)s。") % {
                "label": spec.label, "headers": "、".join(spec.headers)},
            code=ErrorCode.IMPORT_HEADERS,
        )
    index, number, _mapping, missing = best
    if missing:
        raise ImportFileError(
            _("文件表头与“%(label)s”导入模板不符：缺少必需的列 %(missing)s。") % {
                "label": spec.label, "missing": "、".join(missing)},
            code=ErrorCode.IMPORT_HEADERS, extra={"missing": missing},
        )
    cells = [c.strip() for c in records[index][1]]
    columns: dict[int, str] = {}
    seen: dict[str, str] = {}
    ignored = []
    for position, header in enumerate(cells):
        if not header:
            continue
        mapped, _m = spec.resolve_headers([header])
        canonical = mapped.get(header)
        if canonical is None:
            ignored.append(header)
            continue
        if canonical in seen:
            raise ImportFileError(
                _("列“%(a)s”与列“%(b)s”都对应模板中的“%(c)s”，请删除其中一列。") % {
                    "a": seen[canonical], "b": header, "c": canonical},
                code=ErrorCode.IMPORT_HEADERS,
            )
        seen[canonical] = header
        columns[position] = canonical
    return Layout(header_row=number, columns=columns, ignored=ignored)


def _memoized(parse: Callable[[Any], Any], limit: int = 2000) -> Callable[[Any], Any]:
    """Per-job cache of a column parser for repeated values (company and insurer names look up the database)."""
    cache_: dict[Any, tuple[bool, Any]] = {}

    def wrapper(value):
        hit = cache_.get(value)
        if hit is not None:
            ok, result = hit
            if ok:
                return result
            raise result
        try:
            result = parse(value)
        except ValidationError as exc:
            if len(cache_) < limit:
                cache_[value] = (False, exc)
            raise
        if len(cache_) < limit:
            cache_[value] = (True, result)
        return result

    return wrapper


_REPEATING_COLUMNS = {"company", "insurer", "kind", "usage_nature", "usage_nature_insured", "status", "seats",
                      "cover_seats", "vehicle_type", "issued_by", "make_model"}


def job_spec(spec):
    """The spec with per-job caches: on columns whose values repeat from row to row, and on the header matching
    (every row of a file has the same headers; ``RowSpec.parse`` matches them again for each row)."""
    columns = tuple(replace(c, parse=_memoized(c.parse)) if c.field in _REPEATING_COLUMNS else c for c in spec.columns)
    return _CachedHeaders.of(replace(spec, columns=columns))


class _CachedHeaders:
    """A row spec whose ``resolve_headers`` answers from a cache; everything else is the spec's own."""

    def __init__(self, spec):
        self._spec = spec
        self._headers: dict[tuple, tuple] = {}

    @classmethod
    def of(cls, spec):
        wrapped = cls(spec)
        bound = type(spec).parse.__get__(wrapped)  # run the spec's own parse with this object as ``self``
        wrapped.parse = bound
        return wrapped

    def resolve_headers(self, headers):
        key = tuple(headers)
        hit = self._headers.get(key)
        if hit is None:
            mapping, missing = self._spec.resolve_headers(headers)
            hit = self._headers[key] = (mapping, missing)
        return dict(hit[0]), list(hit[1])

    def __getattr__(self, name):
        return getattr(self._spec, name)


def errors_by_header(exc: ValidationError) -> list[tuple[str, str, dict]]:
    """(column, reason, message) triples: the reason rendered now and, for a message the platform wrote, its
    message (``{"msgid", "params"}``, shown in the reader's language: ``ImportRowError.display_reason``, issue 16).
    Any ID or mobile number in a reason or a parameter is masked (``apps.core.logging.scrub``): row errors are
    stored and shown in full, and must not carry personal numbers outside encrypted columns."""
    items = (exc.error_dict.items() if hasattr(exc, "error_dict") else [(NON_FIELD_ERRORS, exc.error_list)])
    out = []
    for header, errors in items:
        column = "" if header == NON_FIELD_ERRORS else header
        for error in errors:
            reason, message = row_reason(error)
            out.append((column, reason, message))
    return out


def row_reason(error: ValidationError) -> tuple[str, dict]:
    """One error's reason, masked, and its message: a ``Text`` as it is, a lazy message (a model's or a
    validator's) with its params; a message already rendered has none and is shown as stored."""

    message, params = error.message, error.params or {}
    if isinstance(message, Promise):
        message = Text(message, **params)
    if not isinstance(message, Text):
        return scrub(str(message % params if params else message)), {}
    message.params = {key: scrub(value) if isinstance(value, str) else value for key, value in message.params.items()}
    try:
        return scrub(str(message)), message.as_json()
    except (KeyError, ValueError, TypeError):  # params that do not fit the message: the text as Django renders it
        return scrub(" ".join(ValidationError(error.message, params=error.params).messages)), {}


def parse_record(spec, kind: ImportKind, layout: Layout, cells: list[str], user, *,
                 precheck: bool = True) -> dict[str, Any]:
    """One data row → validated kwargs, or ``ValidationError`` keyed by header. ``precheck=False`` at import time:
    the kind's preview checks are the services' own rules, which the import applies anyway."""
    row: dict[str, str] = {}
    pre_errors: dict[str, list[str]] = {}
    for position, header in layout.columns.items():
        value = cells[position].strip() if position < len(cells) else ""
        if value == NUMBER_TOO_LONG or SCIENTIFIC.match(value):
            pre_errors[header] = [ValidationError(Text(gettext_noop(
                "单元格是数字格式，Excel 只保留 15 位有效数字，号码已被截断或显示为科学计数法；请把该列设为“文本”格式后重新填写。")))]
            value = ""
        row[header] = value
    try:
        kwargs = spec.parse(row)
    except ValidationError as exc:
        errors = dict(exc.error_dict) if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.error_list}
        errors.update(pre_errors)
        raise ValidationError(errors) from None
    except (ArithmeticError, ValueError, TypeError):
        # a value no parser foresaw (an overflowing date, an absurd number) is this row's error: the preview goes on
        raise ValidationError({NON_FIELD_ERRORS: [ValidationError(Text(gettext_noop("该行含有格式不正确或超出允许范围的值。")))],
                               **pre_errors}) from None
    if pre_errors:
        raise ValidationError(pre_errors)
    if precheck and kind.precheck is not None:
        try:
            kind.precheck(user, kwargs)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                raise ValidationError({spec.header_for(k): v for k, v in exc.error_dict.items()}) from None
            raise ValidationError({NON_FIELD_ERRORS: exc.error_list}) from None
    return kwargs


def data_records(sheet: Sheet, layout: Layout) -> Iterator[tuple[int, list[str]]]:
    for number, cells in sheet.records:
        if number > layout.header_row:
            yield number, cells


# --- templates (the header row users download and fill in) -------------------------------------------------------


def template_rows(kind: ImportKind) -> tuple[list[str], list[str]]:
    spec = kind.row_spec()
    headers = [c.header + ("*" if c.required else "") for c in spec.columns]
    example = [spec.example.get(c.header, "") for c in spec.columns]
    return headers, example

