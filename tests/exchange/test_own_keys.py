"""A party's own signing keys (issue "Own keys", rule M3 and the receipt clock of M12/J5): registration with proof
of possession, the party's system signing its receipts and batches through the API, the platform unable to sign
for it, rotation with overlap, revocation, and custodial marking in the record, on screen, in the archive and in the
offline verifier's report — Ed25519 and SM2."""

import datetime as dt
import json

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.exchange import crypto, evidence, keys, log, ownkeys, selectors, services, suites
from apps.exchange.models import Batch, KeyChallenge, LogEntry, OrganizationKey
from apps.parties.models import OrganizationKind
from apps.parties.rights import SystemActor
from tests.factories import user_of

from .conftest import tamper

Custody = OrganizationKey.Custody


class PartySystem:
    """A party's own system: it generates its key pair, keeps the private half and talks to the API."""

    def __init__(self, api, user, algorithm=crypto.ED25519):
        self.api, self.user, self.algorithm = api, user, algorithm
        self.material = crypto.generate_key(algorithm)

    @property
    def public_b64(self) -> str:
        return crypto.b64e(self.material.public_raw)

    def sign(self, message: bytes, material=None) -> str:
        material = material or self.material
        return crypto.b64e(crypto.sign(material.private_raw, message, algorithm=material.algorithm,
                                       public_raw=material.public_raw))

    def challenge(self) -> str:
        response = self.api.as_user(self.user).post("/api/v1/exchange-keys/challenge/")
        assert response.status_code == 201, response.content
        return response.json()["challenge"]

    def register(self, *, signer=None, challenge=None):
        challenge = challenge or self.challenge()
        message = crypto.possession_message(challenge=challenge, organization_uscc=self.user.organization.uscc,
                                            algorithm=self.algorithm, public_key=self.public_b64)
        return self.api.as_user(self.user).post("/api/v1/exchange-keys/", {
            "algorithm": self.algorithm, "public_key": self.public_b64, "challenge": challenge,
            "signature": self.sign(message, signer),
        }, format="json")

    def sign_receipt(self, batch, material=None):
        client = self.api.as_user(self.user)
        to_sign = client.get(f"/api/v1/batches/{batch.pk}/receipt-to-sign/")
        assert to_sign.status_code == 200, to_sign.content
        body = to_sign.json()
        # the system checks what it signs: the bytes are the receipt-signature message of the body shown
        assert crypto.b64d(body["message"]) == crypto.receipt_signing_message(body["receipt"])
        return client.post(f"/api/v1/batches/{batch.pk}/receipt-signature/", {
            "key_id": body["key_id"], "signed_at": body["receipt"]["signed_at"],
            "signature": self.sign(crypto.b64d(body["message"]), material),
        }, format="json")


def _registered(api, user, algorithm=crypto.ED25519) -> tuple[PartySystem, OrganizationKey]:
    system = PartySystem(api, user, algorithm)
    response = system.register()
    assert response.status_code == 201, response.content
    assert response.json()["custody"] == Custody.PARTY
    return system, OrganizationKey.objects.get(key_id=response.json()["key_id"])


def _verify(batch) -> evidence.Verdict:
    archive = services.batch_archive_export(actor=SystemActor("tests.archive"), batch=Batch.objects.get(pk=batch.pk),
                                            via="command")
    return evidence.verify_archive(json.loads(json.dumps(archive)), roots=[keys.root().public_raw])


def test_registration_requires_proof_of_possession_and_a_refusal_changes_nothing(api, parties):
    custodial = selectors.organization_current_key(organization=parties.insurer_a, purpose="signing")
    system = PartySystem(api, parties.insurer_a_user)
    someone_else = crypto.generate_key(crypto.ED25519)
    challenge = system.challenge()
    refused = system.register(signer=someone_else, challenge=challenge)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "bad_proof"
    # nothing changed: no key, the custodial key still current, the challenge still unused
    assert not OrganizationKey.objects.filter(custody=Custody.PARTY).exists()
    custodial.refresh_from_db()
    assert custodial.retired_at is None
    assert KeyChallenge.objects.get(nonce=challenge).used_at is None
    assert not ownkeys.self_signing(parties.insurer_a.pk)

    # a challenge issued to another party does not prove anything for this one
    other = PartySystem(api, parties.insurer_b_user).challenge()
    assert system.register(challenge=other).json()["error"]["code"] == "bad_challenge"
    # an expired challenge neither
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=ownkeys.key_challenge_seconds() + 5)):
        assert system.register(challenge=challenge).json()["error"]["code"] == "bad_challenge"

    accepted = system.register(challenge=challenge)
    assert accepted.status_code == 201 and accepted.json()["proof"]["registered_by"] == "party"
    assert KeyChallenge.objects.get(nonce=challenge).used_at is not None
    assert system.register(challenge=challenge).json()["error"]["code"] == "bad_challenge"  # used once


