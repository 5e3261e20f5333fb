"""The hash-chained access log: appending and verifying.

One chain per patient. An event's `hash` is SHA-256 over a canonical JSON serialisation of the
fields its `hash_version` names, `prev_hash` among them; the first event's `prev_hash` is 64
zeros. A new field joins the hash only under a new version, so every event written before keeps
verifying; `tests/accesslog/test_hash_vectors.py` pins each version's bytes. Appending locks the
patient's
`AccessChainHead` row (PostgreSQL: `SELECT ... FOR UPDATE`; SQLite: transactions take the database
write lock at BEGIN), assigns the next sequence number under that lock and writes the event and the
new head in the caller's transaction.

Verification reads events as tuples (`ROW_FIELDS`, `values_list`), never as model instances, and
hashes them through the same `canonical_values` as the model path: there is one definition of
what each version hashes. `verify_chains` checks many chains with one query per batch of chains,
streamed in (patient, sequence) order, which is what a checkpoint over the whole log needs. On
PostgreSQL it first lets the database recompute the same hashes (`accesslog.chain_sql`, built
from `CANONICAL_FIELDS`): the chains the database finds intact are not read here; every other one
is checked here, which names the broken link, and is passed if this finds nothing wrong.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, partial, reduce
from itertools import groupby
from operator import itemgetter, or_
from typing import Any, Protocol

from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from clinic.prepared import server_cursor
from patients.models import Patient, RecordEntry

from . import chain_sql
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


# Every field any version covers, once, in the order the versions name them: with the version and
# the hash, what verification reads of an event (a `values_list` row, see `event_rows`).
ROW_FIELDS: tuple[str, ...] = (
    "hash_version",
    "hash",
    *dict.fromkeys(
        field for version in sorted(CANONICAL_FIELDS) for field in CANONICAL_FIELDS[version]
    ),
)
_PATIENT = ROW_FIELDS.index("patient_id")
_SEQUENCE = ROW_FIELDS.index("sequence")
_PREV_HASH = ROW_FIELDS.index("prev_hash")
_HASH = ROW_FIELDS.index("hash")

# The canonical JSON: keys sorted, no spaces, UTF-8 as is. One encoder, built once (the values
# are flat: nothing to check for cycles).
_CANONICAL_JSON = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, check_circular=False
)


def _utc_text(moment: dt.datetime) -> str:
    """A time as hashed: UTC, to the microsecond, e.g. 2026-12-03T07:00:00.000007Z."""
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")[:-6] + "Z"


@cache
def _version_fields(version: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The fields a version hashes, in key order, and those of them that hold times."""
    try:
        fields = CANONICAL_FIELDS[version]
    except KeyError:
        raise UnknownHashVersion(f"unknown hash version {version!r}") from None
    times = tuple(
        field
        for field in fields
        if isinstance(AccessEvent._meta.get_field(field), models.DateTimeField)
    )
    return tuple(sorted(fields)), times


@cache
def _row_reader(columns: tuple[str, ...], version: int) -> Callable[[Sequence], tuple]:
    """Picks a version's fields, in key order, out of a row of `columns`."""
    fields, _times = _version_fields(version)
    return itemgetter(*(columns.index(field) for field in fields))


def canonical_values(
    event: AccessEvent | Mapping[str, Any] | Sequence, columns: tuple[str, ...] | None = None
) -> dict:
    """The fields the event's hash version covers, as they are hashed (times in UTC, to the
    microsecond), in key order. `event` is an AccessEvent, a mapping of its field names
    (`patient_id`, not `patient`) to values, or, with `columns`, a tuple of the fields `columns`
    names (a `values_list` row, e.g. of `ROW_FIELDS`). The proof bundle ships exactly these, so
    offline verifiers hash what we hash."""
    if columns is not None:
        version = event[columns.index("hash_version")]
        fields, times = _version_fields(version)
        values = dict(zip(fields, _row_reader(columns, version)(event), strict=True))
    else:
        read = event.__getitem__ if isinstance(event, Mapping) else partial(getattr, event)
        fields, times = _version_fields(read("hash_version"))
        values = {field: read(field) for field in fields}
    for field in times:
        value = values[field]
        if isinstance(value, dt.datetime):
            values[field] = _utc_text(value)
    return values


