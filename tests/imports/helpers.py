"""Building import files in memory (CSV in several encodings, XLSX) for the importer tests."""

from __future__ import annotations

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import make_resident_id
from tests.vehicles.factories import make_plate, make_vin

VEHICLE_HEADERS = ["号牌号码", "车辆识别代号", "核定载客人数", "使用性质", "所有人", "所有人证件号码", "注册登记日期"]


def vehicle_rows(n: int, start: int = 7000, **over) -> list[list[str]]:
    rows = []
    for i in range(start, start + n):
        row = {"号牌号码": make_plate(i), "车辆识别代号": make_vin(i), "核定载客人数": "5", "使用性质": "预约出租客运",
               "所有人": "韦小宝", "所有人证件号码": make_resident_id(seq=i % 1000), "注册登记日期": "2023-03-01"}
        row.update(over)
        rows.append([row[h] for h in VEHICLE_HEADERS])
    return rows


def csv_bytes(headers: list[str], rows: list[list], *, encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(headers: list[str], rows: list[list], *, title_row: str | None = None) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    if title_row:
        sheet.append([title_row])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(data: bytes, name: str = "vehicles.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)
