"""Sending the outbox's emails: one delivery path for every kind, at most once per message.

A message to a person with an account is sent with the `notification` email templates. An
email-only message (no recipient account yet, e.g. an invitation to a first visit) is built by
the app that owns its kind: each app may name builders in its `outbox.py` as
`EMAIL_BUILDERS = {kind: build(notification) -> EmailMessage | None}`; None means the message is
no longer true (the visit moved, say) and it is skipped instead of sent.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from email.utils import parseaddr
from functools import cache

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from clinic.emails import build_templated_email
from clinic.extensions import collect
from clinic.i18n import language_for_user

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
        language=language_for_user(notification.recipient),
    )


def claim_duration() -> dt.timedelta:
    return dt.timedelta(seconds=settings.EMAIL_CLAIM_SECONDS)


def _domain() -> str:
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "rapport.invalid"


def message_id_for(notification_id: int) -> str:
    """The Message-ID of a notification's email: the same on every attempt, so a message sent
    twice (a sender died after the mail server took it, before marking it sent) is recognisably
    one message to mail servers and to the person's mail program."""
    return f"<notification-{notification_id}@{_domain()}>"


def digest_message_id(recipient_id: int, notification_ids: list[int]) -> str:
    """A digest's Message-ID: derived from the notifications it covers, so a retried digest of
    the same notifications carries the same one."""
    covered = ",".join(str(pk) for pk in sorted(notification_ids))
    digest = hashlib.sha256(covered.encode()).hexdigest()[:24]
    return f"<digest-{recipient_id}-{digest}@{_domain()}>"


def _send_claimed(message: EmailMessage, *, message_id: str, notification_ids: list[int]) -> None:
    """Send an email whose notifications were claimed (committed) by the caller, then mark them
    sent. If sending fails, the claim is released so a retry may send at once."""
    message.extra_headers["Message-ID"] = message_id
    claimed = Notification.objects.filter(pk__in=notification_ids, email_sent_at__isnull=True)
    try:
        message.send()
    except BaseException:
        claimed.update(email_claimed_until=None)
        raise
    claimed.update(email_sent_at=timezone.now(), email_claimed_until=None)


def deliver(notification_id: int, *, now: dt.datetime | None = None) -> str:
    """Send one message's email, once: claim it (a committed claim with an expiry), send it with
    its stable Message-ID, then mark it sent. Nobody sends a claimed email until the claim
    expires, so a duplicate is possible only when a sender dies after the mail server accepted
    the message and before it was marked, and it then has the same Message-ID. Returns what
    happened: "sent", "skipped" (no longer true), "done" (sent or skipped before), "claimed"
    (someone else is sending it), "not due" or "missing"."""
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
        if notification.email_claimed_until is not None and notification.email_claimed_until > now:
            return "claimed"
        message = build_email(notification)
        if message is None:
            notification.email_skipped_at = timezone.now()
            notification.save(update_fields=["email_skipped_at"])
            return "skipped"
        notification.email_claimed_until = now + claim_duration()
        notification.delivery_attempts += 1
        notification.save(update_fields=["email_claimed_until", "delivery_attempts"])
    # The claim is committed: from here on a crash leaves an expiring claim, never a lost email.
    _send_claimed(
        message, message_id=message_id_for(notification.pk), notification_ids=[notification.pk]
    )
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


def overdue_for_republishing(
    *, older_than: dt.timedelta, resend_every: dt.timedelta, now: dt.datetime | None = None
) -> list[int]:
    """Ids of immediate emails still unsent `older_than` after they were due, not published
    again within `resend_every`, and not claimed by a sender (or whose claim expired)."""
    now = now or timezone.now()
    return list(
        _overdue(older_than=older_than, now=now)
        .unclaimed(now)
        .filter(Q(republished_at__isnull=True) | Q(republished_at__lte=now - resend_every))
        .values_list("pk", flat=True)[:5000]
    )


def mark_republished(ids: list[int], *, now: dt.datetime | None = None) -> None:
    Notification.objects.filter(pk__in=ids).update(republished_at=now or timezone.now())


def take_overdue_for_republishing(
    *, older_than: dt.timedelta, resend_every: dt.timedelta, now: dt.datetime | None = None
) -> list[int]:
    """`overdue_for_republishing`, each stamped as republished now."""
    now = now or timezone.now()
    ids = overdue_for_republishing(older_than=older_than, resend_every=resend_every, now=now)
    mark_republished(ids, now=now)
    return ids


def recipients_with_due_digests(*, now: dt.datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(
        Notification.objects.undelivered()
        .unclaimed(now)
        .filter(delivery=Delivery.DIGEST, email_due_at__lte=now)
        .order_by()
        .values_list("recipient_id", flat=True)
        .distinct()
    )


def deliver_digest(recipient_id: int, *, now: dt.datetime | None = None) -> int:
    """Send one email summarising a person's due digest notifications, once each: claimed,
    sent, then marked, like `deliver`. Returns how many notifications it covered."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .undelivered()
            .unclaimed(now)
            .filter(recipient_id=recipient_id, delivery=Delivery.DIGEST, email_due_at__lte=now)
            .order_by("created_at")
        )
        if not due:
            return 0
        ids = [n.pk for n in due]
        message = build_templated_email(
            to=due[0].recipient.email,
            template="notification-digest",
            context={"notifications": due},
            language=language_for_user(due[0].recipient),
        )
        Notification.objects.filter(pk__in=ids).update(
            email_claimed_until=now + claim_duration(),
            delivery_attempts=F("delivery_attempts") + 1,
        )
    _send_claimed(message, message_id=digest_message_id(recipient_id, ids), notification_ids=ids)
    return len(due)