def test_a_party_registers_only_its_own_keys(api, parties):
    key = OrganizationKey.objects.filter(organization=parties.insurer_a, purpose="signing").first()
    response = api.as_user(parties.insurer_b_user).post(f"/api/v1/exchange-keys/{key.key_id}/revoke/",
                                                       {"reason": "x"}, format="json")
    assert response.status_code in {403, 404}
    key.refresh_from_db()
    assert key.revoked_at is None


def test_the_platform_holds_no_private_key_of_a_registered_party_and_refuses_to_sign_for_it(api, parties, send):
    _system, key = _registered(api, parties.insurer_a_user)
    # the database holds no sealed private key for it, and cannot be made to
    assert OrganizationKey.objects.filter(pk=key.pk, private_key_sealed__isnull=True).exists()
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        OrganizationKey.objects.filter(pk=key.pk).update(private_key_sealed=b"\x01" + b"\0" * 60)
    with pytest.raises(TypeError):
        keys.private_raw(key)
    # the custodial signing key retired at registration; none is ever issued again
    assert not OrganizationKey.objects.filter(organization=parties.insurer_a, purpose="signing",
                                              custody=Custody.PLATFORM, retired_at__isnull=True).exists()
    created = services.organization_keys_issue(organization=parties.insurer_a, actor=SystemActor("tests"),
                                               families=("intl", "sm"))
    assert [(k.purpose, k.algorithm) for k in created] == [("encryption", "sm2")]
    services.organization_keys_rotate(organization=parties.insurer_a, actor=SystemActor("tests"))
    assert not OrganizationKey.objects.filter(organization=parties.insurer_a, purpose="signing",
                                              custody=Custody.PLATFORM, retired_at__isnull=True).exists()

    batch = send([{"n": 1}], sender=parties.transport, recipient=parties.insurer_a)
    assert services.batch_deliver(batch_id=batch.pk) == "receipt_pending"
    batch.refresh_from_db()
    assert batch.state == Batch.State.RECEIPT_PENDING
    assert batch.receipt is None and batch.receipt_signature is None and batch.receipt_at is None
    assert selectors.batch_receipt_time(batch) is None  # no clock starts on an unsigned receipt

    # the operator's users cannot sign it — not through the API, not through the service
    operator = user_of(OrganizationKind.PLATFORM, username="u_platform_ownkeys", is_superuser=True)
    to_sign = services.receipt_to_sign(batch=batch)
    forged = crypto.sign(keys.root().private_raw, crypto.b64d(to_sign["message"]))
    response = api.as_user(operator).post(f"/api/v1/batches/{batch.pk}/receipt-signature/", {
        "key_id": key.key_id, "signed_at": to_sign["receipt"]["signed_at"], "signature": crypto.b64e(forged),
    }, format="json")
    assert response.status_code == 403
    assert api.as_user(operator).get(f"/api/v1/batches/{batch.pk}/receipt-to-sign/").status_code == 403
    # even the party's own user with a signature by any platform-held key: refused, nothing stored
    custodial = OrganizationKey.objects.filter(organization=parties.insurer_a, purpose="signing",
                                               custody=Custody.PLATFORM).first()
    with_old_key = crypto.sign(keys.private_raw(custodial), crypto.b64d(to_sign["message"]))
    for signature in (forged, with_old_key):
        with pytest.raises(ApplicationError) as refused:
            services.receipt_sign(batch=batch, actor=parties.insurer_a_user, key_id=key.key_id,
                                  signed_at=to_sign["receipt"]["signed_at"], signature=crypto.b64e(signature))
        assert refused.value.code == "bad_signature"
    with pytest.raises(ApplicationError):  # and no custodial key id is accepted for it
        services.receipt_sign(batch=batch, actor=parties.insurer_a_user, key_id=custodial.key_id,
                              signed_at=to_sign["receipt"]["signed_at"], signature=crypto.b64e(with_old_key))
    batch.refresh_from_db()
    assert batch.state == Batch.State.RECEIPT_PENDING and batch.receipt is None
    with pytest.raises(ApplicationError):  # no path through the platform's own signing code either
        services._current_key(parties.insurer_a, "signing")

    # the batch page says the receipt waits for the party's own system
    assert "回执待接收方本单位系统以本方密钥签署" in _page(parties.insurer_a_user, batch)


