"""Benchmark settings: the real settings, run against the throw-away PostgreSQL cluster that
`make bench` starts (DATABASE_URL), with fast password hashing for the generated accounts."""

import os
import tempfile

os.environ.setdefault("DJANGO_ENV", "test")

from clinic.settings import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
ACCESS_LOG_KEY_FILE = Path(os.environ.get("BENCH_KEY_FILE", "/tmp/rapport-bench-key"))  # noqa: F405
# Checkpoints go to a fresh folder each run: a folder kept from an earlier run would hold later
# checkpoints than this database and (rightly) stop the checkpoint job.
ACCESS_LOG_EXPORT_DIR = os.environ.get("BENCH_EXPORT_DIR") or tempfile.mkdtemp(
    prefix="rapport-bench-checkpoints-"
)
if os.environ.get("BENCH_REDIS_URL"):
    REDIS_URL = os.environ["BENCH_REDIS_URL"]
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
if os.environ.get("BENCH_STATIC_ROOT"):
    STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"])  # noqa: F405 (collected by the bench)
if os.environ.get("BENCH_EMAIL_DIR"):  # the fault runs' workers: a slow mail server, to files
    EMAIL_BACKEND = "tests.support.slow_email.SlowFileEmailBackend"
    EMAIL_FILE_PATH = os.environ["BENCH_EMAIL_DIR"]
    EMAIL_CLAIM_SECONDS = float(os.environ.get("BENCH_EMAIL_CLAIM_SECONDS", "300"))