def canonical_bytes(
    event: AccessEvent | Mapping[str, Any] | Sequence, columns: tuple[str, ...] | None = None
) -> bytes:
    return _CANONICAL_JSON.encode(canonical_values(event, columns)).encode()


def compute_hash(
    event: AccessEvent | Mapping[str, Any] | Sequence, columns: tuple[str, ...] | None = None
) -> str:
    return hashlib.sha256(canonical_bytes(event, columns)).hexdigest()


def row_hash(row: Sequence) -> str:
    """`compute_hash` of an event read as a tuple of `ROW_FIELDS`."""
    return compute_hash(row, ROW_FIELDS)


# The columns an append writes: every field of the current version, the version and the hash.
EVENT_COLUMNS = (*CANONICAL_FIELDS[CURRENT_HASH_VERSION], "hash_version", "hash")


class Rider(Protocol):
    """A read and a write that ride with an append, in its round trips (see `append_event`).

    `lookup` is a SELECT of at most one row whose first column is never NULL, with
    `lookup_params`; it is read together with the head's lock, and what it reads holds until the
    transaction ends provided every writer of what it reads does so in a transaction that appends
    to the same chain (so holds the head's lock and moves the head: see `_locked_head`). `write`,
    given the new event (its sequence and hash set) and the looked-up row (None when there is
    none), returns an UPDATE (SQL, params) written with the event, or None."""

    lookup: str
    lookup_params: Sequence

    def write(self, event: AccessEvent, row: tuple | None) -> tuple[str, Sequence] | None: ...


def _locked_head(
    cursor, patient_id: int, rider: Rider | None = None
) -> tuple[int, str, tuple | None]:
    """The chain head's (sequence, hash), locked until the transaction ends, and the rider's
    looked-up row (None without a rider or when it finds none).

    With a rider the head is locked by the same statement that reads the rider's row. On
    PostgreSQL a statement reads what was committed when it started, but locks the head's newest
    version, after waiting for whoever holds it: if that transaction moved the head (and so may
    have written the rider's rows) after our statement started, our row may be stale. The
    statement therefore also reads the head's sequence as its own snapshot saw it; when that
    differs from the locked one, the rider's lookup runs again, now under the lock (one more round
    trip, only when reads of one record collide). SQLite takes the write lock at BEGIN: never
    stale."""
    table = AccessChainHead._meta.db_table
    if rider is None:
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        select = f"SELECT sequence, hash FROM {table} WHERE patient_id = %s{lock}"  # noqa: S608
        params: list = [patient_id]
    else:
        lock = " FOR UPDATE OF head" if connection.features.has_select_for_update_of else ""
        select = (
            f"SELECT head.sequence, head.hash, (SELECT sequence FROM {table} "  # noqa: S608
            f"WHERE patient_id = %s), rider.* FROM {table} head "
            f"LEFT JOIN ({rider.lookup}) rider ON 1 = 1 WHERE head.patient_id = %s{lock}"
        )
        params = [patient_id, *rider.lookup_params, patient_id]
    cursor.execute(select, params)
    row = cursor.fetchone()
    if row is None:
        # First event of this chain: create the head; a concurrent creator makes this a no-op.
        AccessChainHead.objects.bulk_create(
            [AccessChainHead(patient_id=patient_id, sequence=0, hash=GENESIS_HASH)],
            ignore_conflicts=True,
        )
        cursor.execute(select, params)
        row = cursor.fetchone()
    if rider is None:
        return row[0], row[1], None
    found = tuple(row[3:])
    if row[2] != row[0]:  # the head moved while this statement waited for its lock: read again
        cursor.execute(rider.lookup, rider.lookup_params)
        found = cursor.fetchone()
    elif found[0] is None:  # the LEFT JOIN found nothing
        found = None
    return row[0], row[1], found


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
    rider: Rider | None = None,
) -> AccessEvent:
    """Append one event to the patient's chain. Under the head's lock: read the head, insert the
    event, note the reader (`AccessReader`, once per name) and move the head; written in SQL
    because this runs on every read of a record and the ORM's per-query overhead would dominate
    it. A `rider`'s lookup is read with the head and its write is written with the event: on
    PostgreSQL still two round trips (see `Rider`, `_locked_head`)."""
    # Microsecond precision survives every database we support, so the hash recomputes exactly.
    occurred_at = (occurred_at or timezone.now()).astimezone(dt.UTC)
    with server_cursor(connection) as cursor:  # the same statements on every read: prepared
        sequence, prev_hash, found = _locked_head(cursor, patient.pk, rider)
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
        ride = rider.write(event, found) if rider is not None else None
        if connection.vendor == "postgresql":
            # One round trip for the three (or four) writes (data-modifying CTEs).
            members = f"event AS ({insert}), reader AS ({note_reader})"
            params = values + reader_values
            if ride is not None:
                members += f", rider AS ({ride[0]})"
                params += list(ride[1])
            cursor.execute(
                f"WITH {members} {move_head} RETURNING (SELECT id FROM event)",  # noqa: S608
                params + head_values,
            )
            event.pk = cursor.fetchone()[0]
        else:
            cursor.execute(insert, values)
            event.pk = cursor.fetchone()[0]
            cursor.execute(note_reader, reader_values)
            cursor.execute(move_head, head_values)
            if ride is not None:
                cursor.execute(*ride)
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


