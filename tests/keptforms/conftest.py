from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Sign-in rate limits live in the cache; every test starts with none."""
    cache.clear()
    yield
    cache.clear()
