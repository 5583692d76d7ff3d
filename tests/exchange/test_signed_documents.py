"""Signed notices (issue 19): the formal documents an issuing party issues through the platform are PAdES-signed
in its name at issue — with a custodial certificate (OU 平台托管) from the platform document CA — and a tampered
signed PDF fails verification."""

import datetime as dt

import pytest
import time_machine
from cryptography import x509
from cryptography.x509.oid import NameOID

from apps.exchange import pdfsign, pdfverify
from apps.exchange.models import DocumentCertificate, SignedDocument
from apps.rescissions.notices import NoticeKind, notice_content
from tests.helpers import register_own_exchange_key
from tests.rescissions.factories import days_ago, notice_through, open_case

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 15, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _annex3(parties):
    user = parties.insurer_a_user
    case = open_case(parties.insurer_a, known_at=days_ago(5, 9))
    case = notice_through(case, user, sent_at=days_ago(4, 9), received_at=None)
    return case, case.notices.get(kind=NoticeKind.DISCLOSURE_REQUEST)


def test_issued_annex_3_is_signed_by_the_insurer_and_validates_against_the_document_ca(frozen, parties):
    case, notice = _annex3(parties)
    content = notice_content(notice)
    record = SignedDocument.objects.get(sha256=notice.sha256)
    assert record.organization == parties.insurer_a and record.doc_no == notice.doc_no
    assert record.case_ref == case.number and pdfsign.signed_content(record) == content
    result = pdfsign.verify_pdf(content)
    assert result.ok, result.problem
    assert result.organization == parties.insurer_a.name and result.uscc == parties.insurer_a.uscc
    assert result.custodial and result.record == record
    assert result.signed_at == NOW


def test_custodial_certificate_names_the_insurer_and_is_marked_custodial(frozen, parties):
    _annex3(parties)
    row = DocumentCertificate.objects.get(organization=parties.insurer_a)
    cert = pdfsign.certificate(row)
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == parties.insurer_a.name
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value == "平台托管"
    policies = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
    assert [p.policy_identifier.dotted_string for p in policies] == [pdfsign.CUSTODIAL_POLICY_OID]
    ca = pdfsign.certificate(pdfsign.document_ca())
    assert cert.issuer == ca.subject
    cert.verify_directly_issued_by(ca)
    # idempotent: the same CA and certificate for the next document
    assert pdfsign.document_ca().pk == pdfsign.document_ca().pk
    assert pdfsign.party_certificate(parties.insurer_a) == row


def test_one_byte_changed_in_the_signed_range_fails(frozen, parties):
    _case, notice = _annex3(parties)
    content = bytearray(notice_content(notice))
    at = content.index(b"/MediaBox")  # inside the original revision, which the signature covers
    content[at + 1] = ord("X")
    result = pdfsign.verify_pdf(bytes(content))
    assert not result.ok and result.problem
    assert result.record is None


def test_an_incremental_update_altering_the_content_fails(frozen, parties):
    from io import BytesIO

    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    _case, notice = _annex3(parties)
    writer = IncrementalPdfFileWriter(BytesIO(notice_content(notice)), strict=False)
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 100 Td (ALTERED) Tj ET")
    page["/Contents"] = writer.add_object(stream)
    writer.update_container(page)
    out = BytesIO()
    writer.write(out)
    result = pdfsign.verify_pdf(out.getvalue())
    assert result.intact  # the signed revision itself is untouched ...
    assert not result.ok and not result.whole_file  # ... but what a reader shows is not what was signed


def test_a_pdf_signed_by_a_certificate_outside_the_document_ca_is_not_trusted(frozen, parties):
    _case, notice = _annex3(parties)
    content = notice_content(notice)
    ca = pdfsign.document_ca()
    # a second, unrelated CA (the first one's row set aside so that a new one is created): trust only it
    DocumentCertificate.objects.filter(pk=ca.pk).update(organization=parties.insurer_b)
    other = pdfsign.document_ca()
    assert other.pk != ca.pk
    result = pdfverify.verify_bytes(content, [other.certificate])
    assert result.intact and not result.trusted and not result.ok


def test_a_party_with_its_own_key_gets_no_signature_in_its_name(frozen, parties):
    register_own_exchange_key(parties.insurer_a, parties.insurer_a_user)
    assert pdfsign.party_certificate(parties.insurer_a) is None
    _case, notice = _annex3(parties)
    assert not DocumentCertificate.objects.filter(organization=parties.insurer_a).exists()
    assert not SignedDocument.objects.filter(organization=parties.insurer_a).exists()
    result = pdfsign.verify_pdf(notice_content(notice))
    assert not result.signed and not result.ok


