"""Telling patients about reads of their record.

Written in the same transaction as the access event (the notification row is the outbox). Rules:
- reads by the patient themself never notify;
- reads by one person within 30 minutes become one notification ("Dr A. Rivera viewed 4 items
  in your record ..."), emailed once;
- the patient chooses an email each time or a daily digest; reads under emergency access are
  always emailed at once;
- the text says who and when, never what: no titles, categories or diagnoses.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from notifications import services as outbox
from notifications.models import Delivery, Notification, NotificationKind

from .models import AccessBasis, AccessEvent

COALESCE_WINDOW = dt.timedelta(minutes=30)


def next_digest_time(now: dt.datetime) -> dt.datetime:
    """The next daily digest time (ACCESS_DIGEST_HOUR, clinic time) after `now`."""
    local = timezone.localtime(now)
    due = local.replace(hour=settings.ACCESS_DIGEST_HOUR, minute=0, second=0, microsecond=0)
    if due <= local:
        due += dt.timedelta(days=1)
    return due


def access_message(
    *, actor_name: str, count: int, first: dt.datetime, last: dt.datetime, emergency: bool
) -> str:
    """Who looked, how much and when, in the clinic's time: "Dr A. Rivera looked at 3 parts of
    your record on 3 Dec between 03:15 and 03:40." Never what was looked at."""
    first_local, last_local = timezone.localtime(first), timezone.localtime(last)
    what = "your record" if count == 1 else f"{count} parts of your record"
    how = " under emergency access" if emergency else ""
    if first_local.date() != last_local.date():
        when = f"from {first_local:%-d %b %H:%M} to {last_local:%-d %b %H:%M}"
    elif f"{first_local:%H:%M}" == f"{last_local:%H:%M}":
        when = f"on {first_local:%-d %b} at {first_local:%H:%M}"
    else:
        when = f"on {first_local:%-d %b} between {first_local:%H:%M} and {last_local:%H:%M}"
    return f"{actor_name} looked at {what}{how} {when}."


def log_fingerprint(event: AccessEvent) -> str:
    """A short pointer into the patient's own log (no health data): the entry's number and the
    start of its hash, to compare with the access log page, the CSV or a proof bundle."""
    return f"Log entry {event.sequence}, fingerprint {event.hash[:8]}."


def notify_patient_of_access(event: AccessEvent) -> Notification | None:
    if event.basis == AccessBasis.SELF:
        return None
    patient = event.patient
    if not patient.user_id:
        return None
    emergency = event.basis == AccessBasis.EMERGENCY
    recent = outbox.latest_to_coalesce(
        recipient_id=patient.user_id,
        kind=NotificationKind.RECORD_ACCESS,
        actor_id=event.actor_id,
        since=event.occurred_at - COALESCE_WINDOW,
    )
    if recent is not None:
        # Say "under emergency access" if any read this notification stands for was one.
        emergency = (
            emergency
            or AccessEvent.objects.filter(
                patient_id=patient.pk,
                actor_id=event.actor_id,
                basis=AccessBasis.EMERGENCY,
                occurred_at__gte=recent.first_event_at,
            ).exists()
        )
        outbox.coalesce(
            recent,
            event_at=event.occurred_at,
            message=access_message(
                actor_name=event.actor_name,
                count=recent.event_count + 1,
                first=recent.first_event_at,
                last=event.occurred_at,
                emergency=emergency,
            )
            + " "
            + log_fingerprint(event),
        )
        return recent

    delivery = Delivery.IMMEDIATE if emergency else outbox.record_access_delivery(patient.user)
    return outbox.notify(
        recipient_id=patient.user_id,
        kind=NotificationKind.RECORD_ACCESS,
        message=access_message(
            actor_name=event.actor_name,
            count=1,
            first=event.occurred_at,
            last=event.occurred_at,
            emergency=emergency,
        )
        + " "
        + log_fingerprint(event),
        link=reverse("portal:access_log"),
        email_due_at=event.occurred_at
        if delivery == Delivery.IMMEDIATE
        else next_digest_time(event.occurred_at),
        delivery=delivery,
        actor=event.actor,
        event_at=event.occurred_at,
    )