def _page(user, batch) -> str:
    from django.test import Client

    client = Client()
    client.force_login(user)
    response = client.get(reverse("exchange-batch-detail", kwargs={"pk": batch.pk}))
    assert response.status_code == 200
    return response.content.decode()


def test_a_receipt_signed_by_the_party_system_verifies_and_is_marked_as_its_own(api, parties, send, tmp_path, capsys):
    system, key = _registered(api, parties.insurer_a_user)
    batch = send([{"n": 5}], sender=parties.transport, recipient=parties.insurer_a, refs=["PEN-9"])
    services.batch_deliver(batch_id=batch.pk)
    response = system.sign_receipt(Batch.objects.get(pk=batch.pk))
    assert response.status_code == 200, response.content
    batch.refresh_from_db()
    assert batch.state == Batch.State.DELIVERED
    assert batch.receipt["recipient_key_id"] == key.key_id
    assert batch.receipt["recipient_key_custody"] == Custody.PARTY
    # the clock starts from the moment the inbox received it, as the party's signed receipt states
    assert batch.receipt_at == crypto.parse_utc_stamp(batch.receipt["received_at"])
    assert batch.receipt_at == batch.inbox_entry.received_at
    log.log_sync()  # (after the commit in production; the test's transaction never commits)
    assert LogEntry.objects.filter(batch=batch, kind="receipt").exists()
    event = batch.events.get(kind="receipt_issued")
    assert event.detail["recipient_key_custody"] == Custody.PARTY

    verdict = _verify(batch)
    assert verdict.ok, [c for c in verdict.checks if not c.ok]
    assert verdict.receipt_custody == Custody.PARTY and verdict.sender_custody == Custody.PLATFORM
    assert verdict.custodial == ["sender"]
    assert any(c.label_en == "recipient proof of possession (own key)" and c.ok for c in verdict.checks)
    # the registration (with its proof of possession) is in the transparency log, before the receipt it signed
    logged = "recipient own key registration logged before what it signed"
    assert next(c for c in verdict.checks if c.label_en == logged).ok
    archive = services.batch_archive_export(actor=SystemActor("tests.archive"), batch=batch, via="command")
    archive["log"]["inclusion"] = [i for i in archive["log"]["inclusion"] if i["data"]["kind"] != "key"]
    assert not next(c for c in evidence.verify_archive(archive, roots=[keys.root().public_raw]).checks
                    if c.label_en == logged).ok
    text = evidence.render(verdict)
    assert "本方密钥 / the party's own key" in text and "托管签名 / CUSTODIAL SIGNATURE: sender" in text

    # the standalone command reads the same from the file
    path = tmp_path / "evidence.json"
    evidence.dump(services.batch_archive_export(actor=SystemActor("tests.archive"), batch=batch, via="command"), path)
    assert evidence.main(["verify", str(path), "--root", crypto.b64e(keys.root().public_raw)]) == 0
    out = capsys.readouterr().out
    assert "核验通过" in out and "[平台托管密钥 / custodial: held by the platform]" in out

    # on screen: the receipt's key is the party's own, the sender's is custodial
    page = _page(parties.insurer_a_user, batch)
    assert 'data-testid="receipt-custody">本方密钥' in page and 'data-testid="sender-custody">平台托管密钥' in page
    # and on the batch monitor, next to the receipt time: this receipt the party's own, another one custodial
    other = send([{"n": 6}], sender=parties.transport, recipient=parties.insurer_b)
    assert services.batch_deliver(batch_id=other.pk) == "delivered"
    from django.test import Client

    monitor = Client()
    monitor.force_login(parties.regulator_user)
    listing = monitor.get(reverse("exchange-batch-list")).content.decode()
    rows = {row.split('"', 1)[0]: row for row in listing.split('data-batch="')[1:]}
    assert "本方密钥" in rows[str(batch.pk)].split("</tr>")[0]
    assert "平台托管密钥" in rows[str(other.pk)].split("</tr>")[0]
    # nothing is left to sign, and a second signature is refused (the receipt exists)
    client = api.as_user(parties.insurer_a_user)
    assert client.get(f"/api/v1/batches/{batch.pk}/receipt-to-sign/").json()["error"]["code"] == "no_pending_receipt"
    again = client.post(f"/api/v1/batches/{batch.pk}/receipt-signature/", {
        "key_id": key.key_id, "signed_at": batch.receipt["signed_at"], "signature": crypto.b64e(batch.receipt_signature),
    }, format="json")
    assert again.status_code == 409


