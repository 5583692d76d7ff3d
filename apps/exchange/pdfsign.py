"""Signed PDF documents (PAdES B-B with pyHanko): the formal documents a party issues through the platform — the
附件三/四/七 notices of a rescission case, the supervisory decisions, the claim refusal notice — are signed in the
issuing party's name when they are issued, and anyone holding one can check it on the verify page.

* **Document CA.** A platform CA (ECDSA P-256, its key sealed under ``PLATFORM_KEY`` like the exchange keys, a
  ``DocumentCertificate`` row without organisation) is created on first use or by ``manage.py
  exchange_issue_keys`` (idempotent). It is the trust anchor of the verify page and of the evidence archive.
* **Custodial document certificates.** The CA issues each issuing party one certificate for a platform-held
  ECDSA P-256 key (readers verify ECDSA/RSA PDF signatures; Ed25519 ones they mostly do not): subject
  ``O=<organisation name>, OU=平台托管, CN=<name> 文书签名（平台托管密钥）, serialNumber=<USCC>`` and the
  certificate policy ``CUSTODIAL_POLICY_OID`` — whoever reads the certificate sees that the platform held the key.
* **A party with its own key** (``ownkeys.self_signing``): the platform never signs in its name. Its documents
  are issued unsigned and kept as issued (``PendingDocument``) until its own system signs them: the party
  registers an ECDSA P-256 document-signing public key with proof of possession
  (``party_document_key_register``), the CA issues a certificate for it (OU 本方持有密钥, policy
  ``PARTY_POLICY_OID``: the party holds the key), its system fetches the unsigned PDF, signs it (one incremental
  signature update) and uploads it; ``party_signed_accept`` checks it and stores it as the ``SignedDocument``.

Only this module touches pyHanko; it is imported lazily (loading it costs ~0.5 s).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import warnings
from dataclasses import dataclass, field, fields
from io import BytesIO

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core import crypto as core_crypto
from apps.core.audit import acting_user, audit_record
from apps.core.errors import ApplicationError, ConflictError

from . import crypto, ownkeys, pdfverify
from .errors import ErrorCode
from .models import DocumentCertificate, KeyChallenge, OrganizationKey, PendingDocument, SignedDocument

CUSTODIAL_POLICY_OID = pdfverify.CUSTODIAL_POLICY_OID
CUSTODIAL_OU = pdfverify.CUSTODIAL_OU
PARTY_POLICY_OID = pdfverify.PARTY_POLICY_OID
PARTY_OU = pdfverify.PARTY_OU
Custody = OrganizationKey.Custody
DOCUMENT_KEY_FORMAT = "lz-document-key/1"
_DOCUMENT_KEY_PREFIX = b"lz-exchange/1 document-key-possession\n"
CA_NAME = "柳州市客运车辆保险联合监管平台 文书签名 CA"
CA_YEARS = 20
CERT_YEARS = 5
BACKDATE = dt.timedelta(days=1)  # a certificate is valid from a day before its issue (clock skew of readers)
FIELD_NAME = "IssuerSignature"


def _wrap_key() -> bytes:
    return crypto.wrapping_key(settings.PLATFORM_KEY)


def _new_key() -> tuple[ec.EllipticCurvePrivateKey, str, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)
    kid = "p256:" + hashlib.sha256(public).hexdigest()[:32]
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return key, kid, crypto.wrap_private(der, kid=kid, wrap_key=_wrap_key())


def private_key(row: DocumentCertificate) -> ec.EllipticCurvePrivateKey:
    der = crypto.unwrap_private(bytes(row.private_key_sealed), kid=row.key_id, wrap_key=_wrap_key())
    return serialization.load_der_private_key(der, password=None)


def certificate(row: DocumentCertificate) -> x509.Certificate:
    return x509.load_pem_x509_certificate(row.certificate.encode("ascii"))


def _store(organization, kid: str, sealed: bytes, cert: x509.Certificate) -> DocumentCertificate:
    return DocumentCertificate.objects.create(
        organization=organization, key_id=kid, private_key_sealed=sealed,
        certificate=cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        serial=format(cert.serial_number, "x"), not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc)


@transaction.atomic
def document_ca() -> DocumentCertificate:
    """The platform document CA (created on first use; one row, idempotent under concurrency)."""
    DocumentCertificate.objects.select_for_update().filter(organization__isnull=True).exists()
    ca = DocumentCertificate.objects.filter(organization__isnull=True).order_by("created_at", "id").first()
    if ca is not None:
        return ca
    from django.db import connection

    with connection.cursor() as cursor:  # serialise the first creation (no row to lock yet)
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('exchange_document_ca'))")
    ca = DocumentCertificate.objects.filter(organization__isnull=True).first()
    if ca is not None:
        return ca
    key, kid, sealed = _new_key()
    now = timezone.now()
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "柳州市客运车辆保险联合监管平台"),
                      x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME)])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - BACKDATE)
            .not_valid_after(now + dt.timedelta(days=365 * CA_YEARS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return _store(None, kid, sealed, cert)


def ca_certificate_pem() -> str:
    return document_ca().certificate


def custodial_allowed(organization) -> bool:
    """The platform signs in a party's name only while the party has never registered its own key."""
    return not ownkeys.self_signing(organization.pk)


