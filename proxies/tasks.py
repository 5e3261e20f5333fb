"""Thin Celery tasks for proxy access (beat, daily)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def send_proxy_notices() -> int:
    """Beat, daily: notices before an age rule changes a parent's access, and before a power of
    attorney is due for review (each sent once). Returns how many were announced."""
    return services.send_age_notices() + services.send_review_notices()
