"""One exception family for business rules; the API maps it to one error shape, pages to a message.

Every machine-readable ``code`` an error carries is a member of an app's ``ErrorCode`` enum: the kernel's below
(the API's own codes, and those several apps share), each app's in ``apps/<app>/errors.py``. The OpenAPI schema
lists them all, each with its description (``ErrorResponse``, apps/core/api/schema.py); tests/core/test_error_codes.py
checks that every raise site names a member, never a string.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from django.db import models


class ErrorCode(models.TextChoices):
    """Kernel codes: those the API itself answers with, and those several apps share on purpose.

    The labels are English descriptions for the OpenAPI schema (for API clients, not shown to users).
    """

    # the API's own (apps/core/api/errors.py, DRF's exception codes)
    INVALID = "invalid", "The submitted data is invalid (see `fields` for each field's messages)."
    PERMISSION_DENIED = "permission_denied", "The user or system account may not perform this action."
    CONFLICT = "conflict", "The action conflicts with the current state of the record."
    NOT_FOUND = "not_found", "No such record, or not one the caller may see."
    THROTTLED = "throttled", "Too many requests; retry later."
    NOT_AUTHENTICATED = "not_authenticated", "No session or API key was presented."
    AUTHENTICATION_FAILED = "authentication_failed", "The API key is invalid or revoked, or its account is disabled."
    METHOD_NOT_ALLOWED = "method_not_allowed", "The HTTP method is not allowed on this URL."
    NOT_ACCEPTABLE = "not_acceptable", "No response format matches the Accept header."
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type", "The request body's media type is not supported."
    PARSE_ERROR = "parse_error", "The request body could not be parsed."
    ERROR = "error", "Any other API error."
    # shared by several apps
    DATE_RANGE = "date_range", "A period's start is later than its end."
    FUTURE_TIME = "future_time", "A time that has to be in the past lies in the future."
    NOTE_REQUIRED = "note_required", "A note (a description of what was done or found) is required."
    REASON_REQUIRED = "reason_required", "A reason is required for this action."
    INTEGRITY = "integrity", "A stored document no longer matches its registered digest (recorded for the admins)."
    POLICY_NOT_ACTIVE = "policy_not_active", "The policy is no longer in force (rescinded or surrendered)."
    ORGANIZATION_MISSING = "organization_missing", (
        "The platform has no enabled organisation of the kind the action needs (e.g. the transport authority).")
    # the kernel's own (deadlines, reveals, exports, text limits)
    ALREADY_DUE = "already_due", "The deadline has already passed and can no longer be paused."
    BEFORE_PAUSE = "before_pause", "A deadline cannot resume before it was paused."
    BEFORE_START = "before_start", "A deadline cannot be paused before it started."
    INVALID_CURSOR = "invalid_cursor", "A list's page link was edited, truncated or made for another ordering."
    INVALID_FORMAT = "invalid_format", "The export format is neither CSV nor XLSX."
    NOT_LONGER = "not_longer", "An extended deadline must be longer than the current one."
    NOT_OPEN = "not_open", "Only a running deadline can be paused."
    NOT_PAUSED = "not_paused", "The deadline is not paused."
    PERSONAL_SEARCH_DENIED = "personal_search_denied", (
        "Searching by a personal field is reserved to those who may reveal it.")
    REASON_TOO_LONG = "reason_too_long", "The reason given to reveal personal data is too long."
    TEXT_TOO_LONG = "text_too_long", "A text is longer than its field allows."
    TOO_MANY_ROWS = "too_many_rows", "The list has more rows than an Excel sheet holds; export as CSV."


def error_code_enums() -> dict[str, type[models.TextChoices]]:
    """Every app's ``ErrorCode`` enum by app label (the kernel's as ``core``), read from ``apps/<app>/errors.py``."""
    from django.apps import apps as django_apps

    found: dict[str, type[models.TextChoices]] = {}
    for config in django_apps.get_app_configs():
        if not config.name.startswith("apps."):
            continue
        name = f"{config.name}.errors"
        if importlib.util.find_spec(name) is None:
            continue
        enum = getattr(importlib.import_module(name), "ErrorCode", None)
        if enum is not None:
            found[config.label] = enum
    return found


def all_error_codes() -> dict[str, str]:
    """Every code the platform answers with → its description, app by app (the kernel's first)."""
    codes: dict[str, str] = {}
    enums = error_code_enums()
    for label in sorted(enums, key=lambda label: (label != "core", label)):
        for member in enums[label]:
            codes.setdefault(member.value, str(member.label))
    return codes


class ApplicationError(Exception):
    """A rule refused the action. ``message`` is for the user (already translated), ``code`` for machines (a member
    of an ``ErrorCode`` enum; a plain string is accepted but raise sites name members, tests/core/test_error_codes.py)."""

    status_code = 400

    def __init__(self, message: str, *, code: str = ErrorCode.INVALID, extra: dict[str, Any] | None = None):
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

    def __init__(self, message: str, *, code: str = ErrorCode.PERMISSION_DENIED, extra: dict[str, Any] | None = None):
        super().__init__(message, code=code, extra=extra)


class ConflictError(ApplicationError):
    status_code = 409

    def __init__(self, message: str, *, code: str = ErrorCode.CONFLICT, extra: dict[str, Any] | None = None):
        super().__init__(message, code=code, extra=extra)
