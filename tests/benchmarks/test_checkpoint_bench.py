"""`make bench`'s checkpoint part (bench/checkpoint.py) cannot rot: it runs here at a tiny scale,
in process on the test database, and every figure it reports comes from a run that checked its
own results (every chain signed, nothing failed verification)."""

from __future__ import annotations

import pytest

from accesslog.models import AccessLogCheckpoint, CheckpointLeaf
from bench import checkpoint


@pytest.mark.bench
def test_the_checkpoint_bench_runs_at_tiny_scale(db):
    reader = checkpoint.build_chains(chains=12, events=5)
    reported: list[tuple[str, str, str]] = []
    checkpoint.run(lambda *row: reported.append(row), reader=reader)
    names = [name for name, _value, _target in reported]
    assert names[0] == "first checkpoint: 12 chains and 60 events verified, 12 leaves signed"
    assert names[1] == "routine checkpoint: 1 of 12 chains moved by one event"
    assert names[2].startswith("verify_access_log, whole log (61 events")
    assert names[3].startswith("verify_access_log --incremental")
    assert "events/s; this process's CPU " in reported[0][1]
    assert AccessLogCheckpoint.objects.count() == 2 and CheckpointLeaf.objects.count() == 13
