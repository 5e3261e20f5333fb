"""Chained access events written in bulk, with real hashes: the benchmarks' history, far faster
than the request path (which locks the head per event). Each chain gets its head and its readers
(`AccessReader`), as `append_event` would leave them."""

from __future__ import annotations

from collections.abc import Callable

from accesslog.chain import GENESIS_HASH, compute_hash
from accesslog.models import (
    AccessAction,
    AccessBasis,
    AccessChainHead,
    AccessEvent,
    AccessReader,
    AccessTarget,
)

# What every benchmark event shares unless `fields` says otherwise: a physician's treatment read
# of the record under a grant.
DEFAULTS = {
    "actor_role": "physician",
    "action": AccessAction.VIEW,
    "target": AccessTarget.RECORD,
    "entry_id": None,
    "category": "",
    "purpose": "treatment",
    "basis": AccessBasis.GRANT,
    "grant_id": None,
    "emergency_id": None,
}


def write_chain(
    patient_id: int, events: int, fields: Callable[[int], dict], batch: int = 10_000
) -> str:
    """Write `events` chained events for one patient; `fields(sequence)` gives each event's
    `occurred_at`, `actor_id`, `actor_name` and anything that differs from DEFAULTS. Returns the
    head's hash."""
    prev = GENESIS_HASH
    rows: list[AccessEvent] = []
    readers: dict[int, str] = {}
    for sequence in range(1, events + 1):
        event = AccessEvent(
            patient_id=patient_id,
            sequence=sequence,
            prev_hash=prev,
            **{**DEFAULTS, **fields(sequence)},
        )
        event.hash = prev = compute_hash(event)
        readers.setdefault(event.actor_id, event.actor_name)
        rows.append(event)
        if len(rows) >= batch:
            AccessEvent.objects.bulk_create(rows)
            rows = []
    AccessEvent.objects.bulk_create(rows)
    AccessChainHead.objects.create(patient_id=patient_id, sequence=events, hash=prev)
    AccessReader.objects.bulk_create(
        [
            AccessReader(patient_id=patient_id, actor_id=actor_id, actor_name=name)
            for actor_id, name in readers.items()
        ]
    )
    return prev
