"""Writing to the one outbox. Every message the portal sends starts here, in the caller's
transaction; its email is published once that commits (`notifications.tasks.publish`)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from . import tasks
from .models import Delivery, EmailPreference, Notification


def _publish_on_commit(notification: Notification) -> None:
    due = notification.email_due_at
    if notification.delivery == Delivery.IMMEDIATE and due is not None and due <= timezone.now():
        transaction.on_commit(lambda: tasks.publish(notification.pk))


def notify(
    *,
    recipient=None,
    recipient_id: int | None = None,
    kind: str,
    message: str,
    link: str,
    email_due_at: dt.datetime | None = None,
    email: bool = True,
    delivery: str = Delivery.IMMEDIATE,
    actor=None,
    event_at: dt.datetime | None = None,
) -> Notification:
    """Write a notification for a person with an account; an immediate email is published once
    the caller's transaction commits (digest emails go out with the next digest). `message` must
    hold no health data: who, what kind of thing, when."""
    now = timezone.now()
    notification = Notification.objects.create(
        recipient_id=recipient.pk if recipient is not None else recipient_id,
        kind=kind,
        message=message,
        link=link,
        created_at=now,
        email_due_at=(email_due_at or now) if email else None,
        delivery=delivery,
        actor=actor,
        first_event_at=event_at,
        last_event_at=event_at,
    )
    _publish_on_commit(notification)
    return notification


def queue_email(*, kind: str, subject_id: int) -> Notification:
    """An email to someone who has no account yet, about `subject_id` (its meaning depends on the
    kind). The app that owns the kind builds the email when it is sent, from the subject as it
    then stands, and may drop it as no longer true (see `notifications.delivery`)."""
    notification = Notification.objects.create(
        kind=kind, subject_id=subject_id, email_due_at=timezone.now()
    )
    _publish_on_commit(notification)
    return notification


def record_access_delivery(user) -> str:
    """How this person wants emails about looks at their record (no query when the caller
    loaded `user.email_preference` with select_related)."""
    try:
        return user.email_preference.record_access
    except EmailPreference.DoesNotExist:
        return Delivery.IMMEDIATE


def set_record_access_delivery(*, user, delivery: str) -> None:
    EmailPreference.objects.update_or_create(user=user, defaults={"record_access": delivery})


def mark_all_read(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
