"""Telling patients about reads of their record.

Written in the same transaction as the access event (the notification row is the outbox). Rules:
- reads by the patient themself never notify;
- reads by a proxy (a carer, a parent) notify like a physician's, naming the proxy and how they
  are related ("Ana Santos, as your carer, looked at ..."), unless the access says not to (an
  adult patient's choice);
- reads by one person within 30 minutes become one notification ("Dr A. Rivera viewed 4 items
  in your record ..."), emailed once;
- the patient chooses an email each time or a daily digest; reads under emergency access are
  always emailed at once;
- the text says who and when, never what: no titles, categories or diagnoses.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext, pgettext

from clinic.i18n import language_for_patient
from clinic.prepared import server_cursor
from notifications import services as outbox
from notifications.models import Delivery, Notification, NotificationKind

from .models import AccessBasis, AccessEvent, actor_label

COALESCE_WINDOW = dt.timedelta(minutes=30)


def next_digest_time(now: dt.datetime) -> dt.datetime:
    """The next daily digest time (ACCESS_DIGEST_HOUR, clinic time) after `now`."""
    local = timezone.localtime(now)
    due = local.replace(hour=settings.ACCESS_DIGEST_HOUR, minute=0, second=0, microsecond=0)
    if due <= local:
        due += dt.timedelta(days=1)
    return due


def access_message(
    *,
    actor_name: str,
    count: int,
    first: dt.datetime,
    last: dt.datetime,
    emergency: bool,
    relationship: str = "",
) -> str:
    """Who looked, how much and when, in the clinic's time: "Dr A. Rivera looked at 3 parts of
    your record on 3 Dec between 03:15 and 03:40." Never what was looked at."""
    first_local, last_local = timezone.localtime(first), timezone.localtime(last)
    day_format = pgettext("date format", "j M")
    day, last_day = date_format(first_local, day_format), date_format(last_local, day_format)
    start, end = f"{first_local:%H:%M}", f"{last_local:%H:%M}"
    if count == 1:
        what = gettext("your record")
    else:
        what = ngettext("%(n)s part of your record", "%(n)s parts of your record", count) % {
            "n": count
        }
    if first_local.date() != last_local.date():
        when = gettext("from %(day)s %(start)s to %(last_day)s %(end)s") % {
            "day": day,
            "start": start,
            "last_day": last_day,
            "end": end,
        }
    elif start == end:
        when = gettext("on %(day)s at %(time)s") % {"day": day, "time": start}
    else:
        when = gettext("on %(day)s between %(start)s and %(end)s") % {
            "day": day,
            "start": start,
            "end": end,
        }
    if emergency:
        sentence = gettext("%(who)s looked at %(what)s under emergency access %(when)s.")
    else:
        sentence = gettext("%(who)s looked at %(what)s %(when)s.")
    # "Ana Santos, as your carer, looked at ...": the relationship is set off by commas.
    who = actor_label(actor_name, relationship) + ("," if relationship else "")
    return sentence % {"who": who, "what": what, "when": when}


def log_fingerprint(event: AccessEvent) -> str:
    """A short pointer into the patient's own log (no health data): the entry's number and the
    start of its hash, to compare with the access log page, the CSV or a proof bundle."""
    return gettext("Log entry %(n)s, fingerprint %(hash)s.") % {
        "n": event.sequence,
        "hash": event.hash[:8],
    }


def _coalesce_into_recent(event: AccessEvent) -> tuple[int, int, dt.datetime, bool] | None:
    """Count `event` in the patient's newest notification about this actor's reads within the
    window, if there is one: (its id, the new count, its first read, whether an earlier read
    it stands for was under emergency access); None if there is none to add to.

    One statement: the UPDATE finds, locks and counts the row, and its RETURNING asks the log
    about earlier emergency reads. Concurrent reads of one patient's record are already
    serialised by the chain head's lock, taken by the append in the same transaction."""
    notifications = Notification._meta.db_table
    events = AccessEvent._meta.db_table
    sql = (
        f"UPDATE {notifications} SET event_count = event_count + 1, last_event_at = %s, "  # noqa: S608
        "read_at = NULL "
        f"WHERE id = (SELECT id FROM {notifications} WHERE recipient_id = %s AND kind = %s "
        "AND actor_id = %s AND last_event_at >= %s ORDER BY last_event_at DESC, id DESC LIMIT 1) "
        "RETURNING id, event_count, first_event_at, "
        f"EXISTS (SELECT 1 FROM {events} WHERE patient_id = %s AND actor_id = %s AND basis = %s "
        f"AND occurred_at >= {notifications}.first_event_at)"
    )
    adapt = connection.ops.adapt_datetimefield_value
    with server_cursor(connection) as cursor:  # the same statement on every read: prepared
        cursor.execute(
            sql,
            [
                adapt(event.occurred_at),
                event.patient.user_id,
                NotificationKind.RECORD_ACCESS,
                event.actor_id,
                adapt(event.occurred_at - COALESCE_WINDOW),
                event.patient_id,
                event.actor_id,
                AccessBasis.EMERGENCY,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    first_event_at = row[2]
    if isinstance(first_event_at, str):  # SQLite hands back text from a raw cursor
        first_event_at = dt.datetime.fromisoformat(first_event_at)
    if timezone.is_naive(first_event_at):
        first_event_at = timezone.make_aware(first_event_at, dt.UTC)
    return row[0], row[1], first_event_at, bool(row[3])


def notify_patient_of_access(event: AccessEvent) -> int | None:
    """Tell the patient about a read (a new notification, or one more read counted in a recent
    one); the notification's id, or None when nobody is told."""
    if event.basis == AccessBasis.SELF:
        return None
    if event.basis == AccessBasis.PROXY and not event.proxy_access.notify_patient:
        return None
    patient = event.patient
    if not patient.user_id:
        return None
    # The message is stored as text: write it in the patient's language.
    with translation.override(language_for_patient(patient)):
        return _notify_patient(event, patient)


def _notify_patient(event: AccessEvent, patient) -> int:
    emergency = event.basis == AccessBasis.EMERGENCY
    coalesced = _coalesce_into_recent(event)
    if coalesced is not None:
        notification, count, first_event_at, emergency_before = coalesced
        # Say "under emergency access" if any read this notification stands for was one.
        message = access_message(
            actor_name=event.actor_name,
            relationship=event.actor_relationship,
            count=count,
            first=first_event_at,
            last=event.occurred_at,
            emergency=emergency or emergency_before,
        )
        message += " " + log_fingerprint(event)
        Notification.objects.filter(pk=notification).update(message=message)
        return notification

    delivery = Delivery.IMMEDIATE if emergency else outbox.record_access_delivery(patient.user)
    notification = outbox.notify(
        recipient_id=patient.user_id,
        kind=NotificationKind.RECORD_ACCESS,
        message=access_message(
            actor_name=event.actor_name,
            relationship=event.actor_relationship,
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
    return notification.pk
