"""Properties of the RFC 6962/9162 tree for any size (hypothesis): every inclusion and every
consistency proof verifies, and a change to any single byte of a leaf, a proof or a root fails."""

from __future__ import annotations

import hashlib
import os

from hypothesis import given, settings
from hypothesis import strategies as st

from accesslog import merkle


def _leaves(size: int) -> list[bytes]:
    return [merkle.leaf_hash(f"leaf {i}".encode()) for i in range(size)]


def _reference_root(hashes: list[bytes]) -> bytes:
    """RFC 6962 MTH, written recursively as the RFC states it."""
    if not hashes:
        return hashlib.sha256(b"").digest()
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return hashlib.sha256(
        b"\x01" + _reference_root(hashes[:k]) + _reference_root(hashes[k:])
    ).digest()


def _flip(data: bytes, position: int, bit: int) -> bytes:
    position %= len(data)
    return data[:position] + bytes([data[position] ^ (1 << bit)]) + data[position + 1 :]


# `make mutmut` runs these once per mutant: fewer examples there.
EXAMPLES = int(os.environ.get("RAPPORT_HYPOTHESIS_EXAMPLES", "80"))
sizes = st.integers(min_value=1, max_value=70)
positions = st.integers(min_value=0, max_value=31)
bits = st.integers(min_value=0, max_value=7)


@settings(max_examples=EXAMPLES, deadline=None)
@given(size=st.integers(min_value=0, max_value=70))
def test_the_root_is_the_rfcs_recursive_definition(size):
    hashes = _leaves(size)
    assert merkle.root(hashes) == _reference_root(hashes)


@settings(max_examples=EXAMPLES, deadline=None)
@given(size=sizes, data=st.data())
def test_every_inclusion_proof_verifies_and_a_flipped_byte_fails(size, data):
    hashes = _leaves(size)
    tree_root = merkle.root(hashes)
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    proof = merkle.inclusion_proof(index, hashes)
    assert merkle.root_from_inclusion_proof(index, size, hashes[index], proof) == tree_root
    position, bit = data.draw(positions), data.draw(bits)
    changed_leaf = _flip(hashes[index], position, bit)
    assert merkle.root_from_inclusion_proof(index, size, changed_leaf, proof) != tree_root
    if proof:
        which = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        changed = [*proof]
        changed[which] = _flip(changed[which], position, bit)
        assert merkle.root_from_inclusion_proof(index, size, hashes[index], changed) != tree_root


@settings(max_examples=EXAMPLES, deadline=None)
@given(new=sizes, data=st.data())
def test_every_consistency_proof_verifies_and_a_flipped_byte_fails(new, data):
    hashes = _leaves(new)
    old = data.draw(st.integers(min_value=0, max_value=new))
    old_root, new_root = merkle.root(hashes[:old]), merkle.root(hashes)
    proof = merkle.consistency_proof(old, hashes)
    merkle.verify_consistency(old, new, old_root, new_root, proof)
    position, bit = data.draw(positions), data.draw(bits)
    if old > 0:
        try:
            merkle.verify_consistency(old, new, _flip(old_root, position, bit), new_root, proof)
        except merkle.ProofError:
            pass
        else:
            raise AssertionError("a changed old root verified")
    if 0 < old < new:
        which = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        changed = [*proof]
        changed[which] = _flip(changed[which], position, bit)
        for args in (
            (old, new, old_root, _flip(new_root, position, bit), proof),
            (old, new, old_root, new_root, changed),
        ):
            try:
                merkle.verify_consistency(*args)
            except merkle.ProofError:
                continue
            raise AssertionError(f"a changed proof verified: {args[:2]}")


@settings(max_examples=EXAMPLES, deadline=None)
@given(new=st.integers(min_value=2, max_value=70), data=st.data())
def test_a_tree_that_changed_a_leaf_is_not_consistent(new, data):
    """A history rewritten under the old size cannot be proved to extend the old tree."""
    hashes = _leaves(new)
    old = data.draw(st.integers(min_value=1, max_value=new - 1))
    changed = data.draw(st.integers(min_value=0, max_value=old - 1))
    forked = [*hashes]
    forked[changed] = merkle.leaf_hash(b"forged")
    proof = merkle.consistency_proof(old, forked)
    try:
        merkle.verify_consistency(old, new, merkle.root(hashes[:old]), merkle.root(forked), proof)
    except merkle.ProofError:
        return
    raise AssertionError("a fork verified as consistent")
