"""The error codes of leads, lists and screenings (issue 18): every code its errors carry is a member of ``ErrorCode``."""

from django.db import models


class ErrorCode(models.TextChoices):
    """The codes of leads, lists and screenings' errors; the labels are English descriptions for the OpenAPI schema.

    Codes several apps share are the kernel's (apps.core.errors.ErrorCode)."""

    ANSWER_INVALID = "answer_invalid", "The answer is not one of the allowed answers."
    ANSWER_NOTE_REQUIRED = "answer_note_required", "The answer \"other\" requires a note."
    ATTACHMENT_TOO_LARGE = "attachment_too_large", "An attachment is larger than allowed."
    CHECK_REQUEST_NOTE_REQUIRED = "check_request_note_required", (
        "A check request requires what is to be checked.")
    CHECK_RESULT_REQUIRED = "check_result_required", "A check result requires what was found."
    CHECKED_AT_FUTURE = "checked_at_future", "The check time is in the future."
    CHECKED_AT_TOO_OLD = "checked_at_too_old", "The check time is earlier than allowed."
    DISMISS_REASON_REQUIRED = "dismiss_reason_required", "Dismissing a lead requires a reason."
    DISPOSAL_REQUIRED = "disposal_required", (
        "At least one disposal (a penalty decision or a credit proposal) is required.")
    EVIDENCE_REQUIRED = "evidence_required", "A lead requires its grounds (how, when and where it was found)."
    FINDING_OTHER_RUN = "finding_other_run", "A selected screening finding belongs to another list."
    FINDING_REVIEWED = "finding_reviewed", "A selected screening finding has already been reviewed."
    LEAD_ATTACH_CLOSED = "lead_attach_closed", "Evidence can no longer be attached once the lead is pushed."
    LEAD_ILLEGAL_TRANSITION = "lead_illegal_transition", "The lead's status does not allow this action."
    LEAD_INVALID = "lead_invalid", "The lead's data is invalid."
    LEAD_NOT_DEFINED_BY_TRANSPORT = "lead_not_defined_by_transport", (
        "The lead was not defined by the transport authority; it cannot be disposed of.")
    LIST_EMPTY = "list_empty", "The list has no number plate."
    NOTHING_SELECTED = "nothing_selected", "No screening finding was selected."
    NOTHING_TO_DISPATCH = "nothing_to_dispatch", "No confirmed screening finding is waiting to be dispatched."
    OUTCOME_INVALID = "outcome_invalid", "The outcome is neither illegal operation nor dismissed."
    PENALTY_INVALID = "penalty_invalid", "The penalty decision is invalid."
    PENALTY_OTHER_VEHICLE = "penalty_other_vehicle", (
        "The penalty decision is not the organisation's decision on this vehicle.")
    PLATE_INVALID = "plate_invalid", "The number plate is invalid."
    PLATE_REQUIRED = "plate_required", "The number plate is required."
    PREVIEW_STALE = "preview_stale", "What is to be pushed changed since the preview; preview again."
    PUSH_MIXED = "push_mixed", "The leads of one push must have the same sender and direction."
    RECIPIENT_NOT_INSURER = "recipient_not_insurer", "The recipient is not an insurer."
    REVIEW_INVALID = "review_invalid", "The review is neither confirmed nor dismissed."
    REVIEW_REASON_REQUIRED = "review_reason_required", "Dismissing a screening finding requires a reason."
    RISK_RUN_SENT = "risk_run_sent", "The risk run has already been pushed."
    UPLOAD_EMPTY = "upload_empty", "The file has no data."
    UPLOAD_TOO_BIG = "upload_too_big", "The file is larger than allowed."
    UPLOAD_TOO_MANY = "upload_too_many", "The list has more rows than allowed."
    WEIGHTS_INVALID = "weights_invalid", "The weights are invalid."
    WORKLIST_ANSWERED = "worklist_answered", "The worklist item has already been answered."
