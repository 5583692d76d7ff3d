"""RFC 3161 timestamp tokens on the transparency log's signed tree heads (issue 19), against a real local TSA: a
token over each new head's signature when EXCHANGE_TSA_URL is set, shipped with the head to the inboxes and in
archives and proofs, verified offline against the TSA's root certificate; a TSA that is down never blocks the
log — the head is stored without a token and the retry task adds it later. Without a TSA heads are unchanged."""

import datetime as dt
import json
import socket

import pytest
import time_machine
from cryptography.hazmat.primitives.serialization import Encoding
from django.core.management import call_command

from apps.exchange import conf, crypto, evidence, keys, log, services, tasks, tsa
from apps.exchange.models import Batch, TreeHead, TreeHeadToken
from apps.parties.models import OrganizationKind
from tests.factories import OrganizationFactory

from .tsa_server import TSAServer, make_tsa

TOKEN_CHECK = "tree head timestamp (RFC 3161)"


@pytest.fixture
def now():
    """The tests' frozen instant (whole seconds, as the TSA's time is): the keys and the TSA's certificates are
    made relative to it."""
    instant = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)).replace(microsecond=0)  # never before the keys
    with time_machine.travel(instant, tick=False):
        yield instant


@pytest.fixture
def tsa_server(now, settings, tmp_path):
    with TSAServer(now) as server:
        cert = tmp_path / "tsa-root.pem"
        cert.write_bytes(server.ca_pem)
        settings.EXCHANGE_TSA_URL = server.url
        settings.EXCHANGE_TSA_CERT = str(cert)
        server.cert_path = cert
        yield server


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/tsa"  # nothing listens there any more


def _deliver(send, parties, n):
    batches = [send([{"n": i}], sender=parties.transport, recipient=parties.insurer_a) for i in range(n)]
    for batch in batches:
        services.batch_deliver(batch_id=batch.pk)
    return batches


def _token_checks(verdict):
    return [check for check in verdict.checks if check.label_en == TOKEN_CHECK]


def test_a_signed_head_carries_a_tsa_token_that_verifies_offline(parties, send, tsa_server, tmp_path, now):
    batch = _deliver(send, parties, 1)[0]
    head = log.log_update()
    token = TreeHeadToken.objects.get(head=head)
    assert token.gen_time == now and token.tsa_url == tsa_server.url and tsa_server.requests == 1
    travel = log.head_dict(head)
    assert tsa.verify(crypto.b64d(travel["tsa_token"]), bytes(head.signature), [tsa_server.ca])[0]

    bundle = log.log_proof(batches=[batch])
    verdict = evidence.verify_log_bundle(bundle, roots=[keys.root().public_raw], tsa_certs=[tsa_server.ca])
    assert verdict.ok and [c.ok for c in _token_checks(verdict)] == [True]
    # another TSA's root does not vouch for it
    other_root = make_tsa(now)[0]
    verdict = evidence.verify_log_bundle(bundle, roots=[keys.root().public_raw], tsa_certs=[other_root])
    assert not verdict.ok and [c.ok for c in _token_checks(verdict)] == [False]

    # in the archive, and through the offline command line with the TSA's root pinned
    path = tmp_path / "a.json"
    call_command("exchange_archive", "export", str(batch.pk), str(path))
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["log"]["heads"][0]["tsa_token"] == travel["tsa_token"]
    root = crypto.b64e(keys.root().public_raw)
    assert evidence.main(["verify", str(path), "--root", root, "--tsa-cert", str(tsa_server.cert_path)]) == 0
    proof = tmp_path / "p.json"
    proof.write_text(json.dumps(bundle), encoding="utf-8")
    assert evidence.main(["verify-log", str(proof), "--root", root, "--tsa-cert", str(tsa_server.cert_path)]) == 0
    other = tmp_path / "other.pem"
    other.write_bytes(other_root.public_bytes(Encoding.PEM))
    assert evidence.main(["verify-log", str(proof), "--root", root, "--tsa-cert", str(other)]) == 1


