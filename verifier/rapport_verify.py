#!/usr/bin/env python3
"""Check a Rapport access-log proof bundle on your own computer, without asking the clinic.

    python3 rapport_verify.py access-log-proof.json --fingerprint "21fe 31df ..." [--state FILE]

Needs Python 3.9+ and the `cryptography` package, nothing else, and makes no network call.
Give the key fingerprint printed on the handout you received at your visit: then the bundle's
signature is checked against a key you got face to face, not one the bundle brings along.

What it checks (the same spec as the verify page, https://<portal>/transparency/):
1. every event: SHA-256 over the canonical JSON of the fields its hash version names (keys
   sorted, no spaces, UTF-8) equals its hash; each event's prev_hash is the hash before it (64
   zeros for the first); sequences run 1, 2, 3... without a gap;
2. the checkpoint: a C2SP signed note by the clinic's Ed25519 key (key id = first 4 bytes of
   SHA-256(name || 0x0A || 0x01 || key)), origin / tree size / base64 root / extension lines;
3. your leaf: SHA-256(0x00 || "rapport-access-log-leaf/1\\n" pseudonym "\\n" sequence "\\n"
   head hash "\\n"), which must name the hash of your event at that sequence, and its RFC 9162
   inclusion proof must lead to the signed root;
4. with --state, that this bundle extends the one you checked last time (a later or equal
   checkpoint, and your log still holding the head you saw): otherwise someone rolled the log
   back or showed you a different history.
Exit status: 0 verified, 1 a problem was found (named), 2 the bundle could not be read.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import sys
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FORMAT = "rapport-access-log-proof/1"
GENESIS = "0" * 64
CANONICAL_FIELDS = {
    1: (
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
    ),
}
# Version 2: who acted for the patient (a carer, a parent, an attorney) and how they are named.
CANONICAL_FIELDS[2] = (*CANONICAL_FIELDS[1], "proxy_access_id", "actor_relationship")
LEAF_VERSION = "rapport-access-log-leaf/1"


@dataclass
class Result:
    ok: bool = True
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    state: dict = field(default_factory=dict)

    def fail(self, message: str) -> None:
        self.ok = False
        self.problems.append(message)


# --- hashing (RFC 6962 / 9162) ---------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: list) -> bytes | None:
    if not 0 <= index < size:
        return None
    fn, sn, digest = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            digest = node_hash(sibling, digest)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            digest = node_hash(digest, sibling)
        fn >>= 1
        sn >>= 1
    return digest if sn == 0 else None


def event_hash(event: dict) -> str | None:
    fields = CANONICAL_FIELDS.get(event.get("hash_version"))
    if fields is None or any(name not in event for name in fields):
        return None
    values = {name: event[name] for name in fields}
    text = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


# --- signed notes (C2SP) ---------------------------------------------------------------------


def key_id(name: str, public_raw: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n\x01" + public_raw).digest()[:4]


def fingerprint(public_raw: bytes) -> str:
    digest = hashlib.sha256(public_raw).hexdigest()[:32]
    return " ".join(digest[i : i + 4] for i in range(0, 32, 4))


def open_note(note: str, name: str, public_raw: bytes) -> str | None:
    body, separator, signatures = note.rpartition("\n\n")
    if not separator or not body:
        return None
    body += "\n"
    for line in signatures.split("\n"):
        if not line.startswith("\u2014 "):
            continue
        signer, _space, encoded = line[2:].partition(" ")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            continue
        if signer != name or len(raw) != 68 or raw[:4] != key_id(name, public_raw):
            continue
        try:
            Ed25519PublicKey.from_public_bytes(public_raw).verify(raw[4:], body.encode())
        except InvalidSignature:
            continue
        return body
    return None


def parse_checkpoint(body: str) -> dict | None:
    lines = body.split("\n")
    if len(lines) < 4 or lines[-1] != "" or not lines[1].isdigit():
        return None
    try:
        root = base64.b64decode(lines[2], validate=True)
    except binascii.Error:
        return None
    if len(root) != 32:
        return None
    parsed = {"origin": lines[0], "size": int(lines[1]), "root": root}
    for line in lines[3:-1]:
        label, _space, value = line.partition(" ")
        parsed[label] = value
    return parsed


# --- the bundle --------------------------------------------------------------------------------


def verify_bundle(bundle: dict, *, fingerprint_wanted: str = "", state: dict | None = None):
    result = Result()
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:
        result.fail(f"this is not a {FORMAT} bundle")
        return result
    events = bundle.get("events") or []

    # 1. The chain.
    previous, hashes = GENESIS, {}
    for expected, event in enumerate(events, start=1):
        sequence = event.get("sequence")
        if sequence != expected:
            result.fail(f"link {expected}: missing (the next event is {sequence})")
            break
        if event.get("prev_hash") != previous:
            result.fail(f"link {expected}: prev_hash does not match the link before")
            break
        if event_hash(event) != event.get("hash"):
            result.fail(f"link {expected}: its fields were changed after writing")
            break
        previous = event["hash"]
        hashes[sequence] = previous
    if result.ok:
        result.notes.append(f"{len(events)} events chain correctly")

    # 2. The key and the checkpoint.
    try:
        public_raw = base64.b64decode(bundle["public_key"]["base64"], validate=True)
    except (KeyError, TypeError, binascii.Error):
        result.fail("the bundle has no readable public key")
        return result
    if fingerprint_wanted:
        if fingerprint(public_raw).replace(" ", "") != fingerprint_wanted.replace(" ", "").lower():
            result.fail("the bundle's key is not the key on your handout")
            return result
    else:
        result.notes.append(
            "no --fingerprint given: the signature was checked with the key inside the bundle"
        )
    origin = bundle.get("origin", "")
    checkpoint, leaf = bundle.get("checkpoint"), bundle.get("leaf")
    if checkpoint is None or leaf is None:
        if events:
            result.notes.append("your log is not in a signed checkpoint yet (it is too recent)")
        return _compare_state(result, state, hashes, None)
    body = open_note(checkpoint.get("note", ""), origin, public_raw)
    if body is None:
        result.fail("the checkpoint's signature does not verify")
        return result
    parsed = parse_checkpoint(body)
    if parsed is None or parsed["origin"] != origin:
        result.fail("the checkpoint is not a checkpoint of this log")
        return result

    # 3. The leaf and its inclusion proof.
    sequence, head = leaf.get("sequence"), leaf.get("head_hash")
    if sequence not in hashes:
        first_missing = len(hashes) + 1 if result.ok else sequence
        result.fail(
            f"link {first_missing}: the signed checkpoint holds link {sequence}, the log "
            "now ends before it (log truncated)"
        )
        return result
    if hashes[sequence] != head:
        result.fail(f"link {sequence}: it differs from the signed checkpoint (log rewritten)")
        return result
    data = f"{LEAF_VERSION}\n{bundle.get('pseudonym', '')}\n{sequence}\n{head}\n".encode()
    try:
        proof = [bytes.fromhex(value) for value in bundle.get("inclusion_proof", [])]
    except (TypeError, ValueError):
        result.fail("the inclusion proof is not readable")
        return result
    root = root_from_inclusion_proof(leaf.get("index", -1), parsed["size"], leaf_hash(data), proof)
    if root != parsed["root"]:
        result.fail("your log's head is not in the signed checkpoint's tree")
        return result
    result.notes.append(
        f"links 1-{sequence} are in signed checkpoint {parsed.get('rapport-checkpoint', '?')} "
        f"of {parsed.get('rapport-time', '?')}; {len(events) - sequence} newer link(s) chain on"
    )
    checkpoint_state = {
        "number": int(parsed.get("rapport-checkpoint", "0") or 0),
        "root": parsed["root"].hex(),
        "size": parsed["size"],
    }
    return _compare_state(result, state, hashes, checkpoint_state)


def _compare_state(result: Result, state, hashes: dict, checkpoint: dict | None) -> Result:
    """Does this bundle extend the one checked last time?"""
    head = max(hashes) if hashes else 0
    if state and result.ok:
        seen = state.get("head") or {}
        seen_sequence = seen.get("sequence", 0)
        if seen_sequence and hashes.get(seen_sequence) != seen.get("hash"):
            result.fail(
                f"link {seen_sequence}: last time your log reached it with another hash, or it "
                "is gone now (rolled back or a different history)"
            )
        old = state.get("checkpoint") or {}
        if old and checkpoint is None:
            result.fail(
                "last time your log was in a signed checkpoint; now it is not (rolled back)"
            )
        elif old and checkpoint is not None:
            if checkpoint["number"] < old["number"] or checkpoint["size"] < old["size"]:
                result.fail(
                    f"this checkpoint ({checkpoint['number']}) is older than the one you checked "
                    f"last time ({old['number']}): rolled back"
                )
            elif checkpoint["number"] == old["number"] and checkpoint["root"] != old["root"]:
                result.fail(f"checkpoint {old['number']} has a different root than last time")
    if result.ok:
        result.state = {
            "head": {"sequence": head, "hash": hashes.get(head, GENESIS)},
            "checkpoint": checkpoint or (state or {}).get("checkpoint") or {},
        }
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bundle", help="the access-log-proof.json you downloaded")
    parser.add_argument("--fingerprint", default="", help="the key fingerprint on your handout")
    parser.add_argument("--state", help="a file remembering what you verified last time")
    args = parser.parse_args(argv)
    try:
        with open(args.bundle, encoding="utf-8") as handle:
            bundle = json.load(handle)
    except (OSError, ValueError) as error:
        print(f"Could not read the bundle: {error}", file=sys.stderr)
        return 2
    state = None
    if args.state:
        try:
            with open(args.state, encoding="utf-8") as handle:
                state = json.load(handle)
        except FileNotFoundError:
            state = None
        except (OSError, ValueError) as error:
            print(f"Could not read the state file: {error}", file=sys.stderr)
            return 2
    result = verify_bundle(bundle, fingerprint_wanted=args.fingerprint, state=state)
    for line in result.notes:
        print(f"  {line}")
    if not result.ok:
        for problem in result.problems:
            print(f"BROKEN: {problem}")
        return 1
    if args.state:
        with open(args.state, "w", encoding="utf-8") as handle:
            json.dump(result.state, handle)
    print("VERIFIED: your access log is intact and signed by the clinic's key.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
