"""Checkpoints that verify before they sign: the access log's transparency log.

Every few minutes (beat, and `manage.py checkpoint_access_log`) `create_checkpoint`:

1. checks the previous checkpoint: signed by a key we trust, its columns as its note says, the
   tree of stored leaves still has its root, and the write-once export does not already hold a
   later checkpoint (a database restored from an older copy, or checkpoints removed). If any of
   this fails nothing is signed: signing on top of it would launder the damage;
2. for every chain whose head moved since its newest leaf, recomputes the links from that leaf's
   (sequence, hash) to the current head, so the cost is the number of new events. A chain that
   fails, a head that moved backwards, or a chain that disappeared gets no new leaf; an alarm is
   written and privacy officers and administrators are alerted at once;
3. appends one leaf per verified chain (RFC 6962 leaf: pseudonym, sequence, head hash), computes
   the Merkle tree head over every leaf so far, and signs a C2SP tlog-checkpoint naming the
   previous checkpoint's hash; after commit the signed note is written once to the export;
4. moves each signed chain's verification mark (`accesslog.verified`) up to the head it just
   verified, so the log page has nothing left to re-hash: this job is the one that catches the
   marks up (there is no second five-minute job re-hashing the same links).

What it costs. The moved chains are verified together (`chain.verify_chains`). On PostgreSQL the
database first recomputes the same hashes over the same canonical bytes (`chain_sql`, one query per
20,000 chains, two halves on two connections at once for a large first checkpoint) and passes the
chains it finds intact; only the others are read, as tuples in one streamed query per batch of
chains, and hashed in Python through the same `canonical_values` as everything else, which names
the broken link (and passes the chain if it finds none: Python decides). On SQLite Python checks
every chain. Pseudonyms are keyed once per run, the new leaves go in as tuples in one batched
statement, and the marks move in one statement. The number of queries does not depend on the
number of chains or events (tests/accesslog/test_checkpoint_cost.py).

Why the stored leaves are not all re-hashed. A leaf row holds its fields (pseudonym, sequence,
head hash) and its leaf hash. The leaf hashes are bound by the previous checkpoint's signed root:
step 1 folds the `leaf_hash` column, read as tuples, into the root (one SHA-256 per tree node, no
field re-hashed), so an edited, removed or added leaf hash is refused. What the root does not bind
is a leaf row's fields against its own leaf hash, and its patient column. This job only relies on
those for the leaves it builds on: the newest leaf of each chain that moved, where verification
resumes. Those (and, as an early warning, the leaves the previous checkpoint added) are re-hashed
and must name their patient (pseudonym) before anything is signed; a mismatch refuses the whole
checkpoint, as before. A leaf whose fields were edited while its chain did not move is not built
on: this run adds no leaf for that chain and signs nothing about it, the root still commits to
the leaf as first signed, and the patient's page (which re-hashes the patient's newest leaf on
every view) and `verify_access_log` (every leaf) report it; the next checkpoint after that chain
moves refuses to sign. So the cost is the moved chains plus
one pass over the leaf hashes (a 64-character column), instead of re-hashing every leaf ever
written on every run.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from clinic.models import Role, User
from notifications.models import NotificationKind
from notifications.services import notify

from . import merkle, note
from .chain import GENESIS_HASH, ChainProblem, verify_chains
from .keys import current_public_key, origin, pseudonyms, signing_key, trusted_keys
from .models import (
    AccessChainHead,
    AccessChainVerification,
    AccessLogAlarm,
    AccessLogCheckpoint,
    CheckpointLeaf,
)

LEAF_VERSION = "rapport-access-log-leaf/1"


def leaf_data(pseudonym_hex: str, sequence: int, head_hash: str) -> bytes:
    """The bytes a leaf commits to (its hash is SHA-256(0x00 || these bytes))."""
    return f"{LEAF_VERSION}\n{pseudonym_hex}\n{sequence}\n{head_hash}\n".encode()


def leaf_hash_hex(pseudonym_hex: str, sequence: int, head_hash: str) -> str:
    return merkle.leaf_hash(leaf_data(pseudonym_hex, sequence, head_hash)).hex()


def _time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- the write-once export ---------------------------------------------------------------------


def export_path(number: int) -> Path | None:
    if not settings.ACCESS_LOG_EXPORT_DIR:
        return None
    return Path(settings.ACCESS_LOG_EXPORT_DIR) / f"{number:012d}.checkpoint"


def export_checkpoint(checkpoint: AccessLogCheckpoint) -> None:
    """Write the signed note once (O_EXCL: never overwrite). An existing identical file is fine
    (a retried export); a different one is left alone and reported by verification."""
    path = export_path(checkpoint.number)
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
        handle.write(checkpoint.note)


def exported_note(number: int) -> str | None:
    path = export_path(number)
    if path is None or not path.exists():
        return None
    return path.read_text(encoding="utf-8")


def exported_numbers() -> list[int]:
    if not settings.ACCESS_LOG_EXPORT_DIR:
        return []
    folder = Path(settings.ACCESS_LOG_EXPORT_DIR)
    if not folder.is_dir():
        return []
    return sorted(int(path.stem) for path in folder.glob("*.checkpoint") if path.stem.isdigit())


# --- checking one checkpoint ------------------------------------------------------------------


def open_checkpoint(checkpoint: AccessLogCheckpoint) -> note.CheckpointBody:
    """The checkpoint's body as signed, after checking the signature with a key we trust (never
    the key stored in the row) and that the row's columns say what the note says."""
    body_text, public_raw = note.open_note(
        checkpoint.note, origin(), [key.public_raw for key in trusted_keys()]
    )
    body = note.parse_body(body_text)
    if (
        body.origin != origin()
        or body.number != checkpoint.number
        or body.size != checkpoint.tree_size
        or body.root.hex() != checkpoint.root_hash
        or body.previous != checkpoint.previous_hash
        or note.key_id(origin(), public_raw).hex() != checkpoint.key_id
    ):
        raise note.NoteError(f"checkpoint {checkpoint.number} does not match its signed note")
    return body


