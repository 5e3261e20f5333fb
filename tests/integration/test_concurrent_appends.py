"""Eight writer processes appending to one patient's chain at once keep one linear chain."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.db import connection

from accesslog.chain import verify_chain
from accesslog.models import AccessChainHead, AccessEvent
from tests.support.processes import ROOT, child_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

WRITERS = 8
EACH = 40


def run_writers(patient, actor, writers: int, each: int) -> None:
    start_file = Path(tempfile.mkdtemp(prefix="rapport-start-")) / "go"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.support.append_events",
                "--patient",
                str(patient.pk),
                "--actor",
                str(actor.pk),
                "--count",
                str(each),
                "--start-file",
                str(start_file),
            ],
            cwd=ROOT,
            env=child_env(DJANGO_SETTINGS_MODULE="tests.settings"),
        )
        for _ in range(writers)
    ]
    start_file.touch()
    for proc in procs:
        assert proc.wait(timeout=240) == 0


def test_eight_concurrent_writers_keep_one_linear_chain(patient, patient_user):
    if connection.vendor != "postgresql":
        pytest.skip("the multi-process proof runs on PostgreSQL (make test-postgres)")
    run_writers(patient, patient_user, WRITERS, EACH)
    total = WRITERS * EACH
    sequences = list(
        AccessEvent.objects.filter(patient=patient)
        .order_by("sequence")
        .values_list("sequence", flat=True)
    )
    assert sequences == list(range(1, total + 1))  # no gaps, no duplicates: no fork
    assert verify_chain(patient.pk) is None
    assert AccessChainHead.objects.get(patient=patient).sequence == total


def test_concurrent_writers_on_sqlite_also_serialise(patient, patient_user):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite variant")
    run_writers(patient, patient_user, 3, 5)
    assert verify_chain(patient.pk) is None
    assert AccessChainHead.objects.get(patient=patient).sequence == 15
