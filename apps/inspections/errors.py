"""The error codes of inspections (issue 18): every code its errors carry is a member of ``ErrorCode``."""

from django.db import models


class ErrorCode(models.TextChoices):
    """The codes of inspections' errors; the labels are English descriptions for the OpenAPI schema.

    Codes several apps share are the kernel's (apps.core.errors.ErrorCode)."""

    NO_PROBLEMS = "no_problems", "The inspection found no problem; there is nothing to notify."
