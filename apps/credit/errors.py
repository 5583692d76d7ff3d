"""The error codes of credit files and supervisory actions (issue 18): every code its errors carry is a member of ``ErrorCode``."""

from django.db import models


class ErrorCode(models.TextChoices):
    """The codes of credit files and supervisory actions' errors; the labels are English descriptions for the OpenAPI schema.

    Codes several apps share are the kernel's (apps.core.errors.ErrorCode)."""

    ACTION_NOT_ALLOWED = "action_not_allowed", (
        "The organisation may not take this kind of action against this target (rule M15).")
    CREDIT_ALREADY_CORRECTED = "credit_already_corrected", (
        "The credit record has already been corrected; correct the latest one.")
    CREDIT_DETAIL_REQUIRED = "credit_detail_required", "The credit record's details (the facts) are required."
    CREDIT_EVIDENCE_LINK = "credit_evidence_link", "The evidence link is invalid."
    CREDIT_EXPIRY = "credit_expiry", "The expiry date must be later than the date of the event."
    CREDIT_INVALID = "credit_invalid", "The credit record's event and source are required."
    CREDIT_REASON_REQUIRED = "credit_reason_required", "A correction requires a reason."
    CREDIT_SEVERITY = "credit_severity", "The severity is not one of minor, moderate, serious or severe."
    CREDIT_SUBJECT_KIND = "credit_subject_kind", (
        "A credit file's subject is a vehicle, a driver, a taxi company or an insurer.")
    CREDIT_WITHDRAWAL = "credit_withdrawal", "A withdrawal correction cannot itself be corrected."
    DECISION_REASON_REQUIRED = "decision_reason_required", (
        "A decision on a credit proposal requires a reason.")
    GROUND_NOT_ALLOWED = "ground_not_allowed", (
        "The ground is not one this organisation may act on for this kind of subject (rule M15).")
    PROPOSAL_DECIDED = "proposal_decided", "The credit proposal has already been decided."
    PROPOSAL_EXISTS = "proposal_exists", (
        "The same source has already proposed this subject for the credit file.")
    PROPOSAL_NOT_COMPETENT = "proposal_not_competent", (
        "The association does not keep this subject's credit file.")
    RESULT_REQUIRED = "result_required", "Closing requires a result."
    RIDE_HAILING_BUSINESS_SUSPENDED = "ride_hailing_business_suspended", (
        "The insurer's ride-hailing insurance business is suspended (rule M15).")
    SUSPENSION_EXISTS = "suspension_exists", (
        "The insurer already has a suspension of ride-hailing insurance in force.")
    URGING_CLOSED = "urging_closed", "The urging item is already closed."
    URGING_NOT_COMPETENT = "urging_not_competent", "The organisation may not act on this urging item."