# How many chains one query reads at most: chains read from their first link are one
# `patient_id IN (...)`; chains resumed at a signed link are one (patient, sequence >= n) term each,
# OR-ed (SQLite nests an OR per term and refuses expressions deeper than 1000).
FRESH_CHAINS_PER_QUERY = 10_000
RESUMED_CHAINS_PER_QUERY = 400


def event_rows(starts: Iterable[tuple[int, int]], *, chunk_size: int = 5000) -> Iterator[tuple]:
    """The events of the given chains as tuples of `ROW_FIELDS`, in (patient, sequence) order,
    streamed (a server-side cursor on PostgreSQL). `starts` holds (patient id, first sequence
    wanted) pairs; one query per batch of chains (consecutive patient ids), so the number of
    queries does not grow with the number of events, nor with the number of chains below a
    batch."""
    batch: list[tuple[int, int]] = []
    fresh = resumed = 0
    for patient_id, first in sorted(starts):
        batch.append((patient_id, first))
        if first <= 1:
            fresh += 1
        else:
            resumed += 1
        if fresh >= FRESH_CHAINS_PER_QUERY or resumed >= RESUMED_CHAINS_PER_QUERY:
            yield from _batch_rows(batch, chunk_size)
            batch, fresh, resumed = [], 0, 0
    if batch:
        yield from _batch_rows(batch, chunk_size)


def _batch_rows(batch: list[tuple[int, int]], chunk_size: int) -> Iterator[tuple]:
    terms = [Q(patient_id__in=[patient_id for patient_id, first in batch if first <= 1])]
    terms += [
        Q(patient_id=patient_id, sequence__gte=first) for patient_id, first in batch if first > 1
    ]
    return (
        AccessEvent.objects.filter(reduce(or_, terms))
        .order_by("patient_id", "sequence")
        .values_list(*ROW_FIELDS)
        .iterator(chunk_size=chunk_size)
    )


