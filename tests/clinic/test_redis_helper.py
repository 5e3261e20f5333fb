"""Redis is a helper: the circuit breaker, the guarded cache, and rate limits that fail closed
with a clear page (no Redis server needed: a closed port)."""

from __future__ import annotations

from unittest import mock

import pytest
import redis
from django.core.cache import cache

from clinic.cache import CacheUnavailable
from clinic.circuit import CircuitBreaker
from tests.factories import DEFAULT_PASSWORD
from tests.support.redis import free_port


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_breaker_opens_on_failure_and_lets_one_caller_try_after_the_interval():
    clock = Clock()
    breaker = CircuitBreaker(interval=5, clock=clock)
    assert breaker.allow()
    breaker.failed()
    assert not breaker.allow()
    clock.now += 4.9
    assert not breaker.allow()
    clock.now += 0.2
    assert breaker.allow()  # one trial ...
    assert not breaker.allow()  # ... and only one
    breaker.succeeded()
    assert breaker.allow()
    assert breaker.allow()


def test_a_failed_trial_keeps_the_breaker_open_another_interval():
    clock = Clock()
    breaker = CircuitBreaker(interval=5, clock=clock)
    breaker.failed()
    clock.now += 5
    assert breaker.allow()
    breaker.failed()
    clock.now += 4
    assert not breaker.allow()


@pytest.fixture
def dead_redis_cache(settings):
    url = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "clinic.cache.GuardedRedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }
    return url


def test_the_cache_fails_closed_and_then_stops_asking(dead_redis_cache):
    with pytest.raises(CacheUnavailable):
        cache.get("anything")
    with mock.patch.object(redis.Redis, "get", side_effect=AssertionError("asked again")):
        for _ in range(20):
            with pytest.raises(CacheUnavailable):
                cache.get("anything")
            with pytest.raises(CacheUnavailable):
                cache.add("lock", True)


def test_sign_in_fails_closed_with_a_clear_page(client, dead_redis_cache, patient_user):
    response = client.post(
        "/accounts/login/", {"login": patient_user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    page = response.content.decode()
    assert "Please try again in a minute" in page
    assert "+1 555 0100" in page
    assert "_auth_user_id" not in client.session


def test_activation_fails_closed_with_a_clear_page(client, dead_redis_cache, db):
    response = client.post("/activate/", {"code": "ABCD-EFGH-JKMN", "date_of_birth": "1957-11-02"})
    assert response.status_code == 503
    assert "We stopped here rather than skip it." in response.content.decode()


def test_signed_in_pages_do_not_need_the_cache(client, dead_redis_cache, patient_user):
    client.force_login(patient_user)
    for path in ["/portal/", "/portal/records/", "/portal/access-log/", "/portal/notifications/"]:
        assert client.get(path).status_code == 200, path


def test_sessions_live_in_the_database_only(settings):
    from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

    from clinic.sessions import SessionStore

    assert settings.SESSION_ENGINE == "clinic.sessions"
    assert issubclass(SessionStore, DatabaseSessionStore)  # the cache is never asked
