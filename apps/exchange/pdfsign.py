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
  are issued unsigned (``sign_document`` returns ``None``) until its own system signs them — the next step, not
  built yet (docs/exchange.md, “Signed documents”).

Only this module touches pyHanko; it is imported lazily (loading it costs ~0.5 s).
"""

from __future__ import annotations

import datetime as dt
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

from . import crypto, ownkeys, pdfverify
from .models import DocumentCertificate, SignedDocument

CUSTODIAL_POLICY_OID = pdfverify.CUSTODIAL_POLICY_OID
CUSTODIAL_OU = pdfverify.CUSTODIAL_OU
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
    current = (DocumentCertificate.objects.select_for_update().filter(organization=organization, not_after__gt=now)
               .order_by("-created_at", "-id").first())
    if current is not None and _subject_org(certificate(current)) == organization.name:
        return current  # a renamed organisation gets a new certificate naming it
    key, kid, sealed = _new_key()
    ca_key, ca_cert = private_key(ca), certificate(ca)
    with warnings.catch_warnings():  # the full name even past X.520's 64-character bound (a few are longer)
        warnings.simplefilter("ignore", UserWarning)
        subject = _party_subject(organization)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - BACKDATE).not_valid_after(min(now + dt.timedelta(days=365 * CERT_YEARS),
                                                                   ca_cert.not_valid_after_utc))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.CertificatePolicies([x509.PolicyInformation(
                x509.ObjectIdentifier(CUSTODIAL_POLICY_OID),
                [x509.UserNotice(None, "签名私钥由柳州市客运车辆保险联合监管平台代该单位保管（平台托管密钥）")])]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    return _store(organization, kid, sealed, cert)


def _party_subject(organization) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization.name, _validate=False),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, CUSTODIAL_OU),
        x509.NameAttribute(NameOID.COMMON_NAME, f"{organization.name} 文书签名（平台托管密钥）", _validate=False),
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
    returns the signed bytes. A party with its own key: returns ``content`` unchanged and records nothing (the
    platform does not sign in its name)."""
    from apps.core import crypto as core_crypto

    row = party_certificate(organization)
    if row is None:
        return content
    signed = sign_pdf(content, row, reason=_("%(issuer)s出具 %(title)s %(no)s") % {
        "issuer": organization.name, "title": title, "no": doc_no})
    SignedDocument.objects.create(
        sha256=hashlib.sha256(signed).hexdigest(), source=source, organization=organization, certificate=row,
        title=title[:80], doc_no=doc_no[:80], case_ref=case_ref, size=len(signed),
        content_sealed=core_crypto.fernet().encrypt(signed), signed_at=timezone.now())
    return signed


def signed_content(document: SignedDocument) -> bytes:
    from apps.core import crypto as core_crypto

    return core_crypto.fernet().decrypt(bytes(document.content_sealed))


def signed_for(source: str, *, organization, title: str, doc_no: str, render, case_ref: str = "") -> bytes:
    """The signed document of ``source`` — signed once, at the first call (its issue), and the same bytes ever
    after; ``render()`` makes the unsigned PDF. A party with its own key gets ``render()`` (unsigned)."""
    existing = SignedDocument.objects.filter(source=source).first()
    if existing is not None:
        return signed_content(existing)
    with transaction.atomic():
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"signed-document:{source}"])
        existing = SignedDocument.objects.filter(source=source).first()
        if existing is not None:
            return signed_content(existing)
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
