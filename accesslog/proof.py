"""The proof bundle a patient downloads and can check with no server: their events with hashes,
the latest signed checkpoint, their newest leaf and its inclusion proof, and our public key.

The bundle is JSON, written piece by piece (events fetched by sequence, a thousand at a time), so
memory stays bounded however long the patient's log is. Format `rapport-access-log-proof/1`:

    {"format": ..., "origin": ..., "public_key": {"base64", "key_id", "verifier_key",
     "fingerprint"}, "pseudonym": ..., "checkpoint": {"note"} | null,
     "leaf": {"index", "sequence", "head_hash"} | null, "inclusion_proof": [hex, ...],
     "events": [{<the canonical fields of its hash version>, "hash_version", "hash"}, ...]}

The inclusion proof holds log2(tree size) sibling hashes: nothing about any other patient.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from . import merkle
from .chain import canonical_values
from .keys import origin, pseudonym, trusted_keys
from .models import AccessEvent, AccessLogCheckpoint, CheckpointLeaf

FORMAT = "rapport-access-log-proof/1"
BATCH = 1000


def _dump(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def header(patient_id: int) -> dict:
    """Everything but the events: the key, the checkpoint, the leaf and its proof."""
    key = trusted_keys()[0]
    checkpoint = AccessLogCheckpoint.objects.order_by("-number").first()
    leaf = None
    proof: list[str] = []
    if checkpoint is not None:
        leaf = (
            CheckpointLeaf.objects.filter(patient_id=patient_id, index__lt=checkpoint.tree_size)
            .order_by("-index")
            .first()
        )
    if leaf is not None:
        hashes = [
            bytes.fromhex(value)
            for value in CheckpointLeaf.objects.filter(index__lt=checkpoint.tree_size)
            .order_by("index")
            .values_list("leaf_hash", flat=True)
            .iterator(5000)
        ]
        proof = [sibling.hex() for sibling in merkle.inclusion_proof(leaf.index, hashes)]
    return {
        "format": FORMAT,
        "origin": origin(),
        "public_key": {
            "base64": key.base64,
            "key_id": key.key_id,
            "verifier_key": key.verifier_key,
            "fingerprint": key.fingerprint,
        },
        "pseudonym": pseudonym(patient_id),
        "checkpoint": {"note": checkpoint.note} if checkpoint is not None and leaf else None,
        "leaf": (
            {"index": leaf.index, "sequence": leaf.sequence, "head_hash": leaf.head_hash}
            if leaf
            else None
        ),
        "inclusion_proof": proof,
    }


def events(patient_id: int) -> Iterator[dict]:
    after = 0
    while True:
        batch = list(
            AccessEvent.objects.filter(patient_id=patient_id, sequence__gt=after).order_by(
                "sequence"
            )[:BATCH]
        )
        for event in batch:
            yield {
                **canonical_values(event),
                "hash_version": event.hash_version,
                "hash": event.hash,
            }
        if len(batch) < BATCH:
            return
        after = batch[-1].sequence


def stream(patient_id: int) -> Iterator[str]:
    """The bundle as JSON text, in pieces."""
    head = _dump(header(patient_id))
    yield head[:-1] + ',"events":['
    for number, event in enumerate(events(patient_id)):
        yield ("," if number else "") + _dump(event)
    yield "]}\n"


def build(patient_id: int) -> dict:
    """The whole bundle as one object (tests, and the verifiers' fixtures)."""
    return json.loads("".join(stream(patient_id)))
