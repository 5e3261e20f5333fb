"""Thin Celery tasks for the access log."""

from __future__ import annotations

from celery import shared_task

from . import checkpoints


@shared_task(acks_late=True)
def checkpoint_access_log() -> int | None:
    """Beat, every few minutes: verify the chains that moved, then sign a checkpoint."""
    run = checkpoints.create_checkpoint()
    return run.checkpoint.number if run.checkpoint else None
