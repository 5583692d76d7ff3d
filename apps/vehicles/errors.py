"""The error codes of vehicles and onboarding (issue 18): every code its errors carry is a member of ``ErrorCode``."""

from django.db import models


class ErrorCode(models.TextChoices):
    """The codes of vehicles and onboarding' errors; the labels are English descriptions for the OpenAPI schema.

    Codes several apps share are the kernel's (apps.core.errors.ErrorCode)."""

    COMPANY_REQUIRED = "company_required", "An onboarding check is made by a taxi company or platform."
    NO_COMPANY = "no_company", "The vehicle is in no company's ledger."
    NOT_IN_LEDGER = "not_in_ledger", "The vehicle is not in the company's ledger (rule M9)."
    ONBOARDING_NOT_PASSED = "onboarding_not_passed", (
        "The vehicle has not passed its onboarding check (rule M9).")
    ONBOARDING_STALE = "onboarding_stale", "The last passed onboarding check is too old (rule M9)."
    OTHER_COMPANY = "other_company", "The vehicle is in another company's ledger."
    QUERY_INVALID = "query_invalid", "The search text is invalid."
    QUERY_REQUIRED = "query_required", "A number plate or VIN is required."
    VEHICLE_NOT_FOUND = "vehicle_not_found", "No vehicle in the register has this number plate or VIN."