def test_m15_a_rectification_order_is_signed_by_the_regulator_at_issue_and_downloads_as_signed(frozen, client,
                                                                                             parties):
    from django.urls import reverse

    from apps.credit.services import supervisory_action_issue

    action = supervisory_action_issue(
        actor=parties.regulator_user, target=parties.insurer_a, kind="rectification_order",
        ground="unlawful_refusal", facts="以风险较高为由拒绝承保交强险", requirement="重新核保承保",
        starts_on=NOW.date(), ends_on=NOW.date() + dt.timedelta(days=30))
    record = SignedDocument.objects.get(source=f"supervisory-action:{action.pk}")
    assert record.organization == parties.regulator and record.doc_no == action.reference_no
    assert record.signed_at == NOW
    client.force_login(parties.regulator_user)
    url = reverse("credit:action_decision_pdf", args=[action.pk])
    first = b"".join(client.get(url).streaming_content)
    with time_machine.travel(NOW + dt.timedelta(days=3), tick=False):
        client.force_login(parties.regulator_user)
        again = b"".join(client.get(url).streaming_content)
    assert first == again == pdfsign.signed_content(record)  # signed once, the same bytes every download
    result = pdfsign.verify_pdf(first)
    assert result.ok and result.organization == parties.regulator.name and result.record == record


def test_j11_the_refusal_notice_is_signed_once_recorded_as_sent(frozen, client, parties):
    from decimal import Decimal

    from django.urls import reverse

    from tests.claims.factories import make_claim, make_policy, sh

    policy = make_policy(insurer=parties.insurer_a, policyholder_name="王小明")
    claim = make_claim(user=parties.insurer_a_user, policy=policy, reported_at=sh(2026, 6, 10, 8, 0),
                       amount_claimed=Decimal("8000.00"), documents_complete_at=sh(2026, 6, 10, 10, 0),
                       decision="refused", decided_at=sh(2026, 6, 11, 10, 0), refusal_reason="事故发生在保险期间以外",
                       refusal_notice_sent_at=sh(2026, 6, 12, 9, 0))
    client.force_login(parties.insurer_a_user)
    content = b"".join(client.get(reverse("claims-refusal-notice", args=[claim.pk])).streaming_content)
    result = pdfsign.verify_pdf(content)
    assert result.ok and result.organization == parties.insurer_a.name and result.custodial
    assert result.record.source == f"claim-refusal-notice:{claim.pk}" and result.record.case_ref == claim.number


def _tampered(content: bytes) -> bytes:
    data = bytearray(content)
    at = data.index(b"/MediaBox")
    data[at + 1] = ord("X")
    return bytes(data)


def test_the_verify_page_answers_a_valid_and_a_tampered_pdf_in_the_user_s_language(frozen, client, parties):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    _case, notice = _annex3(parties)
    content = notice_content(notice)
    client.force_login(parties.regulator_user)
    url = reverse("exchange-document-verify")
    assert client.get(url).status_code == 200
    good = client.post(url, {"file": SimpleUploadedFile("a3.pdf", content, "application/pdf")})
    page = good.content.decode()
    assert good.status_code == 200 and 'data-valid="yes"' in page
    assert parties.insurer_a.name in page and notice.doc_no in page and "平台托管密钥" in page
    bad = client.post(url, {"file": SimpleUploadedFile("a3.pdf", _tampered(content), "application/pdf")})
    page = bad.content.decode()
    assert bad.status_code == 422 and 'data-valid="no"' in page and "核验未通过" in page
    assert notice.doc_no not in page  # the altered file is no platform record
    ca = client.get(reverse("exchange-document-ca"))
    assert ca.status_code == 200 and ca.content.startswith(b"-----BEGIN CERTIFICATE-----")


def test_the_verify_api_answers_a_valid_and_a_tampered_pdf(frozen, api, parties):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _case, notice = _annex3(parties)
    content = notice_content(notice)
    client = api.as_user(parties.regulator_user)
    good = client.post("/api/v1/signed-documents/verify/",
                       {"file": SimpleUploadedFile("a3.pdf", content, "application/pdf")}, format="multipart")
    assert good.status_code == 200, good.content
    body = good.json()
    assert body["valid"] and body["signer"] == {"organization": parties.insurer_a.name,
                                                "uscc": parties.insurer_a.uscc, "custody": "platform"}
    assert body["record"]["doc_no"] == notice.doc_no and body["signed_at"] == "2026-06-15T10:00:00.000000Z"
    bad = client.post("/api/v1/signed-documents/verify/",
                      {"file": SimpleUploadedFile("a3.pdf", _tampered(content), "application/pdf")},
                      format="multipart")
    assert bad.status_code == 200 and not bad.json()["valid"] and bad.json()["problem"]
    assert bad.json()["record"] is None
    from rest_framework.test import APIClient

    anonymous = APIClient().post("/api/v1/signed-documents/verify/",
                                 {"file": SimpleUploadedFile("a3.pdf", content, "application/pdf")}, format="multipart")
    assert anonymous.status_code in (401, 403)


