"""The batch monitor, batch detail, evidence download and the read-only API, with their audiences (rule M3)."""

import json

import pytest
from django.urls import reverse

from apps.core.models import AuditEvent
from apps.exchange import crypto, evidence, keys, services
from apps.exchange.models import Batch

from .conftest import tamper


@pytest.fixture
def flow(parties, send):
    """transport → insurer_a (delivered), insurer_b → regulator (rejected), transport → regulator (pending)."""
    delivered = send([{"n": 5}], sender=parties.transport, recipient=parties.insurer_a, refs=["PEN-1"])
    services.batch_deliver(batch_id=delivered.pk)
    rejected = send([{"n": 6}], sender=parties.insurer_b, recipient=parties.regulator)
    rejected = tamper(rejected, signature=b"\0" * 64)
    services.batch_deliver(batch_id=rejected.pk)
    pending = send([{"n": 7}], sender=parties.transport, recipient=parties.regulator)
    return {"delivered": Batch.objects.get(pk=delivered.pk), "rejected": Batch.objects.get(pk=rejected.pk),
            "pending": pending}


def listed(client, user, query="") -> set[str]:
    client.force_login(user)
    response = client.get(reverse("exchange-batch-list") + query)
    assert response.status_code == 200
    return {str(b.pk) for b in response.context["page"]}


def test_each_party_sees_the_batches_it_sent_or_received_and_the_regulator_sees_the_whole_flow(client, parties, flow):
    ids = {name: str(batch.pk) for name, batch in flow.items()}
    assert listed(client, parties.transport_user) == {ids["delivered"], ids["pending"]}
    assert listed(client, parties.insurer_a_user) == {ids["delivered"]}
    assert listed(client, parties.insurer_b_user) == {ids["rejected"]}
    assert listed(client, parties.company_a_user) == set()
    assert listed(client, parties.regulator_user) == set(ids.values())


def test_monitor_filters_by_state_kind_and_direction(client, parties, flow):
    ids = {name: str(batch.pk) for name, batch in flow.items()}
    assert listed(client, parties.transport_user, "?direction=received") == set()
    assert listed(client, parties.transport_user, "?direction=sent&state=pending") == {ids["pending"]}
    assert listed(client, parties.regulator_user, "?direction=received") == {ids["rejected"], ids["pending"]}
    assert listed(client, parties.regulator_user, "?state=attention") == {ids["rejected"]}
    assert listed(client, parties.regulator_user, "?kind=test_echo&state=delivered") == {ids["delivered"]}
    assert listed(client, parties.regulator_user, "?ref=PEN-1") == {ids["delivered"]}
    page = client.get(reverse("exchange-batch-list")).content.decode()
    assert "数据交换批次" in page and "测试批次" in page and "已拒收" in page


def test_detail_shows_trail_receipt_and_verdict_and_is_404_outside_the_audience(client, parties, flow):
    batch = flow["delivered"]
    url = reverse("exchange-batch-detail", kwargs={"pk": batch.pk})
    client.force_login(parties.insurer_b_user)
    assert client.get(url).status_code == 404
    client.force_login(parties.insurer_a_user)
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["verdict"].ok
    page = response.content.decode()
    for text in ("接收方已签发回执", "签名与完整性校验通过", "已入库", "CASE-5", "下载存证", batch.receipt["recipient_key_id"]):
        assert text in page

    client.force_login(parties.regulator_user)
    rejected = client.get(reverse("exchange-batch-detail", kwargs={"pk": flow["rejected"].pk})).content.decode()
    assert "发送方签名校验失败" in rejected


def test_evidence_download_verifies_and_is_audited(client, parties, flow):
    batch = flow["delivered"]
    client.force_login(parties.insurer_a_user)
    response = client.get(reverse("exchange-batch-archive", kwargs={"pk": batch.pk}))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="exchange-evidence-{batch.pk}.json"'
    verdict = evidence.verify_archive(json.loads(response.content), roots=[keys.root().public_raw])
    assert verdict.ok and verdict.received_at == batch.receipt_at
    assert AuditEvent.objects.filter(action="exchange.archive_export", actor=parties.insurer_a_user).exists()
    client.force_login(parties.insurer_b_user)
    assert client.get(reverse("exchange-batch-archive", kwargs={"pk": batch.pk})).status_code == 404


