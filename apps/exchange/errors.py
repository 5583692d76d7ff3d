"""The error codes of the data exchange (issue 18): every code its errors carry is a member of ``ErrorCode``."""

from django.db import models


class ErrorCode(models.TextChoices):
    """The codes of the data exchange' errors; the labels are English descriptions for the OpenAPI schema.

    Codes several apps share are the kernel's (apps.core.errors.ErrorCode)."""

    BAD_ALGORITHM = "bad_algorithm", "The signature algorithm is not supported (ed25519 or sm2)."
    BAD_CHALLENGE = "bad_challenge", "The challenge is invalid, used or expired."
    BAD_KEY = "bad_key", "The public key or the signature is malformed."
    BAD_PROOF = "bad_proof", "The proof of possession is not the key's signature of the challenge."
    BAD_REFS = "bad_refs", "A list of references is not a list of strings."
    BAD_ROWS = "bad_rows", "A batch's content is not a list of records."
    BAD_SIGNATURE = "bad_signature", "The receipt's signature does not verify."
    BAD_SIGNED_AT = "bad_signed_at", "The signing time is too far from the platform's clock."
    BAD_SUITE = "bad_suite", "The algorithm suite is invalid."
    DOCUMENT_SIGNED = "document_signed", "The document has been signed already."
    DOCUMENT_SIGNATURE_INVALID = "document_signature_invalid", (
        "The uploaded PDF's signature is not intact, not trusted, not over the whole file, or changes the pages.")
    DOCUMENT_CHANGED = "document_changed", "The uploaded PDF does not start with the unsigned document as issued."
    DOCUMENT_CERTIFICATE_UNKNOWN = "document_certificate_unknown", (
        "The signing certificate is not a document certificate the platform issued for a key the party registered.")
    INACTIVE_PARTY = "inactive_party", "The sender or the recipient organisation is disabled."
    KEY_EXISTS = "key_exists", "The public key is already registered."
    KEY_NOT_VALID = "key_not_valid", (
        "The signing key is not a valid (registered, unrevoked, unexpired) key of the organisation.")
    NO_PENDING_RECEIPT = "no_pending_receipt", "The batch has no receipt waiting to be signed."
    NO_RECEIPT = "no_receipt", "The batch has no receipt of its recipient yet."
    NO_SIGNING_KEY = "no_signing_key", "The organisation signs with its own key but has no valid signing key."
    NOT_SELF_SIGNING = "not_self_signing", (
        "The organisation has no own exchange key registered: the platform signs its documents (custodial).")
    NOT_AWAITING_SIGNATURE = "not_awaiting_signature", "The batch is not waiting for a signature."
    NOT_RETRYABLE = "not_retryable", "Only a pending or failed batch can be delivered again."
    REVOKED = "revoked", "The key has been revoked."
    SAME_PARTY = "same_party", "The sender and the recipient are the same organisation."
    SELF_SIGNING = "self_signing", "The organisation signs with its own key; the platform cannot sign for it."
    UNKNOWN_KIND = "unknown_kind", "The batch kind is not registered."
