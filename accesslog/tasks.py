"""Thin Celery tasks for the access log."""

from __future__ import annotations

from celery import shared_task

from . import checkpoints, integrity


@shared_task(acks_late=True)
def checkpoint_access_log() -> int | None:
    """Beat, every few minutes: verify the chains that moved, then sign a checkpoint."""
    run = checkpoints.create_checkpoint()
    return run.checkpoint.number if run.checkpoint else None


@shared_task(acks_late=True)
def verify_access_log() -> int:
    """Beat, daily: recompute every chain from its first event and check every checkpoint, so an
    edit older than the last checkpoint (which checkpoints do not recompute) raises an alarm."""
    return len(integrity.verify_log().problems)