def test_sender_can_retry_a_failed_batch_from_the_page(client, parties, send, settings):
    settings.EXCHANGE_MAX_ATTEMPTS = 1
    batch = send([{"fail_times": 1}], kind="test_flaky", sender=parties.transport, recipient=parties.insurer_a)
    assert services.batch_deliver(batch_id=batch.pk) == "gave_up"
    url = reverse("exchange-batch-retry", kwargs={"pk": batch.pk})
    client.force_login(parties.insurer_a_user)  # the recipient cannot
    client.post(url)
    assert Batch.objects.get(pk=batch.pk).state == Batch.State.FAILED
    client.force_login(parties.transport_user)
    assert "重新投递" in client.get(reverse("exchange-batch-detail", kwargs={"pk": batch.pk})).content.decode()
    response = client.post(url)
    assert response.status_code == 302
    assert Batch.objects.get(pk=batch.pk).state == Batch.State.PENDING


def test_menu_has_the_exchange_monitor(client, parties):
    client.force_login(parties.taxi_assoc_user)
    assert reverse("exchange-batch-list") in client.get(reverse("home")).content.decode()


def test_api_lists_batches_with_the_same_audience_and_filters(api, parties, flow):
    url = "/api/v1/batches/"
    ids = {name: str(batch.pk) for name, batch in flow.items()}

    def ids_for(user, query=""):
        response = api.as_user(user).get(url + query)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids_for(parties.insurer_a_user) == {ids["delivered"]}
    assert ids_for(parties.regulator_user) == set(ids.values())
    assert ids_for(parties.regulator_user, "?state=rejected") == {ids["rejected"]}
    assert ids_for(parties.transport_user, "?direction=sent&kind=test_echo") == {ids["delivered"], ids["pending"]}
    assert api.as_user(parties.insurer_b_user).get(f"{url}{ids['delivered']}/").status_code == 404

    detail = api.as_user(parties.insurer_a_user).get(f"{url}{ids['delivered']}/").json()
    assert detail["state"] == "delivered" and detail["receipt"]["case_refs"] == ["CASE-5"]
    assert detail["receipt_at"] and detail["sender_name"] == parties.transport.name
    assert "ciphertext" not in detail
    events = api.as_user(parties.insurer_a_user).get(f"{url}{ids['delivered']}/events/").json()
    assert [e["kind"] for e in events][-1] == "receipt_issued"
    archive = api.as_user(parties.transport_user).get(f"{url}{ids['delivered']}/archive/").json()
    assert evidence.verify_archive(archive, roots=[keys.root().public_raw]).ok
    assert api.as_user(parties.transport_user).get(f"{url}{ids['pending']}/archive/").status_code == 409
    assert api.as_user(parties.transport_user).post(url, {}).status_code in {403, 405}  # read-only


def test_api_publishes_public_keys_only(api, parties):
    response = api.as_user(parties.insurer_b_user).get(f"/api/v1/exchange-keys/?organization={parties.insurer_a.pk}")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert {row["purpose"] for row in rows} == {"signing", "encryption"}
    for row in rows:
        assert set(row) == {"key_id", "organization", "organization_uscc", "organization_name", "purpose",
                            "algorithm", "public_key", "custody", "custody_label", "valid_from", "retired_at",
                            "revoked_at", "revocation_reason", "proof"}
        assert row["custody"] == "platform" and row["custody_label"] == "平台托管密钥"
        assert row["key_id"] == crypto.key_id(row["algorithm"], crypto.b64d(row["public_key"]))
    one = api.as_user(parties.insurer_b_user).get(f"/api/v1/exchange-keys/{rows[0]['key_id']}/")
    assert one.status_code == 200 and one.json()["public_key"] == rows[0]["public_key"]


def test_regulator_home_shows_batches_needing_attention(client, parties, flow):
    client.force_login(parties.regulator_user)
    page = client.get(reverse("home")).content.decode()
    assert 'data-panel="exchange-attention"' in page and "1 个批次需人工处理" in page