def test_an_operator_forged_receipt_with_any_platform_key_fails_as_the_party_s(api, parties, send):
    system, key = _registered(api, parties.insurer_a_user)
    batch = send([{"n": 6}], sender=parties.transport, recipient=parties.insurer_a)
    services.batch_deliver(batch_id=batch.pk)
    assert system.sign_receipt(Batch.objects.get(pk=batch.pk)).status_code == 200
    batch.refresh_from_db()
    assert _verify(batch).ok
    genuine = dict(batch.receipt)

    # the operator rewrites the receipt (an earlier receipt time) behind the triggers and signs it with every key
    # it holds: the root, the party's old custodial key, another party's key — none verifies as the party's key
    earlier = dict(genuine, received_at=crypto.utc_stamp(crypto.parse_utc_stamp(genuine["received_at"])
                                                         - dt.timedelta(days=10)))
    message = crypto.receipt_signing_message(earlier)
    platform_keys = [keys.root().private_raw] + [
        keys.private_raw(k) for k in OrganizationKey.objects.filter(custody=Custody.PLATFORM, algorithm="ed25519")]
    assert len(platform_keys) > 3
    for private in platform_keys:
        forged = tamper(batch, receipt=earlier, receipt_signature=crypto.sign(private, message))
        verdict = _verify(forged)
        assert not verdict.ok
        assert not next(c for c in verdict.checks if c.label_en == "recipient's receipt signature").ok
    # nor can it claim the receipt was signed by the old custodial key: that key was retired when the party
    # registered its own, and is reported custodial anyway
    custodial = OrganizationKey.objects.filter(organization=parties.insurer_a, custody=Custody.PLATFORM,
                                               purpose="signing").first()
    as_custodial = dict(earlier, recipient_key_id=custodial.key_id, recipient_key_custody=Custody.PARTY)
    forged = tamper(batch, receipt=as_custodial, receipt_signature=crypto.sign(
        keys.private_raw(custodial), crypto.receipt_signing_message(as_custodial)))
    verdict = _verify(forged)
    assert not verdict.ok and verdict.receipt_custody == Custody.PLATFORM
    assert not next(c for c in verdict.checks if c.label_en == "recipient key custody as registered").ok


def test_rotation_keeps_the_old_key_valid_during_the_overlap_then_only_the_new_one(api, parties, send, settings):
    settings.EXCHANGE_KEY_OVERLAP_SECONDS = 3600
    old_system, old_key = _registered(api, parties.insurer_a_user)
    new_system = PartySystem(api, parties.insurer_a_user)
    assert new_system.register().status_code == 201
    old_key.refresh_from_db()
    assert old_key.retired_at is not None and old_key.retired_at > timezone.now() + dt.timedelta(minutes=59)

    during = send([{"n": 1}], sender=parties.transport, recipient=parties.insurer_a)
    services.batch_deliver(batch_id=during.pk)
    during = Batch.objects.get(pk=during.pk)
    # the old key still signs during the overlap
    to_sign = services.receipt_to_sign(batch=during, key=old_key)
    services.receipt_sign(batch=during, actor=parties.insurer_a_user, key_id=old_key.key_id,
                          signed_at=to_sign["receipt"]["signed_at"],
                          signature=old_system.sign(crypto.b64d(to_sign["message"])))
    assert _verify(during).ok

    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):
        after = send([{"n": 2}], sender=parties.transport, recipient=parties.insurer_a)
        services.batch_deliver(batch_id=after.pk)
        after = Batch.objects.get(pk=after.pk)
        to_sign = services.receipt_to_sign(batch=after, key=old_key)
        with pytest.raises(ApplicationError) as expired:
            services.receipt_sign(batch=after, actor=parties.insurer_a_user, key_id=old_key.key_id,
                                  signed_at=to_sign["receipt"]["signed_at"],
                                  signature=old_system.sign(crypto.b64d(to_sign["message"])))
        assert expired.value.code == "key_not_valid"
        assert new_system.sign_receipt(after).status_code == 200  # the newest valid key is offered
        after.refresh_from_db()
        assert after.receipt["recipient_key_id"] != old_key.key_id
        assert _verify(after).ok
        assert _verify(during).ok  # the old receipt still verifies against the key valid when it was signed


