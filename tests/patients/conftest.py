from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits live in the cache; every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def desk(client, front_desk):
    """A client signed in as the front desk (two-step verification set up)."""
    client.force_login(front_desk)
    return client
