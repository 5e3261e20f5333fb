"""Checking that the access log is intact, for the patient's page and for `verify_access_log`.

`verify_patient_log` is what the patient's page shows, at a cost that does not grow with the
patient's history: an open alarm about their chain (or about the checkpoints) fails it; otherwise
the newest checkpoint's signature is checked with our keys, the export is checked for a later
checkpoint the database lacks, and the patient's chain is recomputed from their newest signed
leaf (which a checkpoint verified before signing) to its head.

`verify_log` is the whole check behind `manage.py verify_access_log`: every checkpoint in order
(signatures, the chain of previous hashes, tree sizes that only grow, each root against the stored
leaves, the export), then every chain, recomputed from the first event (or, with `incremental`,
from its newest signed leaf), each against its signed leaves. Problems become alarms.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache

from django.db.models import Q
from django.utils import timezone

from patients.models import Patient

from . import merkle, note
from .chain import GENESIS_HASH, ChainProblem, verify_chain
from .checkpoints import (
    checkpoint_problem,
    exported_note,
    exported_numbers,
    leaf_hash_hex,
    open_checkpoint,
    raise_alarms,
)
from .keys import pseudonym, public_key_b64, signing_key, trusted_keys  # noqa: F401
from .models import (
    AccessChainHead,
    AccessEvent,
    AccessLogAlarm,
    AccessLogCheckpoint,
    CheckpointLeaf,
)


@dataclass(frozen=True)
class IntegrityReport:
    intact: bool
    checked_at: dt.datetime
    problem: ChainProblem | None = None
    checkpoint_at: dt.datetime | None = None
    detail: str = ""
    checkpoint_number: int | None = None
    signed_sequence: int = 0  # the patient's newest link a checkpoint verified and signed
    verified_from: int = 0  # this check recomputed the links after this sequence
    alerted: bool = False  # privacy officers and administrators have been told


def open_alarms_for(patient_id: int):
    return AccessLogAlarm.objects.filter(
        Q(patient_id=patient_id) | Q(patient__isnull=True), resolved_at__isnull=True
    ).order_by("sequence", "detected_at")  # the log-wide ones (0) first, then the earliest link


def verify_patient_log(patient: Patient) -> IntegrityReport:
    """What the patient's page says. A problem found here that no alarm names yet becomes one
    now, so privacy officers and administrators are told at once, as the page says."""
    now = timezone.now()
    alarm = open_alarms_for(patient.pk).first()
    if alarm is not None:
        problem = (
            ChainProblem(patient.pk, alarm.sequence, alarm.reason) if alarm.patient_id else None
        )
        detail = str(problem) if problem else alarm.reason
        return IntegrityReport(
            False,
            now,
            problem,
            detail=f"found {alarm.detected_at:%Y-%m-%d %H:%M}: {detail}",
            alerted=True,
        )
    report = _check_patient_log(patient, now)
    if not report.intact:
        if report.problem is not None:
            raise_alarms([report.problem])
        else:
            raise_alarms([], log_wide=[report.detail])
        report = replace(report, alerted=True)
    return report


@lru_cache(maxsize=32)
def _note_problem(
    number: int,
    tree_size: int,
    root_hash: str,
    previous_hash: str,
    key_id: str,
    note_text: str,
    keys: tuple[bytes, ...],
) -> str:
    """Checking a signature once per process and checkpoint is enough: checkpoints are
    append-only, and the cache key is everything the check reads, so a changed row is new."""
    del keys  # part of the cache key only: a rotation re-checks
    checkpoint = AccessLogCheckpoint(
        number=number,
        tree_size=tree_size,
        root_hash=root_hash,
        previous_hash=previous_hash,
        key_id=key_id,
        note=note_text,
    )
    try:
        open_checkpoint(checkpoint)
    except note.NoteError as error:
        return f"checkpoint {number}: {error}"
    return ""


def newest_checkpoint_problem(checkpoint: AccessLogCheckpoint | None) -> str:
    """`checkpoint_problem` for page views: the signature is checked once per process."""
    if checkpoint is not None:
        trouble = _note_problem(
            checkpoint.number,
            checkpoint.tree_size,
            checkpoint.root_hash,
            checkpoint.previous_hash,
            checkpoint.key_id,
            checkpoint.note,
            tuple(key.public_raw for key in trusted_keys()),
        )
        if trouble:
            return trouble
    return checkpoint_problem(checkpoint, signature_checked=checkpoint is not None)


def signed_leaf_problem(
    patient_id: int, head: tuple[int, str] | None, checkpoint: AccessLogCheckpoint | None
) -> tuple[CheckpointLeaf | None, ChainProblem | None]:
    """The patient's newest signed leaf against their chain: the leaf is what its fields say, in
    the newest tree, names this patient, and the chain still holds the link it signed."""
    leaf = CheckpointLeaf.objects.latest_for(patient_id) if checkpoint is not None else None
    if leaf is None:
        return None, None
    if (
        leaf.leaf_hash != leaf_hash_hex(leaf.pseudonym, leaf.sequence, leaf.head_hash)
        or leaf.pseudonym != pseudonym(patient_id)
        or leaf.index >= checkpoint.tree_size
    ):
        return leaf, ChainProblem(
            patient_id, leaf.sequence, "its leaf in the signed checkpoint tree was changed"
        )
    if head is None or head[0] < leaf.sequence:
        return leaf, ChainProblem(
            patient_id,
            (head[0] + 1) if head else 1,
            f"the signed checkpoint holds link {leaf.sequence}, the log now ends before it "
            "(log truncated)",
        )
    return leaf, None


def signed_link_problem(patient_id: int, leaf: CheckpointLeaf) -> ChainProblem | None:
    stored = (
        AccessEvent.objects.filter(patient_id=patient_id, sequence=leaf.sequence)
        .values_list("hash", flat=True)
        .first()
    )
    if stored is None:
        return ChainProblem(
            patient_id,
            leaf.sequence,
            "it was in the signed checkpoint but is missing (log truncated)",
        )
    if stored != leaf.head_hash:
        return ChainProblem(
            patient_id, leaf.sequence, "it differs from the signed checkpoint (log rewritten)"
        )
    return None


def _check_patient_log(patient: Patient, now: dt.datetime) -> IntegrityReport:
    checkpoint = AccessLogCheckpoint.objects.order_by("-number").first()
    trouble = newest_checkpoint_problem(checkpoint)
    if trouble:
        return IntegrityReport(False, now, detail=trouble)
    head_row = AccessChainHead.objects.filter(patient_id=patient.pk).first()
    head = (head_row.sequence, head_row.hash) if head_row else None
    leaf, problem = signed_leaf_problem(patient.pk, head, checkpoint)
    if problem is not None:
        return IntegrityReport(False, now, problem, detail=str(problem))
    after = (leaf.sequence, leaf.head_hash) if leaf else (0, GENESIS_HASH)
    problem = verify_chain(patient.pk, after=after, head=head)
    return IntegrityReport(
        problem is None,
        now,
        problem,
        checkpoint.created_at if checkpoint else None,
        str(problem) if problem else "",
        checkpoint.number if checkpoint else None,
        after[0],
        after[0],
    )


# --- the whole log ------------------------------------------------------------------------------


def verify_checkpoints() -> list[str]:
    """Every checkpoint, in order, against its signature, the one before it, the stored leaves
    and the export. Reads every leaf once."""
    problems: list[str] = []
    stack_hashes: list[bytes] = []
    leaves = CheckpointLeaf.objects.order_by("index").iterator(5000)
    pending = next(leaves, None)
    previous_body: str | None = None
    previous_size = 0
    expected_number = 1
    for checkpoint in AccessLogCheckpoint.objects.order_by("number").iterator(500):
        if checkpoint.number != expected_number:
            problems.append(
                f"checkpoint {expected_number} is missing (the next one is {checkpoint.number})"
            )
            return problems
        expected_number += 1
        try:
            body = open_checkpoint(checkpoint)
        except note.NoteError as error:
            problems.append(f"checkpoint {checkpoint.number}: {error}")
            return problems
        wanted_previous = note.body_hash(previous_body) if previous_body else note.GENESIS_PREVIOUS
        if body.previous != wanted_previous:
            problems.append(
                f"checkpoint {checkpoint.number} does not follow checkpoint {checkpoint.number - 1}"
            )
            return problems
        if body.size < previous_size:
            problems.append(f"checkpoint {checkpoint.number}: the tree shrank")
            return problems
        while pending is not None and pending.index < body.size:
            if pending.index != len(stack_hashes):
                problems.append(f"leaf {len(stack_hashes)} of the checkpoint tree is missing")
                return problems
            if (
                pending.leaf_hash
                != leaf_hash_hex(pending.pseudonym, pending.sequence, pending.head_hash)
                or pending.checkpoint_id > checkpoint.number
            ):
                problems.append(f"leaf {pending.index} of the checkpoint tree was changed")
                return problems
            stack_hashes.append(bytes.fromhex(pending.leaf_hash))
            pending = next(leaves, None)
        if len(stack_hashes) != body.size or merkle.root(stack_hashes) != body.root:
            problems.append(
                f"checkpoint {checkpoint.number}: the stored leaves do not give its signed root"
            )
            return problems
        exported = exported_note(checkpoint.number)
        if exported is not None and exported != checkpoint.note:
            problems.append(f"checkpoint {checkpoint.number} differs from its exported copy")
        previous_body, previous_size = body.text(), body.size
    if pending is not None:
        problems.append(f"leaf {pending.index} is in no signed checkpoint")
    last = expected_number - 1
    beyond = [number for number in exported_numbers() if number > last]
    if beyond:
        problems.append(
            f"the checkpoint export holds checkpoint {beyond[0]}, the database stops at {last} "
            "(restored from an older copy, or checkpoints removed)"
        )
    return problems


@dataclass
class LogReport:
    checkpoint_problems: list[str]
    chain_problems: list[ChainProblem]
    chains: int = 0

    @property
    def problems(self) -> list[str]:
        return self.checkpoint_problems + [str(problem) for problem in self.chain_problems]


def verify_log(
    *,
    incremental: bool = False,
    start_after: int = 0,
    progress: Callable[[str], None] | None = None,
    alarm: bool = True,
) -> LogReport:
    """The whole log. `incremental` recomputes each chain only after its newest signed leaf (where
    the last verified checkpoint left it); `start_after` resumes a run that stopped, after that
    patient id (progress names it after each chain, and inside a long chain every
    LINKS_PROGRESS_EVERY links)."""
    checkpoint_problems = verify_checkpoints()
    newest: dict[int, CheckpointLeaf] = {}
    signed_leaves: dict[int, list[tuple[int, str]]] = {}
    for leaf in CheckpointLeaf.objects.order_by("index").iterator(5000):
        newest[leaf.patient_id] = leaf
        signed_leaves.setdefault(leaf.patient_id, []).append((leaf.sequence, leaf.head_hash))
    patient_ids = set(AccessChainHead.objects.values_list("patient_id", flat=True))
    patient_ids |= set(newest)
    patient_ids |= set(
        AccessEvent.objects.order_by().values_list("patient_id", flat=True).distinct()
    )
    chain_problems: list[ChainProblem] = []
    ordered = sorted(pk for pk in patient_ids if pk > start_after)
    for done, patient_id in enumerate(ordered, start=1):
        links = _links_progress(patient_id, progress)
        problem = _verify_one(patient_id, newest.get(patient_id), signed_leaves, incremental, links)
        if problem is not None:
            chain_problems.append(problem)
        if progress is not None:
            progress(f"{done}/{len(ordered)} chains checked (last: patient {patient_id})")
    if alarm:
        raise_alarms(chain_problems, log_wide=checkpoint_problems)
    return LogReport(checkpoint_problems, chain_problems, len(ordered))


# A chain of a million links reports how far it has got this often (`verify_access_log`).
LINKS_PROGRESS_EVERY = 100_000


def _links_progress(patient_id: int, progress: Callable[[str], None] | None):
    if progress is None:
        return None

    def report(sequence: int) -> None:
        if sequence % LINKS_PROGRESS_EVERY == 0:
            progress(f"patient {patient_id}: {sequence:,} links verified")

    return report


def _verify_one(
    patient_id: int,
    leaf: CheckpointLeaf | None,
    signed_leaves: dict[int, list[tuple[int, str]]],
    incremental: bool,
    progress: Callable[[int], None] | None = None,
) -> ChainProblem | None:
    batch = min(2000, LINKS_PROGRESS_EVERY)  # progress is called once a batch
    head = AccessChainHead.objects.filter(patient_id=patient_id).first()
    if leaf is not None and (head is None or head.sequence < leaf.sequence):
        return ChainProblem(
            patient_id,
            (head.sequence + 1) if head else 1,
            f"the signed checkpoint holds link {leaf.sequence}, the log now ends before it "
            "(log truncated)",
        )
    if incremental and leaf is not None:
        return verify_chain(
            patient_id, after=(leaf.sequence, leaf.head_hash), batch_size=batch, progress=progress
        )
    signed = dict(signed_leaves.get(patient_id, []))
    return verify_chain(patient_id, signed=signed, batch_size=batch, progress=progress)
