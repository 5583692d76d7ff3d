"""The endorsement form (批改单, rules J8, J9, J13) is a PDF the insurer issues and signs (PAdES, issue “Signed
notices”): what changed, from when, the premium adjustment at the daily rate and its basis; signed once in the
insurer's name with its custodial certificate, the same bytes on every download, its hash in the transparency log,
readable only by who may reveal the policyholder it names, carried by the evidence archive of the batch that
opened the case it closed."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from apps.core.models import AuditEvent
from apps.exchange import pdfsign
from apps.exchange.models import DocumentCertificate, SignedDocument
from apps.policies import endorsement_document
from apps.policies.services import policy_endorse
from tests.clock import NOW
from tests.helpers import register_own_exchange_key
from tests.policies.factories import PolicyFactory, shanghai

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _endorsed(parties, **over):
    values = {"insurer": parties.insurer_a, "usage_nature_insured": "family", "starts_at": shanghai(2026, 1, 1),
              "ends_at": shanghai(2027, 1, 1), "premium": Decimal("950.00"), "policyholder_name": "王小明"}
    values.update(over)
    policy = PolicyFactory(**values)
    endorsement = policy_endorse(actor=parties.insurer_a_user, policy=policy, usage_nature="ride_hailing",
                                 effective_on=dt.date(2026, 7, 2), premium_mode="daily_rate",
                                 reason="车辆转为网约车营运，投保人申请批改使用性质", new_premium=Decimal("1800.00"))
    return policy, endorsement


def _url(endorsement) -> str:
    return reverse("policies:endorsement-pdf", args=[endorsement.policy_id, endorsement.pk])


def _download(client, user, endorsement):
    client.force_login(user)
    response = client.get(_url(endorsement))
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    return b"".join(response.streaming_content)


def _text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).replace(" ", "").replace(
        "\n", "")


def _tampered(content: bytes) -> bytes:
    data = bytearray(content)
    at = data.index(b"/MediaBox")  # inside the original revision, which the signature covers
    data[at + 1] = ord("X")
    return bytes(data)


def test_j8_the_endorsement_form_is_signed_by_the_insurer_and_verifies_against_the_document_ca(client, parties):
    policy, endorsement = _endorsed(parties)
    content = _download(client, parties.insurer_a_user, endorsement)
    result = pdfsign.verify_pdf(content)
    assert result.ok, result.problem
    assert result.intact and result.trusted and result.whole_file
    assert result.organization == parties.insurer_a.name and result.uscc == parties.insurer_a.uscc
    assert result.custodial  # the platform held the key (OU 平台托管), said in the certificate
    record = result.record
    assert record.source == f"policy-endorsement:{endorsement.pk}" and record.organization == parties.insurer_a
    assert record.doc_no == f"{policy.number}-PG1" and record.title == "批改单"
    assert record.certificate == DocumentCertificate.objects.get(organization=parties.insurer_a)
    assert pdfsign.signed_content(record) == content


def test_j8_the_form_holds_what_a_real_endorsement_form_holds(client, parties):
    policy, endorsement = _endorsed(parties)
    text = _text(_download(client, parties.insurer_a_user, endorsement))
    # insurer, numbers, vehicle, policyholder in full (as the other documents name them)
    for expected in (parties.insurer_a.name, f"{policy.number}-PG1", policy.number, policy.vehicle.plate,
                     policy.vehicle.vin, "王小明", "交强险"):
        assert expected.replace(" ", "") in text, expected
    # what changed, from when: labels, never the raw choice values
    assert endorsement.get_usage_nature_from_display() in text and endorsement.get_usage_nature_to_display() in text
    assert "family" not in text and "ride_hailing" not in text and "daily_rate" not in text
    assert "按日费率增加或减少保险费" in text and "规则J8" not in text  # the mode in words, not the platform's rule id
    assert "2026年7月2日0时起" in text
    # the premium at the daily rate (J8): 183 / 365 × (1800 − 950) = 426.16, to the fen, as computed and stored
    assert endorsement.premium_delta == Decimal("426.16")
    assert f"（{endorsement.new_premium}−{endorsement.old_premium}）×剩余183天÷保险期间365天=426.16元" in text
    assert "应补交保险费426.16元" in text and f"批改后保险费{endorsement.premium_after}元" in text
    # the reason and its basis (规程 第五节第三条: 按照日费率), the issue date (the day it was recorded)
    assert endorsement.reason in text and "第五节第三条" in text and "日费率" in text
    issued = endorsement.created_at.astimezone(shanghai(2026, 1, 1).tzinfo).date()
    assert f"{issued.year}年{issued.month}月{issued.day}日" in text


def test_j9_a_policy_year_rerating_of_a_commercial_policy_cites_art_52(client, parties):
    policy = PolicyFactory(insurer=parties.insurer_a, kind="third_party", usage_nature_insured="family",
                           starts_at=shanghai(2026, 1, 1), ends_at=shanghai(2027, 1, 1), premium=Decimal("2000.00"))
    endorsement = policy_endorse(actor=parties.insurer_a_user, policy=policy, usage_nature="ride_hailing",
                                 effective_on=dt.date(2026, 11, 1), premium_mode="policy_year",
                                 reason="承保后改为网约车营运，未通知保险人", new_premium=Decimal("3400.00"))
    text = _text(_download(client, parties.insurer_a_user, endorsement))
    assert "第五十二条" in text and "3400.00−2000.00=1400.00元" in text and "按保单年度重新核定" in text


def test_j8_the_same_bytes_on_every_download_page_and_api(client, api, parties):
    _policy, endorsement = _endorsed(parties)
    first = _download(client, parties.insurer_a_user, endorsement)
    with time_machine.travel(NOW + dt.timedelta(days=3), tick=False):
        again = _download(client, parties.regulator_user, endorsement)
        response = api.as_user(parties.insurer_a_user).get(
            f"/api/v1/policies/{endorsement.policy_id}/endorsements/{endorsement.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert first == again == b"".join(response.streaming_content)
    assert SignedDocument.objects.filter(source=endorsement_document.source(endorsement)).count() == 1
    # the API's endorsement shape names the download
    history = api.as_user(parties.insurer_a_user).get(f"/api/v1/policies/{endorsement.policy_id}/history/")
    assert history.json()["endorsements"][0]["pdf_url"] == (
        f"/api/v1/policies/{endorsement.policy_id}/endorsements/{endorsement.pk}/pdf/")


def test_j8_a_tampered_form_fails_verification(client, parties):
    _policy, endorsement = _endorsed(parties)
    content = _download(client, parties.insurer_a_user, endorsement)
    result = pdfsign.verify_pdf(_tampered(content))
    assert not result.ok and result.problem and result.record is None


def test_m3_only_who_may_reveal_the_policyholder_downloads_the_form(client, api, parties):
    _policy, endorsement = _endorsed(parties)
    # another insurer does not see the policy; the insurance association reads it but not the name the form holds
    for user in (parties.insurer_b_user, parties.ins_assoc_user):
        client.force_login(user)
        assert client.get(_url(endorsement)).status_code == 404
        answer = api.as_user(user).get(f"/api/v1/policies/{endorsement.policy_id}/endorsements/{endorsement.pk}/pdf/")
        assert answer.status_code == 404
    client.force_login(parties.company_a_user)  # no right to read endorsements at all
    assert client.get(_url(endorsement)).status_code == 403
    assert not SignedDocument.objects.exists()  # nobody refused had it signed
    client.logout()
    assert client.get(_url(endorsement)).status_code == 302  # to the sign-in page
    # an endorsement of another policy under this policy's URL is not found
    _other_policy, other = _endorsed(parties)
    client.force_login(parties.insurer_a_user)
    assert client.get(reverse("policies:endorsement-pdf", args=[endorsement.policy_id, other.pk])).status_code == 404


def test_m3_each_download_is_audited_as_a_reveal_of_the_policyholder(client, parties):
    policy, endorsement = _endorsed(parties)
    _download(client, parties.regulator_user, endorsement)
    _download(client, parties.regulator_user, endorsement)
    reveals = AuditEvent.objects.filter(action="personal_data.reveal", object_id=str(policy.pk))
    assert reveals.count() == 2 and all(e.detail["field"] == "policyholder_name" for e in reveals)


def test_the_policy_page_links_the_form_for_who_may_download_it(client, parties):
    policy, endorsement = _endorsed(parties)
    for user, shown in ((parties.insurer_a_user, True), (parties.regulator_user, True),
                        (parties.ins_assoc_user, False)):
        client.force_login(user)
        page = client.get(reverse("policies:detail", args=[policy.pk])).content.decode()
        assert ('data-testid="endorsement-pdf"' in page) is shown, user
        assert (_url(endorsement) in page) is shown


def test_the_download_makes_a_bounded_number_of_queries(client, parties, django_assert_max_num_queries):
    _policy, endorsement = _endorsed(parties)
    client.force_login(parties.insurer_a_user)
    client.get("/")  # the session and the user loaded once
    with django_assert_max_num_queries(40):  # the first: signed now (CA, certificate, record)
        assert client.get(_url(endorsement)).status_code == 200
    for _n in range(3):
        _endorsed(parties)  # more policies and endorsements do not change the count
    with django_assert_max_num_queries(12):
        assert client.get(_url(endorsement)).status_code == 200


def test_the_signed_form_s_hash_is_a_transparency_log_entry(client, parties):
    from apps.exchange import log
    from apps.exchange.models import LogEntry

    _policy, endorsement = _endorsed(parties)
    _download(client, parties.insurer_a_user, endorsement)
    record = SignedDocument.objects.get(source=endorsement_document.source(endorsement))
    log.log_sync()
    entry = LogEntry.objects.get(ref=f"signed-document:{record.pk}:{record.sha256}")
    assert entry.kind == LogEntry.Kind.NOTICE


def test_an_insurer_with_its_own_key_gets_the_form_unsigned(client, parties):
    user, organization = parties.insurer_a_user, parties.insurer_a
    register_own_exchange_key(organization, user)
    _policy, endorsement = _endorsed(parties)
    content = _download(client, user, endorsement)
    assert content.startswith(b"%PDF") and not pdfsign.verify_pdf(content).signed
    assert not SignedDocument.objects.exists() and not DocumentCertificate.objects.filter(
        organization=organization).exists()


def test_j9_the_case_page_and_the_evidence_archive_carry_the_form_that_closed_the_case(client, parties):
    from apps.exchange import crypto, evidence, keys, services
    from apps.parties.rights import SystemActor
    from apps.policies.models import PolicyKind
    from apps.rescissions import services as rescissions
    from apps.rescissions.models import Status
    from tests.rescissions.factories import days_ago, open_case, refresh, risk_increase

    batch = _delivered_batch(parties, "PEN-2026-88")
    user = parties.insurer_a_user
    case = risk_increase(open_case(parties.insurer_a, known_at=days_ago(3, 9), kind=PolicyKind.THIRD_PARTY,
                                   trigger_ref="PEN-2026-88", policyholder_name="王小明"), user)
    case = refresh(rescissions.rescission_endorse(
        case=case, actor=user, policy=case.policy, usage_nature="ride_hailing", effective_on=days_ago(0).date(),
        new_premium=Decimal("4200.00"), reason="承保后改为网约车营运，批改使用性质"))
    assert case.status == Status.ENDORSED
    endorsement = case.policy.endorsements.get()
    # the case page links the form
    client.force_login(user)
    page = client.get(reverse("rescissions:case", args=[case.pk])).content.decode()
    assert _url(endorsement) in page
    # the archive signs it (it was never downloaded) and carries it; the offline verifier checks it
    archive = json.loads(json.dumps(services.batch_archive_export(actor=user, batch=batch, via="web")))
    items = [item for item in archive["documents"]["items"] if item["title"] == "批改单"]
    record = SignedDocument.objects.get(source=endorsement_document.source(endorsement))
    assert [item["doc_no"] for item in items] == [record.doc_no] and items[0]["case_ref"] == case.number
    assert crypto.b64d(items[0]["pdf"]) == pdfsign.signed_content(record)
    assert items[0]["issuer"] == parties.insurer_a.name
    verdict = evidence.verify_archive(archive, roots=[keys.root().public_raw])
    assert verdict.ok, evidence.render(verdict)
    # the insurance association reads the case and the batch's flow but not the policyholder: no form for it
    association = services.batch_archive_export(actor=SystemActor("tests.archive", organization=parties.ins_assoc),
                                                batch=batch, via="web")
    assert not [item for item in (association.get("documents") or {}).get("items", [])
                if item["title"] == "批改单"]


def _delivered_batch(parties, ref: str):
    """A delivered batch from transport to insurer A naming ``ref`` (the reference a case is opened on)."""
    from django.db import transaction

    from apps.exchange import services
    from apps.parties.rights import SystemActor
    from tests.exchange import kinds  # noqa: F401  (registers the test batch kind)

    with transaction.atomic():
        batch = services.batch_send(kind="test_echo", sender=parties.transport, recipient=parties.insurer_a,
                                    rows=[{"n": 1}], refs=[ref],
                                    actor=SystemActor("tests.send", organization=parties.transport))
    services.batch_deliver(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.receipt, batch.state
    return batch
