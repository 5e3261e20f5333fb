"""Thin Celery tasks over the outbox: take ids, call `notifications.delivery`."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task

from clinic.circuit import breaker_for
from clinic.emails import SENDS_EMAIL

from . import delivery

logger = logging.getLogger(__name__)

# The sweep's one set of rules: publish again what is still unsent a minute after it was due,
# each message at most every five minutes, so a long outage is not flooded with duplicates.
SWEEP_AFTER = dt.timedelta(minutes=1)
SWEEP_RESEND_EVERY = dt.timedelta(minutes=5)


def publish(notification_id: int) -> bool:
    """Publish a delivery. If the broker is down or hung, log and move on: the outbox row is the
    truth and the sweep publishes it again, so the request that caused it is never held up (one
    short timeout at most, then the circuit breaker answers at once) or failed."""
    app = deliver_notification.app
    if app.conf.task_always_eager:
        return _publish_once(notification_id)
    breaker = breaker_for(app.conf.broker_url)
    if not breaker.allow():
        logger.warning(
            "broker unavailable; delivery of notification %s left to the sweep", notification_id
        )
        return False
    if _publish_once(notification_id):
        breaker.succeeded()
        return True
    breaker.failed()
    return False


def _publish_once(notification_id: int) -> bool:
    try:
        deliver_notification.delay(notification_id)
    except Exception:  # kombu raises several transport errors; none may break the request
        logger.warning(
            "could not enqueue delivery of notification %s; the sweep will retry", notification_id
        )
        return False
    return True


@shared_task(**SENDS_EMAIL)
def deliver_notification(notification_id: int) -> str:
    return delivery.deliver(notification_id)


@shared_task(acks_late=True)
def sweep_undelivered_notifications() -> int:
    """Beat, every minute: publish again every email still unsent a minute after it was due
    (Redis or the worker was down, the process died between commit and publish, or a sender
    died holding a claim that has now expired). Stops at the first failed publish; only what was
    published is stamped, so the rest is tried by the next sweep. Returns how many it published."""
    ids = delivery.overdue_for_republishing(older_than=SWEEP_AFTER, resend_every=SWEEP_RESEND_EVERY)
    published = []
    for notification_id in ids:
        if not publish(notification_id):
            break
        published.append(notification_id)
    delivery.mark_republished(published)
    return len(published)


@shared_task(**SENDS_EMAIL)
def deliver_digest(recipient_id: int) -> int:
    return delivery.deliver_digest(recipient_id)


@shared_task(acks_late=True)
def send_due_digests() -> int:
    """Beat, every 5 minutes: one digest email per person whose digest is due."""
    recipient_ids = delivery.recipients_with_due_digests()
    for recipient_id in recipient_ids:
        deliver_digest.delay(recipient_id)
    return len(recipient_ids)
