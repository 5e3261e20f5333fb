"""Known answers for the transparency log's encodings. The tree hashes are Certificate
Transparency's published test vectors (RFC 6962 reference implementation), the signed note is the
example from Go's golang.org/x/mod/sumdb/note: both come from outside this code base. Our own leaf
and checkpoint encodings are pinned byte for byte, so a change to them cannot pass silently."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from accesslog import merkle, note
from accesslog.checkpoints import leaf_data, leaf_hash_hex

CT_LEAVES = [
    bytes.fromhex(value)
    for value in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_PATHS = {
    (0, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (5, 8): [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
}
HASHES = [merkle.leaf_hash(leaf) for leaf in CT_LEAVES]


@pytest.mark.parametrize("size", range(9))
def test_tree_heads_match_certificate_transparency(size):
    assert merkle.root(HASHES[:size]).hex() == CT_ROOTS[size]


@pytest.mark.parametrize(("index", "size"), list(CT_PATHS))
def test_inclusion_proofs_match_certificate_transparency(index, size):
    proof = merkle.inclusion_proof(index, HASHES[:size])
    assert [sibling.hex() for sibling in proof] == CT_PATHS[(index, size)]


@pytest.mark.parametrize("size", range(1, 9))
def test_every_inclusion_proof_leads_to_the_root_and_only_for_its_leaf(size):
    for index in range(size):
        proof = merkle.inclusion_proof(index, HASHES[:size])
        assert len(proof) <= (size - 1).bit_length()
        root = merkle.root_from_inclusion_proof(index, size, HASHES[index], proof)
        assert root.hex() == CT_ROOTS[size]
        other = HASHES[(index + 1) % size]
        if size > 1:
            assert merkle.root_from_inclusion_proof(index, size, other, proof) != root


def test_a_proof_of_the_wrong_length_or_index_is_refused():
    proof = merkle.inclusion_proof(5, HASHES)
    with pytest.raises(merkle.ProofError):
        merkle.root_from_inclusion_proof(5, 8, HASHES[5], proof[:-1])
    with pytest.raises(merkle.ProofError):
        merkle.root_from_inclusion_proof(5, 8, HASHES[5], [*proof, proof[0]])
    with pytest.raises(merkle.ProofError):
        merkle.root_from_inclusion_proof(8, 8, HASHES[5], proof)
    with pytest.raises(merkle.ProofError):
        merkle.inclusion_proof(3, HASHES[:3])


def test_leaf_and_node_prefixes():
    assert merkle.leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    left, right = b"\x11" * 32, b"\x22" * 32
    assert merkle.node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()
    assert (
        merkle.node_hash(left, right).hex()
        == "1d8f52d3ec81ac02cd97cb3281523be47af850c0f0295af866f04bc245f46bbf"
    )


def test_leaf_encoding_known_answer():
    data = leaf_data("ab" * 32, 42, "cd" * 32)
    assert data == (
        b"rapport-access-log-leaf/1\n"
        b"abababababababababababababababababababababababababababababababab\n42\n"
        b"cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd\n"
    )
    assert (
        leaf_hash_hex("ab" * 32, 42, "cd" * 32)
        == "8f1bf1da6118f120c3b96ed8774868140352855c98a333e6bda4dc5da7ba5296"
    )


# The Go signed-note package's documented example (a verifier key and a signed note).
GO_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_NOTE = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
    "\n"
    "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngo"
    "tpRZb6KE6RyyBwJnAM=\n"
)


def test_signed_note_matches_gos_reference_example():
    raw = base64.b64decode(GO_KEY.split("+")[2])[1:]
    assert note.verifier_key("PeterNeumann", raw) == GO_KEY
    body, signer = note.open_note(GO_NOTE, "PeterNeumann", [raw])
    assert body.startswith("If you think") and signer == raw
    with pytest.raises(note.NoteError):
        note.open_note(GO_NOTE.replace("problem is", "problem was"), "PeterNeumann", [raw])
    with pytest.raises(note.NoteError):
        note.open_note(GO_NOTE, "SomeoneElse", [raw])


# RFC 8032 test 1's secret key: Ed25519 is deterministic, so the whole signed note is fixed.
TEST_KEY = Ed25519PrivateKey.from_private_bytes(
    bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
)
CHECKPOINT = note.CheckpointBody(
    origin="clinic.example/access-log",
    size=3,
    root=bytes.fromhex(CT_ROOTS[3]),
    number=7,
    time="2026-12-02T14:05:00Z",
    previous="0" * 64,
)
SIGNED_CHECKPOINT = (
    "clinic.example/access-log\n"
    "3\n"
    "rra8/idLcKFPsGel5VeCZNsPqbUa9eC6FZFY8yngbnc=\n"
    "rapport-checkpoint 7\n"
    "rapport-time 2026-12-02T14:05:00Z\n"
    "rapport-previous 0000000000000000000000000000000000000000000000000000000000000000\n"
    "\n"
    "\u2014 clinic.example/access-log b2zKNtUYDmBTi16r5vB2MKYzrVAf1VrAiXFHJM94l1rfX5H+emP624aisvt4q"
    "KvX1RzMk+QpJhCiG9VWsZT2hyBVagQ=\n"
)


def test_checkpoint_encoding_known_answer():
    signed = note.sign(CHECKPOINT.text(), "clinic.example/access-log", TEST_KEY)
    assert signed == SIGNED_CHECKPOINT
    assert (
        note.body_hash(CHECKPOINT.text())
        == "ce4915bd5f2aef0ee3a59f648b5d14ebba953b24f34adf32e15d4d3b23fda2dd"
    )
    public_raw = TEST_KEY.public_key().public_bytes_raw()
    assert note.verifier_key("clinic.example/access-log", public_raw) == (
        "clinic.example/access-log+6f6cca36+AddamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea"
    )
    assert note.fingerprint(public_raw) == "21fe 31df a154 a261 626b f854 046f d227"
    body, _key = note.open_note(SIGNED_CHECKPOINT, "clinic.example/access-log", [public_raw])
    assert note.parse_body(body) == CHECKPOINT


@pytest.mark.parametrize(
    "broken",
    [
        SIGNED_CHECKPOINT.replace("\n3\n", "\n4\n"),
        SIGNED_CHECKPOINT.replace("rapport-checkpoint 7", "rapport-checkpoint 6"),
        SIGNED_CHECKPOINT.replace("\n\n\u2014", "\n\u2014"),
        SIGNED_CHECKPOINT.replace("\u2014 ", "- "),
        SIGNED_CHECKPOINT.replace("b2zK", "b2zL"),
    ],
)
def test_a_changed_checkpoint_does_not_open(broken):
    public_raw = TEST_KEY.public_key().public_bytes_raw()
    with pytest.raises(note.NoteError):
        note.open_note(broken, "clinic.example/access-log", [public_raw])


@pytest.mark.parametrize(
    "body",
    [
        "o\n3\nrra8/idLcKFPsGel5VeCZNsPqbUa9eC6FZFY8yngbnc=\n",
        "o\n03\nrra8/idLcKFPsGel5VeCZNsPqbUa9eC6FZFY8yngbnc=\nrapport-checkpoint 1\n"
        "rapport-time t\nrapport-previous " + "0" * 64 + "\n",
        "o\n3\nnot base64\nrapport-checkpoint 1\nrapport-time t\nrapport-previous "
        + "0" * 64
        + "\n",
        "o\n3\nrra8/idLcKFPsGel5VeCZNsPqbUa9eC6FZFY8yngbnc=\nrapport-checkpoint x\n"
        "rapport-time t\nrapport-previous " + "0" * 64 + "\n",
        "o\n3\nrra8/idLcKFPsGel5VeCZNsPqbUa9eC6FZFY8yngbnc=\nrapport-checkpoint 1\n"
        "rapport-time t\nrapport-previous xyz\n",
    ],
)
def test_malformed_checkpoint_bodies_are_refused(body):
    with pytest.raises(note.NoteError):
        note.parse_body(body)