def test_revocation_refuses_later_signatures_and_reports_earlier_ones(api, parties, send):
    system, key = _registered(api, parties.insurer_a_user)
    before = send([{"n": 1}], sender=parties.transport, recipient=parties.insurer_a)
    services.batch_deliver(batch_id=before.pk)
    assert system.sign_receipt(Batch.objects.get(pk=before.pk)).status_code == 200
    pending = send([{"n": 2}], sender=parties.transport, recipient=parties.insurer_a)
    services.batch_deliver(batch_id=pending.pk)
    pending = Batch.objects.get(pk=pending.pk)
    stale = services.receipt_to_sign(batch=pending, key=key)

    refused = api.as_user(parties.insurer_a_user).post(f"/api/v1/exchange-keys/{key.key_id}/revoke/", {},
                                                       format="json")
    assert refused.status_code == 400  # a reason is required
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=5)):
        response = api.as_user(parties.insurer_a_user).post(f"/api/v1/exchange-keys/{key.key_id}/revoke/",
                                                            {"reason": "签名服务器失窃"}, format="json")
        assert response.status_code == 200, response.content
        key.refresh_from_db()
        assert key.revoked_at is not None and key.revocation_reason == "签名服务器失窃"

        # after the revocation the key signs nothing, and the platform does not fall back to a custodial key
        with pytest.raises(ApplicationError) as revoked:
            services.receipt_sign(batch=pending, actor=parties.insurer_a_user, key_id=key.key_id,
                                  signed_at=stale["receipt"]["signed_at"],
                                  signature=system.sign(crypto.b64d(stale["message"])))
        assert revoked.value.code == "key_not_valid"
        assert api.as_user(parties.insurer_a_user).get(
            f"/api/v1/batches/{pending.pk}/receipt-to-sign/").json()["error"]["code"] == "no_signing_key"

        # the receipt signed before the revocation still verifies, reported with the revocation and its reason
        verdict = _verify(before)
        assert verdict.ok
        assert next(c for c in verdict.checks if c.label_en == "recipient key revocation logged").ok
        assert "签名服务器失窃" in evidence.render(verdict)

        # a receipt the thief signs with the revoked key, dated after the revocation, fails offline
        late = dict(stale["receipt"], signed_at=crypto.utc_stamp(timezone.now()))
        forged = tamper(pending, receipt=late, receipt_at=timezone.now(),
                        receipt_signature=crypto.sign(system.material.private_raw, crypto.receipt_signing_message(late)))
        verdict = _verify(forged)
        assert not verdict.ok
        assert not next(c for c in verdict.checks if c.label_en == "recipient key validity").ok


