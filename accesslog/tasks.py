"""Thin Celery tasks for the access log."""

from __future__ import annotations

from celery import shared_task

from . import checkpoints, integrity, verified


@shared_task(acks_late=True)
def checkpoint_access_log() -> int | None:
    """Beat, every few minutes: verify the chains that moved, sign a checkpoint and move the
    chains' verification marks to what was verified."""
    run = checkpoints.create_checkpoint()
    return run.checkpoint.number if run.checkpoint else None


@shared_task(acks_late=True)
def verify_access_log() -> int:
    """Beat, daily: recompute every chain from its first event and check every checkpoint, so an
    edit older than the last checkpoint (which checkpoints do not recompute) raises an alarm."""
    return len(integrity.verify_log().problems)


@shared_task(acks_late=True)
def verify_new_access_events() -> int:
    """On demand (not in beat: the checkpoint job moves the marks as it verifies): verify the
    links written since each chain's stored mark. Returns how many chains have a broken link."""
    return len(verified.verify_new_events())
