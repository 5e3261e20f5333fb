"""Tests written to kill mutants of the standalone verifier (verifier/rapport_verify.py, make
mutmut). Bundles are built here from the published spec, without the database: events hashed as
the spec says, a checkpoint signed with a fixed key, a leaf and its inclusion proof. Each check of
the verifier is exercised through `verify_bundle` and `main`, and each problem is asserted by name.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from accesslog import merkle, note
from verifier import rapport_verify

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
PUBLIC = KEY.public_key().public_bytes_raw()
ORIGIN = "clinic.example/access-log"
PSEUDONYM = "ab" * 32
FINGERPRINT = note.fingerprint(PUBLIC)
V1_FIELDS = (
    "patient_id",
    "sequence",
    "occurred_at",
    "actor_id",
    "actor_role",
    "actor_name",
    "action",
    "target",
    "entry_id",
    "category",
    "purpose",
    "basis",
    "grant_id",
    "emergency_id",
    "prev_hash",
)


def _event(sequence: int, prev_hash: str) -> dict:
    values = {
        "patient_id": 7,
        "sequence": sequence,
        "occurred_at": f"2026-12-03T08:{sequence:02d}:00.000000Z",
        "actor_id": 42,
        "actor_role": "physician",
        "actor_name": "Dr A. Rivera — «ñ»",
        "action": "view",
        "target": "record",
        "entry_id": None,
        "category": "",
        "purpose": "treatment",
        "basis": "grant",
        "grant_id": 5,
        "emergency_id": None,
        "prev_hash": prev_hash,
    }
    text = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return {**values, "hash_version": 1, "hash": hashlib.sha256(text.encode()).hexdigest()}


def _events(count: int) -> list[dict]:
    events, previous = [], "0" * 64
    for sequence in range(1, count + 1):
        events.append(_event(sequence, previous))
        previous = events[-1]["hash"]
    return events


def _leaf(pseudonym: str, sequence: int, head: str) -> bytes:
    data = f"rapport-access-log-leaf/1\n{pseudonym}\n{sequence}\n{head}\n".encode()
    return hashlib.sha256(b"\x00" + data).digest()


def bundle(
    *, events: int = 5, signed: int = 4, index: int = 2, size: int = 5, number: int = 9
) -> dict:
    """A patient with `events` events, of which a checkpoint `number` signed `signed`, as leaf
    `index` of a tree of `size` (the other leaves belong to other pseudonyms)."""
    chain = _events(events)
    leaves = [_leaf(f"{i:064x}", i + 1, "cd" * 32) for i in range(size)]
    leaves[index] = _leaf(PSEUDONYM, signed, chain[signed - 1]["hash"])
    body = note.CheckpointBody(
        origin=ORIGIN,
        size=size,
        root=merkle.root(leaves),
        number=number,
        time="2026-12-03T08:30:00Z",
        previous="0" * 64,
    )
    return {
        "format": "rapport-access-log-proof/1",
        "origin": ORIGIN,
        "public_key": {"base64": base64.b64encode(PUBLIC).decode()},
        "pseudonym": PSEUDONYM,
        "checkpoint": {"note": note.sign(body.text(), ORIGIN, KEY)},
        "leaf": {"index": index, "sequence": signed, "head_hash": chain[signed - 1]["hash"]},
        "inclusion_proof": [digest.hex() for digest in merkle.inclusion_proof(index, leaves)],
        "events": chain,
    }


def verify(data: dict, **kwargs) -> rapport_verify.Result:
    return rapport_verify.verify_bundle(data, **kwargs)


def test_a_good_bundle_verifies_with_what_it_checked():
    result = verify(bundle(), fingerprint_wanted=FINGERPRINT.upper())
    assert result.ok and result.problems == []
    assert result.notes == [
        "5 events chain correctly",
        "links 1-4 are in signed checkpoint 9 of 2026-12-03T08:30:00Z; 1 newer link(s) chain on",
    ]
    head = bundle()["events"][-1]["hash"]
    assert result.state == {
        "head": {"sequence": 5, "hash": head},
        "checkpoint": {"number": 9, "root": _root_hex(bundle()), "size": 5},
    }


def _root_hex(data: dict) -> str:
    body = data["checkpoint"]["note"].split("\n")
    return base64.b64decode(body[2]).hex()


@pytest.mark.parametrize(("index", "size"), [(0, 1), (0, 2), (1, 2), (4, 5), (6, 7), (3, 8)])
def test_leaves_anywhere_in_trees_of_any_size_verify(index, size):
    assert verify(bundle(index=index, size=size), fingerprint_wanted=FINGERPRINT).ok


def test_without_a_fingerprint_the_bundle_key_is_used_and_said_so():
    result = verify(bundle())
    assert result.ok
    assert result.notes[1] == (
        "no --fingerprint given: the signature was checked with the key inside the bundle"
    )


def _tampered(change) -> dict:
    data = bundle()
    change(data)
    return data


def _set_event(sequence: int, field: str, value):
    def change(data):
        data["events"][sequence - 1][field] = value

    return change


CHAIN_CASES = [
    (_set_event(3, "purpose", "research"), "link 3: its fields were changed after writing"),
    (_set_event(2, "sequence", 7), "link 2: missing (the next event is 7)"),
    (_set_event(4, "prev_hash", "1" * 64), "link 4: prev_hash does not match the link before"),
    (_set_event(1, "hash_version", 99), "link 1: its fields were changed after writing"),
    (lambda d: d["events"][2].pop("purpose"), "link 3: its fields were changed after writing"),
    (lambda d: d["events"].pop(1), "link 2: missing (the next event is 3)"),
]


@pytest.mark.parametrize(("change", "problem"), CHAIN_CASES)
def test_a_broken_chain_is_named_at_its_first_broken_link(change, problem):
    result = verify(_tampered(change), fingerprint_wanted=FINGERPRINT)
    assert not result.ok and result.problems[0] == problem
    assert result.notes[:1] != ["5 events chain correctly"]


def _first_event_prev(data):
    data["events"][0]["prev_hash"] = "1" * 64


def test_the_first_link_must_start_from_zeros():
    result = verify(_tampered(_first_event_prev), fingerprint_wanted=FINGERPRINT)
    assert result.problems == [
        "link 1: prev_hash does not match the link before",
        "link 4: the signed checkpoint holds link 4, the log now ends before it (log truncated)",
    ]


NOT_IN_TREE = "your log's head is not in the signed checkpoint's tree"
CHECKPOINT_CASES = [
    (lambda d: d.update(format="other/1"), "this is not a rapport-access-log-proof/1 bundle"),
    (lambda d: d.pop("public_key"), "the bundle has no readable public key"),
    (lambda d: d.update(public_key={"base64": "***"}), "the bundle has no readable public key"),
    (lambda d: d.update(public_key=None), "the bundle has no readable public key"),
    (
        lambda d: d.update(public_key={"base64": base64.b64encode(b"\1" * 32).decode()}),
        "the bundle's key is not the key on your handout",
    ),
    (
        lambda d: d["checkpoint"].update(note=d["checkpoint"]["note"].replace("\n5\n", "\n6\n")),
        "the checkpoint's signature does not verify",
    ),
    (lambda d: d["checkpoint"].update(note=""), "the checkpoint's signature does not verify"),
    (lambda d: d.update(origin="other.example/log"), "the checkpoint's signature does not verify"),
    (
        lambda d: d["leaf"].update(sequence=5, head_hash=d["events"][4]["hash"]),
        "your log's head is not in the signed checkpoint's tree",
    ),
    (lambda d: d["leaf"].update(index=3), "your log's head is not in the signed checkpoint's tree"),
    (lambda d: d["leaf"].pop("index"), "your log's head is not in the signed checkpoint's tree"),
    (
        lambda d: d.update(pseudonym="cd" * 32),
        "your log's head is not in the signed checkpoint's tree",
    ),
    (
        lambda d: d["inclusion_proof"].pop(),
        "your log's head is not in the signed checkpoint's tree",
    ),
    (
        lambda d: d["inclusion_proof"].append("00" * 32),
        "your log's head is not in the signed checkpoint's tree",
    ),
    (lambda d: d.update(inclusion_proof=["zz"]), "the inclusion proof is not readable"),
    (lambda d: d.update(inclusion_proof=[7]), "the inclusion proof is not readable"),
    (
        lambda d: d["leaf"].update(head_hash="ef" * 32),
        "link 4: it differs from the signed checkpoint (log rewritten)",
    ),
    (
        lambda d: d["leaf"].update(sequence=6),
        "link 6: the signed checkpoint holds link 6, the log now ends before it (log truncated)",
    ),
]


@pytest.mark.parametrize(("change", "problem"), CHECKPOINT_CASES)
def test_each_checkpoint_problem_is_named(change, problem):
    result = verify(_tampered(change), fingerprint_wanted=FINGERPRINT)
    assert not result.ok and result.problems == [problem]
    assert result.state == {}


def test_a_truncated_log_names_its_first_missing_link():
    data = bundle()
    data["events"] = data["events"][:2]
    result = verify(data, fingerprint_wanted=FINGERPRINT)
    assert result.problems == [
        "link 3: the signed checkpoint holds link 4, the log now ends before it (log truncated)"
    ]


def test_a_bundle_not_in_a_checkpoint_yet_says_so():
    data = bundle()
    data["checkpoint"] = data["leaf"] = None
    result = verify(data, fingerprint_wanted=FINGERPRINT)
    assert result.ok
    assert result.notes[-1] == "your log is not in a signed checkpoint yet (it is too recent)"
    assert result.state["checkpoint"] == {}
    empty = verify({**data, "events": []}, fingerprint_wanted=FINGERPRINT)
    assert empty.ok and empty.notes == ["0 events chain correctly"]
    assert empty.state == {"head": {"sequence": 0, "hash": "0" * 64}, "checkpoint": {}}


def _resign(data: dict, body: str) -> None:
    data["checkpoint"]["note"] = note.sign(body, ORIGIN, KEY)


@pytest.mark.parametrize(
    "body",
    [
        f"{ORIGIN}\nfive\n{base64.b64encode(bytes(32)).decode()}\n",
        f"{ORIGIN}\n5\nnot base64\n",
        f"{ORIGIN}\n5\n{base64.b64encode(bytes(31)).decode()}\n",
        f"{ORIGIN}\n5\n",
        f"other.example/log\n5\n{base64.b64encode(bytes(32)).decode()}\n",
    ],
)
def test_a_signed_note_that_is_not_a_checkpoint_of_this_log_is_refused(body):
    data = bundle()
    _resign(data, body)
    result = verify(data, fingerprint_wanted=FINGERPRINT)
    assert result.problems == ["the checkpoint is not a checkpoint of this log"]


def test_parse_checkpoint_reads_extension_lines():
    body = f"{ORIGIN}\n5\n{base64.b64encode(bytes(32)).decode()}\na 1\nb two words\n"
    assert rapport_verify.parse_checkpoint(body) == {
        "origin": ORIGIN,
        "size": 5,
        "root": bytes(32),
        "a": "1",
        "b": "two words",
    }
    assert rapport_verify.parse_checkpoint(body[:-1]) is None


def test_open_note_skips_lines_it_cannot_use():
    signed = bundle()["checkpoint"]["note"]
    body, _sep, line = signed.rpartition("\n\n")
    extra = [
        "not a signature line",
        "\u2014 " + ORIGIN + " ***",
        "\u2014 someone.else " + line.split(" ")[-1].strip(),
        "\u2014 " + ORIGIN + " " + base64.b64encode(bytes(68)).decode(),
    ]
    text = body + "\n\n" + "\n".join(extra) + "\n" + line
    assert rapport_verify.open_note(text, ORIGIN, PUBLIC) == body + "\n"
    assert rapport_verify.open_note("\n\n" + line, ORIGIN, PUBLIC) is None


def test_the_helpers_match_the_spec():
    assert rapport_verify.leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert rapport_verify.node_hash(b"l", b"r") == hashlib.sha256(b"\x01lr").digest()
    assert rapport_verify.key_id(ORIGIN, PUBLIC) == note.key_id(ORIGIN, PUBLIC)
    assert rapport_verify.fingerprint(PUBLIC) == FINGERPRINT
    leaves = [merkle.leaf_hash(bytes([i])) for i in range(6)]
    for size in range(1, 7):
        for index in range(size):
            proof = merkle.inclusion_proof(index, leaves[:size])
            got = rapport_verify.root_from_inclusion_proof(index, size, leaves[index], proof)
            assert got == merkle.root(leaves[:size])
    assert rapport_verify.root_from_inclusion_proof(2, 2, leaves[0], []) is None
    assert rapport_verify.root_from_inclusion_proof(-1, 2, leaves[0], []) is None
    assert rapport_verify.root_from_inclusion_proof(0, 2, leaves[0], []) is None
    assert rapport_verify.root_from_inclusion_proof(0, 1, leaves[0], [leaves[1]]) is None


def test_event_hash_is_the_spec_hash_and_none_for_unknown_or_incomplete_events():
    event = _event(1, "0" * 64)
    assert rapport_verify.event_hash(event) == event["hash"]
    assert rapport_verify.event_hash({**event, "hash_version": 0}) is None
    assert rapport_verify.event_hash({k: v for k, v in event.items() if k != "basis"}) is None
    assert rapport_verify.event_hash({**event, "extra": 1}) == event["hash"]


# --- remembering what was verified --------------------------------------------------------------


def state_of(data: dict) -> dict:
    result = verify(data, fingerprint_wanted=FINGERPRINT)
    assert result.ok
    return copy.deepcopy(result.state)


def test_a_later_bundle_that_extends_the_last_one_verifies():
    state = state_of(bundle(events=4, signed=3, number=8))
    later = verify(bundle(events=5, signed=4, number=9), state=state)
    assert later.ok and later.state["head"]["sequence"] == 5
    same = verify(bundle(events=4, signed=3, number=8), state=state)
    assert same.ok


def test_a_rolled_back_log_is_named():
    state = state_of(bundle(events=5))
    shorter = bundle(events=4, signed=4)
    result = verify(shorter, state=state)
    assert result.problems == [
        "link 5: last time your log reached it with another hash, or it is gone now "
        "(rolled back or a different history)"
    ]
    assert result.state == {}


def test_a_different_history_is_named():
    state = state_of(bundle())
    state["head"] = {"sequence": 5, "hash": "ee" * 32}
    result = verify(bundle(), state=state)
    assert result.problems[0].startswith("link 5: last time your log reached it with another hash")


def test_an_older_checkpoint_is_a_rollback():
    state = state_of(bundle(number=9))
    result = verify(bundle(number=8), state=state)
    assert result.problems == [
        "this checkpoint (8) is older than the one you checked last time (9): rolled back"
    ]
    smaller = verify(bundle(number=9, size=4, index=2), state=state)
    assert smaller.problems == [
        "this checkpoint (9) is older than the one you checked last time (9): rolled back"
    ]


def test_the_same_checkpoint_with_another_root_is_named():
    state = state_of(bundle(number=9))
    state["checkpoint"]["root"] = "00" * 32
    result = verify(bundle(number=9), state=state)
    assert result.problems == ["checkpoint 9 has a different root than last time"]


def test_a_log_no_longer_in_a_checkpoint_is_a_rollback():
    state = state_of(bundle())
    data = bundle()
    data["checkpoint"] = data["leaf"] = None
    result = verify(data, state=state)
    assert result.problems == [
        "last time your log was in a signed checkpoint; now it is not (rolled back)"
    ]


def test_a_state_from_before_any_checkpoint_is_kept_until_one_comes():
    data = bundle()
    data["checkpoint"] = data["leaf"] = None
    state = state_of(data)
    result = verify(bundle(), state=state)
    assert result.ok and result.state["checkpoint"]["number"] == 9
    state["checkpoint"] = {"number": 3, "root": "aa", "size": 2}
    kept = verify(data, state={"head": state["head"], "checkpoint": {}})
    assert kept.ok and kept.state["checkpoint"] == {}


def test_a_failed_bundle_is_not_compared_with_the_state():
    state = state_of(bundle())
    result = verify(_tampered(_set_event(3, "purpose", "x")), state=state)
    assert result.problems[0] == "link 3: its fields were changed after writing"
    assert not any("last time" in problem for problem in result.problems)


# --- the command line -----------------------------------------------------------------------


def test_the_command_verifies_and_remembers(tmp_path, capsys):
    path, state = tmp_path / "b.json", tmp_path / "state.json"
    path.write_text(json.dumps(bundle(events=4, signed=3, number=8)), encoding="utf-8")
    assert (
        rapport_verify.main([str(path), "--fingerprint", FINGERPRINT, "--state", str(state)]) == 0
    )
    out = capsys.readouterr().out
    assert out.endswith("VERIFIED: your access log is intact and signed by the clinic's key.\n")
    assert "  4 events chain correctly\n" in out
    assert json.loads(state.read_text())["head"]["sequence"] == 4
    path.write_text(json.dumps(bundle(events=3, signed=3, number=8)), encoding="utf-8")
    assert rapport_verify.main([str(path), "--state", str(state)]) == 1
    out = capsys.readouterr().out
    assert "BROKEN: link 4: last time your log reached it" in out
    assert json.loads(state.read_text())["head"]["sequence"] == 4  # not overwritten


def test_the_command_without_state_writes_nothing(tmp_path, capsys):
    path = tmp_path / "b.json"
    path.write_text(json.dumps(bundle()), encoding="utf-8")
    assert rapport_verify.main([str(path)]) == 0
    assert list(tmp_path.iterdir()) == [path]
    assert "no --fingerprint given" in capsys.readouterr().out


def test_the_command_reports_unreadable_files(tmp_path, capsys):
    path = tmp_path / "b.json"
    assert rapport_verify.main([str(path)]) == 2
    assert capsys.readouterr().err.startswith("Could not read the bundle: ")
    path.write_text("{not json", encoding="utf-8")
    assert rapport_verify.main([str(path)]) == 2
    state = tmp_path / "state.json"
    state.write_text("{not json", encoding="utf-8")
    path.write_text(json.dumps(bundle()), encoding="utf-8")
    assert rapport_verify.main([str(path), "--state", str(state)]) == 2
    assert "Could not read the state file: " in capsys.readouterr().err
    missing = tmp_path / "new-state.json"
    assert rapport_verify.main([str(path), "--state", str(missing)]) == 0
    assert json.loads(missing.read_text())["checkpoint"]["number"] == 9


def test_a_failed_result_is_not_ok():
    result = rapport_verify.Result()
    result.fail("x")
    assert result.ok is False and result.problems == ["x"]


def test_a_leaf_index_at_the_tree_size_is_refused():
    leaves = [merkle.leaf_hash(bytes([i])) for i in range(2)]
    assert rapport_verify.root_from_inclusion_proof(2, 2, leaves[0], [leaves[1]]) is None


def test_a_state_without_a_head_sequence_is_nothing_to_compare():
    result = verify(bundle(), state={"head": {}, "checkpoint": {}})
    assert result.ok, result.problems


def test_the_command_checks_the_fingerprint_it_is_given(tmp_path, capsys):
    path = tmp_path / "b.json"
    path.write_text(json.dumps(bundle()), encoding="utf-8")
    wrong = "0000 1111 2222 3333 4444 5555 6666 7777"
    assert rapport_verify.main([str(path), "--fingerprint", wrong]) == 1
    assert "BROKEN: the bundle's key is not the key on your handout" in capsys.readouterr().out


def test_the_command_explains_itself(capsys):
    with pytest.raises(SystemExit):
        rapport_verify.main(["--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert (
        "Check a Rapport access-log proof bundle on your own computer, without asking the clinic."
        " positional arguments:" in out
    )  # the first paragraph of the docstring, and only that
    for text in (
        "the access-log-proof.json you downloaded",
        "the key fingerprint on your handout",
        "a file remembering what you verified last time",
    ):
        assert re.search(rf"\s{re.escape(text)}(\s|$)", out), text


def test_open_note_takes_the_last_empty_line_and_needs_a_text():
    text = "first paragraph\n\nsecond paragraph\n"
    assert rapport_verify.open_note(note.sign(text, ORIGIN, KEY), ORIGIN, PUBLIC) == text
    assert rapport_verify.open_note(note.sign("\n", ORIGIN, KEY), ORIGIN, PUBLIC) is None


def test_open_note_refuses_lines_that_are_not_strict_base64_or_not_ours():
    signed = bundle()["checkpoint"]["note"]
    body, _sep, line = signed.rpartition("\n\n")
    line = line.strip()
    starred = line[:-10] + "*" + line[-10:]
    assert rapport_verify.open_note(f"{body}\n\n{starred}\n", ORIGIN, PUBLIC) is None
    raw = base64.b64decode(line.split(" ")[-1])
    other_name = f"\u2014 someone.else/log {base64.b64encode(raw).decode()}"
    assert rapport_verify.open_note(f"{body}\n\n{other_name}\n", ORIGIN, PUBLIC) is None
    short = f"\u2014 {ORIGIN} {base64.b64encode(raw[:67]).decode()}"
    assert rapport_verify.open_note(f"{body}\n\n{short}\n", ORIGIN, PUBLIC) is None


def test_parse_checkpoint_needs_three_lines_and_strict_base64():
    root = base64.b64encode(bytes(32)).decode()
    assert rapport_verify.parse_checkpoint(f"{ORIGIN}\n5\n{root}\n")["size"] == 5
    starred = root[:10] + "*" + root[10:]
    assert rapport_verify.parse_checkpoint(f"{ORIGIN}\n5\n{starred}\n") is None


def test_missing_parts_of_a_bundle_are_named():
    no_origin = bundle()
    no_origin.pop("origin")
    assert verify(no_origin).problems == ["the checkpoint's signature does not verify"]
    no_note = bundle()
    no_note["checkpoint"] = {}
    assert verify(no_note).problems == ["the checkpoint's signature does not verify"]
    no_proof = bundle()
    no_proof.pop("inclusion_proof")
    assert verify(no_proof).problems == [NOT_IN_TREE]
    no_index = bundle(index=1)
    no_index["leaf"].pop("index")
    assert verify(no_index).problems == [NOT_IN_TREE]


def test_a_checkpoint_without_a_leaf_is_not_a_checkpoint_of_the_patient_yet():
    data = bundle()
    data["leaf"] = None
    result = verify(data, fingerprint_wanted=FINGERPRINT)
    assert result.ok
    assert result.notes[-1] == "your log is not in a signed checkpoint yet (it is too recent)"


def test_a_checkpoint_without_extension_lines_is_reported_as_unnumbered():
    data = bundle()
    body = data["checkpoint"]["note"].rpartition("\n\n")[0].split("\n")
    _resign(data, "\n".join(body[:3]) + "\n")
    result = verify(data, fingerprint_wanted=FINGERPRINT)
    assert result.ok, result.problems
    assert result.notes[-1] == (
        "links 1-4 are in signed checkpoint ? of ?; 1 newer link(s) chain on"
    )
    assert result.state["checkpoint"]["number"] == 0


def test_an_empty_checkpoint_number_counts_as_none():
    data = bundle()
    body = data["checkpoint"]["note"].rpartition("\n\n")[0].split("\n")
    _resign(data, "\n".join([*body[:3], "rapport-checkpoint "]) + "\n")
    result = verify(data, fingerprint_wanted=FINGERPRINT)
    assert result.ok and result.state["checkpoint"]["number"] == 0
