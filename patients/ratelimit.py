"""Per-IP limit on failed activation attempts, kept in the Django cache (Redis in production, so
it is shared by every web process; local memory in development).

The per-code limit is not here: it is a counter on the code's row (see
`services.check_activation_code`), so it holds whatever the cache does.
"""

from __future__ import annotations

import hashlib
import time

from allauth.account.adapter import get_adapter
from django.core.cache import cache
from django.http import HttpRequest

ACTIVATION_IP_FAILURES = 10
ACTIVATION_IP_WINDOW_SECONDS = 3600


def _key(request: HttpRequest) -> str:
    # allauth's adapter knows how many proxies to trust (ALLAUTH_TRUSTED_PROXY_COUNT).
    ip = get_adapter(request).get_client_ip(request)
    window = int(time.time() // ACTIVATION_IP_WINDOW_SECONDS)
    digest = hashlib.sha256(ip.encode()).hexdigest()[:32]
    return f"rapport:activation-failures:{digest}:{window}"


def activation_blocked(request: HttpRequest) -> bool:
    return cache.get(_key(request), 0) >= ACTIVATION_IP_FAILURES


def record_activation_failure(request: HttpRequest) -> None:
    key = _key(request)
    cache.add(key, 0, timeout=ACTIVATION_IP_WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=ACTIVATION_IP_WINDOW_SECONDS)
