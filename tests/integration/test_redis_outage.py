"""Redis is a helper: with it killed, or hung (SIGSTOP: the port accepts connections but nothing
answers), signed-in pages keep answering 200 within a second, sign-in and activation fail closed
with a clear page, and every notification written meanwhile is delivered once Redis is back."""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import date
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from clinic.circuit import reset_breakers
from consent.models import Scope
from notifications.models import Notification
from notifications.tasks import sweep_undelivered_notifications
from patients.models import RecordCategory
from tests.factories import DEFAULT_PASSWORD, RecordEntryFactory, grant
from tests.factories.onboarding import ready_to_activate
from tests.support import celery as celery_support
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

RETRY_INTERVAL = 1.0


@pytest.fixture
def redis_everywhere(settings, redis):
    """Redis as cache and broker, as in production."""
    settings.REDIS_URL = redis.url
    settings.REDIS_RETRY_INTERVAL_SECONDS = RETRY_INTERVAL
    settings.CACHES = {
        "default": {
            "BACKEND": "clinic.cache.GuardedRedisCache",
            "LOCATION": redis.url,
            "KEY_PREFIX": "rapport",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }
    reset_breakers()
    with celery_support.broker(redis.url):
        yield redis


@pytest.fixture
def consented(patient, physician):
    RecordEntryFactory(
        category=RecordCategory.LAB_RESULT, patient=patient, author=physician, title="Private"
    )
    grant(patient, physician, scope=Scope.RECORD)
    return patient


def timed(fetch: Callable[[], object]) -> tuple[object, float]:
    started = time.monotonic()
    response = fetch()
    return response, time.monotonic() - started


@contextmanager
def outage(redis, how: str):
    if how == "killed":
        redis.stop()
    else:
        redis.pause()
    try:
        yield
    finally:
        if how == "killed":
            redis.start()
        else:
            redis.resume()


def deliver_everything_after_recovery() -> None:
    """Redis is back: a real worker and beat's sweep (run as if minutes later) deliver the rest."""
    time.sleep(RETRY_INTERVAL + 0.1)  # the breaker lets the next attempt through
    minutes = [2]

    def sweep_and_check() -> bool:
        later = timezone.now() + dt.timedelta(minutes=minutes[0])
        minutes[0] += 10  # each sweep as if after the previous one's resend interval
        with mock.patch("django.utils.timezone.now", return_value=later):
            sweep_undelivered_notifications()
        return wait_for(lambda: not Notification.objects.undelivered().exists(), timeout=5)

    with celery_support.worker():
        assert wait_for(sweep_and_check, timeout=60), "notifications left undelivered"
        time.sleep(0.5)  # a late duplicate message would be handled (and refused) by now


@pytest.mark.parametrize("how", ["killed", "hung"])
def test_signed_in_pages_answer_within_a_second_and_nothing_is_lost(
    client, redis_everywhere, consented, physician, patient_user, how
):
    patient_client = client.__class__()
    patient_client.force_login(patient_user)
    client.force_login(physician)
    pages = [
        (client, f"/staff/patients/{consented.pk}/"),  # writes (or adds to) a notification
        (client, "/staff/"),
        (patient_client, "/portal/"),
        (patient_client, "/portal/records/"),
        (patient_client, "/portal/access-log/"),
        (patient_client, "/portal/notifications/"),
    ]
    # A running web process: code loaded, a connection to Redis open, a delivery published
    # (with Redis killed, that message dies with it and the sweep must publish it again).
    for who, path in pages:
        assert who.get(path).status_code == 200

    with outage(redis_everywhere, how):
        for _ in range(3):
            for who, path in pages:
                response, took = timed(functools.partial(who.get, path))
                assert response.status_code == 200, path
                assert took < 1.0, f"{path} took {took:.2f}s with Redis {how}"
        written = Notification.objects.filter(email_due_at__isnull=False).count()
        assert written >= 1
        assert mail.outbox == []

    deliver_everything_after_recovery()
    emails_for = [message.to[0] for message in mail.outbox]
    delivered = Notification.objects.filter(email_sent_at__isnull=False)
    assert delivered.count() == written
    assert len(emails_for) == written  # each once: none lost, none twice


@pytest.mark.parametrize("how", ["killed", "hung"])
def test_sign_in_fails_closed_with_a_clear_page(client, redis_everywhere, patient_user, how):
    with outage(redis_everywhere, how):
        for _ in range(3):
            response, took = timed(
                lambda: client.post(
                    "/accounts/login/", {"login": patient_user.email, "password": DEFAULT_PASSWORD}
                )
            )
            assert took < 1.0
            assert response.status_code == 503
            assert response["Retry-After"] == "60"
            page = response.content.decode()
            assert "Please try again in a minute" in page
            assert "We stopped here rather than skip it." in page
            assert "_auth_user_id" not in client.session  # not signed in unchecked
    time.sleep(RETRY_INTERVAL + 0.1)
    response = client.post(
        "/accounts/login/", {"login": patient_user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


@pytest.mark.parametrize("how", ["killed", "hung"])
def test_activation_fails_closed_with_a_clear_page(client, redis_everywhere, how):
    dob = date(1957, 11, 2)
    visit, code = ready_to_activate(legal_name="Thomas Whitfield", date_of_birth=dob)
    with outage(redis_everywhere, how):
        response, took = timed(
            lambda: client.post("/activate/", {"code": code, "date_of_birth": dob.isoformat()})
        )
        assert took < 1.0
        assert response.status_code == 503
        assert "Please try again in a minute" in response.content.decode()
    visit.patient.refresh_from_db()
    assert visit.patient.user is None