def test_a_tampered_head_fails_the_token_check(parties, send, tsa_server):
    _deliver(send, parties, 1)
    first = log.log_update()
    _deliver(send, parties, 1)
    second = log.log_update()
    bundle = log.log_proof(batches=[], from_size=first.tree_size)
    assert evidence.verify_log_bundle(bundle, roots=[keys.root().public_raw], tsa_certs=[tsa_server.ca]).ok

    # the platform re-signs an altered head (it holds the root key) and keeps the token of the original
    forged = dict(bundle["heads"][1], timestamp="2026-11-01T00:00:00Z")
    body = {k: v for k, v in forged.items() if k not in ("signature", "tsa_token")}
    forged["signature"] = crypto.b64e(crypto.sign(keys.root().private_raw, crypto.tree_head_message(body)))
    verdict = evidence.verify_log_bundle(dict(bundle, heads=[bundle["heads"][0], forged]),
                                         roots=[keys.root().public_raw], tsa_certs=[tsa_server.ca])
    failed = [check for check in verdict.checks if not check.ok]
    assert [check.label_en for check in failed] == [TOKEN_CHECK]
    assert "imprint" in failed[0].detail
    # a token moved from one head to another fails too, even without the TSA's root
    swapped = dict(bundle["heads"][0], tsa_token=bundle["heads"][1]["tsa_token"])
    verdict = evidence.verify_log_bundle(dict(bundle, heads=[swapped, bundle["heads"][1]]),
                                         roots=[keys.root().public_raw])
    assert [check.label_en for check in verdict.checks if not check.ok] == [TOKEN_CHECK]
    assert second.tree_size > first.tree_size


def test_a_tsa_that_is_down_never_blocks_the_log_and_the_retry_task_adds_the_token(
        parties, send, tsa_server, settings, purge_queue):
    settings.EXCHANGE_TSA_URL = _closed_port_url()
    _deliver(send, parties, 1)
    head = log.log_update()
    assert head is not None and TreeHead.objects.filter(pk=head.pk).exists()
    assert not TreeHeadToken.objects.filter(head=head).exists()
    assert "tsa_token" not in log.head_dict(head)
    assert evidence.verify_log_bundle(log.log_proof(), roots=[keys.root().public_raw]).ok  # valid without one

    assert log.log_timestamp_pending() == {"stamped": 0, "waiting": 1}  # unreachable: still waiting

    settings.EXCHANGE_TSA_URL = tsa_server.url  # reachable, but out of service: the retry task keeps asking
    tsa_server.down = True
    assert tasks.exchange_log_timestamps.apply().get() == {"stamped": 0, "waiting": 1}
    assert tsa_server.refused == conf.max_attempts() + 1  # (run eagerly here, its retries follow at once)
    tsa_server.down = False  # the TSA is back
    assert tasks.exchange_log_timestamps.apply().get() == {"stamped": 1, "waiting": 0}
    token = TreeHeadToken.objects.get(head=head)
    assert tsa.verify(bytes(token.token), bytes(head.signature), [tsa_server.ca])[0]
    assert "tsa_token" in log.head_dict(head)


def test_heads_sent_to_the_parties_carry_the_token_and_are_resent_once_it_arrives(
        parties, send, tsa_server, settings, purge_queue):
    platform = OrganizationFactory(kind=OrganizationKind.PLATFORM, name="平台运维(测试)")
    settings.EXCHANGE_TSA_URL = _closed_port_url()
    _deliver(send, parties, 1)
    log.log_heads_periodic()  # head signed and sent without a token
    heads = Batch.objects.filter(kind=log.HEADS_KIND, sender=platform)
    assert heads.count() == len(parties.orgs)
    settings.EXCHANGE_TSA_URL = tsa_server.url
    result = log.log_heads_periodic()  # a new interval head, the old one stamped, the stamped head sent
    assert result["timestamps"] == {"stamped": 2, "waiting": 0}
    latest = log.latest_head()
    sent = heads.filter(refs__contains=[f"STH-{latest.tree_size}-{latest.root_hash[:16]}-TST"])
    assert sent.count() == len(parties.orgs)


def test_without_a_tsa_heads_are_unchanged(parties, send, settings):
    settings.EXCHANGE_TSA_URL = ""
    _deliver(send, parties, 1)
    head = log.log_update()
    assert set(log.head_dict(head)) == set(head.body) | {"signature"}
    assert not TreeHeadToken.objects.exists()
    assert log.log_timestamp_pending() == {"stamped": 0, "waiting": 0}
    verdict = evidence.verify_log_bundle(log.log_proof(), roots=[keys.root().public_raw])
    assert verdict.ok and not _token_checks(verdict)
