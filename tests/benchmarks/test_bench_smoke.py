"""`make bench` cannot rot: its HTTP part runs here at a tiny scale on SQLite, as a separate
process (the harness, gunicorn serving the portal and the bare app, the load generator), and
every page it measures must answer 200 to every request.

Each run makes its own SQLite database whatever the suite's database is, so they run in the
SQLite suite (`make test`) only: on PostgreSQL (`make test-postgres`) they would repeat it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="runs its own SQLite database: the SQLite suite (make test) covers it",
)
CASES = [
    "bare one-row view",
    "/healthz",
    "public education library",
    "physician's consented entry view",
    "patient's home",
]


def run_bench(tmp_path, **settings: str) -> str:
    """`python -m bench.run` as its own process on a fresh SQLite database; the results table."""
    results = tmp_path / "latest.md"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'bench.sqlite3'}",
        BENCH_RESULTS=str(results),
        BENCH_KEY_FILE=str(tmp_path / "access-log.key"),
        **settings,
    )
    run = subprocess.run(
        [sys.executable, "-m", "bench.run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return results.read_text()


@pytest.mark.bench
def test_http_bench_runs_at_tiny_scale(tmp_path):
    table = run_bench(
        tmp_path,
        BENCH_SCALE="0.001",
        BENCH_ONLY="http",
        BENCH_HTTP_ROUNDS="1",
        BENCH_HTTP_SECONDS="0.5",
        BENCH_HTTP_CONNECTIONS="2",
    )
    assert "SQLite" in table
    for case in CASES:
        row = next(line for line in table.splitlines() if line.startswith(f"| HTTP: {case} |"))
        assert " 0 errors in " in row, row
        assert "req/s, p50 " in row and "x the bare view" in row, row


FAULTS = ["no fault", "Redis killed", "Redis hung (SIGSTOP)", "a worker SIGKILLed mid-send"]


@pytest.mark.bench
@pytest.mark.integration
def test_fault_bench_runs_at_tiny_scale(tmp_path):
    """The fault runs (real Redis killed and hung, a worker SIGKILLed) at a tiny scale on
    SQLite: every client request answered 200, nothing lost, no email sent twice under another
    Message-ID."""
    table = run_bench(
        tmp_path,
        BENCH_SCALE="0.01",
        BENCH_ONLY="faults",
        BENCH_FAULT_PHASE_SECONDS="1",
        BENCH_FAULT_SECONDS="2",
    )
    for fault in FAULTS:
        row = next(line for line in table.splitlines() if line.startswith(f"| faults: {fault} |"))
        assert "| 0 errors seen by clients in " in row, row
        assert " 0 lost, " in row, row
        assert "(0 with an unknown Message-ID)" in row, row
        assert "drained " in row and "not within" not in row, row
