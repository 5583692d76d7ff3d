"""The error codes of claims (issue 18): every code its errors carry is a member of ``ErrorCode``."""

from django.db import models


class ErrorCode(models.TextChoices):
    """The codes of claims' errors; the labels are English descriptions for the OpenAPI schema.

    Codes several apps share are the kernel's (apps.core.errors.ErrorCode)."""

    AGREEMENT_INCOMPLETE = "agreement_incomplete", (
        "The agreed compensation amount and the agreement time must be given together.")
    ALREADY_RECORDED = "already_recorded", "The result of this focused check has already been recorded."
    AMOUNT_RANGE = "amount_range", "An amount is outside its allowed range."
    AMOUNT_REQUIRED = "amount_required", "The claimed amount is required once the documents are complete."
    CLAIM_REQUEST_MISSING = "claim_request_missing", (
        "The time the claim request was received must be recorded first (rule J11).")
    CLOSED = "closed", "The claim is closed; its progress can no longer be updated."
    CONFIRMATION_REQUIRED = "confirmation_required", "Withdrawing a claim must be confirmed."
    DECISION_INCOMPLETE = "decision_incomplete", "The liability decision and its time must be given together."
    DUPLICATE_NUMBER = "duplicate_number", "A claim with this report number already exists."
    NAIVE_DATETIME = "naive_datetime", "A time was given without a time zone."
    NOT_AGREED = "not_agreed", "A payment can be recorded only after a compensation agreement."
    NOT_CLAIM_INSURER = "not_claim_insurer", "Only the insurer of the claim may do this."
    NOT_COVERED = "not_covered", "An agreement requires the claim to be decided as covered."
    NOT_REFUSED = "not_refused", "Only a refused claim needs a refusal notice."
    NOT_WITHDRAWABLE = "not_withdrawable", "The claim can no longer be withdrawn."
    OUT_OF_ORDER = "out_of_order", "A step's time is earlier than the step it follows."
    POLICY_NOT_FOUND = "policy_not_found", "No policy of the caller's company has this number."
    POLICY_NOT_INSURER = "policy_not_insurer", "The policy is not one the caller's company underwrote."
    REFUSAL_NOTICE_MISSING = "refusal_notice_missing", (
        "A refused claim cannot be closed before its refusal notice is sent.")
    WITHDRAWAL_REQUIRED = "withdrawal_required", (
        "The claim has to be withdrawn instead (the action asked for does not apply).")
    WITHDRAWN = "withdrawn", "The claim is withdrawn; its progress can no longer be updated."
