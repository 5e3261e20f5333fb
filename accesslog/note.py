"""C2SP signed notes and tlog-checkpoints: the text our checkpoints are published in.

A checkpoint body (https://c2sp.org/tlog-checkpoint) is

    <origin>\\n
    <tree size, decimal>\\n
    <root hash, standard base64>\\n
    <extension lines>\\n

Ours carries three extension lines: `rapport-checkpoint <number>`, `rapport-time <UTC time>`
and `rapport-previous <hex SHA-256 of the previous checkpoint's body>` (64 zeros for the first),
which chain the checkpoints so a missing, edited or reordered one is noticed.

The signed note (https://c2sp.org/signed-note) is the body, an empty line, and one line per
signature: an em dash, a space, the key name, a space, and base64(key id || signature). For
Ed25519 the key id is the first 4 bytes of SHA-256(key name || 0x0A || 0x01 || public key), and
the signature covers the body's bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519 = b"\x01"
SIGNATURE_PREFIX = "\u2014 "  # em dash, space
GENESIS_PREVIOUS = "0" * 64
_KEY_NAME = re.compile(r"^[^\s+]+$")


class NoteError(ValueError):
    """A note that is malformed, unsigned by a key we trust, or not one of our checkpoints."""


def key_id(name: str, public_raw: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public_raw).digest()[:4]


def verifier_key(name: str, public_raw: bytes) -> str:
    """The signed-note verifier key string: <name>+<hex key id>+<base64(0x01 || key)>."""
    encoded = base64.b64encode(ED25519 + public_raw).decode()
    return f"{name}+{key_id(name, public_raw).hex()}+{encoded}"


def fingerprint(public_raw: bytes) -> str:
    """What people compare by eye: SHA-256 of the public key, in groups of four hex digits."""
    digest = hashlib.sha256(public_raw).hexdigest()[:32]
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


@dataclass(frozen=True)
class CheckpointBody:
    origin: str
    size: int
    root: bytes
    number: int
    time: str
    previous: str

    def text(self) -> str:
        return (
            f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"
            f"rapport-checkpoint {self.number}\nrapport-time {self.time}\n"
            f"rapport-previous {self.previous}\n"
        )


def body_hash(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()


def sign(body: str, name: str, key: Ed25519PrivateKey) -> str:
    if not _KEY_NAME.match(name):
        raise NoteError("a key name has no spaces and no '+'")
    public_raw = key.public_key().public_bytes_raw()
    signature = base64.b64encode(key_id(name, public_raw) + key.sign(body.encode())).decode()
    return f"{body}\n{SIGNATURE_PREFIX}{name} {signature}\n"


def open_note(note: str, name: str, public_keys: list[bytes]) -> tuple[str, bytes]:
    """The body of a note signed by `name` with one of `public_keys`, and the key that signed."""
    body, separator, signatures = note.rpartition("\n\n")
    if not separator or not body:
        raise NoteError("no signature block")
    body += "\n"
    for line in signatures.split("\n"):
        if not line:
            continue
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError("a signature line must start with an em dash")
        signer, _space, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise NoteError("a signature is not base64") from None
        if signer != name or len(raw) != 68:
            continue
        for public_raw in public_keys:
            if raw[:4] != key_id(name, public_raw):
                continue
            try:
                Ed25519PublicKey.from_public_bytes(public_raw).verify(raw[4:], body.encode())
            except InvalidSignature:
                continue
            return body, public_raw
    raise NoteError("not signed by a key we trust")


def parse_body(body: str) -> CheckpointBody:
    lines = body.split("\n")
    if len(lines) != 7 or lines[-1] != "":
        raise NoteError("a checkpoint has three lines and three extension lines")
    origin, size, root, number, time, previous = lines[:6]
    try:
        root_raw = base64.b64decode(root, validate=True)
    except binascii.Error:
        raise NoteError("the root hash is not base64") from None
    if not size.isdigit() or (size != "0" and size.startswith("0")) or len(root_raw) != 32:
        raise NoteError("bad tree size or root hash")
    fields = {}
    for line, key in (
        (number, "rapport-checkpoint"),
        (time, "rapport-time"),
        (previous, "rapport-previous"),
    ):
        label, _space, value = line.partition(" ")
        if label != key or not value:
            raise NoteError(f"expected the {key} line")
        fields[key] = value
    if not fields["rapport-checkpoint"].isdigit() or not re.fullmatch(
        r"[0-9a-f]{64}", fields["rapport-previous"]
    ):
        raise NoteError("bad checkpoint number or previous hash")
    return CheckpointBody(
        origin=origin,
        size=int(size),
        root=root_raw,
        number=int(fields["rapport-checkpoint"]),
        time=fields["rapport-time"],
        previous=fields["rapport-previous"],
    )
