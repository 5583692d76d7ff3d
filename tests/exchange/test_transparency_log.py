"""The transparency log (RFC 9162 manner): batches, receipts and notices appended, heads signed by the platform root
and sent to every party, inclusion and consistency checked offline; a rewritten past entry is detected by a party
holding a later head; the database refuses changes to the log."""

import json
import os

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from apps.exchange import crypto, evidence, keys, log, merkle, selectors, services
from apps.exchange.models import Batch, LogEntry, LogNode, LogState
from apps.parties.models import OrganizationKind
from tests.factories import OrganizationFactory

# Leaves and roots of the Certificate Transparency reference tests (RFC 6962 / RFC 9162 hashing).
CT_LEAVES = [b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43",
             b"\x50\x51\x52\x53\x54\x55\x56\x57", bytes(range(0x60, 0x70))]


def test_merkle_hashing_matches_the_reference_roots():
    leaves = [merkle.leaf_hash(data) for data in CT_LEAVES]
    assert merkle.root(leaves[:1]).hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    assert merkle.root(leaves).hex() == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    assert merkle.root([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_every_inclusion_and_consistency_proof_verifies_and_a_changed_one_does_not():
    for n in range(1, 24):
        leaves = [merkle.leaf_hash(os.urandom(8)) for _ in range(n)]
        root = merkle.root(leaves)
        for i in range(n):
            path = merkle.inclusion_path(i, leaves)
            assert merkle.verify_inclusion(i, n, leaves[i], path, root)
            assert not merkle.verify_inclusion(i, n, merkle.leaf_hash(b"other"), path, root)
        for m in range(1, n + 1):
            proof = merkle.consistency_proof(m, leaves)
            assert merkle.verify_consistency(m, n, merkle.root(leaves[:m]), root, proof)
            if m < n:
                changed = [merkle.leaf_hash(b"rewritten")] + leaves[1:m]
                assert not merkle.verify_consistency(m, n, merkle.root(changed), root, proof)


def _deliver(send, parties, n):
    batches = [send([{"n": i}], sender=parties.transport, recipient=parties.insurer_a) for i in range(n)]
    for batch in batches:
        services.batch_deliver(batch_id=batch.pk)
    return batches


def test_batches_and_receipts_are_logged_and_a_head_signed_by_the_root(parties, send):
    batches = _deliver(send, parties, 2)
    head = log.log_update()
    assert head.tree_size == 4
    kinds = sorted(LogEntry.objects.values_list("kind", "ref"))
    assert kinds == sorted([("batch", str(b.pk)) for b in batches] + [("receipt", str(b.pk)) for b in batches])
    entry = LogEntry.objects.get(kind="batch", batch=batches[0])
    assert entry.data["digest"] == batches[0].sealed_sha256
    assert entry.leaf_hash == merkle.leaf_hash(crypto.canonical_json(entry.data)).hex()
    crypto.verify(keys.root().public_raw, bytes(head.signature), crypto.tree_head_message(head.body))
    assert log.log_update() is None  # nothing new: no new head after a batch
    assert log.log_sync() == 0


def test_a_log_of_one_entry_grows_from_the_next_position(parties, send):
    """The first batch is logged alone right after its commit; its receipt must take position 1, not 0 again."""
    batch = send([{"n": 1}], sender=parties.transport, recipient=parties.insurer_a)
    assert log.log_sync() == 1
    services.batch_deliver(batch_id=batch.pk)
    assert log.log_sync() == 1
    assert list(LogEntry.objects.order_by("index").values_list("index", "kind")) == [(0, "batch"), (1, "receipt")]


def test_the_log_refuses_update_and_delete(parties, send):
    _deliver(send, parties, 1)
    log.log_update()
    for statement in ("UPDATE exchange_logentry SET ref = 'x'", "DELETE FROM exchange_logentry",
                      "UPDATE exchange_treehead SET tree_size = 0", "DELETE FROM exchange_treehead"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(statement)


def test_the_archive_carries_inclusion_proofs_the_offline_verifier_checks(parties, send, tmp_path, capsys):
    batch = _deliver(send, parties, 1)[0]
    path = tmp_path / "a.json"
    call_command("exchange_archive", "export", str(batch.pk), str(path))
    data = json.loads(path.read_text(encoding="utf-8"))
    assert {item["data"]["kind"] for item in data["log"]["inclusion"]} == {"batch", "receipt"}
    verdict = evidence.verify_archive(data, roots=[keys.root().public_raw])
    assert verdict.ok
    labels = {check.label_en for check in verdict.checks}
    assert {"entry included under the signed head", "batch recorded in the transparency log",
            "receipt recorded in the transparency log"} <= labels

    data["log"]["inclusion"][0]["path"][0] = "00" * 32
    assert not evidence.verify_archive(data, roots=[keys.root().public_raw]).ok


def _rewrite_entry(index: int, data: dict) -> None:
    """What an operator with database superuser rights could do: rewrite a past entry behind the triggers, and the
    stored subtree hashes and log state with it (so the heads signed afterwards are over the rewritten history)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        LogEntry.objects.filter(index=index).update(
            data=data, leaf_hash=merkle.leaf_hash(crypto.canonical_json(data)).hex())
        LogNode.objects.all().delete()
        LogState.objects.all().delete()
        log.log_rebuild()


def test_a_rewritten_entry_is_detected_by_a_party_holding_a_later_head(parties, send, tmp_path):
    first = _deliver(send, parties, 3)
    held = log.log_update()  # the head a party received
    bundle_before = log.log_proof(batches=[first[0]])
    assert evidence.verify_log_bundle(bundle_before, roots=[keys.root().public_raw]).ok

    forged = dict(LogEntry.objects.get(index=0).data, digest="0" * 64)
    _rewrite_entry(0, forged)
    _deliver(send, parties, 2)
    log.log_update()

    # the consistency proof from the head the party holds to the operator's new head fails
    proof = log.log_proof(batches=[first[0]], from_size=held.tree_size)
    verdict = evidence.verify_log_bundle(proof, roots=[keys.root().public_raw])
    failed = {check.label_en for check in verdict.checks if not check.ok}
    assert failed == {"heads consistent (history not rewritten)"}
    # and the rewritten entry has no inclusion proof under the held head
    leaves = [bytes.fromhex(h) for h in LogEntry.objects.order_by("index").values_list("leaf_hash", flat=True)]
    rewritten_leaf = merkle.leaf_hash(crypto.canonical_json(forged))
    path = merkle.inclusion_path(0, leaves[: held.tree_size])
    assert not merkle.verify_inclusion(0, held.tree_size, rewritten_leaf, path, bytes.fromhex(held.root_hash))

    # the same through the commands: proof file, then the offline verifier refuses it
    path_file = tmp_path / "proof.json"
    call_command("exchange_log", "proof", str(path_file), "--batch", str(first[0].pk),
                 "--from-size", str(held.tree_size))
    with pytest.raises(CommandError):
        call_command("exchange_log", "verify", str(path_file))


def test_an_honest_log_is_consistent_between_two_heads_a_party_holds(parties, send, tmp_path, capsys):
    _deliver(send, parties, 2)
    older = log.log_update()
    _deliver(send, parties, 3)
    log.log_update()
    path = tmp_path / "proof.json"
    call_command("exchange_log", "proof", str(path), "--from-size", str(older.tree_size))
    capsys.readouterr()
    call_command("exchange_log", "verify", str(path))
    out = capsys.readouterr().out
    assert out.startswith("核验通过 / VERIFIED")
    assert f"{older.tree_size} → " in out
    root = crypto.b64e(keys.root().public_raw)
    assert evidence.main(["verify-log", str(path), "--root", root]) == 0


def test_every_party_receives_the_signed_head_in_its_inbox(parties, send):
    platform = OrganizationFactory(kind=OrganizationKind.PLATFORM, name="平台运维(测试)")
    _deliver(send, parties, 1)
    result = log.log_heads_periodic()
    head = log.latest_head()
    assert result["tree_size"] == head.tree_size and result["sent"] == len(parties.orgs)
    heads = Batch.objects.filter(kind=log.HEADS_KIND, sender=platform)
    assert set(heads.values_list("recipient_id", flat=True)) == {org.pk for org in parties.orgs.values()}
    assert log.log_distribute() == 0  # each party receives a head once

    batch = heads.get(recipient=parties.insurer_b)
    assert services.batch_deliver(batch_id=batch.pk) == "delivered"
    row = selectors.batch_rows(batch=Batch.objects.get(pk=batch.pk), organization=parties.insurer_b)[0]
    body = {k: v for k, v in row.items() if k != "signature"}
    assert body == head.body
    crypto.verify(keys.root().public_raw, crypto.b64d(row["signature"]), crypto.tree_head_message(body))