def test_a_batch_from_a_registered_party_waits_for_its_system_s_signature(api, parties, send):
    system, key = _registered(api, parties.transport_user)
    batch = send([{"n": 7}], sender=parties.transport, recipient=parties.insurer_a)
    assert batch.state == Batch.State.AWAITING_SIGNATURE and bytes(batch.signature) == b""
    assert batch.header["sender_key_id"] == key.key_id and batch.header["sender_key_custody"] == Custody.PARTY
    assert services.batch_deliver(batch_id=batch.pk) == "unsigned"  # nothing is delivered unsigned
    log.log_sync()
    assert not LogEntry.objects.filter(batch=batch).exists()  # nor logged before it is sealed
    assert "待发送方本单位系统签名" in _page(parties.transport_user, batch)

    client = api.as_user(parties.transport_user)
    to_sign = client.get(f"/api/v1/batches/{batch.pk}/to-sign/").json()
    assert crypto.b64d(to_sign["message"]) == crypto.batch_signing_message(
        crypto.canonical_json(batch.header), bytes(batch.ciphertext), batch.header["suite"])
    bad = client.post(f"/api/v1/batches/{batch.pk}/signature/",
                      {"signature": crypto.b64e(crypto.sign(keys.root().private_raw, crypto.b64d(to_sign["message"])))},
                      format="json")
    assert bad.status_code == 400
    assert Batch.objects.get(pk=batch.pk).state == Batch.State.AWAITING_SIGNATURE
    response = client.post(f"/api/v1/batches/{batch.pk}/signature/",
                           {"signature": system.sign(crypto.b64d(to_sign["message"]))}, format="json")
    assert response.status_code == 200, response.content
    batch.refresh_from_db()
    assert batch.state == Batch.State.PENDING and batch.sealed_sha256
    # the signature is written once: the database refuses a second one
    with pytest.raises(DatabaseError), transaction.atomic():
        Batch.objects.filter(pk=batch.pk).update(signature=b"\1" * 64)

    assert services.batch_deliver(batch_id=batch.pk) == "delivered"
    batch.refresh_from_db()
    assert batch.receipt["recipient_key_custody"] == Custody.PLATFORM  # the recipient uses the pages only
    verdict = _verify(batch)
    assert verdict.ok and verdict.sender_custody == Custody.PARTY and verdict.custodial == ["recipient"]
    page = _page(parties.insurer_a_user, batch)
    assert 'data-testid="sender-custody">本方密钥' in page and 'data-testid="receipt-custody">平台托管密钥' in page
    assert "该回执由平台托管的密钥签署" in page


def test_the_key_registry_is_append_only_and_served_signed(api, parties):
    _system, key = _registered(api, parties.insurer_a_user)
    for change in ({"public_key": crypto.b64e(b"\0" * 32)}, {"custody": Custody.PLATFORM}, {"proof": {}}):
        with pytest.raises(DatabaseError), transaction.atomic():
            OrganizationKey.objects.filter(pk=key.pk).update(**change)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM exchange_organizationkey WHERE id = %s", [key.pk])
    ownkeys.key_revoke(key=key, actor=parties.insurer_a_user, reason="测试")
    with pytest.raises(DatabaseError), transaction.atomic():  # a revocation is never undone
        OrganizationKey.objects.filter(pk=key.pk).update(revoked_at=None)

    registry = api.as_user(parties.insurer_b_user).get(
        f"/api/v1/exchange-keys/registry/?uscc={parties.insurer_a.uscc}").json()
    assert registry["format"] == crypto.KEY_REGISTRY_FORMAT
    entry = next(k for k in registry["keys"] if k["key_id"] == key.key_id)
    assert entry["custody"] == Custody.PARTY and entry["revocation_reason"] == "测试" and entry["proof"]["signature"]
    crypto.verify(keys.root().public_raw, crypto.b64d(entry["endorsement"]["signature"]),
                  crypto.endorsement_message(entry))
    stripped = {k: v for k, v in entry.items() if k != "revoked_at"}  # an endorsement cannot be stripped of fields
    with pytest.raises(crypto.CryptoError):
        crypto.verify(keys.root().public_raw, crypto.b64d(entry["endorsement"]["signature"]),
                      crypto.endorsement_message(stripped))


