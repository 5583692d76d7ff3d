"""The error codes of policies and premiums (issue 18): every code its errors carry is a member of ``ErrorCode``."""

from django.db import models


class ErrorCode(models.TextChoices):
    """The codes of policies and premiums' errors; the labels are English descriptions for the OpenAPI schema.

    Codes several apps share are the kernel's (apps.core.errors.ErrorCode)."""

    COEFFICIENT_OUT_OF_RANGE = "coefficient_out_of_range", (
        "A premium coefficient is outside its allowed range (rule P1).")
    INVALID_CREW = "invalid_crew", "The crew must include at least the driver."
    INVALID_DAYS = "invalid_days", "The number of insured days is not a whole number."
    INVALID_HISTORY = "invalid_history", (
        "The number of claim-free years must be at least 1 (or first insurance).")
    INVALID_NUMBER = "invalid_number", "A value is not a valid number."
    INVALID_RATE = "invalid_rate", "The base rate is a percentage below 100."
    INVALID_SEATS = "invalid_seats", "The approved seats must outnumber the crew."
    J10_ONCE = "j10_once", "The policy has already had its one lay-up extension (rule J10)."
    J7_EARLIER_POLICY = "j7_earlier_policy", (
        "Of duplicate compulsory policies only the later-starting one is rescinded (rule J7).")
    NOT_POSITIVE = "not_positive", "A value must be greater than zero."
    SAME_ASSOCIATION = "same_association", (
        "A coverage standard is reviewed by the other association, not the proposing one (rule M10).")
    SEATS_OUT_OF_TABLE = "seats_out_of_table", "The base premium table covers only coaches of up to 10 seats."
    STANDARD_NOT_PROPOSED = "standard_not_proposed", "The coverage standard is no longer waiting for review."
    UNKNOWN_USAGE_CLASS = "unknown_usage_class", "The usage class is unknown."
