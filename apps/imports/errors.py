"""The importer's error: a file that cannot be imported as a whole (nothing is stored)."""

from __future__ import annotations

from django.db import models

from apps.core.errors import ApplicationError


class ErrorCode(models.TextChoices):
    """The codes of imports' errors; the labels are English descriptions for the OpenAPI schema.

    Codes several apps share are the kernel's (apps.core.errors.ErrorCode)."""

    IMPORT_CSV = "import_csv", "The CSV file is malformed."
    IMPORT_EMPTY = "import_empty", "The file is empty."
    IMPORT_ENCODING = "import_encoding", "The file's encoding is neither UTF-8 nor GBK."
    IMPORT_FILE_INVALID = "import_file_invalid", "The file cannot be imported."
    IMPORT_FILE_MISSING = "import_file_missing", "No file was uploaded."
    IMPORT_FILE_PURGED = "import_file_purged", "The uploaded file was deleted after its retention period."
    IMPORT_FORMAT = "import_format", "The file's content does not match its extension."
    IMPORT_HEADERS = "import_headers", "The file's header row does not match the import template."
    IMPORT_KIND_UNKNOWN = "import_kind_unknown", "The import kind is unknown."
    IMPORT_MODE = "import_mode", "The import mode is unknown."
    IMPORT_NOTHING_VALID = "import_nothing_valid", "The file has no valid row to import."
    IMPORT_STATE = "import_state", "The import has already been processed."
    IMPORT_TOO_BIG = "import_too_big", "The Excel sheet's range is larger than allowed."
    IMPORT_TOO_MANY_ROWS = "import_too_many_rows", "The file has more rows than one import allows."
    IMPORT_XLS = "import_xls", "Old Excel (.xls) files are not supported."


class ImportFileError(ApplicationError):
    """The file as a whole cannot be imported (nothing is stored)."""

    def __init__(self, message: str, *, code: str = ErrorCode.IMPORT_FILE_INVALID, extra: dict | None = None):
        super().__init__(message, code=code, extra=extra)