@transaction.atomic
def party_certificate(organization) -> DocumentCertificate | None:
    """The party's current custodial document-signing certificate (issued on first use); ``None`` for a party
    with its own registered key — the platform must not produce a signature in its name."""
    if not custodial_allowed(organization):
        return None
    ca = document_ca()
    now = timezone.now()
    current = (DocumentCertificate.objects.select_for_update()
               .filter(organization=organization, custody=Custody.PLATFORM, not_after__gt=now)
               .order_by("-created_at", "-id").first())
    if current is not None and _subject_org(certificate(current)) == organization.name:
        return current  # a renamed organisation gets a new certificate naming it
    key, kid, sealed = _new_key()
    cert = _certify(ca, key.public_key(), _party_subject, organization, now=now, policy_oid=CUSTODIAL_POLICY_OID,
                    notice="签名私钥由柳州市客运车辆保险联合监管平台代该单位保管（平台托管密钥）")
    return _store(organization, kid, sealed, cert)


def _certify(ca: DocumentCertificate, public_key, subject_of, organization, *, now: dt.datetime, policy_oid: str,
             notice: str) -> x509.Certificate:
    """A document-signing certificate of the CA for ``public_key``: the subject ``subject_of(organization)``, the
    certificate policy ``policy_oid`` with ``notice`` (who holds the private key), digitalSignature +
    nonRepudiation, ``CERT_YEARS`` and never past the CA's own end."""
    ca_key, ca_cert = private_key(ca), certificate(ca)
    with warnings.catch_warnings():  # the full name even past X.520's 64-character bound (a few are longer)
        warnings.simplefilter("ignore", UserWarning)
        subject = subject_of(organization)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_cert.subject)
            .public_key(public_key).serial_number(x509.random_serial_number())
            .not_valid_before(now - BACKDATE).not_valid_after(min(now + dt.timedelta(days=365 * CERT_YEARS),
                                                                   ca_cert.not_valid_after_utc))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.CertificatePolicies([x509.PolicyInformation(
                x509.ObjectIdentifier(policy_oid), [x509.UserNotice(None, notice)])]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .sign(ca_key, hashes.SHA256()))


def _party_subject(organization, *, ou: str = CUSTODIAL_OU, custody: str = "平台托管密钥") -> x509.Name:
    """A party's document certificate subject; ``ou`` and ``custody`` say who holds the key (the platform by
    default, ``PARTY_OU`` / 本方密钥 for the party's own)."""
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization.name, _validate=False),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou),
        x509.NameAttribute(NameOID.COMMON_NAME, f"{organization.name} 文书签名（{custody}）", _validate=False),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, organization.uscc),
    ])


def _subject_org(cert: x509.Certificate) -> str:
    with warnings.catch_warnings():  # a name past 64 characters (see ``_party_subject``)
        warnings.simplefilter("ignore", UserWarning)
        names = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    return str(names[0].value) if names else ""


def _asn1(cert: x509.Certificate):
    from asn1crypto import x509 as asn1_x509

    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def sign_pdf(content: bytes, row: DocumentCertificate, *, reason: str = "") -> bytes:
    """``content`` signed (PAdES B-B, SHA-256, signing time now) with ``row``'s key, its certificate and the CA's
    embedded."""
    key_der = private_key(row).private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption())
    return sign_bytes(content, key_der=key_der, cert=certificate(row), chain=[certificate(document_ca())],
                      name=row.organization.name if row.organization_id else "", reason=reason)


