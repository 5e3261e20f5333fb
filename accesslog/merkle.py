"""RFC 6962 / RFC 9162 Merkle tree hashing, as used by Certificate Transparency and C2SP logs.

A leaf hashes as SHA-256(0x00 || data) and an interior node as SHA-256(0x01 || left || right),
so a leaf can never pass for a node. A tree of n leaves splits at the largest power of two
smaller than n. The standalone verifier (`verifier/rapport_verify.py`) carries its own copy of
these few lines, and known-answer vectors in `tests/accesslog/test_transparency_vectors.py` and
`tests/accesslog/test_consistency_proofs.py` pin both. Consistency proofs (RFC 9162 section 2.1.4)
are what a witness asks for before it co-signs a checkpoint (`accesslog.witnesses`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(ValueError):
    """An inclusion or consistency proof that cannot belong to trees of the claimed sizes."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two smaller than `size` (size >= 2)."""
    return 1 << ((size - 1).bit_length() - 1)


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """The tree head of the given leaf hashes, in one pass and log(n) memory: full subtrees are
    merged as they complete, then the ragged right edge is folded in from the right."""
    stack: list[tuple[int, bytes]] = []  # (height, hash) of completed full subtrees, left first
    for leaf in leaf_hashes:
        height, digest = 0, leaf
        while stack and stack[-1][0] == height:
            digest = node_hash(stack.pop()[1], digest)
            height += 1
        stack.append((height, digest))
    if not stack:
        return EMPTY_ROOT
    digest = stack.pop()[1]
    while stack:
        digest = node_hash(stack.pop()[1], digest)
    return digest


def _subtree(leaf_hashes: Sequence[bytes], start: int, end: int) -> bytes:
    if end - start == 1:
        return leaf_hashes[start]
    middle = start + _split(end - start)
    return node_hash(_subtree(leaf_hashes, start, middle), _subtree(leaf_hashes, middle, end))


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """RFC 6962 PATH(index, leaves): the sibling hashes from the leaf up to the root."""
    size = len(leaf_hashes)
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size}")
    proof: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        middle = start + _split(end - start)
        if start + index < middle:
            proof.append(_subtree(leaf_hashes, middle, end))
            end = middle
        else:
            proof.append(_subtree(leaf_hashes, start, middle))
            index -= middle - start
            start = middle
    proof.reverse()  # from the leaf's sibling up to the root's children
    return proof


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """RFC 9162 section 2.1.3.2: the root a proof leads to (compare it with a signed root)."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size}")
    fn, sn, digest = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            raise ProofError("the proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            digest = node_hash(sibling, digest)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            digest = node_hash(digest, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the proof is shorter than the tree is deep")
    return digest


def consistency_proof(old_size: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """RFC 9162 section 2.1.4.1 PROOF(m, D[n]): the hashes that show the tree of the first
    `old_size` leaves is a prefix of the tree of all of them. Empty when m is 0 or n."""
    size = len(leaf_hashes)
    if not 0 <= old_size <= size:
        raise ProofError(f"a tree of {old_size} is not a prefix of a tree of {size}")
    if old_size in (0, size):
        return []
    return _subproof(old_size, leaf_hashes, 0, size, True)


def _subproof(m: int, leaf_hashes: Sequence[bytes], start: int, end: int, whole: bool) -> list:
    """SUBPROOF(m, D[start:end], b): `whole` is b, true while the old tree is the whole of the
    left edge walked so far (its root is then known to the verifier and not sent)."""
    if m == end - start:
        return [] if whole else [_subtree(leaf_hashes, start, end)]
    k = _split(end - start)
    if m <= k:
        return [
            *_subproof(m, leaf_hashes, start, start + k, whole),
            _subtree(leaf_hashes, start + k, end),
        ]
    return [
        *_subproof(m - k, leaf_hashes, start + k, end, False),
        _subtree(leaf_hashes, start, start + k),
    ]


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """RFC 9162 section 2.1.4.2: raise ProofError unless `proof` shows that the tree of
    `old_size` leaves with `old_root` is a prefix of the tree of `new_size` with `new_root`."""
    if not 0 <= old_size <= new_size:
        raise ProofError(f"a tree of {old_size} cannot be a prefix of a tree of {new_size}")
    if old_size == 0 or old_size == new_size:
        if proof:
            raise ProofError("the proof must be empty")
        if old_size == new_size and old_root != new_root:
            raise ProofError("two trees of the same size have different roots")
        return
    if not proof:
        raise ProofError("the proof is empty")
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # an exact power of two: the old root is a node here
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    old_digest = new_digest = path[0]
    for sibling in path[1:]:
        if sn == 0:
            raise ProofError("the proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            old_digest = node_hash(sibling, old_digest)
            new_digest = node_hash(sibling, new_digest)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            new_digest = node_hash(new_digest, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the proof is shorter than the tree is deep")
    if old_digest != old_root:
        raise ProofError("the proof does not lead to the old root")
    if new_digest != new_root:
        raise ProofError("the proof does not lead to the new root")
