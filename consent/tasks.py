"""Thin Celery tasks for consent."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def remove_ended_grant_permissions() -> int:
    """Beat: drop guardian rows of grants that expired. Access already ended at the expiry time
    (every request compares times); this keeps the derived permission table tidy."""
    return services.sync_permissions_of_ended_grants()