def sign_bytes(content: bytes, *, key_der: bytes, cert: x509.Certificate, chain: list[x509.Certificate],
               name: str = "", reason: str = "") -> bytes:
    """The signing itself, without the database (pyHanko runs off any running event loop)."""
    from asn1crypto import keys as asn1_keys
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    signer = signers.SimpleSigner(
        signing_cert=_asn1(cert), signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs([_asn1(c) for c in chain]))
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason or None, name=name or None)
    writer = IncrementalPdfFileWriter(BytesIO(content), strict=False)
    return pdfverify.off_loop(lambda: signers.sign_pdf(writer, meta, signer=signer).getvalue())


def sign_document(content: bytes, *, organization, source: str, title: str, doc_no: str,
                  case_ref: str = "") -> bytes:
    """Sign ``content`` in ``organization``'s name and record it (``SignedDocument``, found again by ``source``);
    returns the signed bytes. A party with its own key: returns ``content`` unchanged, kept as issued
    (``PendingDocument``) for its system to sign (the platform does not sign in its name)."""

    row = party_certificate(organization)
    if row is None:
        PendingDocument.objects.get_or_create(source=source, defaults={
            "organization": organization, "title": title[:80], "doc_no": doc_no[:80], "case_ref": case_ref[:60],
            "sha256": hashlib.sha256(content).hexdigest(), "size": len(content),
            "content_sealed": core_crypto.fernet().encrypt(content), "created_at": timezone.now()})
        return content
    signed = sign_pdf(content, row, reason=_("%(issuer)s出具 %(title)s %(no)s") % {
        "issuer": organization.name, "title": title, "no": doc_no})
    SignedDocument.objects.create(
        sha256=hashlib.sha256(signed).hexdigest(), source=source, organization=organization, certificate=row,
        title=title[:80], doc_no=doc_no[:80], case_ref=case_ref, size=len(signed),
        content_sealed=core_crypto.fernet().encrypt(signed), signed_at=timezone.now())
    return signed


def signed_content(document: SignedDocument) -> bytes:
    return core_crypto.fernet().decrypt(bytes(document.content_sealed))


def unsigned_content(pending: PendingDocument) -> bytes:
    return core_crypto.fernet().decrypt(bytes(pending.content_sealed))


def _issued(source: str) -> bytes | None:
    """The document of ``source`` as issued: signed (by the platform in the party's name, or by the party's own
    system once it uploaded it), else unsigned and waiting for the party's signature; ``None`` if not issued."""
    existing = SignedDocument.objects.filter(source=source).first()
    if existing is not None:
        return signed_content(existing)
    pending = PendingDocument.objects.filter(source=source).first()
    return unsigned_content(pending) if pending is not None else None


def party_signed_version(source: str, *, issued_sha256: str) -> SignedDocument | None:
    """The file a party's own system signed of the document ``source`` issued unsigned with ``issued_sha256``
    (``party_signed_accept``); ``None`` when there is none (not signed yet, or signed by the platform at issue)."""
    return (SignedDocument.objects.filter(source=source, certificate__custody=Custody.PARTY)
            .exclude(sha256=issued_sha256).first())


def signed_for(source: str, *, organization, title: str, doc_no: str, render, case_ref: str = "") -> bytes:
    """The signed document of ``source`` — signed once, at the first call (its issue), and the same bytes ever
    after; ``render()`` makes the unsigned PDF. A party with its own key gets the unsigned PDF as first rendered
    (kept, ``PendingDocument``) until its system uploads it signed, then the file it signed."""
    issued = _issued(source)
    if issued is not None:
        return issued
    with transaction.atomic():
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"signed-document:{source}"])
        issued = _issued(source)
        if issued is not None:
            return issued
        return sign_document(render(), organization=organization, source=source, title=title, doc_no=doc_no,
                             case_ref=case_ref)


# --- verification (the Django-free check is ``pdfverify``; here: the platform's CA, the record, the wording) ----

PROBLEMS = {
    pdfverify.UNREADABLE: gettext_lazy("文件不是可读的 PDF，或其结构已损坏。"),
    pdfverify.UNSIGNED: gettext_lazy("该 PDF 没有数字签名。"),
    pdfverify.INVALID: gettext_lazy("签名无法校验（签名数据已损坏或格式不符）。"),
    pdfverify.TAMPERED: gettext_lazy("签名与文件内容不符：签名后文件已被改动。"),
    pdfverify.UNTRUSTED: gettext_lazy("签名证书不是本平台文书签名 CA 签发的，无法确认签署单位。"),
    pdfverify.APPENDED: gettext_lazy("签名之后文件被追加修改（增量更新），当前内容不是签署时的内容。"),
}


