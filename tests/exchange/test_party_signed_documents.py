"""An own-key party signs its documents itself (issue 19, “Signed notices”): it registers an ECDSA P-256
document-signing public key with proof of possession, the platform's document CA certifies it (OU 本方持有密钥, the
“party holds the key” policy), its system fetches the unsigned PDF as issued, signs it with pyHanko (one
incremental signature update) and uploads it; the platform accepts it only if it is intact, whole, chains to the
CA, is signed by that registered key and leaves the issued pages unchanged — and never holds the private key."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from io import BytesIO

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.exchange import crypto, pdfsign
from apps.exchange.models import DocumentCertificate, LogEntry, PendingDocument, SignedDocument
from apps.policies.services import policy_endorse
from tests.clock import NOW
from tests.helpers import register_own_exchange_key
from tests.policies.factories import PolicyFactory, shanghai

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _spki(key) -> str:
    return crypto.b64e(key.public_key().public_bytes(serialization.Encoding.DER,
                                                      serialization.PublicFormat.SubjectPublicKeyInfo))


def _register_document_key(api, parties, key):
    """What the party's system does: a challenge, the proof signed with its new key, the registration."""
    client = api.as_user(parties.insurer_a_user)
    challenge = client.post("/api/v1/exchange-keys/challenge/").json()["challenge"]
    message = pdfsign.document_key_message(challenge=challenge, organization_uscc=parties.insurer_a.uscc,
                                           public_key=_spki(key))
    return client.post("/api/v1/document-keys/", {
        "public_key": _spki(key), "challenge": challenge,
        "signature": crypto.b64e(key.sign(message, ec.ECDSA(hashes.SHA256())))}, format="json")