def test_the_operator_registers_a_key_in_the_admin_only_with_the_party_s_proof(api, parties, client, send):
    operator = user_of(OrganizationKind.PLATFORM, username="u_platform_admin_keys", is_staff=True)
    client.force_login(operator)
    issued = client.post(reverse("admin:exchange_keychallenge_add"), {"organization": parties.insurer_b.pk})
    assert issued.status_code == 302, issued.content.decode()[:2000]
    challenge = KeyChallenge.objects.get(organization=parties.insurer_b)
    assert len(challenge.nonce) == 64 and challenge.created_by == operator
    material = crypto.generate_key(crypto.ED25519)
    public = crypto.b64e(material.public_raw)
    message = crypto.possession_message(challenge=challenge.nonce, organization_uscc=parties.insurer_b.uscc,
                                        algorithm="ed25519", public_key=public)
    url = reverse("admin:exchange_organizationkey_add")
    assert client.get(url).status_code == 200
    form = {"organization": parties.insurer_b.pk, "algorithm": "ed25519", "public_key": public,
            "challenge": challenge.nonce}
    wrong = client.post(url, {**form, "signature": crypto.b64e(crypto.sign(keys.root().private_raw, message))})
    assert wrong.status_code == 200 and "私钥持有证明校验失败" in wrong.content.decode()
    assert not OrganizationKey.objects.filter(custody=Custody.PARTY).exists()
    right = client.post(url, {**form, "signature": crypto.b64e(crypto.sign(material.private_raw, message))})
    assert right.status_code == 302, right.content.decode()[:2000]
    key = OrganizationKey.objects.get(custody=Custody.PARTY)
    assert key.key_id == material.key_id and key.private_key_sealed is None
    assert key.proof["registered_by"] == "platform"  # and the archive's verdict says so
    batch = send([{"n": 12}], sender=parties.transport, recipient=parties.insurer_b)
    services.batch_deliver(batch_id=batch.pk)
    to_sign = services.receipt_to_sign(batch=Batch.objects.get(pk=batch.pk))
    services.receipt_sign(batch=batch, actor=parties.insurer_b_user, key_id=key.key_id,
                          signed_at=to_sign["receipt"]["signed_at"],
                          signature=crypto.b64e(crypto.sign(material.private_raw, crypto.b64d(to_sign["message"]))))
    verdict = _verify(batch)
    assert verdict.ok and "registered by the platform operator on the party's behalf" in evidence.render(verdict)
    # the change page only revokes, with a reason
    change = reverse("admin:exchange_organizationkey_change", args=[key.pk])
    assert client.post(change, {"revocation_reason": "机构合并"}).status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None and key.revocation_reason == "机构合并"


@pytest.mark.parametrize("algorithm", [crypto.SM2])
def test_the_sm2_suite_works_with_a_party_s_own_key(api, parties, send, algorithm):
    admin = user_of(OrganizationKind.PLATFORM, username="u_platform_ownkeys_sm")
    suites.exchange_profile_set(organization=parties.insurer_a, suite="sm", actor=admin)
    system, key = _registered(api, parties.insurer_a_user, algorithm)
    assert key.key_id.startswith("sm2:")
    batch = send([{"n": 8}], sender=parties.transport, recipient=parties.insurer_a)
    assert services.batch_deliver(batch_id=batch.pk) == "receipt_pending"
    assert system.sign_receipt(Batch.objects.get(pk=batch.pk)).status_code == 200
    batch.refresh_from_db()
    assert "batch_sm3" in batch.receipt
    verdict = _verify(batch)
    assert verdict.ok, [c for c in verdict.checks if not c.ok]
    assert verdict.receipt_custody == Custody.PARTY and verdict.custodial == ["sender"]
    # an SM2 proof of possession made with another SM2 key is refused
    other = PartySystem(api, parties.insurer_a_user, algorithm)
    assert other.register(signer=crypto.generate_key(crypto.SM2)).json()["error"]["code"] == "bad_proof"


