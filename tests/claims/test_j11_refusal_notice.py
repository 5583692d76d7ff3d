"""The claim refusal notice (拒赔通知书, rule J11; Insurance Law art. 24): a PDF issued by the insurer, addressed to the
policyholder of the claim's policy, with the claim number and the reason — for the insurer and the regulator (who
may read the name), linked from the claim page; others get what they get for the claim page (403/404)."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from apps.core.models import AuditEvent

from .factories import make_claim, make_policy, sh

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content)
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).replace(" ", "").replace("\n", "")


def _refused(parties, **facts):
    policy = make_policy(insurer=parties.insurer_a, policyholder_name="王小明")
    return make_claim(user=parties.insurer_a_user, policy=policy, reported_at=sh(2026, 11, 12, 8, 0),
                      amount_claimed=Decimal("8000.00"), documents_complete_at=sh(2026, 11, 12, 10, 0), decision="refused",
                      decided_at=sh(2026, 11, 13, 10, 0), refusal_reason="事故发生在保险期间以外", **facts)


def test_j11_refusal_notice_names_claim_insurer_claimant_and_reason(client, parties):
    claim = _refused(parties, refusal_notice_sent_at=sh(2026, 11, 14, 9, 0))
    client.force_login(parties.insurer_a_user)
    url = reverse("claims-refusal-notice", args=[claim.pk])
    assert url in client.get(reverse("claims-detail", args=[claim.pk])).content.decode()
    text = _text(client.get(url))
    for expected in ("拒赔通知书", claim.number, parties.insurer_a.name, "王小明", "事故发生在保险期间以外",
                     claim.policy.number, claim.vehicle.plate, "2026年11月13日决定拒绝赔偿",
                     "保险法》第二十四条", "2026年11月14日"):
        assert expected in text, expected
    assert "平台出具" not in text and f"{parties.insurer_a.name}出具" in text
    assert AuditEvent.objects.filter(action="personal_data.reveal", object_id=str(claim.policy.pk)).exists()


def test_j11_refusal_notice_only_for_the_insurer_and_the_regulator(client, parties):
    claim = _refused(parties)
    url = reverse("claims-refusal-notice", args=[claim.pk])
    client.force_login(parties.regulator_user)
    assert "王小明" in _text(client.get(url))
    for user, status in ((parties.insurer_b_user, 404), (parties.ins_assoc_user, 404),
                         (parties.company_a_user, 403), (parties.transport_user, 403)):
        client.force_login(user)
        assert client.get(url).status_code == status, user
    client.force_login(parties.ins_assoc_user)  # reads the claim, not the policyholder's name: no link either
    page = client.get(reverse("claims-detail", args=[claim.pk]))
    assert page.status_code == 200 and b"refusal-notice-pdf" not in page.content


def test_j11_no_refusal_notice_for_a_claim_not_refused(client, parties):
    claim = make_claim(user=parties.insurer_a_user, reported_at=sh(2026, 11, 12, 8, 0),
                       amount_claimed=Decimal("8000.00"), documents_complete_at=sh(2026, 11, 12, 10, 0), decision="covered",
                       decided_at=sh(2026, 11, 13, 10, 0))
    client.force_login(parties.insurer_a_user)
    assert client.get(reverse("claims-refusal-notice", args=[claim.pk])).status_code == 404
    assert b"refusal-notice-pdf" not in client.get(reverse("claims-detail", args=[claim.pk])).content
