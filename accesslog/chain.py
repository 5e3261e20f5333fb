"""The hash-chained access log: appending and verifying.

One chain per patient. An event's `hash` is SHA-256 over a canonical JSON serialisation of the
fields its `hash_version` names, `prev_hash` among them; the first event's `prev_hash` is 64
zeros. A new field joins the hash only under a new version, so every event written before keeps
verifying; `tests/accesslog/test_hash_vectors.py` pins each version's bytes. Appending locks the
patient's
`AccessChainHead` row (PostgreSQL: `SELECT ... FOR UPDATE`; SQLite: transactions take the database
write lock at BEGIN), assigns the next sequence number under that lock and writes the event and the
new head in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from clinic.prepared import server_cursor
from patients.models import Patient, RecordEntry

from .models import CURRENT_HASH_VERSION, AccessChainHead, AccessEvent, AccessReader

GENESIS_HASH = "0" * 64

# The fields each hash version covers. Never edit a version once events carry it: add a new one.
CANONICAL_FIELDS: dict[int, tuple[str, ...]] = {
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
# Version 2 adds who acted for the patient: the proxy access and how the log names the proxy.
CANONICAL_FIELDS[2] = (*CANONICAL_FIELDS[1], "proxy_access_id", "actor_relationship")


class UnknownHashVersion(ValueError):
    """An event claims a hash version this code does not know."""


def canonical_values(event: AccessEvent) -> dict:
    """The fields the event's hash version covers, as they are hashed (times in UTC, to the
    microsecond). The proof bundle ships exactly these, so offline verifiers hash what we hash."""
    try:
        fields = CANONICAL_FIELDS[event.hash_version]
    except KeyError:
        raise UnknownHashVersion(f"unknown hash version {event.hash_version!r}") from None
    values = {}
    for field in fields:
        value = getattr(event, field)
        if isinstance(value, dt.datetime):
            value = value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        values[field] = value
    return values


def canonical_bytes(event: AccessEvent) -> bytes:
    values = canonical_values(event)
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def compute_hash(event: AccessEvent) -> str:
    return hashlib.sha256(canonical_bytes(event)).hexdigest()


# The columns an append writes: every field of the current version, the version and the hash.
EVENT_COLUMNS = (*CANONICAL_FIELDS[CURRENT_HASH_VERSION], "hash_version", "hash")


def _locked_head(cursor, patient_id: int) -> tuple[int, str]:
    """The chain head's (sequence, hash), locked until the transaction ends."""
    table = AccessChainHead._meta.db_table
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    select = f"SELECT sequence, hash FROM {table} WHERE patient_id = %s{lock}"  # noqa: S608
    cursor.execute(select, [patient_id])
    row = cursor.fetchone()
    if row is None:
        # First event of this chain: create the head; a concurrent creator makes this a no-op.
        AccessChainHead.objects.bulk_create(
            [AccessChainHead(patient_id=patient_id, sequence=0, hash=GENESIS_HASH)],
            ignore_conflicts=True,
        )
        cursor.execute(select, [patient_id])
        row = cursor.fetchone()
    return row[0], row[1]


