"""One exception family for business rules; the API maps it to one error shape, pages to a message."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A rule refused the action. ``message`` is for the user (already translated), ``code`` for machines."""

    status_code = 400

    def __init__(self, message: str, *, code: str = "invalid", extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra or {}

    @property
    def fields(self) -> dict[str, list[str]]:
        """The input fields the refusal is about (``extra["fields"]``: name → messages), each as a list of texts;
        pages show each beside its field (``apps.core.actions``), the API returns them as they are."""
        fields = self.extra.get("fields") or {}
        if not isinstance(fields, dict):
            return {}
        return {str(name): [str(e) for e in (errors if isinstance(errors, list | tuple) else [errors])]
                for name, errors in fields.items()}


class PermissionDeniedError(ApplicationError):
    status_code = 403

    def __init__(self, message: str, *, code: str = "permission_denied", extra: dict[str, Any] | None = None):
        super().__init__(message, code=code, extra=extra)


class ConflictError(ApplicationError):
    status_code = 409

    def __init__(self, message: str, *, code: str = "conflict", extra: dict[str, Any] | None = None):
        super().__init__(message, code=code, extra=extra)