@dataclass
class Verification(pdfverify.Result):
    """What the verify page says about one uploaded PDF: the check, the platform record, the reason in words."""

    record: SignedDocument | None = None
    details: list[str] = field(default_factory=list)

    @property
    def problem(self) -> str:
        return str(PROBLEMS[self.problem_code]) if self.problem_code else ""


def trust_roots_pem() -> list[str]:
    return [row.certificate for row in DocumentCertificate.objects.filter(organization__isnull=True)]


def verify_pdf(content: bytes) -> Verification:
    """Check ``content``'s signature against the platform document CA: the signed bytes are intact, the signing
    certificate chains to the CA, the signature covers the whole file (nothing was added after signing)."""
    checked = pdfverify.verify_bytes(content, trust_roots_pem())
    result = Verification(**{f.name: getattr(checked, f.name) for f in fields(pdfverify.Result)})
    result.record = SignedDocument.objects.filter(sha256=result.sha256).select_related("organization").first()
    if result.ok and result.record is None:
        result.details.append(_("签名有效，但平台没有摘要相同的文书记录。"))
    return result


# --- a party's own document-signing key (the platform never holds it) --------------------------------------------


def document_key_message(*, challenge: str, organization_uscc: str, public_key: str) -> bytes:
    """What the party's system signs (ECDSA P-256, SHA-256, DER) with the document-signing key it registers: the
    platform-issued challenge bound to the party and to the key (``public_key``: base64 of the DER
    SubjectPublicKeyInfo). Its own prefix and format: a proof for an exchange key is never one for a document key."""
    return _DOCUMENT_KEY_PREFIX + crypto.canonical_json({
        "format": DOCUMENT_KEY_FORMAT, "challenge": challenge, "organization_uscc": organization_uscc,
        "algorithm": "ecdsa-p256", "purpose": "pdf-document-signing", "public_key": public_key})


@transaction.atomic
def party_document_key_register(*, organization, actor, public_key: str, challenge: str,
                                signature: str) -> DocumentCertificate:
    """Register a party's own ECDSA P-256 document-signing public key after checking its proof of possession (a
    valid ``signature``, base64 DER, over ``document_key_message`` of an unused, unexpired ``challenge`` issued to
    this party by ``ownkeys.key_challenge_issue``), and issue it a certificate from the document CA for that key
    (subject OU 本方持有密钥, policy ``PARTY_POLICY_OID``). Only for a party that signs with its own key
    (``ownkeys.self_signing``); the platform keeps no private key. A refused registration changes nothing."""
    from cryptography.exceptions import InvalidSignature

    ownkeys.may_manage(actor, organization)
    if not ownkeys.self_signing(organization.pk):
        raise ConflictError(_("本单位尚未登记本方交换签名密钥：平台以托管密钥代为签署其文书，无需登记文书签名密钥。"),
                            code=ErrorCode.NOT_SELF_SIGNING)
    try:
        spki = crypto.b64d(public_key or "")
        key = serialization.load_der_public_key(spki)
        proof = crypto.b64d(signature or "")
    except (ValueError, TypeError) as exc:
        raise ApplicationError(_("公钥或签名格式错误：%(error)s") % {"error": exc}, code=ErrorCode.BAD_KEY) from exc
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ApplicationError(_("文书签名公钥须为 ECDSA P-256（SubjectPublicKeyInfo，DER，base64）。"),
                               code=ErrorCode.BAD_ALGORITHM)
    now = timezone.now()
    pending = KeyChallenge.objects.select_for_update().filter(nonce=challenge or "", organization=organization).first()
    if pending is None or pending.used_at is not None or pending.expires_at <= now:
        raise ApplicationError(_("挑战值无效、已使用或已过期，请重新申请挑战值。"), code=ErrorCode.BAD_CHALLENGE)
    public_b64 = crypto.b64e(key.public_bytes(serialization.Encoding.DER,
                                              serialization.PublicFormat.SubjectPublicKeyInfo))
    message = document_key_message(challenge=pending.nonce, organization_uscc=organization.uscc,
                                   public_key=public_b64)
    try:
        key.verify(proof, message, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as exc:
        raise ApplicationError(_("私钥持有证明校验失败：签名不是该公钥对挑战值的签名。"), code=ErrorCode.BAD_PROOF) from exc
    point = key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)
    kid = "p256:" + hashlib.sha256(point).hexdigest()[:32]
    if DocumentCertificate.objects.filter(key_id=kid).exists():
        raise ConflictError(_("该公钥已登记。"), code=ErrorCode.KEY_EXISTS)
    pending.used_at = now
    pending.save(update_fields=["used_at"])
    own_subject = functools.partial(_party_subject, ou=PARTY_OU, custody="本方密钥")
    cert = _certify(document_ca(), key, own_subject, organization, now=now, policy_oid=PARTY_POLICY_OID,
                    notice="签名私钥由该单位自行持有，柳州市客运车辆保险联合监管平台不持有（本方密钥）")
    row = DocumentCertificate.objects.create(
        organization=organization, key_id=kid, custody=Custody.PARTY, private_key_sealed=None,
        certificate=cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        serial=format(cert.serial_number, "x"), not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        proof={"format": DOCUMENT_KEY_FORMAT, "challenge": pending.nonce, "public_key": public_b64,
               "signature": crypto.b64e(proof), "verified_at": crypto.utc_stamp(now),
               "registered_by": "party" if getattr(actor, "organization_id", None) == organization.pk else "platform"})
    audit_record(actor=actor, action="exchange.document_key_register", obj=row, organization=organization,
                 detail={"key_id": kid, "serial": row.serial})
    return row


