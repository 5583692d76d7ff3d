"""The error codes of rescission cases (issue 18): every code its errors carry is a member of ``ErrorCode``."""

from django.db import models


class ErrorCode(models.TextChoices):
    """The codes of rescission cases' errors; the labels are English descriptions for the OpenAPI schema.

    Codes several apps share are the kernel's (apps.core.errors.ErrorCode)."""

    AFTER_NEXT_STEP = "after_next_step", "A corrected time is later than the next step's time."
    ALREADY_CORRECTED = "already_corrected", "The step has already been corrected; correct the latest one."
    ALREADY_COVERED = "already_covered", "The policy is already in this case."
    BEFORE_PREVIOUS_STEP = "before_previous_step", "A time is earlier than the previous step's time."
    COMPULSORY_NOT_RESCINDABLE = "compulsory_not_rescindable", (
        "A compulsory policy is not rescinded for a changed usage; it is endorsed (rules J9, J13).")
    CONTACT_REQUIRED = "contact_required", "The notice's contact person and phone are required."
    DISCLOSED_IN_TIME = "disclosed_in_time", (
        "The policyholder disclosed in time; the insurer may not rescind (rule J5).")
    DISCLOSURE_PERIOD_RUNNING = "disclosure_period_running", (
        "The disclosure period is still running (rule J5).")
    DUPLICATE_OPEN_CASE = "duplicate_open_case", "The policy already has an open rescission case."
    ENDORSE_SEPARATELY = "endorse_separately", (
        "An endorsement is made through the policy's endorsement, not here.")
    ENDORSEMENT_INVALID = "endorsement_invalid", "The endorsement is invalid."
    INSURED_AS_OPERATING = "insured_as_operating", (
        "The policy is already insured as operating; no rescission case is opened (rules J5, J13).")
    INVALID_DECISION = "invalid_decision", "The decision is invalid."
    INVALID_PATH = "invalid_path", "The handling path is invalid."
    INVALID_TRIGGER = "invalid_trigger", "The trigger is invalid."
    KNOWN_BEFORE_START = "known_before_start", "The ground was known before the policy started."
    LAPSED = "lapsed", "The right to rescind has lapsed (rule J5)."
    NAIVE_TIME = "naive_time", "A time was given without a time zone."
    NO_DISCLOSURE = "no_disclosure", (
        "The policyholder has not disclosed; decide to rescind or not, with a reason.")
    NOT_CORRECTABLE = "not_correctable", "Only the notice, delivery and disclosure times can be corrected."
    NOT_ENDORSABLE = "not_endorsable", (
        "A commercial policy with a non-disclosure is rescinded or kept, not endorsed.")
    NOTHING_OPEN = "nothing_open", "The case has no policy left to handle."
    NOTICE_REQUIRED = "notice_required", (
        "The policyholder must be notified in writing, and the delivery recorded, first (rule J5).")
    OTHER_POLICYHOLDER = "other_policyholder", "The policy's policyholder is not the case's."
    PATH_CONFLICT = "path_conflict", "The handling path conflicts with the case's policies."
    PATH_FIXED = "path_fixed", "The handling path can no longer be changed."
    PATH_INCOMPLETE = "path_incomplete", "The handling path's details are incomplete."
    PATH_REQUIRED = "path_required", "The handling path must be decided first."
    POLICY_UNKNOWN = "policy_unknown", "No policy of the caller's company has this number."
    SCREENING_NOT_A_CASE = "screening_not_a_case", (
        "A screening finding does not open a rescission case; the policy is endorsed (rules M6, J8, J9).")
    WRONG_CASE = "wrong_case", "The item does not belong to this case."
    WRONG_PATH = "wrong_path", "The case's handling path does not allow this action (rule J13)."
    WRONG_POLICY = "wrong_policy", "The policy is not in this case."
    WRONG_STATUS = "wrong_status", "The case's status does not allow this action."
