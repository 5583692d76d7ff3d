"""Bulk import of registers from CSV and XLSX files: upload → preview → choice → Celery import with progress.

Flow (every step a service below, pages and API call the same ones):

1. ``import_job_create`` reads the upload (CSV in UTF-8 with or without BOM, GB18030/GBK as real Chinese
   exports often are, UTF-16 "Unicode text"; XLSX through openpyxl in read-only mode), finds the header row,
   checks the headers against the kind's row spec, and stores the file under MEDIA_ROOT. A bad file (not
   CSV/XLSX, empty, too big, wrong headers) is refused with a Chinese message and nothing is stored.
2. ``import_job_validate`` parses every row with the row spec (``apps/<app>/rows.py``) and stores the errors
   (row number as in the spreadsheet, column header, reason in Chinese). Small files are validated during the
   upload request; big ones by the Celery task ``import_job_validate_task`` (the page polls the progress).
3. The user chooses "导入有效行" (``import_job_start(mode=valid_rows)``) or "全部不导入" (``import_job_discard``,
   nothing is written). Mode ``nothing`` ("有错误则全部不导入", the API's all-or-nothing) is refused when any row is
   invalid, and runs the whole import in ONE transaction.
4. ``import_job_run`` (Celery task ``import_job_run_task``) re-reads the file and applies the valid rows in chunks:
   one transaction per chunk, the job's counters and an ``ImportChunk`` record committed with the chunk, so a
   failure leaves no partial chunk and a redelivered task skips the chunks already committed. For kinds whose
   rows are independent (``parallel``, e.g. vehicles) the chunks are shared out between ``IMPORT_WORKERS`` parts,
   each a task of its own (``import_job_part_task``) on its own worker process; the chunk record is claimed first
   in each chunk's transaction, so no chunk is ever applied twice, and the part that commits the last chunk ends
   the job. Upserts are idempotent: re-importing the same file reports every row as "unchanged" and writes nothing.

Import kinds are registered by the apps that own the registers (``register_kind`` in their AppConfig.ready()),
with the row spec, who may import, an optional cheap per-row precheck, the natural key (duplicates inside one
file are reported at preview) and an optional set-based applier for large files.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import logging
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.parties import rights
from apps.parties.access import audience
from apps.parties.rights import SystemActor

from .audit import audit_record
from .errors import ApplicationError, PermissionDeniedError
from .models import ImportChunk, ImportJob, ImportPreviewPart, ImportRowError

logger = logging.getLogger(__name__)


# --- settings ----------------------------------------------------------------------------------------------------


def _setting(name: str, default: int) -> int:
    import os

    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def max_file_bytes() -> int:
    return _setting("IMPORT_MAX_FILE_MB", 30) * 1024 * 1024


def max_rows() -> int:
    return _setting("IMPORT_MAX_ROWS", 200_000)


def chunk_rows() -> int:
    return _setting("IMPORT_CHUNK_ROWS", 1000)


def import_workers() -> int:
    """How many parts (Celery tasks, running side by side) one import of independent rows is split into."""
    return max(_setting("IMPORT_WORKERS", 2), 1)


def sync_validate_rows() -> int:
    """Files up to this many rows are validated during the upload request; bigger ones by a Celery task."""
    return _setting("IMPORT_SYNC_VALIDATE_ROWS", 2000)


def max_stored_errors() -> int:
    return _setting("IMPORT_MAX_STORED_ERRORS", 20_000)


def max_columns() -> int:
    """Columns read from a sheet (the widest template has a few dozen); a sheet declaring more is refused."""
    return _setting("IMPORT_MAX_COLUMNS", 200)


def file_retention_days() -> int:
    """Days an uploaded file (full ID and phone numbers) is kept, encrypted, after its upload; then purged."""
    return _setting("IMPORT_FILE_RETENTION_DAYS", 30)


def max_xlsx_unpacked_bytes() -> int:
    """What the parts of an XLSX file (a zip archive) may add up to once unpacked."""
    return _setting("IMPORT_MAX_XLSX_UNPACKED_MB", 300) * 1024 * 1024


# --- errors ------------------------------------------------------------------------------------------------------


class ImportFileError(ApplicationError):
    """The file as a whole cannot be imported (nothing is stored)."""

    def __init__(self, message: str, *, code: str = "import_file_invalid", extra: dict | None = None):
        super().__init__(message, code=code, extra=extra)


# --- reading files -----------------------------------------------------------------------------------------------

_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and other OLE documents)
_SCIENTIFIC = re.compile(r"^\d\.\d+[eE]\+\d+$")  # how Excel shows a long number: 4.50202E+17
HEADER_SCAN_ROWS = 10  # a title row or two above the header is common in exported lists


@dataclass
class Sheet:
    """The rows of a file as strings, numbered as in the spreadsheet (the first line is row 1)."""

    format: str
    encoding: str
    records: list[tuple[int, list[str]]]  # every non-empty line with its row number


def detect_format(data: bytes, name: str) -> str:
    lower = (name or "").lower()
    if data.startswith(_XLSX_MAGIC):
        if lower.endswith((".csv", ".txt")):
            raise ImportFileError(_("文件扩展名为 CSV，但内容是压缩文件；请确认上传的是 CSV 或 XLSX 文件。"),
                                  code="import_format")
        return ImportJob.Format.XLSX
    if data.startswith(_OLE_MAGIC):
        raise ImportFileError(
            _("不支持旧版 Excel（.xls）文件，请在 Excel 中“另存为” .xlsx 或 CSV（UTF-8）后再上传。"), code="import_xls",
        )
    if lower.endswith((".xlsx", ".xlsm")):
        raise ImportFileError(_("文件扩展名为 XLSX，但内容不是有效的 Excel 文件。"), code="import_format")
    if not lower.endswith((".csv", ".txt")) and lower:
        raise ImportFileError(_("只能导入 CSV 或 XLSX 文件。"), code="import_format")
    return ImportJob.Format.CSV


def decode_text(data: bytes) -> tuple[str, str]:
    """Text of a CSV file and the encoding used: BOMs first, then strict UTF-8, then GB18030 (a superset of GBK
    and GB2312, what Chinese Excel and most core systems write)."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            raise ImportFileError(_("文件声明为 UTF-8 编码，但内容有无法识别的字符。"), code="import_encoding") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise ImportFileError(_("文件声明为 UTF-16 编码，但内容有无法识别的字符。"), code="import_encoding") from None
    if b"\x00" in data[:4096]:
        raise ImportFileError(_("文件不是文本格式的 CSV，请上传 CSV 或 XLSX 文件。"), code="import_format")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise ImportFileError(
            _("无法识别文件编码；请将 CSV 保存为 UTF-8 或 GBK 编码。"), code="import_encoding",
        ) from None


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", "\t", ";", "，")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _read_csv(data: bytes, *, row_limit: int | None = None) -> Sheet:
    text, encoding = decode_text(data)
    text = text.lstrip("\ufeff")
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    records = []
    row_limit = (max_rows() if row_limit is None else row_limit) + HEADER_SCAN_ROWS
    column_limit = max_columns()
    try:
        for number, row in enumerate(reader, start=1):
            if any(cell.strip() for cell in row):
                records.append((number, row[:column_limit]))
                if len(records) > row_limit:
                    raise ImportFileError(_("文件超过单次导入上限 %(max)d 行；请拆分后分批导入。") % {
                        "max": row_limit - HEADER_SCAN_ROWS}, code="import_too_many_rows")
    except csv.Error as exc:
        raise ImportFileError(_("CSV 文件格式有误（第 %(n)d 行）：%(e)s") % {"n": reader.line_num, "e": exc},
                              code="import_csv") from None
    return Sheet(ImportJob.Format.CSV, encoding, records)


