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
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext, pgettext

from clinic.i18n import language_for_patient
from notifications import services as outbox
from notifications.models import Delivery, Notification, NotificationKind

from .chain import append_event
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


# The patient's newest notification about this actor's reads within the window, if any: its id,
# count and first read, and whether a read by this actor since that first read was under
# emergency access. Only a read writes what this reads (a RECORD_ACCESS notification's count,
# times and existence, and the events), each in the transaction that appends it to the patient's
# chain: under the head's lock what this finds holds until the transaction ends. (The outbox's
# writes, the email's claim and sending and `read_at`, touch none of it.)
_RECENT = (
    "SELECT recent.id, recent.event_count, recent.first_event_at, "  # noqa: S608
    f"EXISTS (SELECT 1 FROM {AccessEvent._meta.db_table} WHERE patient_id = %s AND actor_id = %s "
    "AND basis = %s AND occurred_at >= recent.first_event_at) AS emergency_before "
    f"FROM {Notification._meta.db_table} recent WHERE recipient_id = %s AND kind = %s "
    "AND actor_id = %s AND last_event_at >= %s ORDER BY last_event_at DESC, id DESC LIMIT 1"
)
# One more read counted in it. The count is set, not incremented: it is the count the new message
# says (and the same, since nobody else writes it under the head's lock).
_COUNT_ONE_MORE = (
    f"UPDATE {Notification._meta.db_table} SET event_count = %s, "  # noqa: S608
    "last_event_at = %s, read_at = NULL, message = %s WHERE id = %s"
)


def _notifies(*, patient, basis: str, proxy_access) -> bool:
    """Whether a read on this basis tells the patient (see the module's rules)."""
    if basis == AccessBasis.SELF:
        return False
    if basis == AccessBasis.PROXY and not proxy_access.notify_patient:
        return False
    return bool(patient.user_id)


class _AccessNotice:
    """The patient's notification about one read, as an append's `Rider`: the recent
    notification to count the read in is looked up with the chain head's lock, and counted in
    (count, last read, unread again, the message re-worded) with the event. When there is none,
    `coalesced_into` stays None and the caller writes a new notification."""

    def __init__(self, *, patient, actor_id: int, occurred_at: dt.datetime) -> None:
        self.patient = patient
        self.coalesced_into: int | None = None
        adapt = connection.ops.adapt_datetimefield_value
        self.lookup = _RECENT
        self.lookup_params = [
            patient.pk,
            actor_id,
            AccessBasis.EMERGENCY,
            patient.user_id,
            NotificationKind.RECORD_ACCESS,
            actor_id,
            adapt(occurred_at - COALESCE_WINDOW),
        ]

    def write(self, event: AccessEvent, row: tuple | None) -> tuple[str, list] | None:
        if row is None:
            return None
        notification, count, first_event_at, emergency_before = row
        if isinstance(first_event_at, str):  # SQLite hands back text from a raw cursor
            first_event_at = dt.datetime.fromisoformat(first_event_at)
        if timezone.is_naive(first_event_at):
            first_event_at = timezone.make_aware(first_event_at, dt.UTC)
        # The message is stored as text: write it in the patient's language.
        with translation.override(language_for_patient(self.patient)):
            message = access_message(
                actor_name=event.actor_name,
                relationship=event.actor_relationship,
                count=count + 1,
                first=first_event_at,
                last=event.occurred_at,
                # Say "under emergency access" if any read it stands for was one.
                emergency=event.basis == AccessBasis.EMERGENCY or bool(emergency_before),
            )
            message += " " + log_fingerprint(event)
        self.coalesced_into = notification
        adapt = connection.ops.adapt_datetimefield_value
        return _COUNT_ONE_MORE, [count + 1, adapt(event.occurred_at), message, notification]


@transaction.atomic(savepoint=False)  # joins the caller's transaction; an error aborts it all
def append_and_notify(**fields) -> AccessEvent:
    """`append_event(**fields)` and tell the patient about the read (the module's rules). On
    PostgreSQL a read counted in a recent notification costs no round trip of its own:
    the notification is found with the head's lock and updated with the event (two statements
    fewer); a first read within the window writes a new notification after the append."""
    patient = fields["patient"]
    if not _notifies(
        patient=patient, basis=fields["basis"], proxy_access=fields.get("proxy_access")
    ):
        return append_event(**fields)
    occurred_at = fields.pop("occurred_at", None) or timezone.now()
    notice = _AccessNotice(patient=patient, actor_id=fields["actor"].pk, occurred_at=occurred_at)
    event = append_event(**fields, occurred_at=occurred_at, rider=notice)
    if notice.coalesced_into is None:
        with translation.override(language_for_patient(patient)):
            _new_notification(event, patient)
    return event


def _new_notification(event: AccessEvent, patient) -> int:
    emergency = event.basis == AccessBasis.EMERGENCY
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
