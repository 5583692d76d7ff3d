"""The importer's error: a file that cannot be imported as a whole (nothing is stored)."""

from __future__ import annotations

from apps.core.errors import ApplicationError


class ImportFileError(ApplicationError):
    """The file as a whole cannot be imported (nothing is stored)."""

    def __init__(self, message: str, *, code: str = "import_file_invalid", extra: dict | None = None):
        super().__init__(message, code=code, extra=extra)

