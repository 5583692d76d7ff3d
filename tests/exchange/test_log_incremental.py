"""The transparency log appends in O(log n): the frontier and the stored subtree hashes give the same roots and
the same inclusion and consistency proofs as the full RFC 9162 computation over every leaf (``merkle.root``,
``merkle.inclusion_path``, ``merkle.consistency_proof`` stay as the reference); an append locks one row."""

import random

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from apps.exchange import evidence, keys, log, merkle, services
from apps.exchange.models import LogEntry, LogNode, LogState, TreeHead


def _reference_store(n: int, rng: random.Random):
    leaves = [merkle.leaf_hash(rng.randbytes(8)) for _ in range(n)]
    store, frontier = {}, []
    for i, leaf in enumerate(leaves):
        store[(0, i)] = leaf
        frontier, created = merkle.frontier_append(frontier, i, leaf)
        store.update({(level, index): value for level, index, value in created})
        assert merkle.frontier_root(frontier) == merkle.root(leaves[: i + 1])
        assert [store[node] for node in merkle.frontier_nodes(i + 1)] == frontier
    return leaves, store


def test_incremental_roots_and_proofs_equal_the_full_rebuild_for_random_sizes():
    rng = random.Random(9162)
    for n in [1, 2, 3, 7, 8, 9, 31, 64, 65, 100, *rng.sample(range(2, 700), 6)]:
        leaves, store = _reference_store(n, rng)
        lookup = lambda wanted, store=store: {node: store[node] for node in wanted}  # noqa: E731
        for index in {0, n - 1, *rng.sample(range(n), min(n, 8))}:
            path = merkle.hashes_for(merkle.inclusion_ranges(index, n), lookup)
            assert path == merkle.inclusion_path(index, leaves)
        for old in {1, n, *rng.sample(range(1, n + 1), min(n, 8))}:
            proof = merkle.hashes_for(merkle.consistency_ranges(old, n), lookup)
            assert proof == merkle.consistency_proof(old, leaves)


def test_a_proof_reads_only_the_logarithmic_subtrees_it_needs():
    leaves, store = _reference_store(1000, random.Random(1))
    asked = []

    def lookup(wanted):
        asked.append(len(wanted))
        return {node: store[node] for node in wanted}

    merkle.hashes_for(merkle.inclusion_ranges(417, 1000), lookup)
    merkle.hashes_for(merkle.consistency_ranges(333, 1000), lookup)
    assert asked and all(count <= 2 * 10 for count in asked)  # ≤ 2·log2(1000), never the 1000 leaves


def _deliver(send, parties, n):
    batches = [send([{"n": i}], sender=parties.transport, recipient=parties.insurer_a) for i in range(n)]
    for batch in batches:
        services.batch_deliver(batch_id=batch.pk)
    return batches


def test_the_stored_log_gives_the_reference_root_and_proofs(parties, send):
    _deliver(send, parties, 3)
    log.log_update()
    _deliver(send, parties, 4)
    head = log.log_update()
    leaves = [bytes.fromhex(h) for h in LogEntry.objects.order_by("index").values_list("leaf_hash", flat=True)]
    assert head.tree_size == len(leaves) == 14
    assert bytes.fromhex(head.root_hash) == merkle.root(leaves)
    assert LogState.objects.get(pk=1).tree_size == 14
    for index in range(len(leaves)):
        assert log.inclusion_path(index, len(leaves)) == merkle.inclusion_path(index, leaves)
    for old in range(1, len(leaves) + 1):
        assert log.consistency_proof(old, len(leaves)) == merkle.consistency_proof(old, leaves)
    # the subtrees are those of the full tree, each stored once
    assert LogNode.objects.count() == sum(len(leaves) >> level for level in range(1, len(leaves).bit_length()))
    bundle = log.log_proof(batches=[], from_size=6)
    assert evidence.verify_log_bundle(bundle, roots=[keys.root().public_raw]).ok


def test_an_append_locks_the_state_row_not_the_table_and_reads_no_earlier_leaf(parties, send):
    _deliver(send, parties, 5)
    log.log_sync()
    _deliver(send, parties, 1)
    with CaptureQueriesContext(connection) as queries:
        assert log.log_sync() == 2
    sql = [q["sql"] for q in queries.captured_queries]
    assert not any("LOCK TABLE" in s for s in sql)
    assert any("exchange_logstate" in s and "FOR UPDATE" in s for s in sql)
    # no read of the earlier leaf hashes: the entries table is only written and probed for what is not logged yet
    assert not any(s.lstrip().startswith("SELECT") and '"exchange_logentry"."leaf_hash"' in s for s in sql)


def test_a_missing_state_row_is_rebuilt_from_the_leaves(parties, send):
    _deliver(send, parties, 2)
    before = log.log_update()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        LogState.objects.all().delete()
    _deliver(send, parties, 1)
    head = log.log_update()
    leaves = [bytes.fromhex(h) for h in LogEntry.objects.order_by("index").values_list("leaf_hash", flat=True)]
    assert head.tree_size == before.tree_size + 2 == len(leaves)
    assert bytes.fromhex(head.root_hash) == merkle.root(leaves)



def test_concurrent_appends_wait_on_the_state_row_and_keep_positions_dense(transactional_db, parties, caplog):
    """Two senders at once, each batch's commit appending to the log and signing a head (``log_after_commit``):
    appends serialise on the state row — every position once, every entry once, and every head signed meanwhile
    is the reference root of the first ``tree_size`` entries as finally stored."""
    import threading

    from apps.parties.rights import SystemActor

    errors = []
    barrier = threading.Barrier(2)

    def sender(sender_org, recipient):
        try:
            barrier.wait()
            for i in range(3):
                with transaction.atomic():  # the commit runs log_after_commit
                    services.batch_send(kind="test_echo", sender=sender_org, recipient=recipient, rows=[{"n": i}],
                                        refs=(), actor=SystemActor("tests.send", organization=sender_org))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sender, args=(parties.transport, parties.insurer_a)),
               threading.Thread(target=sender, args=(parties.insurer_b, parties.regulator))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert "could not update the transparency log" not in caplog.text
    entries = list(LogEntry.objects.order_by("index").values_list("index", "kind", "ref"))
    assert [index for index, _kind, _ref in entries] == list(range(6))
    assert len({(kind, ref) for _index, kind, ref in entries}) == 6
    leaves = [bytes.fromhex(h) for h in LogEntry.objects.order_by("index").values_list("leaf_hash", flat=True)]
    state = LogState.objects.get(pk=1)
    assert state.tree_size == 6 and bytes.fromhex(state.root_hash) == merkle.root(leaves)
    heads = list(TreeHead.objects.all())
    assert heads and all(bytes.fromhex(h.root_hash) == merkle.root(leaves[: h.tree_size]) for h in heads)
