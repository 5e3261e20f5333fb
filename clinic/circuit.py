"""A circuit breaker in front of Redis, so a dead or hung Redis costs a web process at most one
short timeout per interval instead of one per request.

Redis is a helper here (cache for rate limits, Celery broker); PostgreSQL holds the truth. When a
call to Redis fails, the breaker opens for `REDIS_RETRY_INTERVAL_SECONDS`: callers are told at
once that Redis is unavailable, without touching the network. After the interval one caller
tries again (the others still fail fast); success closes the breaker.

The state is per process and per Redis URL, which is what matters: each web process pays at
most one timeout per interval.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.conf import settings


class RedisUnavailable(Exception):
    """Redis did not answer, or did not answer recently enough to be worth asking again."""


class CircuitBreaker:
    def __init__(self, *, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._open_until = 0.0

    @property
    def is_open(self) -> bool:
        return self._clock() < self._open_until

    def allow(self) -> bool:
        """May the caller try Redis now? When the breaker has been open for its interval, exactly
        one caller is let through; the breaker stays open for the others meanwhile."""
        with self._lock:
            now = self._clock()
            if now < self._open_until:
                return False
            if self._open_until:
                # Half-open: this caller tries; everyone else waits another interval.
                self._open_until = now + self.interval
            return True

    def succeeded(self) -> None:
        with self._lock:
            self._open_until = 0.0

    def failed(self) -> None:
        with self._lock:
            self._open_until = self._clock() + self.interval


_breakers: dict[str, CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(url: str) -> CircuitBreaker:
    """The breaker of one Redis server, shared by the cache and the broker of this process."""
    with _breakers_lock:
        breaker = _breakers.get(url)
        if breaker is None:
            breaker = CircuitBreaker(interval=settings.REDIS_RETRY_INTERVAL_SECONDS)
            _breakers[url] = breaker
        return breaker


def reset_breakers() -> None:
    """Forget every breaker's state (tests, and a process that knows Redis is back)."""
    with _breakers_lock:
        _breakers.clear()
