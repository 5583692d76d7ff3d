"""Reading uploaded sheets: CSV (UTF-8 with or without BOM, GB18030/GBK as real Chinese exports often are, UTF-16
"Unicode text") and XLSX (openpyxl, read-only), bounded before and while reading. Every upload of a sheet goes
through ``read_sheet`` (the importer and the lead plate lists of ``apps.leads.uploads``)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from apps.imports.errors import ErrorCode

from .conf import max_columns, max_rows, max_xlsx_unpacked_bytes
from .errors import ImportFileError
from .models import ImportJob

_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and other OLE documents)
SCIENTIFIC = re.compile(r"^\d\.\d+[eE]\+\d+$")  # how Excel shows a long number: 4.50202E+17
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
                                  code=ErrorCode.IMPORT_FORMAT)
        return ImportJob.Format.XLSX
    if data.startswith(_OLE_MAGIC):
        raise ImportFileError(
            _("不支持旧版 Excel（.xls）文件，请在 Excel 中“另存为” .xlsx 或 CSV（UTF-8）后再上传。"), code=ErrorCode.IMPORT_XLS,
        )
    if lower.endswith((".xlsx", ".xlsm")):
        raise ImportFileError(_("文件扩展名为 XLSX，但内容不是有效的 Excel 文件。"), code=ErrorCode.IMPORT_FORMAT)
    if not lower.endswith((".csv", ".txt")) and lower:
        raise ImportFileError(_("只能导入 CSV 或 XLSX 文件。"), code=ErrorCode.IMPORT_FORMAT)
    return ImportJob.Format.CSV


def decode_text(data: bytes) -> tuple[str, str]:
    """Text of a CSV file and the encoding used: BOMs first, then strict UTF-8, then GB18030 (a superset of GBK
    and GB2312, what Chinese Excel and most core systems write)."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            raise ImportFileError(_("文件声明为 UTF-8 编码，但内容有无法识别的字符。"), code=ErrorCode.IMPORT_ENCODING) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise ImportFileError(_("文件声明为 UTF-16 编码，但内容有无法识别的字符。"), code=ErrorCode.IMPORT_ENCODING) from None
    if b"\x00" in data[:4096]:
        raise ImportFileError(_("文件不是文本格式的 CSV，请上传 CSV 或 XLSX 文件。"), code=ErrorCode.IMPORT_FORMAT)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise ImportFileError(
            _("无法识别文件编码；请将 CSV 保存为 UTF-8 或 GBK 编码。"), code=ErrorCode.IMPORT_ENCODING,
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
                        "max": row_limit - HEADER_SCAN_ROWS}, code=ErrorCode.IMPORT_TOO_MANY_ROWS)
    except csv.Error as exc:
        raise ImportFileError(_("CSV 文件格式有误（第 %(n)d 行）：%(e)s") % {"n": reader.line_num, "e": exc},
                              code=ErrorCode.IMPORT_CSV) from None
    return Sheet(ImportJob.Format.CSV, encoding, records)


NUMBER_TOO_LONG = "\x00number_too_long\x00"


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
        return NUMBER_TOO_LONG if abs(value) >= 10**15 else str(value)
    if isinstance(value, float):
        if abs(value) >= 1e15:
            return NUMBER_TOO_LONG
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    return str(value)


def _xlsx_too_big(rows: int, columns: int) -> ImportFileError:
    return ImportFileError(_(
        "Excel 工作表的范围为 %(rows)d 行 × %(cols)d 列，超过上限（%(max_rows)d 行、%(max_cols)d 列）；"
        "请删除多余的行和列（或另存为 CSV）后再上传。") % {
        "rows": rows, "cols": columns, "max_rows": max_rows(), "max_cols": max_columns()}, code=ErrorCode.IMPORT_TOO_BIG)


def _check_xlsx_archive(data: bytes) -> None:
    """An XLSX file is a zip archive: refuse one whose parts unpack to more than the limit (a "zip bomb"),
    before any XML is parsed. The sizes are the archive's own; reading stops at them (and fails the CRC check)."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ImportFileError(_("无法读取该 Excel 文件，文件可能已损坏或不是 XLSX 格式。"), code=ErrorCode.IMPORT_FORMAT) from None
    if unpacked > max_xlsx_unpacked_bytes():
        raise ImportFileError(_(
            "Excel 文件解压后达 %(size)d MB，超过上限 %(limit)d MB；请删除多余的内容或另存为 CSV 后再上传。") % {
            "size": unpacked // 1024 // 1024, "limit": max_xlsx_unpacked_bytes() // 1024 // 1024},
            code=ErrorCode.IMPORT_TOO_BIG)


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
        raise ImportFileError(_("无法读取该 Excel 文件，文件可能已损坏或不是 XLSX 格式。"), code=ErrorCode.IMPORT_FORMAT) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise ImportFileError(_("Excel 文件中没有工作表。"), code=ErrorCode.IMPORT_EMPTY)
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
        raise ImportFileError(_("无法读取该 Excel 文件，文件可能已损坏或不是 XLSX 格式。"), code=ErrorCode.IMPORT_FORMAT) from None
    finally:
        workbook.close()
    return Sheet(ImportJob.Format.XLSX, "", records)


def read_sheet(data: bytes, name: str, *, row_limit: int | None = None) -> Sheet:
    """Every upload of a sheet goes through here (imports, lead lists). ``row_limit``: the most data rows the
    caller accepts (default ``IMPORT_MAX_ROWS``); an XLSX file declaring or holding more is refused early."""
    if not data:
        raise ImportFileError(_("文件是空的。"), code=ErrorCode.IMPORT_EMPTY)
    fmt = detect_format(data, name)
    if fmt == ImportJob.Format.XLSX:
        return _read_xlsx(data, row_limit=row_limit)
    return _read_csv(data, row_limit=row_limit)

