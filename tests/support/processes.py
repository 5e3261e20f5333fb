"""Start other processes (Celery workers, concurrent writers) on the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def test_database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        name = settings["NAME"]
        if not name or "memory" in str(name):
            raise RuntimeError("the test database must be a file to be shared with other processes")
        return f"sqlite:///{name}"
    user = settings["USER"]
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return f"postgres://{user}{password}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update({"DATABASE_URL": test_database_url(), "PYTHONPATH": str(ROOT)})
    env.update(extra)
    return env


def start_worker(
    *,
    redis_url: str,
    email_dir: str,
    email_delay: float = 0,
    email_claim_seconds: float = 300,
    concurrency: int = 1,
) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "clinic",
            "worker",
            "--pool=solo" if concurrency == 1 else "--pool=prefork",
            f"--concurrency={concurrency}",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=child_env(
            DJANGO_SETTINGS_MODULE="tests.worker_settings",
            RAPPORT_TEST_REDIS_URL=redis_url,
            RAPPORT_TEST_EMAIL_DIR=email_dir,
            RAPPORT_TEST_EMAIL_DELAY=str(email_delay),
            RAPPORT_TEST_EMAIL_CLAIM_SECONDS=str(email_claim_seconds),
        ),
        start_new_session=True,
    )


def kill(process: subprocess.Popen) -> None:
    """SIGKILL the whole process group: no cleanup, no acknowledgement, like a crashed host."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            kill(process)


def start_web(*, port: int, redis_url: str = "", workers: int = 1, threads: int = 4):
    """gunicorn with the repository's gunicorn.conf.py on the test database (and Redis, if
    given), serving the site plus a slow test-only page (tests/web_settings.py)."""
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "clinic.wsgi"],
        cwd=ROOT,
        env=child_env(
            DJANGO_SETTINGS_MODULE="tests.web_settings",
            GUNICORN_BIND=f"127.0.0.1:{port}",
            WEB_CONCURRENCY=str(workers),
            GUNICORN_THREADS=str(threads),
            RAPPORT_TEST_REDIS_URL=redis_url,
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
