"""`make bench`'s access-log part (bench/access_log.py) cannot rot: it runs here at a tiny scale,
in process on the test database, and each figure it reports comes from a run that checked its own
results (the chain verified, every CSV row and every proof-bundle event there)."""

from __future__ import annotations

import pytest
from django.db import connection

from bench import access_log


@pytest.mark.bench
def test_the_access_log_bench_runs_at_tiny_scale(db, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the access-log bench runs on PostgreSQL (make bench)")
    monkeypatch.setattr(access_log, "EVENTS", 150)
    p50s = access_log._p50s
    monkeypatch.setattr(access_log, "_p50s", lambda clients, url: p50s(clients, url, runs=12))
    reported: list[tuple[str, str, str]] = []
    access_log.run(lambda *row: reported.append(row))
    names = [name for name, _value, _target in reported]
    assert names[0] == "verifying a chain of 150 new events (beat job, once)"
    assert [name.split(":")[0] for name in names[1:4]] == [
        "access-log page p50, newest page",
        "access-log page p50, a page of the oldest looks (keyset)",
        "access-log page p50, filtered to one of five readers",
    ]
    assert names[4].startswith("access-log CSV, 150 rows streamed")
    assert names[5] == "checkpoint over the two chains (250 events, first)"
    assert names[6].startswith("proof bundle, 150 events streamed")