def checkpoint_problem(
    checkpoint: AccessLogCheckpoint | None, *, signature_checked: bool = False
) -> str:
    """What is wrong with the newest checkpoint on its own (signature, columns, export), or ""."""
    if checkpoint is None:
        if exported_note(1) is not None:
            return "the checkpoint export holds checkpoints the database does not (removed)"
        return ""
    if not signature_checked:
        try:
            open_checkpoint(checkpoint)
        except note.NoteError as error:
            return f"checkpoint {checkpoint.number}: {error}"
    exported = exported_note(checkpoint.number)
    if exported is not None and exported != checkpoint.note:
        return f"checkpoint {checkpoint.number} differs from its exported copy"
    if exported_note(checkpoint.number + 1) is not None:
        return (
            f"the checkpoint export holds checkpoint {checkpoint.number + 1}, the database stops "
            f"at {checkpoint.number} (restored from an older copy, or checkpoints removed)"
        )
    return ""


# --- alarms -------------------------------------------------------------------------------------


def _alerted_people():
    return User.objects.filter(
        staff_profile__role__in=[Role.PRIVACY_OFFICER, Role.ADMIN], is_active=True
    )


def raise_alarms(problems: list[ChainProblem], *, log_wide: list[str] = ()) -> list[AccessLogAlarm]:
    """Record each problem once (an open alarm for the same break is not repeated) and alert the
    privacy officers and administrators at once. The message names no patient and no health data:
    the alarm list, behind sign-in, says which chain."""
    now = timezone.now()
    new: list[AccessLogAlarm] = []
    wanted = [(p.patient_id, p.sequence, p.reason[:300]) for p in problems]
    wanted += [(None, 0, reason[:300]) for reason in log_wide]
    for patient_id, sequence, reason in wanted:
        open_alarms = AccessLogAlarm.objects.filter(
            patient_id=patient_id, sequence=sequence, reason=reason, resolved_at__isnull=True
        )
        if open_alarms.exists():
            continue
        new.append(
            AccessLogAlarm.objects.create(
                patient_id=patient_id, detected_at=now, sequence=sequence, reason=reason
            )
        )
    if new:
        chains = len({alarm.patient_id for alarm in new if alarm.patient_id is not None})
        what = f"{chains} patient log(s)" if chains else "the log of checkpoints"
        for person in _alerted_people():
            notify(
                recipient=person,
                kind=NotificationKind.ACCESS_LOG_ALARM,
                message=f"The access log failed verification: {what} could not be verified "
                "and will not be signed until someone investigates. Look at the alarms now.",
                link=reverse("admin:accesslog_accesslogalarm_changelist"),
            )
    return new


# --- creating a checkpoint ----------------------------------------------------------------------


