"""Measure the transparency log's append and proof costs, the full rebuild (``merkle.root`` / ``inclusion_path``
over every leaf, as the log did before) against the frontier and stored subtrees (``frontier_append``,
``hashes_for``), checking both give the same root and proofs. Pure Python, no database:

    .venv/bin/python benchmarks/transparency_log.py [entries, default 100000]

docs/performance.md ("Transparency log") has the figures and the database side."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from apps.exchange import merkle  # noqa: E402


def main(n: int) -> None:
    leaves = [merkle.leaf_hash(i.to_bytes(8, "big")) for i in range(n)]
    store: dict[tuple[int, int], bytes] = {}
    frontier: list[bytes] = []
    start = time.perf_counter()
    for i, leaf in enumerate(leaves):
        store[(0, i)] = leaf
        frontier, created = merkle.frontier_append(frontier, i, leaf)
        store.update({(level, index): value for level, index, value in created})
    incremental = (time.perf_counter() - start) / n
    start = time.perf_counter()
    root = merkle.root(leaves)
    rebuild = time.perf_counter() - start
    assert root == merkle.frontier_root(frontier)

    lookups: list[int] = []

    def lookup(wanted):
        lookups.append(len(wanted))
        return {node: store[node] for node in wanted}

    index, old = n * 2 // 3, n // 3
    start = time.perf_counter()
    path = merkle.hashes_for(merkle.inclusion_ranges(index, n), lookup)
    proof = merkle.hashes_for(merkle.consistency_ranges(old, n), lookup)
    stored = time.perf_counter() - start
    start = time.perf_counter()
    assert path == merkle.inclusion_path(index, leaves)
    assert proof == merkle.consistency_proof(old, leaves)
    full = time.perf_counter() - start
    print(f"{n} entries, {len(store) - n} stored subtrees of level >= 1")
    print(f"append + new root:  frontier {incremental * 1e6:.1f} µs per entry;  full rebuild {rebuild * 1e3:.1f} ms")
    print(f"inclusion + consistency proof: stored subtrees {stored * 1e3:.2f} ms ({sum(lookups)} hashes read); "
          f"from every leaf {full * 1e3:.1f} ms ({n} leaves read)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
