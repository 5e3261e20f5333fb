"""Writing notifications (the outbox) and delivering their emails."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from clinic.emails import send_templated_email

from .models import Delivery, Notification

logger = logging.getLogger(__name__)


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
    """Write a notification in the caller's transaction; an immediate email is enqueued once that
    commits (digest emails go out with the next digest). `message` must hold no health data:
    who, what kind of thing, when."""
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
    if email and delivery == Delivery.IMMEDIATE and notification.email_due_at <= now:
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
            or notification.delivery != Delivery.IMMEDIATE
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


def _overdue(*, older_than: dt.timedelta, now: dt.datetime | None = None):
    """Immediate notifications still unsent `older_than` after they were due, oldest first."""
    now = now or timezone.now()
    return (
        Notification.objects.undelivered()
        .filter(delivery=Delivery.IMMEDIATE, email_due_at__lte=now - older_than)
        .order_by("email_due_at")
    )


def count_overdue(*, older_than: dt.timedelta, now: dt.datetime | None = None) -> int:
    return _overdue(older_than=older_than, now=now).count()


def republish_overdue(
    *, older_than: dt.timedelta, resend_every: dt.timedelta, now: dt.datetime | None = None
) -> int:
    """Publish again the immediate notifications still unsent `older_than` after they were due,
    each at most once per `resend_every`, so a long backlog is not flooded with duplicates."""
    now = now or timezone.now()
    ids = list(
        _overdue(older_than=older_than, now=now)
        .filter(Q(republished_at__isnull=True) | Q(republished_at__lte=now - resend_every))
        .values_list("pk", flat=True)[:5000]
    )
    Notification.objects.filter(pk__in=ids).update(republished_at=now)
    for notification_id in ids:
        enqueue_delivery(notification_id)
    return len(ids)


def recipients_with_due_digests(*, now: dt.datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(
        Notification.objects.undelivered()
        .filter(delivery=Delivery.DIGEST, email_due_at__lte=now)
        .order_by()
        .values_list("recipient_id", flat=True)
        .distinct()
    )


def deliver_digest(recipient_id: int, *, now: dt.datetime | None = None) -> int:
    """Send one email summarising a person's due digest notifications, at most once each.
    Returns how many notifications it covered."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Notification.objects.select_for_update()
            .select_related("recipient")
            .undelivered()
            .filter(recipient_id=recipient_id, delivery=Delivery.DIGEST, email_due_at__lte=now)
            .order_by("created_at")
        )
        if not due:
            return 0
        send_templated_email(
            to=due[0].recipient.email,
            template="notification-digest",
            context={"notifications": due},
        )
        sent_at = timezone.now()
        Notification.objects.filter(pk__in=[n.pk for n in due]).update(
            email_sent_at=sent_at, delivery_attempts=F("delivery_attempts") + 1
        )
    return len(due)
