"""An uploaded list of suspected vehicles (rule M5): CSV or XLSX read by the core import pipeline's reader
(``apps.imports.decoding.read_sheet``: encodings, Excel cells, legacy formats refused with a Chinese message).

Layout: a header row with a column "号牌号码" (or "号牌"/"车牌号"/"plate"), optionally "线索依据" (or
"依据"/"说明"/"evidence"); without a recognisable header the first column is read as plates. Every plate is
checked (rule J1); the list is accepted only when every row is valid — otherwise the errors are shown by row
number and nothing is created.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError
from apps.core.validators import normalize_plate
from apps.imports.decoding import read_sheet
from apps.leads.errors import ErrorCode

from . import conf

PLATE_HEADERS = {"号牌号码", "号牌", "车牌号", "车牌号码", "车牌", "plate"}
EVIDENCE_HEADERS = {"线索依据", "依据", "说明", "备注", "evidence"}


@dataclass
class PlateList:
    rows: list[dict] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def _find(header: list[str], names: set[str]) -> int | None:
    for i, cell in enumerate(header):
        if cell.strip().lower() in names:
            return i
    return None


def parse_plate_list(upload) -> PlateList:
    """Read an uploaded CSV/XLSX; raises ``ApplicationError`` for a file that cannot be read at all."""
    size = getattr(upload, "size", 0) or 0
    if size > conf.attachment_max_bytes():
        raise ApplicationError(_("文件过大，上限为 %(mb)d MB。") % {"mb": conf.attachment_max_bytes() // 2**20},
                               code=ErrorCode.UPLOAD_TOO_BIG)
    # bounded while reading (an XLSX declaring a huge range is refused before its cells are materialised)
    sheet = read_sheet(upload.read(), getattr(upload, "name", "") or "", row_limit=conf.upload_max_rows() + 1)
    records = sheet.records
    result = PlateList()
    if not records:
        raise ApplicationError(_("文件中没有数据。"), code=ErrorCode.UPLOAD_EMPTY)
    plate_col = evidence_col = None
    first_number, first = records[0]
    plate_col = _find(first, PLATE_HEADERS)
    if plate_col is not None:
        evidence_col = _find(first, EVIDENCE_HEADERS)
        records = records[1:]
    else:
        plate_col = 0
    if len(records) > conf.upload_max_rows():
        raise ApplicationError(_("清单最多 %(n)d 行，请拆分后上传。") % {"n": conf.upload_max_rows()},
                               code=ErrorCode.UPLOAD_TOO_MANY)
    seen: dict[str, int] = {}
    for number, cells in records:
        raw = cells[plate_col].strip() if plate_col < len(cells) else ""
        if not raw:
            result.errors.append((number, _("号牌号码为空。")))
            continue
        try:
            plate = normalize_plate(raw)
        except ValidationError as exc:
            result.errors.append((number, exc.messages[0]))
            continue
        if plate in seen:
            result.errors.append((number, _("号牌“%(plate)s”与第 %(row)d 行重复。") % {"plate": plate, "row": seen[plate]}))
            continue
        seen[plate] = number
        evidence = cells[evidence_col].strip() if evidence_col is not None and evidence_col < len(cells) else ""
        result.rows.append({"row": number, "plate": plate, "evidence": evidence})
    if not result.rows and not result.errors:
        raise ApplicationError(_("文件中没有号牌。"), code=ErrorCode.UPLOAD_EMPTY)
    return result
