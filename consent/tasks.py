"""Thin Celery tasks: take ids, call the service."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from clinic.emails import SENDS_EMAIL

from . import integrity, notifications, services


@shared_task(**SENDS_EMAIL)
def deliver_notification(notification_id: int) -> bool:
    return notifications.deliver(notification_id)


@shared_task(acks_late=True)
def sweep_undelivered_notifications() -> int:
    """Beat, every minute: publish again what is still undelivered a minute after it was due
    (Redis or the worker was down, or the process died between commit and publish)."""
    return notifications.republish_overdue(
        older_than=dt.timedelta(minutes=1), resend_every=dt.timedelta(minutes=5)
    )


@shared_task(**SENDS_EMAIL)
def deliver_digest(recipient_id: int) -> int:
    return notifications.deliver_digest(recipient_id)


@shared_task(acks_late=True)
def send_due_digests() -> int:
    """Beat, every 5 minutes: one digest email per person whose digest is due."""
    recipient_ids = notifications.recipients_with_due_digests()
    for recipient_id in recipient_ids:
        deliver_digest.delay(recipient_id)
    return len(recipient_ids)


@shared_task(acks_late=True)
def remove_ended_grant_permissions() -> int:
    """Beat: drop guardian rows of grants that expired. Access already ended at the expiry time
    (every request compares times); this keeps the derived permission table tidy."""
    return services.sync_permissions_of_ended_grants()


@shared_task(acks_late=True)
def checkpoint_access_log() -> int:
    """Beat, hourly: sign every chain head."""
    return integrity.create_checkpoint().pk
