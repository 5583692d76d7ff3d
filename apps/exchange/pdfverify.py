"""The check of a signed PDF (PAdES) against trusted CA certificates — without Django, so that the offline
evidence verifier (``python -m apps.exchange.evidence``) runs it too when pyHanko is installed; the verify page
adds the platform record and the wording (``pdfsign.verify_pdf``).

``ok`` means: the signature's bytes are intact (the signed digest matches), the signing certificate chains to one
of ``roots_pem``, and the signature covers the whole file (nothing was appended after signing, not even an
incremental update a reader would show)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from io import BytesIO

# 2.25.<UUID> (ITU-T X.667: an OID from a UUID, no registration needed): "signed with a key the platform holds on
# the party's behalf (custodial)"; also marked by the subject OU
CUSTODIAL_POLICY_OID = "2.25.131080851017767759671580056953947994595"
CUSTODIAL_OU = "平台托管"

UNREADABLE, UNSIGNED, INVALID, TAMPERED, UNTRUSTED, APPENDED = (
    "unreadable", "unsigned", "invalid", "tampered", "untrusted", "appended")
PROBLEMS_EN = {
    UNREADABLE: "not a readable PDF", UNSIGNED: "the PDF carries no signature",
    INVALID: "the signature cannot be checked", TAMPERED: "the file was changed after signing",
    UNTRUSTED: "the signing certificate does not chain to the document CA",
    APPENDED: "content was appended after signing (incremental update)",
}


def off_loop(function):
    """``function()`` — in a worker thread when this thread runs an event loop (pyHanko's synchronous API calls
    ``asyncio.run``, which refuses to run inside a running loop: an ASGI server, Playwright in the browser tests).
    ``function`` must not touch the database (another thread has another connection)."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function()
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function).result()


def available() -> bool:
    try:
        import pyhanko  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass
class Result:
    ok: bool = False
    problem_code: str = ""
    signed: bool = False
    intact: bool = False
    trusted: bool = False
    whole_file: bool = False
    organization: str = ""
    uscc: str = ""
    custodial: bool = False
    signed_at: dt.datetime | None = None
    sha256: str = ""


def verify_bytes(content: bytes, roots_pem: list[str]) -> Result:
    return off_loop(lambda: _verify_bytes(content, roots_pem))


def _verify_bytes(content: bytes, roots_pem: list[str]) -> Result:
    from asn1crypto import pem
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    result = Result(sha256=hashlib.sha256(content).hexdigest())
    try:
        signatures = PdfFileReader(BytesIO(content), strict=False).embedded_signatures
    except Exception:  # noqa: BLE001 - any parse failure means "not a readable PDF"
        result.problem_code = UNREADABLE
        return result
    if not signatures:
        result.problem_code = UNSIGNED
        return result
    result.signed = True
    roots = [asn1_x509.Certificate.load(pem.unarmor(text.encode("ascii"))[2]) for text in roots_pem]
    context = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
    try:
        status = validate_pdf_signature(signatures[-1], context)
    except (SignatureValidationError, ValueError, KeyError, TypeError):
        result.problem_code = INVALID
        return result
    cert = status.signing_cert
    subject = cert.subject.native if cert is not None else {}
    result.organization = subject.get("organization_name", "") or ""
    result.uscc = subject.get("serial_number", "") or ""
    result.custodial = subject.get("organizational_unit_name", "") == CUSTODIAL_OU or _custodial_policy(cert)
    result.signed_at = status.signer_reported_dt
    result.intact = bool(status.intact and status.valid)
    result.trusted = bool(status.trusted)
    result.whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE and len(signatures) == 1
    if not result.intact:
        result.problem_code = TAMPERED
    elif not result.trusted:
        result.problem_code = UNTRUSTED
    elif not result.whole_file:
        result.problem_code = APPENDED
    result.ok = not result.problem_code
    return result


def _custodial_policy(cert) -> bool:
    policies = cert.certificate_policies_value if cert is not None else None
    return bool(policies) and any(p["policy_identifier"].dotted == CUSTODIAL_POLICY_OID for p in policies)
