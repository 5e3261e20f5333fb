"""Sending the outbox's emails: one delivery path for every kind, at most once per message.

A message to a person with an account is sent with the `notification` email templates. An
email-only message (no recipient account yet, e.g. an invitation to a first visit) is built by
the app that owns its kind: each app may name builders in its `outbox.py` as
`EMAIL_BUILDERS = {kind: build(notification) -> EmailMessage | None}`; None means the message is
no longer true (the visit moved, say) and it is skipped instead of sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cache

from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from clinic.emails import build_templated_email
from clinic.extensions import collect

from .models import Delivery, Notification

EmailBuilder = Callable[[Notification], EmailMessage | None]


@cache
def email_builders() -> dict[str, EmailBuilder]:
    builders: dict[str, EmailBuilder] = {}
    for app_builders in collect("outbox", "EMAIL_BUILDERS"):
        builders.update(app_builders)
    return builders


def build_email(notification: Notification) -> EmailMessage | None:
    if notification.recipient is None:
        builder = email_builders().get(notification.kind)
        if builder is None:
            raise LookupError(f"nobody builds email-only messages of kind {notification.kind!r}")
        return builder(notification)
    return build_templated_email(
        to=notification.recipient.email,
        template="notification",
        context={"notification": notification},
    )


def deliver(notification_id: int, *, now: dt.datetime | None = None) -> str:
    """Send one message's email, at most once: the row is locked and `email_sent_at` checked and
    set in the same transaction. Returns what happened: "sent", "skipped" (no longer true),
    "done" (sent or skipped before), "not due" or "missing"."""
    now = now or timezone.now()
    with transaction.atomic():
        notification = (
            # Lock only the outbox row (PostgreSQL refuses FOR UPDATE across the outer join).
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None:
            return "missing"
        if notification.email_sent_at is not None or notification.email_skipped_at is not None:
            return "done"
        if (
            notification.delivery != Delivery.IMMEDIATE
            or notification.email_due_at is None
            or notification.email_due_at > now
        ):
            return "not due"
        message = build_email(notification)
        if message is None:
            notification.email_skipped_at = timezone.now()
            notification.save(update_fields=["email_skipped_at"])
            return "skipped"
        message.send()
        notification.email_sent_at = timezone.now()
        notification.delivery_attempts += 1
        notification.save(update_fields=["email_sent_at", "delivery_attempts"])
    return "sent"


def _overdue(*, older_than: dt.timedelta, now: dt.datetime | None = None):
    """Immediate emails still unsent `older_than` after they were due, oldest first."""
    now = now or timezone.now()
    return (
        Notification.objects.undelivered()
        .filter(delivery=Delivery.IMMEDIATE, email_due_at__lte=now - older_than)
        .order_by("email_due_at")
    )


def count_overdue(*, older_than: dt.timedelta, now: dt.datetime | None = None) -> int:
    return _overdue(older_than=older_than, now=now).count()


def take_overdue_for_republishing(
    *, older_than: dt.timedelta, resend_every: dt.timedelta, now: dt.datetime | None = None
) -> list[int]:
    """Ids of immediate emails still unsent `older_than` after they were due and not published
    again within `resend_every`; each is stamped as republished now."""
    now = now or timezone.now()
    ids = list(
        _overdue(older_than=older_than, now=now)
        .filter(Q(republished_at__isnull=True) | Q(republished_at__lte=now - resend_every))
        .values_list("pk", flat=True)[:5000]
    )
    Notification.objects.filter(pk__in=ids).update(republished_at=now)
    return ids


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
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .undelivered()
            .filter(recipient_id=recipient_id, delivery=Delivery.DIGEST, email_due_at__lte=now)
            .order_by("created_at")
        )
        if not due:
            return 0
        build_templated_email(
            to=due[0].recipient.email,
            template="notification-digest",
            context={"notifications": due},
        ).send()
        sent_at = timezone.now()
        Notification.objects.filter(pk__in=[n.pk for n in due]).update(
            email_sent_at=sent_at, delivery_attempts=F("delivery_attempts") + 1
        )
    return len(due)
