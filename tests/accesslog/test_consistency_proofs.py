"""RFC 9162 section 2.1.4 consistency proofs, pinned to known answers: the reference vectors of
transparency-dev/merkle (the Go library behind Certificate Transparency and Sigstore), over the
eight leaves of its `testonly.LeafInputs()`."""

from __future__ import annotations

import pytest

from accesslog import merkle

LEAVES = [
    bytes.fromhex(h)
    for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657"]
    + ["606162636465666768696a6b6c6d6e6f"]
]
LEAF_HASHES = [merkle.leaf_hash(leaf) for leaf in LEAVES]
ROOTS = {
    size: bytes.fromhex(h)
    for size, h in {
        1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    }.items()
}
# (old size, new size, proof) from transparency-dev/merkle proof/verify_test.go.
KNOWN_PROOFS = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


@pytest.mark.parametrize(("old", "new", "expected"), KNOWN_PROOFS)
def test_consistency_proofs_match_the_reference(old, new, expected):
    proof = merkle.consistency_proof(old, LEAF_HASHES[:new])
    assert [digest.hex() for digest in proof] == expected
    merkle.verify_consistency(old, new, ROOTS[old], ROOTS[new], proof)


def test_the_reference_roots_are_ours():
    for size, expected in ROOTS.items():
        assert merkle.root(LEAF_HASHES[:size]) == expected


def _corruptions(old, new, proof):
    """transparency-dev's corruptConsistencyProof: each must be refused."""
    first, second = ROOTS[old], ROOTS[new]
    yield "old - 1", (old - 1, new, first, second, proof)
    yield "old + 1", (old + 1, new, first, second, proof)
    yield "old ^ 2", (old ^ 2, new, first, second, proof)
    yield "new * 2", (old, new * 2, first, second, proof)
    yield "new // 2", (old, new // 2, first, second, proof)
    yield "wrong old root", (old, new, b"WrongRoot", second, proof)
    yield "wrong new root", (old, new, first, b"WrongRoot", proof)
    yield "swapped roots", (old, new, second, first, proof)
    yield "empty proof", (old, new, first, second, [])
    yield "trailing garbage", (old, new, first, second, [*proof, b""])
    yield "trailing old root", (old, new, first, second, [*proof, first])
    yield "trailing new root", (old, new, first, second, [*proof, second])
    yield "preceding garbage", (old, new, first, second, [b"", *proof])
    yield "preceding old root", (old, new, first, second, [first, *proof])
    yield "preceding new root", (old, new, first, second, [second, *proof])
    yield "preceding proof[0]", (old, new, first, second, [proof[0], *proof])
    yield "truncated", (old, new, first, second, proof[:-1])
    for i in range(len(proof)):
        flipped = list(proof)
        flipped[i] = bytes([flipped[i][0] ^ 16]) + flipped[i][1:]
        yield f"proof[{i}] bit 4", (old, new, first, second, flipped)


@pytest.mark.parametrize(("old", "new", "expected"), [p for p in KNOWN_PROOFS if p[2]])
def test_every_corruption_of_a_known_proof_is_refused(old, new, expected):
    proof = [bytes.fromhex(h) for h in expected]
    accepted = []
    for name, args in _corruptions(old, new, proof):
        try:
            merkle.verify_consistency(*args)
        except merkle.ProofError:
            continue
        accepted.append(name)
    assert accepted == []


@pytest.mark.parametrize(
    ("old", "new", "old_root", "new_root", "proof", "ok"),
    [
        (0, 0, b"r1", b"r1", [], True),  # sizes that are always consistent
        (0, 1, b"r1", b"r2", [], True),
        (1, 1, b"r2", b"r2", [], True),
        (0, 0, b"r1", b"r2", [], False),  # same size, different roots
        (1, 1, b"r1", b"r2", [], False),
        (1, 0, b"r1", b"r2", [], False),  # time travel to the past
        (2, 1, b"r1", b"r2", [], False),
        (1, 2, b"r1", b"r2", [], False),  # empty proof
        (0, 0, merkle.EMPTY_ROOT, merkle.EMPTY_ROOT, [merkle.EMPTY_ROOT], False),
        (0, 1, merkle.EMPTY_ROOT, merkle.EMPTY_ROOT, [merkle.EMPTY_ROOT], False),
        (1, 1, merkle.EMPTY_ROOT, merkle.EMPTY_ROOT, [merkle.EMPTY_ROOT], False),
        (-1, 1, b"r1", b"r1", [], False),
    ],
)
def test_edge_cases_of_verification(old, new, old_root, new_root, proof, ok):
    if ok:
        merkle.verify_consistency(old, new, old_root, new_root, proof)
    else:
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(old, new, old_root, new_root, proof)


@pytest.mark.parametrize(("old", "new"), [(-1, 3), (4, 3)])
def test_a_proof_between_impossible_sizes_is_not_made(old, new):
    with pytest.raises(merkle.ProofError):
        merkle.consistency_proof(old, LEAF_HASHES[:new])


def test_proofs_from_nothing_and_to_itself_are_empty():
    assert merkle.consistency_proof(0, LEAF_HASHES) == []
    assert merkle.consistency_proof(8, LEAF_HASHES) == []


def test_a_proof_is_not_accepted_for_another_tree():
    proof = merkle.consistency_proof(3, LEAF_HASHES[:7])
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(3, 7, ROOTS[3], SOME_HASH, proof)
