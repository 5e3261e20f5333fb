"""Test settings: the real settings in test mode, with fast password hashing and no Redis unless a
test starts one itself."""

import os
import tempfile

os.environ["DJANGO_ENV"] = "test"
os.environ.pop("REDIS_URL", None)

from clinic.settings import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PRIVATE_MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="rapport-test-media-"))  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
ACCESS_LOG_KEY_FILE = Path(tempfile.mkdtemp(prefix="rapport-test-key-")) / "access-log.key"  # noqa: F405
# Each test database starts its checkpoints at 1: tests that exercise the export give it a folder
# of their own (the `checkpoint_export` fixture).
ACCESS_LOG_EXPORT_DIR = ""

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory: integration tests run Celery workers and writers in other processes.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.mkdtemp(prefix="rapport-test-db-")) / "test.sqlite3")  # noqa: F405
    }