@dataclass
class CheckpointRun:
    checkpoint: AccessLogCheckpoint | None
    signed_chains: int = 0
    problems: list[ChainProblem] = field(default_factory=list)
    refused: str = ""  # why nothing at all was signed


# A stored leaf read as a tuple, in this order (`values_list`, no model instances).
LEAF_FIELDS = (
    "index",
    "patient_id",
    "pseudonym",
    "sequence",
    "head_hash",
    "leaf_hash",
    "checkpoint_id",
)
_INDEX, _PATIENT, _PSEUDONYM, _SEQUENCE, _HEAD_HASH, _LEAF_HASH, _CHECKPOINT = range(7)


def _stored_leaves() -> tuple[list[bytes], dict[int, tuple], list[tuple], str]:
    """Every leaf's hash in index order, each patient's newest leaf, the leaves the newest
    checkpoint added, and what is wrong with the stored leaves (a gap). Read as tuples, one
    streamed query; the leaves' fields are not re-hashed here (see the module docstring)."""
    hashes: list[bytes] = []
    newest: dict[int, tuple] = {}
    last_added: list[tuple] = []
    newest_checkpoint = -1
    rows = CheckpointLeaf.objects.order_by("index").values_list(*LEAF_FIELDS).iterator(10_000)
    for leaf in rows:
        if leaf[_INDEX] != len(hashes):
            return (
                hashes,
                newest,
                last_added,
                f"leaf {len(hashes)} of the checkpoint tree is missing",
            )
        hashes.append(bytes.fromhex(leaf[_LEAF_HASH]))
        newest[leaf[_PATIENT]] = leaf
        if leaf[_CHECKPOINT] != newest_checkpoint:
            newest_checkpoint, last_added = leaf[_CHECKPOINT], []
        last_added.append(leaf)
    return hashes, newest, last_added, ""


def _changed_leaf(leaves, names: dict[int, str]) -> str:
    """The first of `leaves` whose fields no longer give its hash, or that no longer names its
    patient (`names`: the pseudonyms of the patients whose leaves must name them), or ""."""
    for leaf in sorted(leaves):
        name = names.get(leaf[_PATIENT], leaf[_PSEUDONYM])
        if name != leaf[_PSEUDONYM] or (
            leaf_hash_hex(leaf[_PSEUDONYM], leaf[_SEQUENCE], leaf[_HEAD_HASH]) != leaf[_LEAF_HASH]
        ):
            return f"leaf {leaf[_INDEX]} of the checkpoint tree was changed"
    return ""


# A new leaf as written (`_insert_leaves`): tuples, not model instances (a first checkpoint writes
# one per chain, thousands).
_NEW_LEAF_FIELDS = (
    "index",
    "checkpoint_id",
    "patient_id",
    "pseudonym",
    "sequence",
    "head_hash",
    "leaf_hash",
)


def _insert_leaves(rows: list[tuple]) -> None:
    """Write the new leaves (rows of `_NEW_LEAF_FIELDS`) in one batched statement."""
    if not rows:
        return
    table = CheckpointLeaf._meta.db_table
    columns = ", ".join(
        connection.ops.quote_name(CheckpointLeaf._meta.get_field(name).column)
        for name in _NEW_LEAF_FIELDS
    )
    values = ", ".join(["%s"] * len(_NEW_LEAF_FIELDS))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({values})", rows)  # noqa: S608


def _move_marks(number: int, now: dt.datetime) -> None:
    """The links up to each leaf checkpoint `number` added were just recomputed: move each such
    chain's verification mark there (never back, never past a broken link it holds). One
    statement, from the leaves just written: nothing per chain travels to the database."""
    marks = AccessChainVerification._meta.db_table
    leaves = CheckpointLeaf._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {marks} (patient_id, sequence, hash, verified_at, broken_reason) "  # noqa: S608
            f"SELECT patient_id, sequence, head_hash, %s, '' FROM {leaves} "
            "WHERE checkpoint_id = %s "
            "ON CONFLICT (patient_id) DO UPDATE SET sequence = excluded.sequence, "
            "hash = excluded.hash, verified_at = excluded.verified_at "
            f"WHERE {marks}.broken_sequence IS NULL AND {marks}.sequence < excluded.sequence",
            [connection.ops.adapt_datetimefield_value(now), number],
        )


CHECKPOINT_LOCK = 0x52415050  # "RAPP": one checkpoint at a time


