"""Signed checkpoints catch a chain rewritten with recomputed hashes, and a truncated chain."""

from __future__ import annotations

import json

import pytest

from accesslog import integrity
from accesslog.chain import GENESIS_HASH, compute_hash, verify_chain
from accesslog.models import AccessChainHead, AccessEvent, AccessLogCheckpoint
from tests.support.access_log import log_reads, raw_sql


def rewrite_chain(patient_id: int, *, purpose: str) -> None:
    """What an attacker with write access would do: change a field and recompute every hash."""
    prev = GENESIS_HASH
    for event in AccessEvent.objects.filter(patient_id=patient_id).order_by("sequence"):
        event.purpose = purpose
        event.prev_hash = prev
        event.hash = compute_hash(event)
        raw_sql(
            "UPDATE accesslog_accessevent SET purpose=%s, prev_hash=%s, hash=%s WHERE id=%s",
            [event.purpose, event.prev_hash, event.hash, event.pk],
        )
        prev = event.hash
    raw_sql("UPDATE accesslog_accesschainhead SET hash=%s WHERE patient_id=%s", [prev, patient_id])


def test_checkpoint_is_signed_and_verifies(patient, patient_user):
    log_reads(patient, patient_user, 3)
    checkpoint = integrity.create_checkpoint()
    assert checkpoint.heads[str(patient.pk)][0] == 3
    assert integrity.checkpoint_signature_valid(checkpoint)
    report = integrity.verify_patient_log(patient)
    assert report.intact
    assert report.checkpoint_at == checkpoint.created_at


def test_rewritten_chain_passes_hashes_but_fails_the_checkpoint(patient, patient_user):
    log_reads(patient, patient_user, 4)
    integrity.create_checkpoint()
    rewrite_chain(patient.pk, purpose="nothing to see")
    assert verify_chain(patient.pk) is None  # every hash recomputed...
    report = integrity.verify_patient_log(patient)
    assert not report.intact  # ...but the signed head no longer matches
    assert report.problem.sequence == 4
    assert "rewritten" in report.detail


def test_truncated_chain_fails_the_checkpoint(patient, patient_user):
    events = log_reads(patient, patient_user, 4)
    integrity.create_checkpoint()
    raw_sql("DELETE FROM accesslog_accessevent WHERE id IN (%s, %s)", [events[2].pk, events[3].pk])
    raw_sql(
        "UPDATE accesslog_accesschainhead SET sequence=2, hash=%s WHERE patient_id=%s",
        [events[1].hash, patient.pk],
    )
    assert verify_chain(patient.pk) is None
    report = integrity.verify_patient_log(patient)
    assert not report.intact
    assert "truncated" in report.detail


def test_forged_checkpoint_signature_is_refused(patient, patient_user):
    log_reads(patient, patient_user, 2)
    checkpoint = integrity.create_checkpoint()
    raw_sql(
        "UPDATE accesslog_accesslogcheckpoint SET heads=%s WHERE id=%s",
        [json.dumps({str(patient.pk): [1, "0" * 64]}), checkpoint.pk],
    )
    checkpoint = AccessLogCheckpoint.objects.get(pk=checkpoint.pk)
    assert not integrity.checkpoint_signature_valid(checkpoint)
    assert not integrity.verify_patient_log(patient).intact


def test_events_after_the_checkpoint_still_verify(patient, patient_user):
    log_reads(patient, patient_user, 2)
    integrity.create_checkpoint()
    log_reads(patient, patient_user, 3)
    assert integrity.verify_patient_log(patient).intact
    assert AccessChainHead.objects.get(patient=patient).sequence == 5


def test_checkpoints_are_append_only(patient, patient_user):
    checkpoint = integrity.create_checkpoint()
    with pytest.raises(PermissionError):
        checkpoint.save()
    with pytest.raises(PermissionError):
        AccessLogCheckpoint.objects.all().delete()


def test_beat_task_writes_a_checkpoint(patient, patient_user):
    from accesslog.tasks import checkpoint_access_log

    log_reads(patient, patient_user, 1)
    checkpoint_access_log()
    assert AccessLogCheckpoint.objects.count() == 1
