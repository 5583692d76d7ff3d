"""The importer's limits, read from Django settings (defaults and environment variables in settings.py).

| setting | default | meaning |
|---|---|---|
| IMPORT_MAX_FILE_MB | 30 | size of an uploaded file |
| IMPORT_MAX_ROWS | 200,000 | data rows of one file |
| IMPORT_MAX_COLUMNS | 200 | columns read from a sheet (a sheet declaring more is refused) |
| IMPORT_MAX_XLSX_UNPACKED_MB | 300 | what the parts of an XLSX archive may add up to once unpacked |
| IMPORT_CHUNK_ROWS | 1,000 | rows applied per transaction |
| IMPORT_WORKERS | 2 (tests: 1) | parts (Celery tasks side by side) a big preview or an import of independent rows is split into |
| IMPORT_SYNC_VALIDATE_ROWS | 2,000 | files up to this many rows are previewed during the upload request |
| IMPORT_MAX_STORED_ERRORS | 20,000 | row errors stored per preview |
| IMPORT_FILE_RETENTION_DAYS | 30 | days an uploaded file (full ID and phone numbers) is kept, encrypted |
"""

from __future__ import annotations

from django.conf import settings


def max_file_bytes() -> int:
    return settings.IMPORT_MAX_FILE_MB * 1024 * 1024


def max_rows() -> int:
    return settings.IMPORT_MAX_ROWS


def chunk_rows() -> int:
    return settings.IMPORT_CHUNK_ROWS


def import_workers() -> int:
    """How many parts (Celery tasks, running side by side) one import of independent rows is split into."""
    return max(settings.IMPORT_WORKERS, 1)


def sync_validate_rows() -> int:
    """Files up to this many rows are validated during the upload request; bigger ones by a Celery task."""
    return settings.IMPORT_SYNC_VALIDATE_ROWS


def max_stored_errors() -> int:
    return settings.IMPORT_MAX_STORED_ERRORS


def max_columns() -> int:
    """Columns read from a sheet (the widest template has a few dozen); a sheet declaring more is refused."""
    return settings.IMPORT_MAX_COLUMNS


def file_retention_days() -> int:
    """Days an uploaded file (full ID and phone numbers) is kept, encrypted, after its upload; then purged."""
    return settings.IMPORT_FILE_RETENTION_DAYS


def max_xlsx_unpacked_bytes() -> int:
    """What the parts of an XLSX file (a zip archive) may add up to once unpacked."""
    return settings.IMPORT_MAX_XLSX_UNPACKED_MB * 1024 * 1024
