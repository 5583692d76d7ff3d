"""The error codes of ride-hailing data (issue 18): every code its errors carry is a member of ``ErrorCode``."""

from django.db import models


class ErrorCode(models.TextChoices):
    """The codes of ride-hailing data' errors; the labels are English descriptions for the OpenAPI schema.

    Codes several apps share are the kernel's (apps.core.errors.ErrorCode)."""

    COMPANY_ID_INVALID = "company_id_invalid", "The company identifier must be 1 to 32 characters."
    COMPANY_ID_TAKEN = "company_id_taken", "The company identifier is registered to another organisation."
    FEED_ACCOUNT = "feed_account", (
        "The feed must use the account of its company (direct) or of the transport authority (forwarded).")
    FEED_INACTIVE = "feed_inactive", "The data feed is disabled."
    NOT_A_COMPANY = "not_a_company", (
        "A company identifier can be registered only to a taxi company or platform.")
    NOT_A_FEED = "not_a_feed", "The account is not registered as a ride-hailing data feed."
    NOT_A_LIST = "not_a_list", "The request body is not a JSON array of records."
    NOT_THIS_FEED = "not_this_feed", "Only the feed's own system account may submit to it."
    RETENTION_TOO_SHORT = "retention_too_short", "The retention period is shorter than the lawful six months."
    TOO_MANY_RECORDS = "too_many_records", "More records than one submission allows."
    UNKNOWN_INTERFACE = "unknown_interface", "The interface is not supported."
