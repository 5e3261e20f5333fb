"""Writing notifications (the outbox) and delivering their emails."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from clinic.emails import send_templated_email

from .models import Notification

logger = logging.getLogger(__name__)


def notify(
    *,
    recipient,
    kind: str,
    message: str,
    link: str,
    email_due_at: dt.datetime | None = None,
    email: bool = True,
) -> Notification:
    """Write a notification in the caller's transaction; its email is enqueued once that commits.
    `message` must hold no health data: who, what kind of thing, when."""
    now = timezone.now()
    notification = Notification.objects.create(
        recipient=recipient,
        kind=kind,
        message=message,
        link=link,
        created_at=now,
        email_due_at=(email_due_at or now) if email else None,
    )
    if email and notification.email_due_at <= now:
        transaction.on_commit(lambda: enqueue_delivery(notification.pk))
    return notification


def enqueue_delivery(notification_id: int) -> None:
    """Publish the delivery task. If the broker is down, log and move on: the beat sweep will
    publish it again, so the request that caused it is never held up or failed."""
    from .tasks import deliver_notification

    try:
        deliver_notification.delay(notification_id)
    except Exception:  # kombu raises several transport errors; none may break the request
        logger.warning(
            "could not enqueue delivery of notification %s; the sweep will retry", notification_id
        )


def deliver(notification_id: int, *, now: dt.datetime | None = None) -> bool:
    """Send one notification's email, at most once: the row is locked and `email_sent_at` checked
    and set in the same transaction. Returns whether an email was sent."""
    now = now or timezone.now()
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=notification_id)
            .first()
        )
        if (
            notification is None
            or notification.email_sent_at is not None
            or notification.email_due_at is None
            or notification.email_due_at > now
        ):
            return False
        send_templated_email(
            to=notification.recipient.email,
            template="notification",
            context={"notification": notification},
        )
        notification.email_sent_at = timezone.now()
        notification.delivery_attempts += 1
        notification.save(update_fields=["email_sent_at", "delivery_attempts"])
    return True


def undelivered_ids(*, older_than: dt.timedelta, now: dt.datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(
        Notification.objects.undelivered()
        .filter(email_due_at__lte=now - older_than)
        .order_by("email_due_at")
        .values_list("pk", flat=True)[:5000]
    )