def test_a_registry_obtained_independently_brings_a_later_revocation_to_an_older_archive(api, parties, send, tmp_path,
                                                                                         capsys):
    system, key = _registered(api, parties.insurer_a_user)
    batch = send([{"n": 9}], sender=parties.transport, recipient=parties.insurer_a)
    services.batch_deliver(batch_id=batch.pk)
    assert system.sign_receipt(Batch.objects.get(pk=batch.pk)).status_code == 200
    archive = services.batch_archive_export(actor=SystemActor("tests.archive"), batch=Batch.objects.get(pk=batch.pk),
                                            via="command")
    root = crypto.b64e(keys.root().public_raw)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=30)):
        ownkeys.key_revoke(key=key, actor=parties.insurer_a_user, reason="私钥泄露")
        registry = api.as_user(parties.regulator_user).get("/api/v1/exchange-keys/registry/").json()
        # the key's thief rewrites the receipt of the archive (exported before the revocation) and re-signs it,
        # dated after the revocation; it leaves out the log section that would name the genuine receipt
        late = dict(archive["receipt"]["body"], signed_at=crypto.utc_stamp(timezone.now()),
                    case_refs=["FORGED-1"])
    archive.pop("log")
    archive["receipt"] = {"body": late, "signature": crypto.b64e(
        crypto.sign(system.material.private_raw, crypto.receipt_signing_message(late)))}
    assert all(k["revoked_at"] is None for k in archive["keys"])  # the archive predates the revocation
    archive_path, registry_path = tmp_path / "old.json", tmp_path / "registry.json"
    evidence.dump(archive, archive_path)
    call_command("exchange_archive", "registry", str(registry_path), "--uscc", parties.insurer_a.uscc)
    saved = evidence.load(registry_path)
    assert {k["key_id"] for k in saved["keys"]} == {k["key_id"] for k in registry["keys"]
                                                    if k["organization_uscc"] == parties.insurer_a.uscc}
    assert next(k for k in saved["keys"] if k["key_id"] == key.key_id)["revocation_reason"] == "私钥泄露"
    assert evidence.main(["verify", str(archive_path), "--root", root]) == 0  # the archive alone cannot know
    capsys.readouterr()
    assert evidence.main(["verify", str(archive_path), "--root", root, "--registry", str(registry_path)]) == 1
    out = capsys.readouterr().out
    assert "✗ 失败 FAIL  接收方签名早于登记簿所载吊销" in out and "私钥泄露" in out
    with pytest.raises(CommandError):  # the platform's command says the same
        call_command("exchange_archive", "verify", str(archive_path), "--registry", str(registry_path))
    assert "接收方签名早于登记簿所载吊销" in capsys.readouterr().out
    # a key the registry does not hold is not trusted through it
    registry["keys"] = [k for k in registry["keys"] if k["key_id"] != key.key_id]
    verdict = evidence.verify_archive(archive, roots=[keys.root().public_raw], registry=registry)
    assert not next(c for c in verdict.checks if c.label_en == "recipient key as in the independently obtained registry").ok


def test_the_party_s_core_system_does_it_all_with_its_api_key(parties, send):
    """The real path of a connected system: its own account and API key (issued by the operator), no session."""
    from rest_framework.test import APIClient

    from apps.parties.services import api_key_create, user_create

    operator = user_of(OrganizationKind.PLATFORM, username="u_platform_keys_api")
    account = user_create(organization=parties.insurer_a, username="insurer_a_core_keys", password=None,
                          is_system=True, actor=operator)
    _key, plaintext = api_key_create(user=account, name="核心业务系统", actor=operator)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    client.as_user = lambda _user: client  # PartySystem's calls go through the key, not a forced login
    system, key = _registered(client, account)
    assert key.registered_by == account
    batch = send([{"n": 10}], sender=parties.transport, recipient=parties.insurer_a)
    services.batch_deliver(batch_id=batch.pk)
    listed = client.get("/api/v1/batches/?direction=received&state=receipt_pending").json()["results"]
    assert [row["id"] for row in listed] == [str(batch.pk)]
    assert system.sign_receipt(Batch.objects.get(pk=batch.pk)).status_code == 200
    assert _verify(batch).ok


def test_the_party_is_told_of_a_receipt_to_sign_but_not_of_each_tree_head(api, parties, send):
    from apps.core.models import Notification
    from tests.factories import OrganizationFactory

    _registered(api, parties.insurer_a_user)
    platform = OrganizationFactory(kind=OrganizationKind.PLATFORM, name="平台运维(测试)")
    batch = send([{"n": 11}], sender=parties.transport, recipient=parties.insurer_a)
    services.batch_deliver(batch_id=batch.pk)
    log.log_heads_periodic()
    heads = Batch.objects.get(kind=log.HEADS_KIND, sender=platform, recipient=parties.insurer_a)
    assert services.batch_deliver(batch_id=heads.pk) == "receipt_pending"
    told = Notification.objects.filter(user=parties.insurer_a_user, kind="exchange.receipt_pending")
    assert [n.link for n in told] == [reverse("exchange-batch-detail", kwargs={"pk": batch.pk})]
