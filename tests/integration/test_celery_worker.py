"""A real task through a real Redis broker and a real Celery worker (not eager mode)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from clinic.models import Session
from clinic.sessions import SessionStore
from clinic.tasks import clear_expired_sessions
from tests.support import celery as celery_support
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_worker_runs_a_task_published_to_redis(redis):
    stale = SessionStore()
    stale["x"] = 1
    stale.create()
    Session.objects.filter(session_key=stale.session_key).update(
        expire_date=timezone.now() - timedelta(days=1)
    )
    fresh = SessionStore()
    fresh.create()

    with celery_support.broker(redis.url):
        result = clear_expired_sessions.delay()
        # The message really sits in Redis until a worker takes it.
        assert redis.client().llen("celery") == 1
        assert Session.objects.filter(session_key=stale.session_key).exists()
        with celery_support.worker():
            assert wait_for(
                lambda: not Session.objects.filter(session_key=stale.session_key).exists()
            )
    assert result.id
    assert Session.objects.filter(session_key=fresh.session_key).exists()
