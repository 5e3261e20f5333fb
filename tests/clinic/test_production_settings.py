"""Production settings refuse to start unsafely, and `check --deploy` is clean."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k3Vq9-production-secret-8Jd2mZpX4rT7wYbN1cF6hL0sQeUaGiOvRnKyMjDtBxC5EzW"
SIGNING_KEY = "9nJ0WJ4y8ZlV4fQm8lJb9u0m4qkqf3i0m3+7K0o1c2E="


def manage(*args: str, **env_overrides: str) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DEBUG",
            "REDIS_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            "ACCESS_LOG_SIGNING_KEY",
        }
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "clinic.settings",
            "DJANGO_ENV": "production",
            "ACCESS_LOG_SIGNING_KEY": SIGNING_KEY,
        }
    )
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_has_no_warnings():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=GOOD_KEY,
        ALLOWED_HOSTS="portal.clinic.example",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_missing_secret_key_fails_loudly():
    result = manage("check", ALLOWED_HOSTS="portal.clinic.example")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_missing_allowed_hosts_fails_loudly():
    result = manage("check", SECRET_KEY=GOOD_KEY)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must list" in result.stderr


def test_debug_is_refused_in_production():
    result = manage("check", SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="x.example", DEBUG="true")
    assert result.returncode != 0
    assert "DEBUG must be off" in result.stderr


def test_missing_access_log_signing_key_fails_loudly():
    result = manage(
        "check", SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="x.example", ACCESS_LOG_SIGNING_KEY=""
    )
    assert result.returncode != 0
    assert "ACCESS_LOG_SIGNING_KEY must be set" in result.stderr


def _debug_setting(**env_overrides: str) -> str:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "DJANGO_ENV", "DJANGO_SETTINGS_MODULE", "REDIS_URL"}
    }
    env.update(env_overrides)
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.DEBUG)"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "clinic.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_a_process_started_with_no_configuration_runs_with_debug_off():
    assert _debug_setting() == "False"
    assert _debug_setting(DJANGO_ENV="development") == "False"


def test_debug_is_on_only_when_asked_for():
    assert _debug_setting(DEBUG="1") == "True"
