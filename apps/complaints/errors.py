"""The error codes of complaints and reports (issue 18): every code its errors carry is a member of ``ErrorCode``."""

from django.db import models


class ErrorCode(models.TextChoices):
    """The codes of complaints and reports' errors; the labels are English descriptions for the OpenAPI schema.

    Codes several apps share are the kernel's (apps.core.errors.ErrorCode)."""

    FEEDBACK_REQUIRED = "feedback_required", "Feedback to the reporter is required."
    INSURER_REQUIRED = "insurer_required", "The insurer to forward the report to is required."
    NO_HANDLER = "no_handler", "No handling organisation is set up yet; the report cannot be received."
    NOT_A_PLATE_REPORT = "not_a_plate_report", (
        "Only a 12328 report about a given number plate can become a lead.")
    NOT_EXTENDABLE = "not_extendable", "Only a 12378 complaint's handling period can be extended (rule T4)."
    NOT_LAWFUL_STEP = "not_lawful_step", "The extended period is not the lawful next step (rule T4)."
    NOT_REHANDLEABLE = "not_rehandleable", "Only a 12378 complaint can be handled again (rule T4)."
    NOTE_TOO_LONG = "note_too_long", "The forwarding note is too long."
    TOO_LONG = "too_long", "A text is longer than allowed."