def test_the_evidence_archive_carries_the_case_s_signed_notices_and_the_verifier_checks_them(frozen, parties, send):
    import json

    from apps.exchange import crypto, evidence, keys, services

    batch = send([{"n": 1}], sender=parties.transport, recipient=parties.insurer_a, refs=["PEN-2026-19"])
    services.batch_deliver(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.receipt, (batch.state, list(batch.events.values_list("kind", "detail")))
    user = parties.insurer_a_user
    case = open_case(parties.insurer_a, known_at=days_ago(5, 9), trigger_ref="PEN-2026-19")
    notice_through(case, user, sent_at=days_ago(4, 9))
    notice = case.notices.get(kind=NoticeKind.DISCLOSURE_REQUEST)
    archive = json.loads(json.dumps(services.batch_archive_export(actor=user, batch=batch, via="web")))
    items = archive["documents"]["items"]
    assert [item["doc_no"] for item in items] == [notice.doc_no]
    assert crypto.b64d(items[0]["pdf"]) == notice_content(notice) and items[0]["issuer"] == parties.insurer_a.name
    assert archive["documents"]["ca_certificates"][0]["pem"] == pdfsign.document_ca().certificate
    root = keys.root().public_raw
    verdict = evidence.verify_archive(archive, roots=[root])
    assert verdict.ok, evidence.render(verdict)
    assert any(check.label_en.startswith("document signature") and check.ok for check in verdict.checks)
    # a tampered notice in the archive fails the archive
    archive["documents"]["items"][0]["pdf"] = crypto.b64e(_tampered(notice_content(notice)))
    archive["documents"]["items"][0]["sha256"] = crypto.sha256_hex(_tampered(notice_content(notice)))
    assert not evidence.verify_archive(archive, roots=[root]).ok
    # a CA the pinned root did not vouch for is not trusted
    forged = json.loads(json.dumps(services.batch_archive_export(actor=user, batch=batch, via="web")))
    forged["documents"]["ca_certificates"][0]["endorsement"]["signature"] = crypto.b64e(b"\0" * 64)
    assert not evidence.verify_archive(forged, roots=[root]).ok
    # another insurer's user never gets the batch, the regulator's archive carries the notice too
    regulator = services.batch_archive_export(actor=parties.regulator_user, batch=batch, via="web")
    assert [item["doc_no"] for item in regulator["documents"]["items"]] == [notice.doc_no]


def test_the_signed_pdf_s_hash_is_appended_to_the_transparency_log(frozen, parties):
    from apps.exchange import log
    from apps.exchange.models import LogEntry

    _case, notice = _annex3(parties)
    record = SignedDocument.objects.get(sha256=notice.sha256)
    log.log_sync()
    entry = LogEntry.objects.get(ref=f"signed-document:{record.pk}:{record.sha256}")
    assert entry.kind == LogEntry.Kind.NOTICE and record.sha256 in entry.ref


def test_the_document_ca_is_created_once_by_the_key_command(frozen, parties):
    from django.core.management import call_command

    call_command("exchange_issue_keys")
    call_command("exchange_issue_keys")
    assert DocumentCertificate.objects.filter(organization__isnull=True).count() == 1


def test_signing_and_verifying_work_inside_a_running_event_loop(frozen, parties):
    """pyHanko's synchronous calls use asyncio.run: inside a running loop (an ASGI server, Playwright driving the
    browser tests while the demo data is seeded) they run in a worker thread."""
    import asyncio

    from cryptography.hazmat.primitives import serialization

    _case, notice = _annex3(parties)
    content = notice_content(notice)
    row = DocumentCertificate.objects.get(organization=parties.insurer_a)
    key_der = pdfsign.private_key(row).private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption())
    roots = pdfsign.trust_roots_pem()
    chain = [pdfsign.certificate(pdfsign.document_ca())]

    from weasyprint import HTML

    unsigned = HTML(string="<p>责令整改通知书</p>").write_pdf()

    async def inside():  # no database in here: a coroutine gets its own connection outside the test's transaction
        again = pdfsign.sign_bytes(unsigned, key_der=key_der, cert=pdfsign.certificate(row), chain=chain,
                                   name=parties.insurer_a.name)
        return again, pdfverify.verify_bytes(content, roots)

    resigned, checked = asyncio.run(inside())
    assert checked.ok
    assert pdfverify.verify_bytes(resigned, roots).ok
