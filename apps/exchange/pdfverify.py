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
# "signed with a key the party holds itself" (a document certificate for a key the party registered with its proof
# of possession; the platform never held the private key); also marked by the subject OU
PARTY_POLICY_OID = "2.25.225236217307858550214709984823751172883"
PARTY_OU = "本方持有密钥"

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
    certificate_der: bytes = b""  # the signing certificate (DER), to match it with the platform's record


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
    result.certificate_der = cert.dump() if cert is not None else b""
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


def only_signature_added(content: bytes, unsigned: bytes) -> bool:
    """Whether ``content`` is ``unsigned`` (byte for byte, at its start) plus exactly one incremental update that
    only adds a signature: new objects (the signature dictionary, its field and widget, the form, appearance
    streams), the catalog changed only by the form it did not have (``/AcroForm``), the PAdES ``/Extensions``, the
    XMP ``/Metadata`` and the PDF ``/Version``, the document information only by its producer and date, and a page only by signature widgets
    appended to its ``/Annots``; any other object of the issued document changed (a page's content, its resources, the page
    tree, another annotation) or freed is not that."""
    return off_loop(lambda: _only_signature_added(content, unsigned))


def _serialized(value) -> bytes:
    out = BytesIO()
    value.write_to_stream(out)
    return out.getvalue()


def _same_but(old, new, allowed: set[str]) -> bool:
    keys = (set(old.keys()) | set(new.keys())) - allowed
    return all(key in old and key in new and _serialized(old.raw_get(key)) == _serialized(new.raw_get(key))
               for key in keys)


def _is_signature_widget(annotation) -> bool:
    annotation = annotation.get_object()
    if annotation.get("/Subtype") != "/Widget":
        return False
    field = annotation
    while field is not None and "/FT" not in field:
        field = field.get_object().get("/Parent") if "/Parent" in field else None
        field = field.get_object() if field is not None else None
    return field is not None and field.get("/FT") == "/Sig"


_CATALOG_ADDED = {"/AcroForm", "/Extensions", "/Metadata", "/Version"}


def _only_signature_added(content: bytes, unsigned: bytes) -> bool:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.reader import PdfFileReader

    if len(content) <= len(unsigned) or content[:len(unsigned)] != unsigned:
        return False
    try:
        base = PdfFileReader(BytesIO(unsigned), strict=False)
        reader = PdfFileReader(BytesIO(content), strict=False)
        revision = base.xrefs.total_revisions
        if reader.xrefs.total_revisions != revision + 1 or reader.xrefs.refs_freed_in_revision(revision):
            return False  # one update, nothing of the issued document freed
        root_ref = base.trailer.raw_get("/Root")
        info_ref = base.trailer.raw_get("/Info") if "/Info" in base.trailer else None
        if _serialized(reader.trailer.raw_get("/Root")) != _serialized(root_ref):
            return False
        for ref in reader.xrefs.explicit_refs_in_revision(revision):
            old = base.get_object(ref)
            if isinstance(old, generic.NullObject):  # not in the issued document: a new object
                continue
            new = reader.get_object(ref)
            if not (isinstance(old, generic.DictionaryObject) and isinstance(new, generic.DictionaryObject)):
                return False
            if ref.idnum == root_ref.idnum:  # the form, the PAdES extension, XMP metadata: nothing on a page
                if not _same_but(old, new, _CATALOG_ADDED) or "/AcroForm" in old:
                    return False
                continue
            if info_ref is not None and ref.idnum == info_ref.idnum:  # the document information: producer, date
                if not _same_but(old, new, {"/Producer", "/ModDate"}):
                    return False
                continue
            if old.get("/Type") != "/Page" or not _same_but(old, new, {"/Annots"}):
                return False
            before = [_serialized(a) for a in old.raw_get("/Annots")] if "/Annots" in old else []
            after = list(new["/Annots"]) if "/Annots" in new else []
            raw_after = [_serialized(a) for a in new["/Annots"].get_object()] if "/Annots" in new else []
            if raw_after[:len(before)] != before:
                return False
            if not all(_is_signature_widget(a) for a in after[len(before):]):
                return False
    except Exception:  # noqa: BLE001 - a file pyHanko cannot analyse is not accepted
        return False
    return True
