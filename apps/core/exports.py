"""Export of any filtered list to CSV or XLSX.

* CSV is UTF-8 with a byte-order mark, so Excel on a Chinese Windows opens it as UTF-8 instead of guessing GBK,
  and it is streamed row by row (a million-row list never sits in memory).
* XLSX is written with openpyxl's write-only workbook into a temporary file, then streamed; Excel's sheet limit
  (1,048,576 rows) applies, larger lists are refused with a message pointing to CSV.
* Personal fields (``Column(personal="id"|"phone"|"name"|"text")``) are always masked: an export is not a reveal.
* Text that a spreadsheet would run as a formula (starting with = + - @ or a tab/CR) is prefixed with an
  apostrophe (CSV/formula injection).
* Every export is an audit event (who exported which list, with which filters, how many rows).
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db.models import Model, QuerySet
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import crypto
from .audit import audit_record
from .errors import ApplicationError, ErrorCode

XLSX_MAX_ROWS = 1_048_575  # Excel's row limit less the header
CHUNK = 2000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MASKS: dict[str, Callable[[str | None], str]] = {
    "id": crypto.mask_id_no, "phone": crypto.mask_phone, "name": crypto.mask_name, "text": crypto.mask_text,
}


@dataclass(frozen=True)
class Column:
    """One exported column: a header users read, and an attribute path (``"company.name"``) or a function."""

    header: Any
    value: str | Callable[[Any], Any]
    personal: str | None = None  # mask kind for personal data: id / phone / name / text

    def get(self, obj) -> Any:
        if callable(self.value):
            raw = self.value(obj)
        else:
            raw = obj
            for part in self.value.split("."):
                raw = None if raw is None else getattr(raw, part)
                if callable(raw) and not isinstance(raw, Model):
                    raw = raw()
        if self.personal and raw not in (None, ""):
            return _MASKS[self.personal](str(raw))
        return raw


def display(field: str) -> Callable[[Any], Any]:
    """``Column(_("状态"), display("status"))`` → the choice label (``get_status_display``)."""
    return lambda obj: getattr(obj, f"get_{field}_display")()


def _cell(value: Any) -> Any:
    """A value as a spreadsheet cell: local times, plain decimals, labels of lazy strings, no formulas."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def cells(values: Iterable[Any]) -> list[Any]:
    """One row of any spreadsheet the platform writes — list exports, the monthly report, import templates and
    error reports — as safe cells (no formulas: text starting with = + - @ or a tab/CR gets an apostrophe)."""
    return [_cell(v) for v in values]


def csv_writer(target):
    """A ``csv.writer`` on ``target`` whose rows go through ``cells`` (the one CSV writer of the project)."""
    writer = csv.writer(target)

    class _SafeWriter:
        def writerow(self, row):
            return writer.writerow(cells(row))

        def writerows(self, rows_):
            for row in rows_:
                self.writerow(row)

    return _SafeWriter()


def rows(queryset: QuerySet | Iterable, columns: list[Column]) -> Iterator[list[Any]]:
    """The cells of each object, a chunk at a time. A streamed response runs after its view returned (outside the
    request's calendar memo), so each chunk is computed inside its own: columns that count working days (rule T1)
    read each year of the calendar once per chunk, not once per row. The memo is never held across a ``yield``."""
    from . import calendar

    objects = iter(queryset.iterator(chunk_size=CHUNK) if isinstance(queryset, QuerySet) else queryset)
    while True:
        with calendar.memoized():
            chunk = [[_cell(col.get(obj)) for col in columns] for obj in islice(objects, CHUNK)]
        if not chunk:
            return
        yield from chunk


class _Echo:
    def write(self, value):
        return value


def _filename_header(filename: str) -> str:
    ascii_name = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in filename)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def csv_stream(queryset, columns: list[Column]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(cells(str(c.header) for c in columns))
    for row in rows(queryset, columns):
        yield writer.writerow([str(v) if isinstance(v, Decimal) else v for v in row])


def csv_response(queryset, columns: list[Column], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_stream(queryset, columns), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _filename_header(filename)
    return response


def xlsx_file(queryset, columns: list[Column], *, title: str = "Sheet1"):
    """Write the rows to a temporary XLSX file (write-only mode: constant memory) and return it, rewound."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Sheet1")
    header = []
    for col in columns:
        cell = WriteOnlyCell(sheet, value=_cell(str(col.header)))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for count, row in enumerate(rows(queryset, columns), start=1):
        if count > XLSX_MAX_ROWS:
            raise ApplicationError(_("列表超过 Excel 的行数上限，请导出为 CSV。"), code=ErrorCode.TOO_MANY_ROWS)
        sheet.append(row)
    handle = tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR)
    workbook.save(handle)
    handle.seek(0)
    return handle


def xlsx_response(queryset, columns: list[Column], filename: str, *, title: str = "Sheet1") -> FileResponse:
    handle = xlsx_file(queryset, columns, title=title)
    response = FileResponse(
        handle, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = _filename_header(filename)
    return response


FORMATS = ("csv", "xlsx")


def export_response(*, user, queryset, columns: list[Column], basename: str, fmt: str,
                    filters: dict | None = None, title: str = "") -> HttpResponse:
    """The export of ``queryset`` (already narrowed by the access module and the page's filters) as a download.

    ``basename`` without extension, e.g. "车辆"; the file name gets the local date.
    """
    if fmt not in FORMATS:
        raise ApplicationError(_("导出格式只能是 CSV 或 XLSX。"), code=ErrorCode.INVALID_FORMAT)
    model = getattr(queryset, "model", None)
    audit_record(
        actor=user, action="export",
        detail={"model": model._meta.label_lower if model else "", "format": fmt, "filters": filters or {},
                "rows": queryset.count() if isinstance(queryset, QuerySet) else None},
    )
    filename = f"{basename}_{timezone.localdate():%Y%m%d}.{fmt}"
    if fmt == "csv":
        return csv_response(queryset, columns, filename)
    return xlsx_response(queryset, columns, filename, title=title or basename)
