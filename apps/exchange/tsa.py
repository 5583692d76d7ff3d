"""RFC 3161 timestamp tokens over signed tree heads, free of Django so the offline verifier uses it as is.

The platform asks the timestamp authority (TSA) named in settings for a token over ``SHA-256(signature)`` of a
signed tree head: the head's signature covers its body, so the token shows that this signed head existed at the
TSA's time. The TSA answers a ``TimeStampResp``; its DER, base64, travels with the head as ``tsa_token``.
Building the request and verifying the response use ``rfc3161-client``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import urllib.request

from cryptography import x509

try:  # the offline verifier needs it only for heads that carry a token
    from rfc3161_client import (
        HashAlgorithm,
        PKIStatus,
        TimestampRequestBuilder,
        VerificationError,
        VerifierBuilder,
        decode_timestamp_response,
    )
except ImportError:  # pragma: no cover - a verifier's machine without rfc3161-client
    decode_timestamp_response = None

SHA256_OID = x509.ObjectIdentifier("2.16.840.1.101.3.4.2.1")
CONTENT_TYPE = "application/timestamp-query"


class TSAError(Exception):
    """The TSA could not be reached, refused, or answered something that does not verify."""


def imprint(signature: bytes) -> bytes:
    """What the token's message imprint must be: SHA-256 of the head's signature."""
    return hashlib.sha256(signature).digest()


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Certificates from PEM (one or more) or a single DER certificate."""
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


def verify(response_der: bytes, signature: bytes, certificates: list[x509.Certificate] | None) -> tuple[bool, str]:
    """Check a token: granted, its imprint is SHA-256 of ``signature``, and — when ``certificates`` (the TSA's root
    or its own certificate, pinned by whoever verifies) are given — its CMS signature verifies up to one of them
    and its signing certificate is a timestamping one. Returns (ok, detail)."""
    if decode_timestamp_response is None:
        return False, "cannot check the token: install rfc3161-client (pip install rfc3161-client)"
    try:
        response = decode_timestamp_response(response_der)
    except ValueError as exc:
        return False, f"not a timestamp response: {exc}"
    if PKIStatus(response.status) != PKIStatus.GRANTED:
        return False, "the TSA did not grant the timestamp"
    info = response.tst_info
    if info.message_imprint.hash_algorithm != SHA256_OID or info.message_imprint.message != imprint(signature):
        return False, "the token is over another head (imprint does not match)"
    when = info.gen_time.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if not certificates:
        return True, f"imprint matches, TSA time {when}; the TSA's signature is not checked (no TSA certificate given)"
    try:
        builder = VerifierBuilder()
        for certificate in certificates:
            builder = builder.add_root_certificate(certificate)
        builder.build().verify(response, imprint(signature))
    except (VerificationError, ValueError) as exc:
        return False, f"the TSA's signature does not verify: {str(exc)[:160]}"
    return True, f"TSA time {when}"


def gen_time(response_der: bytes) -> dt.datetime:
    return decode_timestamp_response(response_der).tst_info.gen_time.astimezone(dt.UTC)


def request(url: str, signature: bytes, *, certificates: list[x509.Certificate] | None = None,
            timeout: float = 10) -> bytes:
    """Ask the TSA at ``url`` for a token over ``signature``; returns the ``TimeStampResp`` DER, checked (nonce,
    imprint, and the signature when ``certificates`` are given). Raises TSAError."""
    req = (TimestampRequestBuilder().data(signature).hash_algorithm(HashAlgorithm.SHA256)
           .nonce(nonce=True).cert_request(cert_request=True).build())
    if not url.lower().startswith(("http://", "https://")):
        raise TSAError("the TSA URL must be http:// or https://")
    http = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, data=req.as_bytes(), method="POST", headers={"Content-Type": CONTENT_TYPE})
    try:
        with urllib.request.urlopen(http, timeout=timeout) as answer:  # noqa: S310 - scheme checked above
            body = answer.read()
    except OSError as exc:  # URLError, timeouts, refused connections
        raise TSAError(f"the TSA cannot be reached: {exc}") from exc
    try:
        response = decode_timestamp_response(body)
    except ValueError as exc:
        raise TSAError(f"the TSA's answer is not a timestamp response: {exc}") from exc
    if response.status == PKIStatus.GRANTED and response.tst_info.nonce != req.nonce:
        raise TSAError("the TSA's answer is for another request (nonce)")
    ok, detail = verify(body, signature, certificates)
    if not ok:
        raise TSAError(detail)
    return body
