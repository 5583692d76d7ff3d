"""The Merkle tree of the transparency log, in the manner of RFC 9162 §2.1 (Certificate Transparency v2), free of
Django so the offline verifier uses it as is.

* leaf hash ``H(0x00 ‖ data)``, node hash ``H(0x01 ‖ left ‖ right)``, H = SHA-256; the root of the empty tree is
  ``H("")``;
* the tree of n leaves splits at k, the largest power of two below n (MTH, §2.1.1);
* inclusion proofs (PATH, §2.1.3) and consistency proofs (PROOF, §2.1.4) with the verification algorithms of
  §2.1.3.2 and §2.1.4.2.
"""

from __future__ import annotations

import hashlib


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def leaf_hash(data: bytes) -> bytes:
    return _h(b"\x00" + data)


def node_hash(left: bytes, right: bytes) -> bytes:
    return _h(b"\x01" + left + right)


def _split(n: int) -> int:
    k = 1
    while k << 1 < n:
        k <<= 1
    return k


def root(leaves: list[bytes]) -> bytes:
    """MTH over the leaf hashes (iterative: pairs of subtrees of equal size, left to right)."""
    if not leaves:
        return _h(b"")
    stack: list[tuple[int, bytes]] = []  # (size, hash) of complete subtrees, sizes decreasing
    for leaf in leaves:
        size, value = 1, leaf
        while stack and stack[-1][0] == size:
            left_size, left = stack.pop()
            size, value = left_size + size, node_hash(left, value)
        stack.append((size, value))
    value = stack.pop()[1]
    while stack:
        value = node_hash(stack.pop()[1], value)
    return value


def _mth(leaves: list[bytes]) -> bytes:
    return root(leaves)


def inclusion_path(index: int, leaves: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 §2.1.3.1."""
    n = len(leaves)
    if not 0 <= index < n:
        raise ValueError("leaf index outside the tree")
    if n == 1:
        return []
    k = _split(n)
    if index < k:
        return inclusion_path(index, leaves[:k]) + [_mth(leaves[k:])]
    return inclusion_path(index - k, leaves[k:]) + [_mth(leaves[:k])]


def consistency_proof(old_size: int, leaves: list[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 §2.1.4.1."""
    if not 0 < old_size <= len(leaves):
        raise ValueError("old tree size outside the tree")
    return _subproof(old_size, leaves, True)


def _subproof(m: int, leaves: list[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [_mth(leaves)]
    k = _split(n)
    if m <= k:
        return _subproof(m, leaves[:k], complete) + [_mth(leaves[k:])]
    return _subproof(m - k, leaves[k:], False) + [_mth(leaves[:k])]


def verify_inclusion(index: int, size: int, leaf: bytes, path: list[bytes], expected_root: bytes) -> bool:
    """RFC 9162 §2.1.3.2."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == expected_root


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: list[bytes]) -> bool:
    """RFC 9162 §2.1.4.2 (an old size of 0 or a size that shrank never verifies)."""
    if not 0 < old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # an exact power of two: the old root is a node of the new tree
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


# --- Incremental form: appends and proofs without reading every leaf ----------------------------------------------
#
# A complete subtree is named ``(level, index)``: it covers the leaves ``[index·2^level, (index+1)·2^level)``; level
# 0 is a leaf. Once the log has ``(index+1)·2^level`` leaves that subtree never changes, so its hash can be stored
# once (append-only). The *frontier* of a tree of n leaves is the list of its right-edge complete subtrees, one per
# set bit of n, largest first (RFC 9162's compact range of ``[0, n)``); it is enough to append a leaf and to compute
# the root. ``root``, ``inclusion_path`` and ``consistency_proof`` above stay as the reference the incremental
# functions are tested against.


def frontier_append(frontier: list[bytes], size: int, leaf: bytes) -> tuple[list[bytes], list[tuple[int, int, bytes]]]:
    """Append ``leaf`` (a leaf hash) to a tree of ``size`` leaves with ``frontier``: returns the new frontier and the
    complete subtrees of level ≥ 1 the append completes, as ``(level, index, hash)``."""
    frontier = list(frontier)
    created: list[tuple[int, int, bytes]] = []
    value, level, position = leaf, 0, size  # position: index of the new node at ``level``
    while position & 1:  # the left sibling at this level is complete: merge
        value = node_hash(frontier.pop(), value)
        level, position = level + 1, position >> 1
        created.append((level, position, value))
    frontier.append(value)
    return frontier, created


def frontier_root(frontier: list[bytes]) -> bytes:
    """MTH of the tree whose frontier this is."""
    if not frontier:
        return _h(b"")
    value = frontier[-1]
    for left in reversed(frontier[:-1]):
        value = node_hash(left, value)
    return value


def frontier_nodes(size: int) -> list[tuple[int, int]]:
    """The ``(level, index)`` of the frontier of a tree of ``size`` leaves, largest first."""
    return [(level, (size >> level) - 1) for level in range(size.bit_length() - 1, -1, -1) if size >> level & 1]


def range_nodes(start: int, end: int) -> list[tuple[int, int]]:
    """The complete subtrees ``(level, index)`` whose right fold is MTH(D[start:end]), for the ranges RFC 9162's
    recursion asks for (``start`` a multiple of a power of two at least ``end - start``)."""
    nodes = []
    while start < end:
        level = 0
        while start % (2 << level) == 0 and start + (2 << level) <= end:
            level += 1
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def _inclusion_ranges(index: int, start: int, end: int) -> list[tuple[int, int]]:
    if end - start == 1:
        return []
    k = _split(end - start)
    if index < start + k:
        return _inclusion_ranges(index, start, start + k) + [(start + k, end)]
    return _inclusion_ranges(index, start + k, end) + [(start, start + k)]


def _consistency_ranges(m: int, start: int, end: int, complete: bool) -> list[tuple[int, int]]:
    n = end - start
    if m == n:
        return [] if complete else [(start, end)]
    k = _split(n)
    if m <= k:
        return _consistency_ranges(m, start, start + k, complete) + [(start + k, end)]
    return _consistency_ranges(m - k, start + k, end, False) + [(start, start + k)]


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose MTH make PATH(index, D[size]), in order."""
    if not 0 <= index < size:
        raise ValueError("leaf index outside the tree")
    return _inclusion_ranges(index, 0, size)


def consistency_ranges(old_size: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose MTH make PROOF(old_size, D[size]), in order."""
    if not 0 < old_size <= size:
        raise ValueError("old tree size outside the tree")
    return _consistency_ranges(old_size, 0, size, True)


def hashes_for(ranges: list[tuple[int, int]], lookup) -> list[bytes]:
    """MTH of each range from the stored complete subtrees: ``lookup(set of (level, index))`` returns a dict of
    their hashes (one read for the whole proof)."""
    wanted = {node for start, end in ranges for node in range_nodes(start, end)}
    found = lookup(wanted) if wanted else {}
    missing = wanted - set(found)
    if missing:
        raise LookupError(f"subtree hashes missing: {sorted(missing)[:5]}")
    return [frontier_root([found[node] for node in range_nodes(start, end)]) for start, end in ranges]
