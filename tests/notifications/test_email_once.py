"""Each email once: claimed (committed) before it is sent, marked after; a live claim keeps
every other sender off it, an expired one is retried by the sweep; every attempt carries the
same Message-ID."""

from __future__ import annotations

import datetime as dt
from smtplib import SMTPServerDisconnected
from unittest import mock

import pytest
from django.core.mail import EmailMessage
from django.db import connection
from django.utils import timezone

from notifications import delivery, services, tasks
from notifications.models import Delivery, Notification, NotificationKind


def note(user, **extra) -> Notification:
    return services.notify(
        recipient=user, kind=NotificationKind.GENERAL, message="Hello", link="/portal/", **extra
    )


@pytest.mark.django_db(transaction=True)
def test_the_claim_is_committed_before_the_email_is_sent(patient_user, mailoutbox):
    with mock.patch.object(tasks, "publish"):  # not delivered on commit: we deliver it below
        notification = note(patient_user)
    seen = {}
    real_send = EmailMessage.send

    def send(message, *args, **kwargs):
        seen["in_transaction"] = connection.in_atomic_block
        seen["row"] = Notification.objects.values("email_claimed_until", "email_sent_at").get(
            pk=notification.pk
        )
        return real_send(message, *args, **kwargs)

    with mock.patch.object(EmailMessage, "send", send):
        assert delivery.deliver(notification.pk) == "sent"
    assert seen["in_transaction"] is False  # nothing rolls the claim back if we die now
    assert seen["row"]["email_claimed_until"] > timezone.now()
    assert seen["row"]["email_sent_at"] is None
    notification.refresh_from_db()
    assert notification.email_sent_at is not None
    assert notification.email_claimed_until is None
    assert len(mailoutbox) == 1


def test_a_live_claim_keeps_other_senders_off(patient_user, mailoutbox):
    notification = note(patient_user)
    Notification.objects.filter(pk=notification.pk).update(
        email_claimed_until=timezone.now() + dt.timedelta(minutes=4)
    )
    assert delivery.deliver(notification.pk) == "claimed"
    assert mailoutbox == []


def test_an_expired_claim_is_sent_by_the_next_sender(patient_user, mailoutbox):
    notification = note(patient_user)
    Notification.objects.filter(pk=notification.pk).update(
        email_claimed_until=timezone.now() - dt.timedelta(seconds=1)
    )
    assert delivery.deliver(notification.pk) == "sent"
    assert len(mailoutbox) == 1


def test_the_sweep_retries_only_expired_claims(patient_user, mailoutbox):
    now = timezone.now()
    due = now - dt.timedelta(minutes=10)
    live, expired, unclaimed = note(patient_user), note(patient_user), note(patient_user)
    Notification.objects.update(email_due_at=due)
    Notification.objects.filter(pk=live.pk).update(
        email_claimed_until=now + dt.timedelta(minutes=3)
    )
    Notification.objects.filter(pk=expired.pk).update(
        email_claimed_until=now - dt.timedelta(minutes=1)
    )
    ids = delivery.overdue_for_republishing(
        older_than=tasks.SWEEP_AFTER, resend_every=tasks.SWEEP_RESEND_EVERY
    )
    assert sorted(ids) == sorted([expired.pk, unclaimed.pk])


def test_every_attempt_carries_the_same_message_id(patient_user, mailoutbox):
    notification = note(patient_user)
    ids = []
    real_send = EmailMessage.send

    def flaky(message, *args, **kwargs):
        ids.append(message.extra_headers["Message-ID"])
        if len(ids) == 1:
            raise SMTPServerDisconnected("the mail server hung up")
        return real_send(message, *args, **kwargs)

    with mock.patch.object(EmailMessage, "send", flaky):
        with pytest.raises(SMTPServerDisconnected):
            delivery.deliver(notification.pk)
        notification.refresh_from_db()
        assert notification.email_claimed_until is None  # released: the retry need not wait
        assert notification.email_sent_at is None
        assert delivery.deliver(notification.pk) == "sent"
    assert ids == [f"<notification-{notification.pk}@rapport.example>"] * 2
    assert mailoutbox[0].message()["Message-ID"] == ids[0]


def test_message_ids_are_pinned():
    assert delivery.message_id_for(42) == "<notification-42@rapport.example>"
    assert delivery.digest_message_id(7, [3, 1, 2]) == delivery.digest_message_id(7, [1, 2, 3])
    assert delivery.digest_message_id(7, [1, 2, 3]) == (
        "<digest-7-8a6ae15122001229edb8866f@rapport.example>"
    )


def test_a_digest_is_claimed_sent_and_marked_with_a_stable_message_id(patient_user, mailoutbox):
    first = note(patient_user, delivery=Delivery.DIGEST)
    second = note(patient_user, delivery=Delivery.DIGEST)
    assert delivery.deliver_digest(patient_user.pk) == 2
    assert delivery.deliver_digest(patient_user.pk) == 0
    assert len(mailoutbox) == 1
    assert mailoutbox[0].extra_headers["Message-ID"] == delivery.digest_message_id(
        patient_user.pk, [first.pk, second.pk]
    )
    assert Notification.objects.filter(email_sent_at__isnull=True).count() == 0


def test_a_claimed_digest_is_not_sent_again(patient_user, mailoutbox):
    note(patient_user, delivery=Delivery.DIGEST)
    Notification.objects.update(email_claimed_until=timezone.now() + dt.timedelta(minutes=4))
    assert delivery.recipients_with_due_digests() == []
    assert delivery.deliver_digest(patient_user.pk) == 0
    assert mailoutbox == []


def test_the_sweep_stops_at_the_first_failed_publish_and_stamps_only_what_it_published(
    patient_user,
):
    notes = [note(patient_user) for _ in range(3)]
    Notification.objects.update(email_due_at=timezone.now() - dt.timedelta(minutes=10))
    outcomes = iter([True, False, True])
    with mock.patch.object(tasks, "publish", side_effect=lambda pk: next(outcomes)):
        assert tasks.sweep_undelivered_notifications() == 1
    stamped = Notification.objects.filter(republished_at__isnull=False)
    assert [n.pk for n in stamped] == [notes[0].pk]


def test_publishing_with_the_breaker_open_does_not_touch_the_broker():
    app = tasks.deliver_notification.app
    app.conf.task_always_eager = False
    try:
        tasks.breaker_for(app.conf.broker_url).failed()
        with mock.patch.object(tasks.deliver_notification, "delay") as delay:
            assert tasks.publish(1) is False
        delay.assert_not_called()
    finally:
        app.conf.task_always_eager = True
