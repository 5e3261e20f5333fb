"""Tests written to kill mutants of accesslog/note.py (make mutmut): which signature lines a note
accepts, and each refusal named for what is wrong."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from accesslog import note

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
PUBLIC = KEY.public_key().public_bytes_raw()
OTHER_PUBLIC = OTHER.public_key().public_bytes_raw()
NAME = "clinic.example/access-log"
ROOT_B64 = base64.b64encode(b"\x07" * 32).decode()
BODY = (
    f"{NAME}\n12\n{ROOT_B64}\nrapport-checkpoint 4\nrapport-time 2026-12-03T08:00:00Z\n"
    f"rapport-previous {'a' * 64}\n"
)


def _signature_line(name: str, key: Ed25519PrivateKey, body: str = BODY) -> str:
    public_raw = key.public_key().public_bytes_raw()
    raw = note.key_id(name, public_raw) + key.sign(body.encode())
    return f"\u2014 {name} {base64.b64encode(raw).decode()}"


def test_the_key_id_and_verifier_key_are_the_c2sp_encodings():
    import hashlib

    assert (
        note.key_id(NAME, PUBLIC) == hashlib.sha256(NAME.encode() + b"\n\x01" + PUBLIC).digest()[:4]
    )
    encoded = base64.b64encode(b"\x01" + PUBLIC).decode()
    assert note.verifier_key(NAME, PUBLIC) == f"{NAME}+{note.key_id(NAME, PUBLIC).hex()}+{encoded}"


def test_a_fingerprint_is_eight_groups_of_four_hex_digits_of_the_keys_sha256():
    digest = hashlib.sha256(PUBLIC).hexdigest()
    printed = note.fingerprint(PUBLIC)
    assert printed.split(" ") == [digest[i : i + 4] for i in range(0, 32, 4)]


def test_signing_appends_one_signature_line_after_an_empty_line():
    signed = note.sign(BODY, NAME, KEY)
    assert signed == f"{BODY}\n{_signature_line(NAME, KEY)}\n"
    assert note.body_hash(BODY) == hashlib.sha256(BODY.encode()).hexdigest()


@pytest.mark.parametrize("name", ["has space", "has+plus", ""])
def test_a_key_name_with_a_space_or_a_plus_is_refused(name):
    with pytest.raises(note.NoteError, match="^a key name has no spaces and no '\\+'$"):
        note.sign(BODY, name, KEY)


def test_a_note_opens_with_any_trusted_key_and_says_which():
    signed = note.sign(BODY, NAME, OTHER)
    body, signer = note.open_note(signed, NAME, [PUBLIC, OTHER_PUBLIC])
    assert body == BODY and signer == OTHER_PUBLIC


def test_other_signers_lines_are_skipped_not_fatal():
    lines = [
        _signature_line("someone.else/log", OTHER),  # another name
        _signature_line(NAME, OTHER),  # our name, a key we do not trust
        "\u2014 " + NAME + " " + base64.b64encode(b"\0" * 10).decode(),  # wrong length
        _signature_line(NAME, KEY, BODY.replace("12", "13")),  # our key, another body
        _signature_line(NAME, KEY),
    ]
    signed = BODY + "\n" + "\n".join(lines) + "\n"
    assert note.open_note(signed, NAME, [PUBLIC]) == (BODY, PUBLIC)


def test_a_signature_by_the_right_key_under_another_key_id_is_skipped():
    raw = b"\0\0\0\0" + KEY.sign(BODY.encode())
    signed = f"{BODY}\n\u2014 {NAME} {base64.b64encode(raw).decode()}\n"
    with pytest.raises(note.NoteError, match="^not signed by a key we trust$"):
        note.open_note(signed, NAME, [PUBLIC])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (BODY, "^no signature block$"),
        ("\n\n" + _signature_line(NAME, KEY) + "\n", "^no signature block$"),
        (BODY + "\n- " + NAME + " abc\n", "^a signature line must start with an em dash$"),
        (BODY + "\n\u2014 " + NAME + " not*base64\n", "^a signature is not base64$"),
        (BODY + "\n", "^not signed by a key we trust$"),
    ],
)
def test_refusals_say_what_is_wrong(text, message):
    with pytest.raises(note.NoteError, match=message):
        note.open_note(text, NAME, [PUBLIC])


def _body(**lines: str) -> str:
    fields = {
        "origin": NAME,
        "size": "12",
        "root": ROOT_B64,
        "number": "rapport-checkpoint 4",
        "time": "rapport-time 2026-12-03T08:00:00Z",
        "previous": f"rapport-previous {'a' * 64}",
    }
    fields.update(lines)
    return "\n".join(fields.values()) + "\n"


def test_a_body_parses_into_its_fields():
    parsed = note.parse_body(_body())
    assert parsed == note.CheckpointBody(
        origin=NAME,
        size=12,
        root=b"\x07" * 32,
        number=4,
        time="2026-12-03T08:00:00Z",
        previous="a" * 64,
    )
    assert parsed.text() == BODY
    assert note.parse_body(_body(size="0")).size == 0


BAD_NUMBER = "^bad checkpoint number or previous hash$"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (_body()[:-1], "^a checkpoint has three lines and three extension lines$"),
        (_body() + "extra\n", "^a checkpoint has three lines and three extension lines$"),
        (_body(root="***"), "^the root hash is not base64$"),
        (_body(size="012"), "^bad tree size or root hash$"),
        (_body(size="-1"), "^bad tree size or root hash$"),
        (_body(root=base64.b64encode(b"\x07" * 31).decode()), "^bad tree size or root hash$"),
        (_body(number="rapport-number 4"), "^expected the rapport-checkpoint line$"),
        (_body(number="rapport-checkpoint"), "^expected the rapport-checkpoint line$"),
        (_body(time="rapport-when x"), "^expected the rapport-time line$"),
        (_body(previous="rapport-prev " + "a" * 64), "^expected the rapport-previous line$"),
        (_body(number="rapport-checkpoint four"), "^bad checkpoint number or previous hash$"),
        (
            _body(previous="rapport-previous " + "A" * 64),
            "^bad checkpoint number or previous hash$",
        ),
        (
            _body(previous="rapport-previous " + "a" * 63),
            "^bad checkpoint number or previous hash$",
        ),
        (
            _body(previous="rapport-previous " + "a" * 64 + "b"),
            "^bad checkpoint number or previous hash$",
        ),
    ],
)
def test_malformed_bodies_are_refused_by_name(body, message):
    with pytest.raises(note.NoteError, match=message):
        note.parse_body(body)


def test_a_note_whose_text_has_an_empty_line_opens_at_its_last_one():
    text = "first paragraph\n\nsecond paragraph\n"
    assert note.open_note(note.sign(text, NAME, KEY), NAME, [PUBLIC]) == (text, PUBLIC)


def test_our_signature_under_another_name_does_not_open_the_note():
    raw = note.key_id(NAME, PUBLIC) + KEY.sign(BODY.encode())
    signed = f"{BODY}\n\u2014 someone.else/log {base64.b64encode(raw).decode()}\n"
    with pytest.raises(note.NoteError, match="^not signed by a key we trust$"):
        note.open_note(signed, NAME, [PUBLIC])


def test_a_signature_with_characters_outside_base64_is_refused():
    line = _signature_line(NAME, KEY)
    broken = line[:-10] + "*" + line[-10:]  # inside the base64
    with pytest.raises(note.NoteError, match="^a signature is not base64$"):
        note.open_note(f"{BODY}\n{broken}\n", NAME, [PUBLIC])
    with pytest.raises(note.NoteError, match="^a signature is not base64$"):
        note.open_note(f"{BODY}\n{line} AAAA\n", NAME, [PUBLIC])


def test_an_extension_value_may_hold_spaces():
    parsed = note.parse_body(_body(time="rapport-time 3 December 2026"))
    assert parsed.time == "3 December 2026"