def _check_links(
    patient_id: int,
    rows: Iterator[tuple],
    after: tuple[int, str],
    head: tuple[int, str] | None,
    signed: Mapping[int, str] | None,
    batch_size: int,
    progress,
) -> ChainProblem | None:
    """The links of one chain (`rows`, from `event_rows`, in sequence order) from `after` to
    `head`; see `verify_chain`."""
    start_sequence, expected_prev = after
    expected_sequence = start_sequence + 1
    if start_sequence > 0:
        # The signed link itself comes first: it must still be there, carrying its hash.
        first = next(rows, None)
        if first is None or first[_SEQUENCE] != start_sequence:
            return ChainProblem(
                patient_id,
                start_sequence,
                "it was in the signed checkpoint but is missing (log truncated)",
            )
        if first[_HASH] != expected_prev:
            return ChainProblem(
                patient_id, start_sequence, "it differs from the signed checkpoint (log rewritten)"
            )
    # Links after the head were appended after it was read: the check that reaches them has them.
    last = head[0] if head is not None else None
    for row in rows:
        sequence = row[_SEQUENCE]
        if last is not None and sequence > last:
            break
        if sequence != expected_sequence:
            return ChainProblem(
                patient_id,
                expected_sequence,
                f"expected sequence {expected_sequence}, found {sequence} (missing event)",
            )
        if row[_PREV_HASH] != expected_prev:
            return ChainProblem(patient_id, sequence, "prev_hash does not match the link before")
        try:
            recomputed = row_hash(row)
        except UnknownHashVersion:
            recomputed = None
        digest = row[_HASH]
        if recomputed != digest:
            return ChainProblem(patient_id, sequence, "its fields were changed after writing")
        if signed and signed.get(sequence, digest) != digest:
            return ChainProblem(
                patient_id, sequence, "it differs from the signed checkpoint (log rewritten)"
            )
        expected_prev = digest
        if progress is not None and expected_sequence % batch_size == 0:
            progress(expected_sequence)
        expected_sequence += 1
    if head is not None and head != (expected_sequence - 1, expected_prev):
        return ChainProblem(
            patient_id,
            expected_sequence,
            f"the chain ends at {expected_sequence - 1} but its head says {head[0]} "
            "(events were removed)",
        )
    return None


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
    is the number of new events. `head` is where the chain must end; by default its head row,
    read first (links appended after it are left to the next check). `signed` maps sequences a
    checkpoint signed to the hash it signed: each must still be there. `progress(sequence)` is
    called every `batch_size` events."""
    if head is None:
        row = (
            AccessChainHead.objects.filter(patient_id=patient_id)
            .values_list("sequence", "hash")
            .first()
        )
        head = tuple(row) if row is not None else None
    rows = event_rows([(patient_id, max(after[0], 1))], chunk_size=batch_size)
    return _check_links(patient_id, rows, after, head, signed, batch_size, progress)


def verify_chains(
    chains: Mapping[int, tuple[tuple[int, str], tuple[int, str]]], *, chunk_size: int = 5000
) -> list[ChainProblem]:
    """`verify_chain` over many chains at once: `chains` maps a patient id to (after, head).
    Their events are read in one streamed query per batch of chains (`event_rows`), as tuples,
    so the cost is the number of links after each `after`, and the number of queries does not
    grow with the chains' lengths. Returns the first broken link of each chain that fails, in
    patient order."""
    # On PostgreSQL the database recomputes the same hashes first (`chain_sql`); only the chains
    # it does not find intact are read and hashed here, which names the broken link.
    intact = chain_sql.intact_chains(chains, CANONICAL_FIELDS)
    if intact:
        chains = {key: value for key, value in chains.items() if key not in intact}
    problems: dict[int, ChainProblem] = {}
    rows = event_rows(
        ((patient_id, max(after[0], 1)) for patient_id, (after, _head) in chains.items()),
        chunk_size=chunk_size,
    )
    seen: set[int] = set()
    for patient_id, links in groupby(rows, key=itemgetter(_PATIENT)):
        seen.add(patient_id)
        after, head = chains[patient_id]
        problem = _check_links(patient_id, links, after, head, None, chunk_size, None)
        if problem is not None:
            problems[patient_id] = problem
    for patient_id in chains.keys() - seen:  # not one event left from `after` on
        after, head = chains[patient_id]
        problem = _check_links(patient_id, iter(()), after, head, None, chunk_size, None)
        if problem is not None:
            problems[patient_id] = problem
    return [problems[patient_id] for patient_id in sorted(problems)]