_NUMBER_TOO_LONG = "\x00number_too_long\x00"


def xlsx_cell_text(value: Any) -> str:
    """One XLSX cell as the text a user sees, so CSV and XLSX rows parse identically.

    A date cell (time 00:00) becomes "YYYY-MM-DD" — so a bare end date means 24:00 of that day in either
    format; whole numbers lose Excel's ".0"; a number of 16 or more digits (an ID number typed into a number
    cell) has already lost digits in Excel and is flagged instead of silently accepted.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, int):
        return _NUMBER_TOO_LONG if abs(value) >= 10**15 else str(value)
    if isinstance(value, float):
        if abs(value) >= 1e15:
            return _NUMBER_TOO_LONG
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    return str(value)


def _xlsx_too_big(rows: int, columns: int) -> ImportFileError:
    return ImportFileError(_(
        "Excel 工作表的范围为 %(rows)d 行 × %(cols)d 列，超过上限（%(max_rows)d 行、%(max_cols)d 列）；"
        "请删除多余的行和列（或另存为 CSV）后再上传。") % {
        "rows": rows, "cols": columns, "max_rows": max_rows(), "max_cols": max_columns()}, code="import_too_big")


def _check_xlsx_archive(data: bytes) -> None:
    """An XLSX file is a zip archive: refuse one whose parts unpack to more than the limit (a "zip bomb"),
    before any XML is parsed. The sizes are the archive's own; reading stops at them (and fails the CRC check)."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ImportFileError(_("无法读取该 Excel 文件，文件可能已损坏或不是 XLSX 格式。"), code="import_format") from None
    if unpacked > max_xlsx_unpacked_bytes():
        raise ImportFileError(_(
            "Excel 文件解压后达 %(size)d MB，超过上限 %(limit)d MB；请删除多余的内容或另存为 CSV 后再上传。") % {
            "size": unpacked // 1024 // 1024, "limit": max_xlsx_unpacked_bytes() // 1024 // 1024},
            code="import_too_big")


def _read_xlsx(data: bytes, *, row_limit: int | None = None) -> Sheet:
    """The first sheet's non-empty rows, read in read-only (streaming) mode and bounded before and while reading:
    the archive's unpacked size, the sheet's declared range (its ``dimension``: openpyxl pads every row to it, so
    a 17 KB file declaring ``A1:XFD3001`` would become 49 million cells), then the rows actually present."""
    from openpyxl import load_workbook

    _check_xlsx_archive(data)
    row_limit = (max_rows() if row_limit is None else row_limit) + HEADER_SCAN_ROWS
    column_limit = max_columns()
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds (zipfile, KeyError, XML errors) for a bad file
        raise ImportFileError(_("无法读取该 Excel 文件，文件可能已损坏或不是 XLSX 格式。"), code="import_format") from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise ImportFileError(_("Excel 文件中没有工作表。"), code="import_empty")
        declared_rows, declared_columns = sheet.max_row or 0, sheet.max_column or 0
        if declared_rows > row_limit or declared_columns > column_limit:
            raise _xlsx_too_big(declared_rows, declared_columns)
        # Read the cells the file holds, not the declared range, and never more than the column limit per row.
        sheet.reset_dimensions()
        records = []
        for number, row in enumerate(sheet.iter_rows(max_col=column_limit, values_only=True), start=1):
            if not any(v is not None for v in row):
                continue
            cells = [xlsx_cell_text(v) for v in row]
            while cells and not cells[-1]:
                cells.pop()
            if any(c.strip() for c in cells):
                records.append((number, cells))
                if len(records) > row_limit:
                    raise _xlsx_too_big(number, column_limit)
    except ImportFileError:
        raise
    except Exception:  # noqa: BLE001 - malformed sheet XML surfaces while streaming
        raise ImportFileError(_("无法读取该 Excel 文件，文件可能已损坏或不是 XLSX 格式。"), code="import_format") from None
    finally:
        workbook.close()
    return Sheet(ImportJob.Format.XLSX, "", records)


def read_sheet(data: bytes, name: str, *, row_limit: int | None = None) -> Sheet:
    """Every upload of a sheet goes through here (imports, lead lists). ``row_limit``: the most data rows the
    caller accepts (default ``IMPORT_MAX_ROWS``); an XLSX file declaring or holding more is refused early."""
    if not data:
        raise ImportFileError(_("文件是空的。"), code="import_empty")
    fmt = detect_format(data, name)
    if fmt == ImportJob.Format.XLSX:
        return _read_xlsx(data, row_limit=row_limit)
    return _read_csv(data, row_limit=row_limit)


# --- import kinds ------------------------------------------------------------------------------------------------


RowResult = tuple[Any, str] | ValidationError  # (object, UpsertOutcome) or the reasons by header


@dataclass(frozen=True)
class ImportKind:
    """What can be imported, from which spec, by whom.

    * ``spec``: dotted path of a ``RowSpec`` (``apps.vehicles.rows.VEHICLE_ROWS``).
    * ``perm``: the permission an importer needs (e.g. ``vehicles.add_vehicle``), answered by the rights table
      (``apps.parties.rights``: the table says which roles import this list); the services check every row again.
    * ``precheck(user, kwargs)``: cheap per-row rule checked at preview (raise ``ValidationError`` by field).
    * ``natural_keys(kwargs)``: the row's natural keys as ``{field: value}``; a key repeated in one file is an error.
    * ``bulk``: dotted path of ``fn(*, actor, job, rows: list[(row_number, kwargs)]) -> list[RowResult]`` applying a
      chunk set-based (large files); without it each row goes through ``spec.apply`` in its own savepoint.
    * ``parallel``: the rows are independent of each other (each touches only the record its natural keys name,
      and repeated keys are refused at preview), so the chunks of a "valid rows" import may be applied by several
      worker processes at once. Not for kinds whose rows share records they may create (a policies file names the
      same new vehicle on several rows).
    """

    key: str
    label: Any
    spec: str
    perm: str
    list_url: str = ""
    precheck: Callable[[Any, dict[str, Any]], None] | None = None
    natural_keys: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    bulk: str | None = None
    parallel: bool = False
    help: Any = ""

    def row_spec(self):
        return import_string(self.spec)

    def bulk_applier(self):
        return import_string(self.bulk) if self.bulk else None

    def may_import(self, user) -> bool:
        """The rights table's answer (``TypeError`` for no actor, like every rights question)."""
        return rights.may(user, self.perm)


_KINDS: dict[str, ImportKind] = {}


def register_kind(kind: ImportKind) -> None:
    _KINDS[kind.key] = kind


def get_kind(key: str) -> ImportKind:
    try:
        return _KINDS[key]
    except KeyError:
        raise ApplicationError(_("未知的导入类型“%(k)s”。") % {"k": key}, code="import_kind_unknown") from None


def kinds_for(user) -> list[ImportKind]:
    return [k for k in _KINDS.values() if k.may_import(user)]


def all_kinds() -> list[ImportKind]:
    return list(_KINDS.values())


# --- audience ----------------------------------------------------------------------------------------------------


@audience(ImportJob)
def _import_jobs(user, qs: QuerySet) -> QuerySet:
    # An import belongs to the organisation that uploaded it (its rows may contain personal data).
    return qs.filter(organization_id=user.organization_id)


@audience(ImportRowError)
def _import_row_errors(user, qs: QuerySet) -> QuerySet:
    return qs.filter(job__organization_id=user.organization_id)


# --- header matching and row parsing -----------------------------------------------------------------------------


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
            code="import_headers",
        )
    index, number, _mapping, missing = best
    if missing:
        raise ImportFileError(
            _("文件表头与“%(label)s”导入模板不符：缺少必需的列 %(missing)s。") % {
                "label": spec.label, "missing": "、".join(missing)},
            code="import_headers", extra={"missing": missing},
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
                code="import_headers",
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


def _errors_by_header(exc: ValidationError) -> list[tuple[str, str]]:
    """(column, reason) pairs, the reasons with any ID or mobile number in them masked (``apps.core.logging.scrub``):
    row errors are stored and shown in full, and must not carry personal numbers outside encrypted columns."""
    from .logging import scrub

    if hasattr(exc, "error_dict"):
        out = []
        for header, messages in exc.message_dict.items():
            column = "" if header == NON_FIELD_ERRORS else header
            out.extend((column, scrub(m)) for m in messages)
        return out
    return [("", scrub(m)) for m in exc.messages]


def parse_record(spec, kind: ImportKind, layout: Layout, cells: list[str], user, *,
                 precheck: bool = True) -> dict[str, Any]:
    """One data row → validated kwargs, or ``ValidationError`` keyed by header. ``precheck=False`` at import time:
    the kind's preview checks are the services' own rules, which the import applies anyway."""
    row: dict[str, str] = {}
    pre_errors: dict[str, list[str]] = {}
    for position, header in layout.columns.items():
        value = cells[position].strip() if position < len(cells) else ""
        if value == _NUMBER_TOO_LONG or _SCIENTIFIC.match(value):
            pre_errors[header] = [_(
                "单元格是数字格式，Excel 只保留 15 位有效数字，号码已被截断或显示为科学计数法；请把该列设为“文本”格式后重新填写。")]
            value = ""
        row[header] = value
    try:
        kwargs = spec.parse(row)
    except ValidationError as exc:
        errors = dict(exc.message_dict) if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
        errors.update(pre_errors)
        raise ValidationError(errors) from None
    except (ArithmeticError, ValueError, TypeError):
        # a value no parser foresaw (an overflowing date, an absurd number) is this row's error: the preview goes on
        raise ValidationError({NON_FIELD_ERRORS: [_("该行含有格式不正确或超出允许范围的值。")], **pre_errors}) from None
    if pre_errors:
        raise ValidationError(pre_errors)
    if precheck and kind.precheck is not None:
        try:
            kind.precheck(user, kwargs)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                raise ValidationError({spec.header_for(k): v for k, v in exc.message_dict.items()}) from None
            raise ValidationError({NON_FIELD_ERRORS: exc.messages}) from None
    return kwargs


def data_records(sheet: Sheet, layout: Layout) -> Iterator[tuple[int, list[str]]]:
    for number, cells in sheet.records:
        if number > layout.header_row:
            yield number, cells


# --- services ----------------------------------------------------------------------------------------------------


def _read_upload(upload) -> bytes:
    size = getattr(upload, "size", None)
    limit = max_file_bytes()
    if size is not None and size > limit:
        raise ImportFileError(_("文件过大（%(size).1f MB），上限为 %(limit)d MB；请拆分后分批导入。") % {
            "size": size / 1024 / 1024, "limit": limit // 1024 // 1024}, code="import_too_big")
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ImportFileError(_("文件过大，上限为 %(limit)d MB；请拆分后分批导入。") % {"limit": limit // 1024 // 1024},
                              code="import_too_big")
    return data


def _store_upload(job: ImportJob, data: bytes, extension: str) -> None:
    """The uploaded file under MEDIA_ROOT, encrypted with the personal-data keys (``apps.core.crypto``: the file
    holds full ID and phone numbers) and readable by the server's own user only (mode 0600)."""
    from .crypto import fernet, make_owner_only

    job.file.save(f"{uuid.uuid4().hex}.{extension}.enc", ContentFile(fernet().encrypt(data)), save=False)
    make_owner_only(job.file)


def _stored_bytes(job: ImportJob) -> bytes:
    from cryptography.fernet import InvalidToken

    from .crypto import fernet

    if not job.file:
        raise ImportFileError(_("上传的文件已超过保存期限并被删除，请重新上传。"), code="import_file_purged")
    with job.file.open("rb") as handle:
        raw = handle.read()
    try:
        return fernet().decrypt(raw)
    except InvalidToken:
        if job.file.name.endswith(".enc"):
            raise
        return raw  # a file stored before uploads were encrypted (gone after IMPORT_FILE_RETENTION_DAYS)


def _stored_sheet(job: ImportJob) -> Sheet:
    return read_sheet(_stored_bytes(job), job.original_name)


def import_job_create(*, actor, kind: str, upload, name: str | None = None) -> ImportJob:
    """Read and check the uploaded file, store it, and validate it now (small) or in a Celery task (big).

    Refused files store nothing: the file is written only after every whole-file check passed.
    """
    import_kind = get_kind(kind)
    if not import_kind.may_import(actor):
        raise PermissionDeniedError(_("您没有导入%(label)s的权限。") % {"label": import_kind.label})
    name = name or getattr(upload, "name", "") or "upload"
    data = _read_upload(upload)
    sheet = read_sheet(data, name)
    if not sheet.records:
        raise ImportFileError(_("文件是空的。"), code="import_empty")
    spec = import_kind.row_spec()
    try:
        layout = find_layout(spec, sheet.records)
    except ImportFileError as exc:
        raise _with_kind_hint(exc, import_kind, sheet) from None
    total = sum(1 for _r in data_records(sheet, layout))
    if total == 0:
        raise ImportFileError(_("文件只有表头，没有数据行。"), code="import_empty")
    if total > max_rows():
        raise ImportFileError(_("文件有 %(n)d 行数据，超过单次导入上限 %(max)d 行；请拆分后分批导入。") % {
            "n": total, "max": max_rows()}, code="import_too_many_rows")
    digest = hashlib.sha256(data).hexdigest()
    extension = "xlsx" if sheet.format == ImportJob.Format.XLSX else "csv"
    with transaction.atomic():
        job = ImportJob(
            kind=import_kind.key, organization=actor.organization, created_by=actor, original_name=name[:255],
            file_sha256=digest, file_format=sheet.format, encoding=sheet.encoding, total=total,
            status=ImportJob.Status.VALIDATING, header_row=layout.header_row, ignored_columns=layout.ignored[:50],
        )
        _store_upload(job, data, extension)
        try:
            job.full_clean(exclude=["file"])
            job.save()
            audit_record(actor=actor, action="import.upload", obj=job, detail={
                "kind": job.kind, "file": job.original_name, "sha256": digest, "rows": total,
                "ignored_columns": layout.ignored})
        except Exception:
            job.file.delete(save=False)
            raise
        if total > sync_validate_rows():
            job_id = job.pk
            transaction.on_commit(lambda: import_job_validate_task.delay(job_id))
    if total <= sync_validate_rows():
        import_job_validate(job=job)
        job.refresh_from_db()
    return job


def _with_kind_hint(exc: ImportFileError, chosen: ImportKind, sheet: Sheet) -> ImportFileError:
    """A file of another kind (policies uploaded as vehicles) gets a hint naming the kind it looks like."""
    if exc.code != "import_headers":
        return exc
    for other in all_kinds():
        if other.key == chosen.key:
            continue
        try:
            find_layout(other.row_spec(), sheet.records)
        except ImportFileError:
            continue
        return ImportFileError(exc.message + _("该文件的表头与“%(other)s”导入模板相符，是否选错了导入内容？") % {
            "other": other.label}, code=exc.code, extra={**exc.extra, "looks_like": other.key})
    return exc


def import_job_layout(job: ImportJob) -> tuple[Sheet, Layout]:
    sheet = _stored_sheet(job)
    return sheet, find_layout(get_kind(job.kind).row_spec(), sheet.records)


def _duplicate_errors(seen: dict, number: int, keys: dict[str, Any], spec) -> list[tuple[str, str]]:
    """A natural key already met on an earlier row (``seen``: key → first row number) is an error on this row."""
    from .logging import scrub

    errors = []
    for key_field, value in keys.items():
        first = seen.setdefault((key_field, value), number)
        if first != number:
            errors.append((spec.header_for(key_field), scrub(_("与第 %(n)d 行重复（%(v)s），同一文件中只能出现一次。") % {
                "n": first, "v": value})))
    return errors


def _validation_parts(job: ImportJob) -> int:
    """Files validated by the worker are shared out between ``IMPORT_WORKERS`` parts (validation only reads the
    registers, so every kind can be); the upload request validates small files alone."""
    if job.total <= sync_validate_rows():
        return 1
    size = max(chunk_rows(), 1)
    return max(1, min(import_workers(), (job.total + size - 1) // size))


def import_job_validate(*, job: ImportJob) -> ImportJob:
    """Parse every row and store the errors; the job becomes ``previewed`` with its counts. Big files: this task
    validates part 0 and queues the other parts (``import_job_validate_part_task``); the part that commits last
    checks the natural keys repeated across the whole file and ends the preview."""
    job = ImportJob.objects.get(pk=job.pk)
    if job.status != ImportJob.Status.VALIDATING:
        return job
    parts = _validation_parts(job)
    for part in range(1, parts):
        import_job_validate_part_task.delay(job.pk, part, parts)
    return import_job_validate_part(job=job, part=0, parts=parts)


def import_job_validate_part(*, job: ImportJob, part: int, parts: int) -> ImportJob:
    """Validate the rows of chunks ``part`` modulo ``parts`` (chunks of ``chunk_rows()`` rows, in file order);
    commit their errors with an ``ImportPreviewPart`` record, then end the preview if every part is in."""
    job = ImportJob.objects.select_related("created_by").get(pk=job.pk)
    if job.status != ImportJob.Status.VALIDATING or ImportPreviewPart.objects.filter(job=job, part=part).exists():
        return job
    kind = get_kind(job.kind)
    spec = job_spec(kind.row_spec())
    try:
        sheet, layout = import_job_layout(job)
    except ImportFileError as exc:
        ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.VALIDATING).update(
            status=ImportJob.Status.FAILED, error_message=exc.message, finished_at=timezone.now())
        return ImportJob.objects.get(pk=job.pk)
    user = job.created_by
    valid = invalid = 0
    errors: list[ImportRowError] = []
    keys: list = []
    limit = -(-max_stored_errors() // parts)
    size = max(chunk_rows(), 1)
    try:
        for position, (number, cells) in enumerate(data_records(sheet, layout)):
            if (position // size) % parts != part:
                continue
            try:
                kwargs = parse_record(spec, kind, layout, cells, user)
            except ValidationError as exc:
                invalid += 1
                if len(errors) < limit:
                    errors.extend(ImportRowError(job=job, row_number=number, column=column[:80], reason=reason)
                                  for column, reason in _errors_by_header(exc))
            else:
                valid += 1
                if kind.natural_keys is not None:
                    keys.append([number, [[f, _json_key(v)] for f, v in kind.natural_keys(kwargs).items()
                                          if v not in (None, "")]])
            if (valid + invalid) % size == 0:  # progress only: the counts are set when the preview ends
                ImportJob.objects.filter(pk=job.pk).update(validated=F("validated") + size)
        with transaction.atomic():
            if _claim(ImportPreviewPart, job_id=job.pk, part=part, parts=parts, valid=valid, invalid=invalid,
                      keys=keys):
                ImportRowError.objects.bulk_create(errors[:limit])
        _preview_complete(job, spec)
    except Exception as exc:  # noqa: BLE001 - the preview fails visibly instead of staying "validating"
        logger.exception("import job %s: preview failed", job.pk)
        ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.VALIDATING).update(
            status=ImportJob.Status.FAILED, finished_at=timezone.now(),
            error_message=_("预览中断：%(e)s。未导入任何数据；请重新上传文件。") % {"e": exc.__class__.__name__})
    return ImportJob.objects.get(pk=job.pk)


def _json_key(value):
    # natural keys are strings, ids, or tuples of them (insurer id + policy number)
    return list(value) if isinstance(value, tuple) else value


def _claim(model, **values) -> bool:
    """Insert ``model``'s row in the current transaction unless its unique key (the model's one constraint) is
    taken: False when another task has committed it — or is committing it, since that insert holds the key: this
    one waits for its transaction and then finds the conflict. How a chunk or a preview part is done exactly once."""
    import json

    from django.db import connection

    meta = model._meta
    (constraint,) = meta.constraints
    values["committed_at"] = timezone.now()
    columns = [meta.get_field(name).column for name in values]
    params = [json.dumps(v, ensure_ascii=False) if isinstance(v, list) else v for v in values.values()]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608 - model names
            f"VALUES ({', '.join(['%s'] * len(columns))}) ON CONFLICT ON CONSTRAINT {quote(constraint.name)} "
            "DO NOTHING RETURNING id", params)
        return cursor.fetchone() is not None


def _preview_complete(job: ImportJob, spec) -> None:
    """Under the job's row lock, once every part is committed: a natural key met on an earlier row (in any part)
    makes the row invalid, exactly as a sequential pass over the file would; then the job is ``previewed``."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        parts = list(ImportPreviewPart.objects.filter(job=job))
        if job.status != ImportJob.Status.VALIDATING or not parts or len(parts) < parts[0].parts:
            return
        rows = sorted(row for p in parts for row in p.keys)
        seen: dict = {}
        duplicates: list[ImportRowError] = []
        for number, pairs in rows:
            keys = {f: tuple(v) if isinstance(v, list) else v for f, v in pairs}
            found = _duplicate_errors(seen, number, keys, spec)
            if found:
                duplicates.append([ImportRowError(job=job, row_number=number, column=c[:80], reason=r)
                                   for c, r in found])
        stored = ImportRowError.objects.filter(job=job, at_import=False).count()
        room = max(max_stored_errors() - stored, 0)
        ImportRowError.objects.bulk_create([e for row in duplicates for e in row][:room])
        valid = sum(p.valid for p in parts) - len(duplicates)
        invalid = sum(p.invalid for p in parts) + len(duplicates)
        ImportJob.objects.filter(pk=job.pk).update(
            validated=valid + invalid, valid=valid, invalid=invalid, status=ImportJob.Status.PREVIEWED)
        ImportPreviewPart.objects.filter(job=job).update(keys=[])  # served their purpose


def _may_act_on(actor, job: ImportJob) -> None:
    kind = get_kind(job.kind)
    if not kind.may_import(actor) or actor.organization_id != job.organization_id:
        raise PermissionDeniedError(_("您不能处理这次导入。"))


@transaction.atomic
def import_job_start(*, actor, job: ImportJob, mode: str) -> ImportJob:
    """The user's choice after the preview: import the valid rows, or (``nothing``) all rows in one transaction
    — refused when any row is invalid. The import itself runs in a Celery task after commit."""
    _may_act_on(actor, job)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if mode not in ImportJob.Mode.values:
        raise ApplicationError(_("未知的导入方式。"), code="import_mode")
    if job.status != ImportJob.Status.PREVIEWED:
        raise ApplicationError(_("这次导入已处理（%(s)s），不能再次开始。") % {"s": job.get_status_display()},
                               code="import_state")
    if mode == ImportJob.Mode.NOTHING and job.invalid:
        job.status = ImportJob.Status.DISCARDED
        job.mode = mode
        job.finished_at = timezone.now()
        job.error_message = _("文件中有 %(n)d 行错误；按“有错误则全部不导入”，未导入任何数据。") % {"n": job.invalid}
        job.save(update_fields=["status", "mode", "finished_at", "error_message"])
        audit_record(actor=actor, action="import.refused", obj=job, detail={"invalid": job.invalid})
        return job
    if job.valid == 0:
        raise ApplicationError(_("没有可导入的有效行。"), code="import_nothing_valid")
    job.status = ImportJob.Status.IMPORTING
    job.mode = mode
    job.started_at = timezone.now()
    job.save(update_fields=["status", "mode", "started_at"])
    audit_record(actor=actor, action="import.start", obj=job, detail={"mode": mode, "valid": job.valid})
    job_id = job.pk
    transaction.on_commit(lambda: import_job_run_task.delay(job_id))
    return job


@transaction.atomic
def import_job_discard(*, actor, job: ImportJob) -> ImportJob:
    """"全部不导入": nothing is written; the file and the error report are kept for the record."""
    _may_act_on(actor, job)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status not in (ImportJob.Status.PREVIEWED, ImportJob.Status.VALIDATING):
        raise ApplicationError(_("这次导入已处理（%(s)s），不能放弃。") % {"s": job.get_status_display()},
                               code="import_state")
    job.status = ImportJob.Status.DISCARDED
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at"])
    audit_record(actor=actor, action="import.discard", obj=job, detail={"valid": job.valid, "invalid": job.invalid})
    return job


def _progress_key(job_id: int) -> str:
    return f"import-progress:{job_id}"


def progress(job: ImportJob) -> dict[str, Any]:
    """What the progress bar polls: status, counts and percent of the current phase."""
    processed = job.processed
    if job.status == ImportJob.Status.IMPORTING and job.mode == ImportJob.Mode.NOTHING:
        processed = max(processed, int(cache.get(_progress_key(job.pk)) or 0))
    if job.status == ImportJob.Status.VALIDATING:
        percent = int(job.validated * 100 / job.total) if job.total else 0
    elif job.status == ImportJob.Status.DONE:
        percent = 100
    elif job.status == ImportJob.Status.IMPORTING:
        percent = min(99, int(processed * 100 / job.valid)) if job.valid else 0
    else:
        percent = int(processed * 100 / job.valid) if job.valid else 0
    return {
        "id": job.pk, "kind": job.kind, "status": job.status, "status_label": str(job.get_status_display()),
        "mode": job.mode, "total": job.total, "valid": job.valid, "invalid": job.invalid,
        "validated": job.validated, "processed": processed, "percent": percent,
        "created": job.created_count, "updated": job.updated_count, "unchanged": job.unchanged_count,
        "skipped": job.skipped_count, "error": job.error_message, "finished": job.finished,
    }


class _RowRefused(Exception):
    """A row refused in mode ``nothing``: the whole import rolls back."""

    def __init__(self, number: int, errors: list[tuple[str, str]]):
        super().__init__(number)
        self.number = number
        self.errors = errors


def _apply_rows(kind: ImportKind, spec, actor, job: ImportJob, rows: list[tuple[int, dict[str, Any]]],
                *, all_or_nothing: bool) -> tuple[dict[str, int], list[ImportRowError]]:
    """Apply one chunk inside the caller's transaction; returns outcome counts and the rows refused now."""
    counts = {"created": 0, "updated": 0, "unchanged": 0, "skipped": 0}
    refused: list[ImportRowError] = []
    bulk = kind.bulk_applier()
    if bulk is not None:
        results = bulk(actor=actor, job=job, rows=rows)
    else:
        results = []
        for _number, kwargs in rows:
            try:
                with transaction.atomic():
                    results.append(spec.apply(actor=actor, kwargs=kwargs))
            except ValidationError as exc:
                results.append(exc)
    for (number, _kwargs), result in zip(rows, results, strict=True):
        if isinstance(result, ValidationError):
            errors = _errors_by_header(result)
            if all_or_nothing:
                raise _RowRefused(number, errors)
            counts["skipped"] += 1
            refused.extend(ImportRowError(job=job, row_number=number, column=c[:80], reason=r, at_import=True)
                           for c, r in errors)
        else:
            counts[result[1]] += 1
    return counts, refused


def _importable(job: ImportJob) -> tuple[Layout, list[tuple[int, list[str]]]]:
    """The file's layout and its data rows that were valid at preview (or beyond the stored-error cap), in file
    order: read once per task, for its chunks and for the count of chunks that ends the job."""
    sheet, layout = import_job_layout(job)
    invalid_rows = set(ImportRowError.objects.filter(job=job, at_import=False).values_list("row_number", flat=True))
    return layout, [(number, cells) for number, cells in data_records(sheet, layout) if number not in invalid_rows]


def _chunk_count(records: list) -> int:
    return -(-len(records) // max(chunk_rows(), 1))


def _valid_chunks(job: ImportJob, kind: ImportKind, spec, layout: Layout, records: list, *,
                  wanted: Callable[[int], bool] = lambda index: True):
    """``records`` in chunks of ``chunk_rows()``, numbered from 0: yields ``(index, [(number, kwargs or
    ValidationError), ...])`` for the ``wanted`` chunks, parsed again now (the registers may have changed since
    the preview); the others are not parsed."""
    size = max(chunk_rows(), 1)
    for index, start in enumerate(range(0, len(records), size)):
        if not wanted(index):
            continue
        chunk = []
        for number, cells in records[start:start + size]:
            try:
                chunk.append((number, parse_record(spec, kind, layout, cells, job.created_by, precheck=False)))
            except ValidationError as exc:
                chunk.append((number, exc))
        yield index, chunk


def _finish(job: ImportJob, *, status: str, message: str = "") -> None:
    ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.IMPORTING).update(
        status=status, error_message=message, finished_at=timezone.now())


def _interrupted(job: ImportJob, exc: Exception) -> None:
    logger.exception("import job %s failed", job.pk)
    _finish(job, status=ImportJob.Status.FAILED, message=_(
        "导入中断：%(e)s。已提交的数据保留（见“已处理”行数），未完成的批次没有写入任何数据；可重新上传同一文件继续，"
        "已导入的行将显示为“无变化”。") % {"e": exc.__class__.__name__})


def _parts(kind: ImportKind, job: ImportJob) -> int:
    if not kind.parallel or job.mode != ImportJob.Mode.VALID_ROWS:
        return 1
    chunks = (job.valid + max(chunk_rows(), 1) - 1) // max(chunk_rows(), 1)
    return max(1, min(import_workers(), chunks))


def import_job_run(*, job: ImportJob) -> ImportJob:
    """Apply the valid rows (Celery task). Mode ``valid_rows``: one transaction per chunk, counters committed with
    it, resumable; for ``parallel`` kinds the chunks are shared with ``IMPORT_WORKERS - 1`` more tasks, this one
    doing part 0 (``import_job_part``). Mode ``nothing``: one transaction for the whole file; any refused row rolls
    everything back."""
    job = ImportJob.objects.select_related("created_by", "organization").get(pk=job.pk)
    if job.status != ImportJob.Status.IMPORTING:
        return job
    kind = get_kind(job.kind)
    if job.mode != ImportJob.Mode.NOTHING:
        parts = _parts(kind, job)
        for part in range(1, parts):
            import_job_part_task.delay(job.pk, part, parts)
        return import_job_part(job=job, part=0, parts=parts)
    actor = job.created_by
    try:
        _run_all_or_nothing(job, kind, job_spec(kind.row_spec()), actor)
    except _RowRefused as exc:
        reasons = "；".join(f"{c}：{r}" if c else r for c, r in exc.errors)
        with transaction.atomic():
            ImportRowError.objects.bulk_create(
                [ImportRowError(job=job, row_number=exc.number, column=c[:80], reason=r, at_import=True)
                 for c, r in exc.errors])
            _finish(job, status=ImportJob.Status.FAILED, message=_(
                "第 %(n)d 行导入时被拒绝（%(r)s）；按“有错误则全部不导入”，未导入任何数据。") % {"n": exc.number, "r": reasons})
    except Exception as exc:  # noqa: BLE001 - any failure ends the job visibly; nothing was written
        _interrupted(job, exc)
    finally:
        cache.delete(_progress_key(job.pk))
    job = ImportJob.objects.get(pk=job.pk)
    if job.status == ImportJob.Status.DONE:
        _audit_done(job, actor)
    return job


def import_job_part(*, job: ImportJob, part: int, parts: int) -> ImportJob:
    """Part ``part`` of ``parts`` of a "valid rows" import (Celery task ``import_job_part_task``; part 0 of 1 when
    not shared): the chunks whose index is ``part`` modulo ``parts``. Ends the job when it commits the last chunk."""
    job = ImportJob.objects.select_related("created_by", "organization").get(pk=job.pk)
    if job.status != ImportJob.Status.IMPORTING or job.mode != ImportJob.Mode.VALID_ROWS:
        return job
    kind = get_kind(job.kind)
    try:
        layout, records = _importable(job)
        _run_in_chunks(job, kind, job_spec(kind.row_spec()), job.created_by, layout, records, part=part, parts=parts)
        _complete(job, _chunk_count(records))
    except Exception as exc:  # noqa: BLE001 - the job fails visibly; committed chunks stay
        _interrupted(job, exc)
    return ImportJob.objects.get(pk=job.pk)


def _audit_done(job: ImportJob, actor) -> None:
    audit_record(actor=actor, action="import.done", obj=job, organization=job.organization, detail={
        "kind": job.kind, "mode": job.mode, "sha256": job.file_sha256, "created": job.created_count,
        "updated": job.updated_count, "unchanged": job.unchanged_count, "skipped": job.skipped_count})


def _complete(job: ImportJob, total: int) -> None:
    """The job is done when all ``total`` chunks are committed: checked under the job's row lock, so exactly one
    part ends it (and records it)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("created_by", "organization").get(pk=job.pk)
        if job.status != ImportJob.Status.IMPORTING or ImportChunk.objects.filter(job=job).count() < total:
            return
        job.status = ImportJob.Status.DONE
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "finished_at"])
        _audit_done(job, job.created_by)


def _run_in_chunks(job, kind, spec, actor, layout, records, *, part: int, parts: int) -> None:
    done = set(ImportChunk.objects.filter(job=job).values_list("index", flat=True))
    chunks = _valid_chunks(job, kind, spec, layout, records,
                           wanted=lambda index: index % parts == part and index not in done)
    for index, chunk in chunks:
        if not ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.IMPORTING).exists():
            return  # another part failed: stop at a chunk boundary
        ready = [(n, kw) for n, kw in chunk if not isinstance(kw, ValidationError)]
        late = [(n, kw) for n, kw in chunk if isinstance(kw, ValidationError)]
        with transaction.atomic():
            if not _claim(ImportChunk, job_id=job.pk, index=index, rows=len(chunk)):
                continue
            counts, refused = _apply_rows(kind, spec, actor, job, ready, all_or_nothing=False)
            for number, exc in late:
                counts["skipped"] += 1
                refused.extend(ImportRowError(job=job, row_number=number, column=c[:80], reason=r, at_import=True)
                               for c, r in _errors_by_header(exc))
            ImportRowError.objects.bulk_create(refused)
            ImportJob.objects.filter(pk=job.pk).update(
                processed=F("processed") + len(chunk), created_count=F("created_count") + counts["created"],
                updated_count=F("updated_count") + counts["updated"],
                unchanged_count=F("unchanged_count") + counts["unchanged"],
                skipped_count=F("skipped_count") + counts["skipped"],
            )


def _run_all_or_nothing(job, kind, spec, actor) -> None:
    totals = {"created": 0, "updated": 0, "unchanged": 0, "skipped": 0}
    processed = 0
    layout, records = _importable(job)
    with transaction.atomic():
        for _index, chunk in _valid_chunks(job, kind, spec, layout, records):
            for number, kwargs in chunk:
                if isinstance(kwargs, ValidationError):
                    raise _RowRefused(number, _errors_by_header(kwargs))
            counts, _refused = _apply_rows(kind, spec, actor, job, chunk, all_or_nothing=True)
            for key, value in counts.items():
                totals[key] += value
            processed += len(chunk)
            cache.set(_progress_key(job.pk), processed, timeout=3600)
        ImportJob.objects.filter(pk=job.pk).update(
            processed=processed, created_count=totals["created"], updated_count=totals["updated"],
            unchanged_count=totals["unchanged"], skipped_count=0, status=ImportJob.Status.DONE,
            finished_at=timezone.now(),
        )


def previous_import(job: ImportJob) -> ImportJob | None:
    """The same file (same SHA-256) imported before by the same organisation, if any."""
    return (ImportJob.objects.filter(organization_id=job.organization_id, kind=job.kind, file_sha256=job.file_sha256,
                                     status=ImportJob.Status.DONE)
            .exclude(pk=job.pk).order_by("-finished_at").first())


# --- set-based writing ---------------------------------------------------------------------------------------------


def copy_insert(model, objects: list) -> None:
    """Insert new model instances with PostgreSQL COPY, exactly as ``save()`` would write them: every field's
    ``pre_save`` (auto_now, blind indexes) and ``get_db_prep_save`` (encryption, Decimal, dates) run as in
    Django's own INSERT; primary keys are reserved from the table's sequence first and set on the instances.

    For the importers' set-based paths: COPY moves rows several times faster than a multi-row INSERT. The
    database form of a value of a plain field depends on the value alone, so it is computed once per distinct
    value (a chunk repeats seats, usage natures, companies, dates); ``auto_now`` fields take one instant for the
    whole statement; encrypted fields (every token has its own IV) and blind indexes (derived from their source)
    run for every row."""
    from django.db import connection

    from apps.core.crypto import BlindIndexField, EncryptedTextField

    if not objects:
        return
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    plain, special, stamped = [], [], []
    for i, f in enumerate(fields):
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            stamped.append(f)
        elif isinstance(f, (EncryptedTextField, BlindIndexField)):
            special.append((i, f))
        else:
            plain.append((i, f.attname, f, {}, type(f) in (models.CharField, models.TextField)))

    def database_row(obj) -> list:
        row: list = [None] * len(fields)
        for i, attname, f, memo, text in plain:
            value = getattr(obj, attname)
            if text and (value is None or type(value) is str):
                row[i] = value  # what CharField/TextField.get_db_prep_save returns for these
                continue
            try:
                row[i] = memo[value]
            except KeyError:
                row[i] = memo[value] = f.get_db_prep_save(value, connection)
            except TypeError:  # an unhashable value
                row[i] = f.get_db_prep_save(value, connection)
        for i, f in special:
            row[i] = f.get_db_prep_save(f.pre_save(obj, True), connection)
        return row

    stamps = {f: f.get_db_prep_save(now, connection) for f in stamped}
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                       [meta.db_table, meta.pk.column, len(objects)])
        ids = [row[0] for row in cursor.fetchall()]
        for obj, pk in zip(objects, ids, strict=True):
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = connection.alias
            for f in stamped:
                setattr(obj, f.attname, now)
        positions = {f: fields.index(f) for f in stamped}
        columns = ", ".join(connection.ops.quote_name(c) for c in [meta.pk.column, *(f.column for f in fields)])
        sql = f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            for obj in objects:
                row = database_row(obj)
                for f, position in positions.items():
                    row[position] = stamps[f]
                copy.write_row([obj.pk, *row])


# --- templates (the header row users download and fill in) -------------------------------------------------------


def template_rows(kind: ImportKind) -> tuple[list[str], list[str]]:
    spec = kind.row_spec()
    headers = [c.header + ("*" if c.required else "") for c in spec.columns]
    example = [spec.example.get(c.header, "") for c in spec.columns]
    return headers, example


# --- retention of uploaded files ------------------------------------------------------------------------------------


def import_files_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the uploaded files older than ``IMPORT_FILE_RETENTION_DAYS`` (Celery beat, daily). The job, its counts
    and its row errors stay for the record; a job still waiting for the user's choice (or stuck validating) can no
    longer run and becomes "未导入". A job being imported keeps its file until it ends. Returns the files deleted."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=file_retention_days())
    purged = []
    stale = (ImportJob.objects.filter(created_at__lt=cutoff).exclude(file="")
             .exclude(status=ImportJob.Status.IMPORTING).only("pk", "file", "status"))
    for job in stale.iterator():
        changes: dict[str, Any] = {"file": ""}
        if job.status in (ImportJob.Status.VALIDATING, ImportJob.Status.PREVIEWED):
            changes.update(status=ImportJob.Status.DISCARDED, finished_at=now,
                           error_message=_("上传的文件已超过保存期限（%(n)d 天）并被删除，未导入任何数据。") % {
                               "n": file_retention_days()})
        # the row first, on the status read (an import started meanwhile keeps its file), then the file itself
        if ImportJob.objects.filter(pk=job.pk, status=job.status).update(**changes):
            job.file.storage.delete(job.file.name)
            purged.append(job.pk)
    if purged:
        audit_record(actor=SystemActor("import.purge_files"), action="import.files_purged", detail={
            "jobs": purged, "retention_days": file_retention_days()})
    return len(purged)


# --- Celery tasks (thin: ids in, services do the work) -----------------------------------------------------------


@shared_task(name="apps.core.imports.import_files_purge_task", acks_late=True)
def import_files_purge_task() -> int:
    return import_files_purge()



@shared_task(name="apps.core.imports.import_job_validate_task", acks_late=True)
def import_job_validate_task(job_id: int) -> str:
    return import_job_validate(job=ImportJob(pk=job_id)).status


@shared_task(name="apps.core.imports.import_job_validate_part_task", acks_late=True)
def import_job_validate_part_task(job_id: int, part: int, parts: int) -> str:
    return import_job_validate_part(job=ImportJob(pk=job_id), part=part, parts=parts).status


@shared_task(name="apps.core.imports.import_job_run_task", acks_late=True)
def import_job_run_task(job_id: int) -> str:
    return import_job_run(job=ImportJob(pk=job_id)).status


@shared_task(name="apps.core.imports.import_job_part_task", acks_late=True)
def import_job_part_task(job_id: int, part: int, parts: int) -> str:
    return import_job_part(job=ImportJob(pk=job_id), part=part, parts=parts).status


KIND_LABEL = gettext_lazy("导入类型")
