"""The error codes of the dashboard and monthly reports (issue 18): every code its errors carry is a member of ``ErrorCode``."""

from django.db import models


class ErrorCode(models.TextChoices):
    """The codes of the dashboard and monthly reports' errors; the labels are English descriptions for the OpenAPI schema.

    Codes several apps share are the kernel's (apps.core.errors.ErrorCode)."""

    INVALID_MONTH = "invalid_month", "A month is not in the form YYYY-MM."
    INVALID_PERIOD = "invalid_period", "The first month is later than the last."
    MONTH_BEFORE_MECHANISM = "month_before_mechanism", (
        "The month is before the joint supervision began; it has no monthly report.")
    MONTH_IN_FUTURE = "month_in_future", "A monthly report cannot be made for a month that has not begun."
    PERIOD_TOO_LONG = "period_too_long", "The period spans more months than allowed."
