"""Tests written to kill mutants of accesslog/merkle.py (make mutmut): every tree size up to 33,
every proof between them, and each refusal named for what is wrong."""

from __future__ import annotations

import pytest

from accesslog import merkle

LEAVES = [merkle.leaf_hash(f"leaf {i}".encode()) for i in range(33)]
ROOTS = [merkle.root(LEAVES[:size]) for size in range(34)]


def test_every_consistency_proof_up_to_33_leaves_verifies_and_only_for_its_roots():
    for new in range(1, 34):
        for old in range(1, new + 1):
            proof = merkle.consistency_proof(old, LEAVES[:new])
            merkle.verify_consistency(old, new, ROOTS[old], ROOTS[new], proof)
            if old == new:
                assert proof == []
                continue
            for wrong in (
                (old, new, ROOTS[old - 1], ROOTS[new], proof),
                (old, new, ROOTS[old], ROOTS[new - 1], proof),
                (old, new, ROOTS[old], ROOTS[new], [*proof, ROOTS[new]]),
            ):
                with pytest.raises(merkle.ProofError):
                    merkle.verify_consistency(*wrong)


def test_every_inclusion_proof_up_to_33_leaves_leads_to_the_root():
    for size in range(1, 34):
        for index in range(size):
            proof = merkle.inclusion_proof(index, LEAVES[:size])
            assert (
                merkle.root_from_inclusion_proof(index, size, LEAVES[index], proof) == (ROOTS[size])
            )


def test_refusals_say_what_is_wrong():
    cases = [
        (lambda: merkle.inclusion_proof(3, LEAVES[:3]), "leaf 3 is not in a tree of 3"),
        (
            lambda: merkle.root_from_inclusion_proof(5, 5, LEAVES[0], []),
            "leaf 5 is not in a tree of 5",
        ),
        (
            lambda: merkle.root_from_inclusion_proof(0, 2, LEAVES[0], [LEAVES[1], LEAVES[2]]),
            "the proof is longer than the tree is deep",
        ),
        (
            lambda: merkle.root_from_inclusion_proof(0, 4, LEAVES[0], [LEAVES[1]]),
            "the proof is shorter than the tree is deep",
        ),
        (
            lambda: merkle.consistency_proof(4, LEAVES[:3]),
            "a tree of 4 is not a prefix of a tree of 3",
        ),
        (
            lambda: merkle.verify_consistency(4, 3, ROOTS[4], ROOTS[3], []),
            "a tree of 4 cannot be a prefix of a tree of 3",
        ),
        (
            lambda: merkle.verify_consistency(0, 3, ROOTS[0], ROOTS[3], [ROOTS[1]]),
            "the proof must be empty",
        ),
        (
            lambda: merkle.verify_consistency(3, 3, ROOTS[3], ROOTS[2], []),
            "two trees of the same size have different roots",
        ),
        (lambda: merkle.verify_consistency(2, 3, ROOTS[2], ROOTS[3], []), "the proof is empty"),
        (
            lambda: merkle.verify_consistency(
                3, 4, ROOTS[3], ROOTS[4], [*merkle.consistency_proof(3, LEAVES[:4]), ROOTS[1]]
            ),
            "the proof is longer than the tree is deep",
        ),
        (
            lambda: merkle.verify_consistency(
                3, 8, ROOTS[3], ROOTS[8], merkle.consistency_proof(3, LEAVES[:8])[:-1]
            ),
            "the proof is shorter than the tree is deep",
        ),
        (
            lambda: merkle.verify_consistency(
                3, 8, ROOTS[2], ROOTS[8], merkle.consistency_proof(3, LEAVES[:8])
            ),
            "the proof does not lead to the old root",
        ),
        (
            lambda: merkle.verify_consistency(
                3, 8, ROOTS[3], ROOTS[7], merkle.consistency_proof(3, LEAVES[:8])
            ),
            "the proof does not lead to the new root",
        ),
    ]
    for call, message in cases:
        with pytest.raises(merkle.ProofError) as raised:
            call()
        assert str(raised.value) == message
