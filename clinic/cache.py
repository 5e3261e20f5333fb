"""Django's Redis cache behind the circuit breaker (`clinic.circuit`).

Only things that may fail closed live in this cache: rate limits (allauth's sign-in and
password-reset limits, TOTP code reuse, activation attempts). Sessions are in the database. So a
Redis error is not hidden: it becomes `CacheUnavailable`, which `clinic.middleware.
CacheUnavailableMiddleware` answers with a clear "try again in a minute" page (503) instead of
letting a request through unchecked, and while the breaker is open nobody waits for a timeout.
"""

from __future__ import annotations

import functools
import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

from .circuit import RedisUnavailable, breaker_for

logger = logging.getLogger(__name__)


class CacheUnavailable(RedisUnavailable):
    """The cache (Redis) cannot be used right now."""


def _guarded(method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        breaker = breaker_for(self._rapport_url)
        if not breaker.allow():
            raise CacheUnavailable("the cache is unavailable (circuit open)")
        try:
            result = method(self, *args, **kwargs)
        except RedisError as error:
            breaker.failed()
            logger.warning("cache unavailable (%s); failing closed", type(error).__name__)
            raise CacheUnavailable(str(error)) from error
        breaker.succeeded()
        return result

    return wrapper


class GuardedRedisCache(RedisCache):
    """RedisCache whose every operation goes through the Redis circuit breaker."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._rapport_url = self._servers[0]

    add = _guarded(RedisCache.add)
    get = _guarded(RedisCache.get)
    set = _guarded(RedisCache.set)
    touch = _guarded(RedisCache.touch)
    delete = _guarded(RedisCache.delete)
    get_many = _guarded(RedisCache.get_many)
    has_key = _guarded(RedisCache.has_key)
    incr = _guarded(RedisCache.incr)
    set_many = _guarded(RedisCache.set_many)
    delete_many = _guarded(RedisCache.delete_many)
    clear = _guarded(RedisCache.clear)
