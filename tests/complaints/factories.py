"""Helpers to file reports through the real service (rule M16)."""

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.complaints.services import complaint_submit, public_reporter


def report_12328(**overrides) -> dict:
    data = {
        "hotline": "12328", "category": "private_car_carrying", "plate": "桂B12345",
        "description": "一辆白色私家车在火车站门口拉客，每人收费 20 元。", "location": "柳州火车站东广场",
        "occurred_at": timezone.now() - dt.timedelta(hours=3), "reporter_name": "张三丰",
        "reporter_phone": "13877201234",
    }
    data.update(overrides)
    return data


def report_12378(insurer, **overrides) -> dict:
    data = {
        "hotline": "12378", "category": "claim_misconduct", "insurer": insurer, "plate": "",
        "description": "网约车出险后保险公司以非营运为由拒绝理赔，但车辆已按营运投保。", "location": "柳州市城中区",
        "occurred_at": timezone.now() - dt.timedelta(days=2), "reporter_name": "李四",
        "reporter_phone": "13977205678",
    }
    data.update(overrides)
    return data


def file_report(**report):
    report.setdefault("actor", public_reporter())
    return complaint_submit(**report)


def png_bytes(color=(200, 30, 30)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buffer, format="PNG")
    return buffer.getvalue()


def png_upload(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")
