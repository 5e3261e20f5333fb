from __future__ import annotations

import time

import pytest

from tests.support.redis import free_port


def test_healthy_without_broker(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


@pytest.mark.integration
def test_healthy_with_a_running_broker(client, db, settings, redis):
    settings.REDIS_URL = redis.url
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


def test_degraded_not_down_when_the_broker_port_is_closed(client, db, settings):
    # Pages keep answering without Redis, so load balancers must keep sending traffic.
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "broker": "unavailable"},
    }


@pytest.mark.integration
def test_degraded_when_the_broker_stops(client, db, settings, redis):
    settings.REDIS_URL = redis.url
    assert client.get("/healthz").status_code == 200
    redis.stop()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["broker"] == "unavailable"


@pytest.mark.integration
def test_fast_when_the_broker_hangs(client, db, settings, redis):
    settings.REDIS_URL = redis.url
    redis.pause()
    try:
        for _ in range(5):
            started = time.monotonic()
            response = client.get("/healthz")
            assert time.monotonic() - started < 1.0
            assert response.json()["checks"]["broker"] == "unavailable"
    finally:
        redis.resume()


def test_unhealthy_when_the_database_fails(client, db, monkeypatch):
    from django.db.backends.utils import CursorWrapper

    def broken(self, sql, params=None):
        raise RuntimeError("database is gone")

    with monkeypatch.context() as patched:
        patched.setattr(CursorWrapper, "execute", broken)
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "unavailable"
