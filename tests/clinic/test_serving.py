"""Serving like production: gunicorn with the repository's configuration keeps /healthz fast
while slow pages run; a Procfile names the web, worker and beat processes; PostgreSQL cancels
statements that run past the web processes' timeout."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from tests.support import processes
from tests.support.processes import child_env
from tests.support.redis import free_port

ROOT = Path(__file__).resolve().parents[2]


def gunicorn_config(**env: str) -> tuple[dict, dict]:
    """The configuration gunicorn reads, and the environment it leaves for the app."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        return runpy.run_path(str(ROOT / "gunicorn.conf.py")), dict(os.environ)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_gunicorn_workers_follow_the_cpus_and_time_out_after_the_database_does(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("DB_STATEMENT_TIMEOUT_MS", raising=False)
    config, app_env = gunicorn_config()
    assert config["workers"] == 2 * (os.cpu_count() or 1) + 1
    assert config["worker_class"] == "gthread"
    assert config["threads"] >= 2
    assert config["worker_connections"] == config["threads"]
    assert config["graceful_timeout"] > 0
    assert int(app_env["DB_STATEMENT_TIMEOUT_MS"]) / 1000 < config["timeout"]
    assert gunicorn_config(WEB_CONCURRENCY="3")[0]["workers"] == 3
    # An operator's own statement timeout wins.
    assert gunicorn_config(DB_STATEMENT_TIMEOUT_MS="5000")[1]["DB_STATEMENT_TIMEOUT_MS"] == "5000"


def test_the_procfile_runs_web_worker_and_beat():
    processes = dict(
        line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )
    assert processes["web"] == "gunicorn -c gunicorn.conf.py clinic.wsgi"
    assert processes["worker"].startswith("celery -A clinic worker")
    assert processes["beat"].startswith("celery -A clinic beat")


def get(url: str, timeout: float = 10) -> tuple[int, float]:
    started = time.monotonic()
    with urllib.request.urlopen(url, timeout=timeout) as response:
        response.read()
        return response.status, time.monotonic() - started


def wait_until_serving(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if get(f"{base}/healthz")[0] == 200:
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_healthz_stays_fast_while_slow_pages_hold_gunicorn():
    port = free_port()
    server = processes.start_web(port=port, workers=2, threads=2)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base)
        slow = [
            threading.Thread(target=get, args=(f"{base}/test-only/slow/?seconds=4",))
            for _ in range(3)  # three of the four threads busy
        ]
        for thread in slow:
            thread.start()
        time.sleep(0.5)
        timings = [get(f"{base}/healthz") for _ in range(5)]
        for thread in slow:
            thread.join()
    finally:
        processes.stop(server)
    assert all(status == 200 for status, _ in timings)
    assert max(took for _, took in timings) < 1.0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_cancels_a_statement_past_the_timeout():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    code = (
        "from django.db import connection\n"
        "c = connection.cursor()\n"
        "c.execute('SHOW statement_timeout'); print(c.fetchone()[0])\n"
        "try:\n"
        "    c.execute('SELECT pg_sleep(2)'); print('finished')\n"
        "except Exception as e:\n"
        "    print('cancelled' if 'statement timeout' in str(e) else repr(e))\n"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=child_env(DJANGO_SETTINGS_MODULE="tests.settings", DB_STATEMENT_TIMEOUT_MS="300"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split()[-2:] == ["300ms", "cancelled"], result.stdout + result.stderr