def _lock_checkpoints() -> None:
    """One checkpoint job at a time. The application's role may not UPDATE checkpoints, so it
    cannot SELECT ... FOR UPDATE them: PostgreSQL gets a transaction-scoped advisory lock (SQLite
    serialises writers anyway; the unique number refuses a duplicate in any case)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHECKPOINT_LOCK])


@transaction.atomic
def create_checkpoint(*, now: dt.datetime | None = None) -> CheckpointRun:
    now = now or timezone.now()
    _lock_checkpoints()
    previous = AccessLogCheckpoint.objects.order_by("-number").first()
    hashes, newest, last_added, refused = _stored_leaves()
    if not refused:
        refused = checkpoint_problem(previous)
    if not refused:
        size = previous.tree_size if previous else 0
        if len(hashes) != size or merkle.root(hashes).hex() != (
            previous.root_hash if previous else merkle.EMPTY_ROOT.hex()
        ):
            refused = "the stored leaves no longer give the previous checkpoint's tree"

    problems: list[ChainProblem] = []
    heads = dict(
        (patient_id, (sequence, digest))
        for patient_id, sequence, digest in AccessChainHead.objects.filter(sequence__gt=0)
        .order_by("patient_id")
        .values_list("patient_id", "sequence", "hash")
    )
    for patient_id, leaf in newest.items():
        if patient_id not in heads:
            problems.append(
                ChainProblem(
                    patient_id, leaf[_SEQUENCE], "the chain's head is gone (the log was deleted)"
                )
            )
    to_verify: dict[int, tuple[tuple[int, str], tuple[int, str]]] = {}
    moved_back: list[ChainProblem] = []
    for patient_id, head in heads.items():
        leaf = newest.get(patient_id)
        signed = (leaf[_SEQUENCE], leaf[_HEAD_HASH]) if leaf else (0, GENESIS_HASH)
        if head == signed:
            continue
        if head[0] < signed[0]:
            moved_back.append(
                ChainProblem(
                    patient_id,
                    head[0] + 1,
                    f"the head moved back from {signed[0]} to {head[0]} (events were removed)",
                )
            )
        else:
            to_verify[patient_id] = (signed, head)
    names = pseudonyms(to_verify)
    if not refused:
        # The leaves this checkpoint builds on (where each moved chain resumes), and the ones the
        # last checkpoint added, must still be what their hashes (bound by the root) say.
        built_on = [newest[patient_id] for patient_id in to_verify if patient_id in newest]
        refused = _changed_leaf({*built_on, *last_added}, names)
    if refused:
        raise_alarms([], log_wide=[refused])
        return CheckpointRun(None, refused=refused)

    problems += sorted(
        [*moved_back, *verify_chains(to_verify)], key=lambda problem: problem.patient_id
    )
    failed = {problem.patient_id for problem in problems}
    number = previous.number + 1 if previous else 1
    new_leaves: list[tuple] = []  # rows of `_NEW_LEAF_FIELDS`
    for patient_id, (_signed, head) in to_verify.items():
        if patient_id in failed:
            continue
        name = names[patient_id]
        new_leaves.append(
            (
                len(hashes) + len(new_leaves),
                number,
                patient_id,
                name,
                head[0],
                head[1],
                leaf_hash_hex(name, head[0], head[1]),
            )
        )
    raise_alarms(problems)

    hashes += [bytes.fromhex(leaf[-1]) for leaf in new_leaves]
    tree_root = merkle.root(hashes)
    previous_hash = note.body_hash(open_checkpoint(previous).text()) if previous else None
    body = note.CheckpointBody(
        origin=origin(),
        size=len(hashes),
        root=tree_root,
        number=number,
        time=_time(now),
        previous=previous_hash or note.GENESIS_PREVIOUS,
    )
    public_raw = current_public_key()
    checkpoint = AccessLogCheckpoint.objects.create(
        number=number,
        created_at=now,
        tree_size=len(hashes),
        root_hash=tree_root.hex(),
        previous_hash=body.previous,
        key_id=note.key_id(origin(), public_raw).hex(),
        public_key=trusted_keys()[0].base64,
        note=note.sign(body.text(), origin(), signing_key()),
    )
    _insert_leaves(new_leaves)
    if new_leaves:
        _move_marks(number, now)
    transaction.on_commit(lambda: export_checkpoint(checkpoint))
    return CheckpointRun(checkpoint, signed_chains=len(new_leaves), problems=problems)
