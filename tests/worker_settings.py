"""Settings for a Celery worker *process* started by integration tests: the test database and
Redis come from the environment; emails are written as files (optionally slowly, to be killed
mid-send)."""

import os

from tests.settings import *  # noqa: F403

# tests.settings drops REDIS_URL (tests start their own Redis), so it comes under another name.
REDIS_URL = os.environ["RAPPORT_TEST_REDIS_URL"]
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = False
EMAIL_BACKEND = "tests.support.slow_email.SlowFileEmailBackend"
EMAIL_FILE_PATH = os.environ["RAPPORT_TEST_EMAIL_DIR"]
# Short claims let fault tests see a dead sender's claim expire within the test.
EMAIL_CLAIM_SECONDS = float(os.environ.get("RAPPORT_TEST_EMAIL_CLAIM_SECONDS", "300"))
