"""How far each patient's chain has been verified, so no view re-hashes the whole chain.

`AccessChainVerification` holds, per patient, the last link verified (sequence and hash) and, once
found, the first broken link. `advance` re-hashes only the links after that mark, after checking
that the marked link still carries the hash it had when verified (a rewrite with recomputed hashes
or a truncation changes it) and that the head has not moved back; a broken link is stored and the
mark never moves past it, so a tampered chain stays reported. The log page advances the mark by at
most `PAGE_VERIFY_LIMIT` links per view; the checkpoint job (beat, every few minutes) moves the
mark of every chain it verified and signed up to its head (`checkpoints._move_marks`), and
`verify_new_events` catches every chain up on demand.

Each view also checks the patient's newest signed checkpoint leaf (`accesslog.integrity`), and
shows an open alarm first. Edits to links before the mark are caught by the signed checkpoints
and `verify_access_log`, which recompute from the start; on PostgreSQL the application's role
cannot update or delete events at all (`manage.py grant_app_role`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from . import integrity
from .chain import GENESIS_HASH, ChainProblem, UnknownHashVersion, compute_hash
from .checkpoints import raise_alarms
from .models import AccessChainHead, AccessChainVerification, AccessEvent, AccessLogCheckpoint

PAGE_VERIFY_LIMIT = 2000
BATCH = 2000


@dataclass(frozen=True)
class LogStatus:
    """What the log page says about the patient's chain."""

    intact: bool
    checked_at: dt.datetime
    verified_sequence: int
    head_sequence: int
    problem: ChainProblem | None = None
    checkpoint_at: dt.datetime | None = None
    detail: str = ""
    verified_hash: str = ""  # the hash of link `verified_sequence`
    checkpoint_number: int | None = None  # the signed checkpoint the chain was checked against

    @property
    def complete(self) -> bool:
        """Every link up to the head has been verified."""
        return self.verified_sequence >= self.head_sequence

    @property
    def unverified(self) -> int:
        return max(self.head_sequence - self.verified_sequence, 0)


def _mark_for(patient_id: int) -> AccessChainVerification:
    mark = AccessChainVerification.objects.filter(patient_id=patient_id).first()
    if mark is None:
        mark = AccessChainVerification(
            patient_id=patient_id, sequence=0, hash=GENESIS_HASH, verified_at=timezone.now()
        )
    return mark


def _walk(
    patient_id: int, mark: AccessChainVerification, head: tuple[int, str], limit: int | None
) -> tuple[int, str, ChainProblem | None]:
    """Verify links after the mark, up to the head or `limit` links; return the last verified
    link's (sequence, hash) and the first problem."""
    head_sequence, head_hash = head
    sequence, digest = mark.sequence, mark.hash
    if head_sequence < sequence:
        return (
            sequence,
            digest,
            ChainProblem(
                patient_id,
                head_sequence + 1,
                f"the chain was verified up to {sequence} but its head now says {head_sequence} "
                "(events were removed)",
            ),
        )
    stop = head_sequence if limit is None else min(head_sequence, sequence + limit)
    events = AccessEvent.objects.filter(
        patient_id=patient_id, sequence__gte=max(sequence, 1), sequence__lte=stop
    ).order_by("sequence")
    # A few links (a page view): one plain query; many (catching up): a cursor, memory bounded.
    events = events.iterator(chunk_size=BATCH) if stop - sequence > BATCH else list(events)
    expect_mark = sequence > 0  # the link verified before must come first, unchanged
    for event in events:
        if expect_mark:
            expect_mark = False
            if event.sequence != sequence:
                return (
                    sequence,
                    digest,
                    ChainProblem(
                        patient_id,
                        sequence,
                        "it was verified before but is missing (log truncated)",
                    ),
                )
            if event.hash != digest:
                return (
                    sequence,
                    digest,
                    ChainProblem(
                        patient_id, sequence, "it changed after it was verified (log rewritten)"
                    ),
                )
            continue
        if event.sequence != sequence + 1:
            return (
                sequence,
                digest,
                ChainProblem(
                    patient_id,
                    sequence + 1,
                    f"expected sequence {sequence + 1}, found {event.sequence} (missing event)",
                ),
            )
        if event.prev_hash != digest:
            return (
                sequence,
                digest,
                ChainProblem(
                    patient_id, event.sequence, "prev_hash does not match the link before"
                ),
            )
        try:
            recomputed = compute_hash(event)
        except UnknownHashVersion:
            recomputed = None
        if recomputed != event.hash:
            return (
                sequence,
                digest,
                ChainProblem(patient_id, event.sequence, "its fields were changed after writing"),
            )
        sequence, digest = event.sequence, event.hash
    if expect_mark:
        return (
            sequence,
            digest,
            ChainProblem(
                patient_id, sequence, "it was verified before but is missing (log truncated)"
            ),
        )
    if sequence < stop:
        return (
            sequence,
            digest,
            ChainProblem(
                patient_id,
                sequence + 1,
                f"the chain ends at {sequence} but its head says {head_sequence} "
                "(events were removed)",
            ),
        )
    if sequence == head_sequence and digest != head_hash:
        return (
            sequence,
            digest,
            ChainProblem(patient_id, sequence, "it differs from the chain's head (log rewritten)"),
        )
    return sequence, digest, None


def _store(mark: AccessChainVerification, fields: dict) -> None:
    if mark._state.adding:
        AccessChainVerification.objects.bulk_create(
            [AccessChainVerification(patient_id=mark.patient_id, **fields)], ignore_conflicts=True
        )
    else:
        AccessChainVerification.objects.filter(pk=mark.pk).update(**fields)
    for name, value in fields.items():
        setattr(mark, name, value)


def advance(
    patient_id: int, head: tuple[int, str] | None = None, *, limit: int | None = None
) -> tuple[AccessChainVerification, ChainProblem | None]:
    """Verify the patient's links after the stored mark (at most `limit` of them) and move the
    mark; a broken link is stored and returned, now and on every later call."""
    mark = _mark_for(patient_id)
    if mark.broken_sequence is not None:
        return mark, ChainProblem(patient_id, mark.broken_sequence, mark.broken_reason)
    if head is None:
        head = (
            AccessChainHead.objects.filter(patient_id=patient_id)
            .values_list("sequence", "hash")
            .first()
        ) or (0, GENESIS_HASH)
    sequence, digest, problem = _walk(patient_id, mark, head, limit)
    now = timezone.now()
    if problem is not None:
        _store(
            mark,
            {
                "sequence": sequence,
                "hash": digest,
                "verified_at": now,
                "broken_sequence": problem.sequence,
                "broken_reason": problem.reason[:300],
            },
        )
    elif sequence != mark.sequence or mark._state.adding:
        _store(mark, {"sequence": sequence, "hash": digest, "verified_at": now})
    return mark, problem


def _against_signed_leaf(
    patient_id: int, head: tuple[int, str]
) -> tuple[AccessLogCheckpoint | None, ChainProblem | None, str]:
    """The newest checkpoint (signature checked once per process, and the export) and the
    patient's newest signed leaf: still in the tree, and the chain still holds the link it
    signed. A few small queries, whatever the size of the log."""
    checkpoint = AccessLogCheckpoint.objects.order_by("-number").first()
    trouble = integrity.newest_checkpoint_problem(checkpoint)
    if trouble:
        return None, None, trouble
    leaf, problem = integrity.signed_leaf_problem(patient_id, head if head[0] else None, checkpoint)
    if problem is None and leaf is not None:
        problem = integrity.signed_link_problem(patient_id, leaf)
    return checkpoint, problem, str(problem) if problem else ""


def log_status(patient_id: int, head: tuple[int, str] | None) -> LogStatus:
    """Verify what is new in the patient's chain (bounded) and check it against the newest
    signed checkpoint. The cost does not grow with the length of the chain. An open alarm is
    shown first; a problem found here that no alarm names yet becomes one, so privacy officers
    and administrators are told at once, as the page says."""
    now = timezone.now()
    alarm = integrity.open_alarms_for(patient_id).first()
    if alarm is not None:
        problem = (
            ChainProblem(patient_id, alarm.sequence, alarm.reason) if alarm.patient_id else None
        )
        detail = f"found {alarm.detected_at:%Y-%m-%d %H:%M}: {problem or alarm.reason}"
        return LogStatus(False, now, 0, head[0] if head else 0, problem, detail=detail)
    status = _log_status(patient_id, head, now)
    if not status.intact:
        if status.problem is not None:
            raise_alarms([status.problem])
        else:
            raise_alarms([], log_wide=[status.detail])
    return status


def _log_status(patient_id: int, head: tuple[int, str] | None, now: dt.datetime) -> LogStatus:
    if head is None:
        head = (0, GENESIS_HASH)
        if AccessEvent.objects.filter(patient_id=patient_id).exists():
            problem = ChainProblem(patient_id, 1, "the chain has events but no head")
            return LogStatus(False, now, 0, 0, problem, detail=str(problem))
    # The signed leaf first: the checkpoint job also moves the mark, so a rewrite of signed links
    # is named as what it is (it differs from the signed checkpoint), not only as a changed mark.
    checkpoint, problem, detail = _against_signed_leaf(patient_id, head)
    mark, mark_problem = advance(patient_id, head, limit=PAGE_VERIFY_LIMIT)
    if not detail and mark_problem is not None:
        problem, detail = mark_problem, str(mark_problem)
    return LogStatus(
        not detail,
        now,
        mark.sequence,
        head[0],
        problem,
        checkpoint_at=checkpoint.created_at if checkpoint else None,
        detail=detail,
        verified_hash=mark.hash,
        checkpoint_number=checkpoint.number if checkpoint else None,
    )


def chains_behind() -> list[int]:
    """Patients whose chain has links not yet verified (and no broken link)."""
    marks = AccessChainVerification.objects.filter(patient_id=OuterRef("patient_id"))
    return list(
        AccessChainHead.objects.filter(sequence__gt=0)
        .annotate(
            verified=Subquery(marks.values("sequence")[:1]),
            broken=Subquery(marks.values("broken_sequence")[:1]),
        )
        .filter(Q(verified__isnull=True) | Q(verified__lt=F("sequence")), broken__isnull=True)
        .order_by("patient_id")
        .values_list("patient_id", flat=True)
    )


def verify_new_events() -> list[ChainProblem]:
    """Catch every chain's mark up to its head (beat); return the broken links found."""
    problems = []
    for patient_id in chains_behind():
        while True:
            mark, problem = advance(patient_id, limit=50_000)
            if problem is not None:
                problems.append(problem)
                break
            head_sequence = (
                AccessChainHead.objects.filter(patient_id=patient_id)
                .values_list("sequence", flat=True)
                .first()
            )
            if head_sequence is None or mark.sequence >= head_sequence:
                break
    return problems
