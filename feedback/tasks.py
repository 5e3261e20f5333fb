"""Thin Celery tasks for feedback."""

from __future__ import annotations

from celery import shared_task

from . import services, surveys


@shared_task(acks_late=True)
def alert_overdue_grievances() -> int:
    """Beat: tell the privacy officers about concerns that have just missed a deadline."""
    return services.alert_overdue_grievances()


@shared_task(acks_late=True)
def invite_to_surveys() -> int:
    """Beat: invitations 7 days after activation and every six months after."""
    return surveys.invite_due_patients()