@transaction.atomic(savepoint=False)  # joins the caller's transaction; an error aborts it all
def append_event(
    *,
    patient: Patient,
    actor,
    action: str,
    target: str,
    basis: str,
    purpose: str,
    entry: RecordEntry | None = None,
    category: str = "",
    grant=None,
    emergency=None,
    proxy_access=None,
    actor_relationship: str = "",
    occurred_at: dt.datetime | None = None,
) -> AccessEvent:
    """Append one event to the patient's chain. Under the head's lock: read the head, insert the
    event, note the reader (`AccessReader`, once per name) and move the head; written in SQL
    because this runs on every read of a record and the ORM's per-query overhead would dominate
    it."""
    # Microsecond precision survives every database we support, so the hash recomputes exactly.
    occurred_at = (occurred_at or timezone.now()).astimezone(dt.UTC)
    with server_cursor(connection) as cursor:  # the same statements on every read: prepared
        sequence, prev_hash = _locked_head(cursor, patient.pk)
        event = AccessEvent(
            patient=patient,
            sequence=sequence + 1,
            occurred_at=occurred_at,
            actor=actor,
            actor_role=actor.role or "",
            actor_name=actor.display_name[:150],
            action=action,
            target=target,
            entry=entry,
            category=category,
            purpose=purpose[:200],
            basis=basis,
            grant=grant,
            emergency=emergency,
            proxy_access=proxy_access,
            actor_relationship=actor_relationship[:20],
            hash_version=CURRENT_HASH_VERSION,
            prev_hash=prev_hash,
        )
        event.hash = compute_hash(event)
        values = [getattr(event, column) for column in EVENT_COLUMNS]
        values[EVENT_COLUMNS.index("occurred_at")] = connection.ops.adapt_datetimefield_value(
            occurred_at
        )
        insert = (
            f"INSERT INTO {AccessEvent._meta.db_table} ({', '.join(EVENT_COLUMNS)}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(EVENT_COLUMNS))}) RETURNING id"
        )
        move_head = (
            f"UPDATE {AccessChainHead._meta.db_table} SET sequence = %s, hash = %s "  # noqa: S608
            "WHERE patient_id = %s"
        )
        note_reader = (
            f"INSERT INTO {AccessReader._meta.db_table} "  # noqa: S608
            "(patient_id, actor_id, actor_name) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING"
        )
        reader_values = [patient.pk, event.actor_id, event.actor_name]
        head_values = [event.sequence, event.hash, patient.pk]
        if connection.vendor == "postgresql":
            # One round trip for the three writes (data-modifying CTEs).
            cursor.execute(
                f"WITH event AS ({insert}), reader AS ({note_reader}) "  # noqa: S608
                f"{move_head} RETURNING (SELECT id FROM event)",
                values + reader_values + head_values,
            )
            event.pk = cursor.fetchone()[0]
        else:
            cursor.execute(insert, values)
            event.pk = cursor.fetchone()[0]
            cursor.execute(note_reader, reader_values)
            cursor.execute(move_head, head_values)
    event._state.adding = False
    event._state.db = connection.alias
    return event


@dataclass(frozen=True)
class ChainProblem:
    patient_id: int
    sequence: int
    reason: str

    def __str__(self) -> str:
        return f"patient {self.patient_id}: link {self.sequence} is broken ({self.reason})"


def verify_chain(
    patient_id: int,
    *,
    after: tuple[int, str] = (0, GENESIS_HASH),
    head: tuple[int, str] | None = None,
    signed: dict[int, str] | None = None,
    batch_size: int = 2000,
    progress=None,
) -> ChainProblem | None:
    """Recompute one patient's chain; return the first broken link, or None if intact.

    `after` is a (sequence, hash) already known good, e.g. signed in a checkpoint: only the links
    after it are recomputed (the event at that sequence must still carry that hash), so the cost
    is the number of new events. `head` is where the chain must end; by default its head row.
    `signed` maps sequences a checkpoint signed to the hash it signed: each must still be there.
    `progress(sequence)` is called every `batch_size` events."""
    start_sequence, expected_prev = after
    expected_sequence = start_sequence + 1
    # The signed link itself comes first in the same query: it must still carry its hash.
    events = (
        AccessEvent.objects.filter(patient_id=patient_id, sequence__gte=max(start_sequence, 1))
        .order_by("sequence")
        .iterator(batch_size)
    )
    if start_sequence > 0:
        first = next(events, None)
        if first is None or first.sequence != start_sequence:
            return ChainProblem(
                patient_id,
                start_sequence,
                "it was in the signed checkpoint but is missing (log truncated)",
            )
        if first.hash != expected_prev:
            return ChainProblem(
                patient_id, start_sequence, "it differs from the signed checkpoint (log rewritten)"
            )
    for event in events:
        if event.sequence != expected_sequence:
            return ChainProblem(
                patient_id,
                expected_sequence,
                f"expected sequence {expected_sequence}, found {event.sequence} (missing event)",
            )
        if event.prev_hash != expected_prev:
            return ChainProblem(
                patient_id, event.sequence, "prev_hash does not match the link before"
            )
        try:
            recomputed = compute_hash(event)
        except UnknownHashVersion:
            recomputed = None
        if recomputed != event.hash:
            return ChainProblem(patient_id, event.sequence, "its fields were changed after writing")
        if signed and signed.get(event.sequence, event.hash) != event.hash:
            return ChainProblem(
                patient_id, event.sequence, "it differs from the signed checkpoint (log rewritten)"
            )
        expected_prev = event.hash
        if progress is not None and expected_sequence % batch_size == 0:
            progress(expected_sequence)
        expected_sequence += 1
    if head is None:
        row = AccessChainHead.objects.filter(patient_id=patient_id).first()
        head = (row.sequence, row.hash) if row is not None else None
    if head is not None and head != (expected_sequence - 1, expected_prev):
        return ChainProblem(
            patient_id,
            expected_sequence,
            f"the chain ends at {expected_sequence - 1} but its head says {head[0]} "
            "(events were removed)",
        )
    return None