def party_certificates(organization):
    """The party's document certificates for keys it holds (newest first)."""
    return DocumentCertificate.objects.filter(organization=organization, custody=Custody.PARTY).order_by(
        "-created_at", "-id")


def pending_documents(actor):
    """The documents of ``actor``'s party waiting for its own signature (oldest first)."""
    return PendingDocument.objects.filter(organization_id=getattr(actor, "organization_id", None),
                                          signed__isnull=True).order_by("created_at", "id")


@transaction.atomic
def party_signed_accept(*, pending: PendingDocument, content: bytes, actor) -> SignedDocument:
    """Accept the party's signed ``content`` of a document issued unsigned in its name and store it as the
    ``SignedDocument`` (its certificate: the party's own, custody party), logged like the others. Refused unless
    the file starts with exactly the unsigned PDF as issued and adds one incremental update that only adds the
    signature (the pages unchanged), the signature is intact, covers the whole file and chains to the document
    CA, and its certificate is one the CA issued for a document key the party registered and is valid now."""

    from . import log

    pending = PendingDocument.objects.select_for_update().select_related("organization").get(pk=pending.pk)
    organization = pending.organization
    ownkeys.may_manage(actor, organization)
    if pending.signed_id is not None:
        raise ConflictError(_("该文书已签名。"), code=ErrorCode.DOCUMENT_SIGNED)
    unsigned = unsigned_content(pending)
    if len(content) <= len(unsigned) or content[:len(unsigned)] != unsigned:
        raise ApplicationError(_("上传的文件不是以平台出具的未签名文书原文开头：请对下载的原文件做增量签名，不要重新生成或修改。"),
                               code=ErrorCode.DOCUMENT_CHANGED)
    checked = pdfverify.verify_bytes(content, trust_roots_pem())
    if not checked.ok:
        raise ApplicationError(_("签名核验未通过：%(problem)s") % {"problem": PROBLEMS[checked.problem_code]},
                               code=ErrorCode.DOCUMENT_SIGNATURE_INVALID)
    if not pdfverify.only_signature_added(content, unsigned):
        raise ApplicationError(_("签名之外还改动了文书内容（页面、批注或其他对象）：只能增加签名。"),
                               code=ErrorCode.DOCUMENT_SIGNATURE_INVALID)
    now = timezone.now()
    row = next((candidate for candidate in party_certificates(organization).filter(not_after__gt=now,
                                                                                   not_before__lte=now)
                if certificate(candidate).public_bytes(serialization.Encoding.DER) == checked.certificate_der),
               None)
    if row is None:
        raise ApplicationError(_("签名证书不是平台为本单位登记的文书签名密钥签发的有效证书。"),
                               code=ErrorCode.DOCUMENT_CERTIFICATE_UNKNOWN)
    document = SignedDocument.objects.create(
        sha256=checked.sha256, source=pending.source, organization=organization, certificate=row,
        title=pending.title, doc_no=pending.doc_no, case_ref=pending.case_ref, size=len(content),
        content_sealed=core_crypto.fernet().encrypt(content), signed_at=now)
    pending.signed = document
    pending.save(update_fields=["signed"])
    audit_record(actor=actor, action="exchange.document_party_signed", obj=document, organization=organization,
                 detail={"source": pending.source, "doc_no": pending.doc_no, "sha256": document.sha256,
                         "unsigned_sha256": pending.sha256, "certificate": row.serial,
                         "signed_by": acting_user(actor).pk if acting_user(actor) else None})
    transaction.on_commit(log.log_after_commit)  # the transparency log records the signed file's hash
    return document
