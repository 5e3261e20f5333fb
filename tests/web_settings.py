"""Settings for a gunicorn *process* started by the serving and scale-out tests: the test
database, the site's URLs plus a deliberately slow page, and (when the test gives one) Redis as
cache and broker, as in production."""

import os

from tests.settings import *  # noqa: F403

ROOT_URLCONF = "tests.support.slow_urls"

# tests.settings drops REDIS_URL (tests start their own Redis), so it comes under another name.
if os.environ.get("RAPPORT_TEST_REDIS_URL"):
    REDIS_URL = os.environ["RAPPORT_TEST_REDIS_URL"]
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
    CACHES = {
        "default": {
            "BACKEND": "clinic.cache.GuardedRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "rapport",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }
