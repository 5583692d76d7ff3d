"""The uploaded file: read within the size limit, stored encrypted under MEDIA_ROOT, read back for the preview
and the import (every task re-reads it; the registers may have changed since the upload)."""

from __future__ import annotations

import uuid

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from apps.core.crypto import fernet, make_owner_only
from apps.imports.errors import ErrorCode

from .conf import max_file_bytes
from .decoding import Sheet, read_sheet
from .errors import ImportFileError
from .layout import Layout, find_layout
from .models import ImportJob
from .registry import get_kind


def read_upload(upload) -> bytes:
    size = getattr(upload, "size", None)
    limit = max_file_bytes()
    if size is not None and size > limit:
        raise ImportFileError(_("文件过大（%(size).1f MB），上限为 %(limit)d MB；请拆分后分批导入。") % {
            "size": size / 1024 / 1024, "limit": limit // 1024 // 1024}, code=ErrorCode.IMPORT_TOO_BIG)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ImportFileError(_("文件过大，上限为 %(limit)d MB；请拆分后分批导入。") % {"limit": limit // 1024 // 1024},
                              code=ErrorCode.IMPORT_TOO_BIG)
    return data


def store_upload(job: ImportJob, data: bytes, extension: str) -> None:
    """The uploaded file under MEDIA_ROOT, encrypted with the personal-data keys (``apps.core.crypto``: the file
    holds full ID and phone numbers) and readable by the server's own user only (mode 0600)."""

    job.file.save(f"{uuid.uuid4().hex}.{extension}.enc", ContentFile(fernet().encrypt(data)), save=False)
    make_owner_only(job.file)


def _stored_bytes(job: ImportJob) -> bytes:
    from cryptography.fernet import InvalidToken

    if not job.file:
        raise ImportFileError(_("上传的文件已超过保存期限并被删除，请重新上传。"), code=ErrorCode.IMPORT_FILE_PURGED)
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


def import_job_layout(job: ImportJob) -> tuple[Sheet, Layout]:
    sheet = _stored_sheet(job)
    return sheet, find_layout(get_kind(job.kind).row_spec(), sheet.records)
