"""Thin Celery tasks for the access log."""

from __future__ import annotations

from celery import shared_task

from . import integrity, verified


@shared_task(acks_late=True)
def checkpoint_access_log() -> int:
    """Beat, hourly: sign every chain head."""
    return integrity.create_checkpoint().pk


@shared_task(acks_late=True)
def verify_new_access_events() -> int:
    """Beat, every five minutes: verify the links written since each chain's stored mark, so the
    log page never has many to re-hash. Returns how many chains have a broken link."""
    return len(verified.verify_new_events())
