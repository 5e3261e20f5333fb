"""Thin Celery tasks for education."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def flag_waiting_questions() -> int:
    """Beat: tell physicians, once per question, about questions that waited too long."""
    return services.flag_waiting_questions()
