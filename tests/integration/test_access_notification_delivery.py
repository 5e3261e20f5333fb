"""Access notifications through a real Redis and real Celery workers: delivered, never lost when
Redis is down at access time, never sent twice when a worker dies mid-delivery."""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from clinic.circuit import reset_breakers
from consent.models import Scope
from notifications.models import Notification, NotificationKind
from notifications.tasks import deliver_notification, sweep_undelivered_notifications
from patients.models import RecordCategory
from tests.factories import RecordEntryFactory, grant
from tests.support import celery as celery_support
from tests.support import processes
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def consented(patient, physician):
    RecordEntryFactory(
        category=RecordCategory.LAB_RESULT,
        patient=patient,
        author=physician,
        title="Private title",
        body="Private body",
    )
    grant(patient, physician, scope=Scope.RECORD)
    return patient


def access_notification(patient) -> Notification:
    return Notification.objects.get(recipient=patient.user, kind=NotificationKind.RECORD_ACCESS)


def test_an_access_produces_a_delivered_email(client, redis, consented, physician):
    with celery_support.broker(redis.url), celery_support.worker():
        client.force_login(physician)
        assert client.get(f"/staff/patients/{consented.pk}/").status_code == 200
        assert wait_for(lambda: len(mail.outbox) == 1)
    assert access_notification(consented).email_sent_at is not None
    email = mail.outbox[0]
    assert email.to == [consented.user.email]
    assert "Dr A. Rivera looked at your record" in email.body
    assert "Private" not in email.body


def test_redis_down_at_access_time_still_serves_the_page_and_delivers_later(
    client, redis, consented, physician
):
    with celery_support.broker(redis.url):
        redis.stop()
        client.force_login(physician)
        started = time.monotonic()
        response = client.get(f"/staff/patients/{consented.pk}/")
        assert response.status_code == 200
        assert time.monotonic() - started < 10  # publishing gave up quickly
        notification = access_notification(consented)
        assert notification.email_sent_at is None
        assert mail.outbox == []

        redis.start()
        reset_breakers()  # as if the breaker's retry interval had passed
        with celery_support.worker():
            later = timezone.now() + dt.timedelta(minutes=2)
            with mock.patch("django.utils.timezone.now", return_value=later):
                assert sweep_undelivered_notifications() == 1
            assert wait_for(lambda: len(mail.outbox) == 1)
    notification.refresh_from_db()
    assert notification.email_sent_at is not None


def test_a_worker_killed_mid_delivery_does_not_send_twice(client, redis, consented, physician):
    """Killed while the mail server is still receiving the message (before it accepted it): the
    claim expires, the sweep publishes it again, and a healthy worker sends it once."""
    email_dir = Path(tempfile.mkdtemp(prefix="rapport-mail-"))

    def sent_emails() -> list[Path]:
        return [p for p in email_dir.iterdir() if p.suffix == ".log"]

    def started_sends() -> list[Path]:
        return list(email_dir.glob("started-*.marker"))

    with celery_support.broker(redis.url):
        slow = processes.start_worker(
            redis_url=redis.url, email_dir=str(email_dir), email_delay=60, email_claim_seconds=2
        )
        try:
            client.force_login(physician)
            assert client.get(f"/staff/patients/{consented.pk}/").status_code == 200
            assert wait_for(lambda: started_sends(), timeout=60), "the worker never started sending"
        finally:
            processes.kill(slow)  # dies in the middle of talking to the mail server
        notification = access_notification(consented)
        assert notification.email_sent_at is None
        assert notification.email_claimed_until is not None  # claimed before sending
        assert sent_emails() == []
        time.sleep(2)  # the dead worker's claim expires

        healthy = processes.start_worker(redis_url=redis.url, email_dir=str(email_dir))
        try:
            later = timezone.now() + dt.timedelta(minutes=2)
            with mock.patch("django.utils.timezone.now", return_value=later):
                assert sweep_undelivered_notifications() == 1
            assert wait_for(lambda: len(sent_emails()) == 1, timeout=60)
            # The dead worker's message comes back eventually (acks_late): it must not resend.
            deliver_notification.delay(notification.pk)
            deliver_notification.delay(notification.pk)
            assert wait_for(lambda: redis.client().llen("celery") == 0, timeout=30)
            time.sleep(1)  # let the worker finish the last message it took
        finally:
            processes.stop(healthy)
    notification.refresh_from_db()
    assert notification.email_sent_at is not None
    assert len(sent_emails()) == 1
    text = sent_emails()[0].read_text()
    assert "Dr A. Rivera looked at your record" in text
    assert f"Message-ID: <notification-{notification.pk}@rapport.example>" in text