def _party_sign(content: bytes, key, cert_pem: str, chain_pem: list[str], *, alter_page: bool = False) -> bytes:
    """The party's system signing with pyHanko: its own key, the certificate the platform issued, the CA chain;
    ``alter_page`` also rewrites the first page in the same incremental update (what must be refused)."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import pem
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    def load(text):
        return asn1_x509.Certificate.load(pem.unarmor(text.encode("ascii"))[2])

    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    signer = signers.SimpleSigner(signing_cert=load(cert_pem), signing_key=asn1_keys.PrivateKeyInfo.load(der),
                                  cert_registry=SimpleCertificateStore.from_certs([load(c) for c in chain_pem]))
    writer = IncrementalPdfFileWriter(BytesIO(content), strict=False)
    if alter_page:
        page = writer.root["/Pages"]["/Kids"][0].get_object()
        page["/Contents"] = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 100 Td (X) Tj ET"))
        writer.update_container(page)
    meta = signers.PdfSignatureMetadata(field_name="PartySignature", md_algorithm="sha256",
                                        subfilter=fields.SigSeedSubFilter.PADES)
    return signers.sign_pdf(writer, meta, signer=signer).getvalue()


def _endorsement(parties):
    policy = PolicyFactory(insurer=parties.insurer_a, usage_nature_insured="family", starts_at=shanghai(2026, 1, 1),
                           ends_at=shanghai(2027, 1, 1), premium=Decimal("950.00"), policyholder_name="王小明")
    return policy_endorse(actor=parties.insurer_a_user, policy=policy, usage_nature="ride_hailing",
                          effective_on=dt.date(2026, 7, 2), premium_mode="daily_rate", reason="转为网约车营运，批改",
                          new_premium=Decimal("1800.00"))


@pytest.fixture
def own_key_insurer(parties, api, client):
    """Insurer A signs with its own keys: an exchange key, a document key (its certificate), and one endorsement
    form issued unsigned in its name (downloaded once on the policy page)."""
    register_own_exchange_key(parties.insurer_a, parties.insurer_a_user)
    key = ec.generate_private_key(ec.SECP256R1())
    registered = _register_document_key(api, parties, key)
    assert registered.status_code == 201, registered.content
    endorsement = _endorsement(parties)
    client.force_login(parties.insurer_a_user)
    url = reverse("policies:endorsement-pdf", args=[endorsement.policy_id, endorsement.pk])
    unsigned = b"".join(client.get(url).streaming_content)
    return {"key": key, "cert": registered.json()["certificate"], "chain": registered.json()["chain"],
            "endorsement": endorsement, "unsigned": unsigned, "url": url}


def _pending(api, parties):
    listed = api.as_user(parties.insurer_a_user).get("/api/v1/pending-documents/")
    assert listed.status_code == 200, listed.content
    return listed.json()["results"]


def _upload(api, user, item, content):
    return api.as_user(user).post(item["upload_url"], {"file": SimpleUploadedFile("signed.pdf", content,
                                                                                 "application/pdf")},
                                  format="multipart")


def test_the_document_certificate_is_for_the_party_s_own_key_and_says_the_party_holds_it(own_key_insurer, parties):
    row = DocumentCertificate.objects.get(organization=parties.insurer_a)
    assert row.custody == "party" and row.private_key_sealed is None  # the platform holds no private key
    cert = x509.load_pem_x509_certificate(row.certificate.encode("ascii"))
    assert cert.public_key().public_numbers() == own_key_insurer["key"].public_key().public_numbers()
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value == "本方持有密钥"
    policies = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
    assert [p.policy_identifier.dotted_string for p in policies] == [pdfsign.PARTY_POLICY_OID]
    assert pdfsign.PARTY_POLICY_OID != pdfsign.CUSTODIAL_POLICY_OID
    cert.verify_directly_issued_by(pdfsign.certificate(pdfsign.document_ca()))
    assert row.proof["challenge"] and row.proof["format"] == "lz-document-key/1"


def test_the_party_fetches_the_unsigned_pdf_signs_it_and_the_platform_stores_and_logs_it(own_key_insurer, api,
                                                                                        client, parties):
    from apps.exchange import log

    state = own_key_insurer
    [item] = _pending(api, parties)
    assert item["doc_no"] == f"{state['endorsement'].policy.number}-PG1" and item["title"] == "批改单"
    fetched = api.as_user(parties.insurer_a_user).get(item["pdf_url"])
    unsigned = b"".join(fetched.streaming_content)
    assert unsigned == state["unsigned"]  # the same bytes the policy page gave, kept as issued
    assert not pdfsign.verify_pdf(unsigned).signed
    signed = _party_sign(unsigned, state["key"], state["cert"], state["chain"])
    answer = _upload(api, parties.insurer_a_user, item, signed)
    assert answer.status_code == 201, answer.content
    assert answer.json()["custody"] == "party"
    record = SignedDocument.objects.get(source=f"policy-endorsement:{state['endorsement'].pk}")
    assert pdfsign.signed_content(record) == signed and record.certificate.custody == "party"
    assert PendingDocument.objects.get(source=record.source).signed == record
    result = pdfsign.verify_pdf(signed)
    assert result.ok and not result.custodial and result.organization == parties.insurer_a.name
    assert result.record == record
    # every download now gives the file the party signed; the list of documents to sign is empty
    client.force_login(parties.regulator_user)
    assert b"".join(client.get(state["url"]).streaming_content) == signed
    assert _pending(api, parties) == []
    log.log_sync()
    assert LogEntry.objects.filter(ref=f"signed-document:{record.pk}:{record.sha256}").exists()
    # the verify API says who held the key
    verdict = api.as_user(parties.regulator_user).post("/api/v1/signed-documents/verify/", {
        "file": SimpleUploadedFile("e.pdf", signed, "application/pdf")}, format="multipart").json()
    assert verdict["valid"] and verdict["signer"]["custody"] == "party"
    # a second upload is refused: signed once
    assert _upload(api, parties.insurer_a_user, item, signed).status_code == 409


def test_a_regenerated_file_that_does_not_start_with_the_issued_bytes_is_refused(own_key_insurer, api, parties):
    state = own_key_insurer
    [item] = _pending(api, parties)
    from weasyprint import HTML

    other = HTML(string="<p>批改单</p>").write_pdf()
    answer = _upload(api, parties.insurer_a_user, item, _party_sign(other, state["key"], state["cert"],
                                                                    state["chain"]))
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "document_changed"
    assert not SignedDocument.objects.exists()


def test_a_signature_that_also_changes_the_page_is_refused(own_key_insurer, api, parties):
    state = own_key_insurer
    [item] = _pending(api, parties)
    altered = _party_sign(state["unsigned"], state["key"], state["cert"], state["chain"], alter_page=True)
    assert altered.startswith(state["unsigned"])  # the issued bytes are there, the update rewrites the page
    answer = _upload(api, parties.insurer_a_user, item, altered)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "document_signature_invalid"
    assert "签名之外" in answer.json()["error"]["message"]  # the signature itself is valid: the page changed
    assert not SignedDocument.objects.exists()


def test_a_certificate_of_the_ca_for_another_key_or_one_outside_the_ca_is_refused(own_key_insurer, api, parties):
    state = own_key_insurer
    [item] = _pending(api, parties)
    # insurer B's custodial certificate chains to the CA but is not insurer A's registered key
    row = pdfsign.party_certificate(parties.insurer_b)
    b_signed = _party_sign(state["unsigned"], pdfsign.private_key(row), row.certificate, state["chain"])
    answer = _upload(api, parties.insurer_a_user, item, b_signed)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "document_certificate_unknown"
    # a self-made certificate for the registered key does not chain to the CA
    key = state["key"]
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, parties.insurer_a.name)])
    now = NOW
    own = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
           .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
           .not_valid_after(now + dt.timedelta(days=30)).sign(key, hashes.SHA256()))
    pem = own.public_bytes(serialization.Encoding.PEM).decode("ascii")
    answer = _upload(api, parties.insurer_a_user, item, _party_sign(state["unsigned"], key, pem, [pem]))
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "document_signature_invalid"
    # a tampered signed file
    good = bytearray(_party_sign(state["unsigned"], key, state["cert"], state["chain"]))
    at = good.rindex(b"/Contents <") + 20
    good[at] = ord("0") if good[at] != ord("0") else ord("1")
    assert _upload(api, parties.insurer_a_user, item, bytes(good)).status_code == 400
    assert not SignedDocument.objects.filter(organization=parties.insurer_a).exists()


def test_registration_needs_the_key_s_proof_an_own_key_party_and_the_party_s_own_system(parties, api):
    key = ec.generate_private_key(ec.SECP256R1())
    # insurer A has no own exchange key: the platform signs its documents (custodial), nothing to register
    answer = _register_document_key(api, parties, key)
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "not_self_signing"
    register_own_exchange_key(parties.insurer_a, parties.insurer_a_user)
    client = api.as_user(parties.insurer_a_user)
    challenge = client.post("/api/v1/exchange-keys/challenge/").json()["challenge"]
    wrong = ec.generate_private_key(ec.SECP256R1())  # a signature by another key is no proof
    message = pdfsign.document_key_message(challenge=challenge, organization_uscc=parties.insurer_a.uscc,
                                           public_key=_spki(key))
    bad = client.post("/api/v1/document-keys/", {"public_key": _spki(key), "challenge": challenge,
                                                  "signature": crypto.b64e(wrong.sign(message, ec.ECDSA(
                                                      hashes.SHA256())))}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_proof"
    assert not DocumentCertificate.objects.filter(organization=parties.insurer_a).exists()
    # an exchange-key proof (Ed25519 format) is not a document-key proof: another prefix and format
    assert not pdfsign.document_key_message(challenge="c", organization_uscc="u", public_key="k").startswith(
        b"lz-exchange/1 key-possession")
    # each party sees only its own document keys
    assert api.as_user(parties.insurer_a_user).get("/api/v1/document-keys/").json()["results"] == []


def test_pending_documents_are_the_party_s_own(own_key_insurer, api, parties):
    [item] = _pending(api, parties)
    register_own_exchange_key(parties.insurer_b, parties.insurer_b_user)
    assert api.as_user(parties.insurer_b_user).get("/api/v1/pending-documents/").json()["results"] == []
    assert api.as_user(parties.insurer_b_user).get(item["pdf_url"]).status_code == 404
    assert api.as_user(parties.regulator_user).get(item["pdf_url"]).status_code == 404
    assert api.as_user(parties.regulator_user).get("/api/v1/document-keys/").json()["results"] == []
    assert len(api.as_user(parties.insurer_a_user).get("/api/v1/document-keys/").json()["results"]) == 1


def test_an_own_key_insurer_s_rescission_notice_waits_for_its_signature_then_downloads_signed(own_key_insurer, api,
                                                                                            client, parties):
    from apps.rescissions.notices import NoticeKind, notice_content
    from tests.rescissions.factories import days_ago, notice_through, open_case

    case = open_case(parties.insurer_a, known_at=days_ago(5, 9))
    case = notice_through(case, parties.insurer_a_user, sent_at=days_ago(4, 9))
    notice = case.notices.get(kind=NoticeKind.DISCLOSURE_REQUEST)
    pending = PendingDocument.objects.get(source=f"rescission-notice:{notice.doc_no}")
    assert pdfsign.unsigned_content(pending) == notice_content(notice)
    [item] = [item for item in _pending(api, parties) if item["doc_no"] == notice.doc_no]
    state = own_key_insurer
    signed = _party_sign(notice_content(notice), state["key"], state["cert"], state["chain"])
    assert _upload(api, parties.insurer_a_user, item, signed).status_code == 201
    # the case's notice downloads as the insurer signed it, page and API
    client.force_login(parties.insurer_a_user)
    page = client.get(reverse("rescissions:notice-pdf", args=[case.pk, notice.pk]))
    assert b"".join(page.streaming_content) == signed and page["X-Content-SHA256"] == hashlib.sha256(signed).hexdigest()
    api_answer = api.as_user(parties.regulator_user).get(f"/api/v1/rescission-cases/{case.pk}/notices/{notice.pk}/pdf/")
    assert b"".join(api_answer.streaming_content) == signed
    assert pdfsign.verify_pdf(signed).record.doc_no == notice.doc_no
