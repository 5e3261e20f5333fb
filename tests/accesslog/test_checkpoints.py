"""Checkpoints verify before they sign, chain to each other, and never launder tampering."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from accesslog import checkpoints, integrity, note
from accesslog.chain import verify_chain
from accesslog.keys import origin, trusted_keys
from accesslog.models import AccessChainHead, AccessLogAlarm, AccessLogCheckpoint, CheckpointLeaf
from notifications.models import Notification, NotificationKind
from tests.support.access_log import log_reads, raw_sql, rewrite_chain


@pytest.fixture
def checkpoint_export(settings, tmp_path):
    settings.ACCESS_LOG_EXPORT_DIR = str(tmp_path / "checkpoints")
    return tmp_path / "checkpoints"


def alarms_sent():
    return Notification.objects.filter(kind=NotificationKind.ACCESS_LOG_ALARM)


def test_a_checkpoint_signs_a_leaf_per_verified_chain(patient, patient_user, other_patient):
    log_reads(patient, patient_user, 3)
    log_reads(other_patient, patient_user, 2)
    run = checkpoints.create_checkpoint()
    assert run.signed_chains == 2 and not run.problems
    checkpoint = run.checkpoint
    assert (checkpoint.number, checkpoint.tree_size) == (1, 2)
    leaf = CheckpointLeaf.objects.get(patient=patient)
    assert (leaf.sequence, leaf.head_hash) == (3, AccessChainHead.objects.get(patient=patient).hash)
    # The note is a C2SP checkpoint signed with our key, and names the genesis as previous.
    body = checkpoints.open_checkpoint(checkpoint)
    assert body.origin == origin() and body.size == 2 and body.previous == "0" * 64
    assert checkpoint.note.startswith(f"{origin()}\n2\n")
    assert "\n\n\u2014 " in checkpoint.note


def test_an_unchanged_chain_gets_no_new_leaf_and_checkpoints_chain(patient, patient_user):
    log_reads(patient, patient_user, 2)
    first = checkpoints.create_checkpoint().checkpoint
    second = checkpoints.create_checkpoint().checkpoint
    assert second.tree_size == first.tree_size == 1
    assert second.previous_hash == note.body_hash(checkpoints.open_checkpoint(first).text())
    log_reads(patient, patient_user, 1)
    third = checkpoints.create_checkpoint()
    assert third.signed_chains == 1 and third.checkpoint.tree_size == 2


def test_a_chain_changed_since_its_last_leaf_is_not_signed_and_people_are_alerted(
    patient, patient_user, other_patient, privacy_officer, clinic_admin, physician
):
    log_reads(patient, patient_user, 2)
    checkpoints.create_checkpoint()
    events = log_reads(patient, patient_user, 2)
    log_reads(other_patient, patient_user, 1)
    raw_sql("UPDATE accesslog_accessevent SET purpose='x' WHERE id=%s", [events[0].pk])
    run = checkpoints.create_checkpoint()
    assert [(p.patient_id, p.sequence) for p in run.problems] == [(patient.pk, 3)]
    assert run.signed_chains == 1  # the other patient's chain is still signed
    assert CheckpointLeaf.objects.latest_for(patient.pk).sequence == 2  # not signed over
    alarm = AccessLogAlarm.objects.get()
    assert (alarm.patient_id, alarm.sequence) == (patient.pk, 3)
    told = {n.recipient_id for n in alarms_sent()}
    assert told == {privacy_officer.pk, clinic_admin.pk}  # not the physician, not the patient
    for notification in alarms_sent():
        assert "Maria" not in notification.message and patient.mrn not in notification.message
    assert all("Maria" not in message.body for message in mail.outbox)
    # The next run finds the same break: no second alarm, still not signed.
    checkpoints.create_checkpoint()
    assert AccessLogAlarm.objects.count() == 1 and alarms_sent().count() == 2
    assert CheckpointLeaf.objects.latest_for(patient.pk).sequence == 2


def test_the_patient_page_says_the_log_could_not_be_verified_after_an_alarm(
    client, patient, patient_user
):
    log_reads(patient, patient_user, 2)
    checkpoints.create_checkpoint()
    events = log_reads(patient, patient_user, 1)
    raw_sql("UPDATE accesslog_accessevent SET actor_name='Nobody' WHERE id=%s", [events[0].pk])
    checkpoints.create_checkpoint()
    report = integrity.verify_patient_log(patient)
    assert not report.intact and report.problem.sequence == 3
    client.force_login(patient_user)
    page = client.get("/portal/access-log/").content.decode()
    assert "Warning: your access log failed its integrity check" in page


@pytest.mark.parametrize("later_checkpoints", [1, 3])
def test_tamper_then_let_the_next_checkpoint_run_is_never_laundered(
    patient, patient_user, later_checkpoints
):
    log_reads(patient, patient_user, 4)
    checkpoints.create_checkpoint()
    rewrite_chain(patient.pk, purpose="nothing to see", from_sequence=2)
    assert verify_chain(patient.pk) is None  # every hash recomputed: the chain alone looks fine
    log_reads(patient, patient_user, 2)  # and the clinic carries on
    for _ in range(later_checkpoints):
        run = checkpoints.create_checkpoint()
        assert run.signed_chains == 0
    assert CheckpointLeaf.objects.latest_for(patient.pk).sequence == 4
    assert not integrity.verify_patient_log(patient).intact
    report = integrity.verify_log()
    assert [(p.patient_id, p.sequence) for p in report.chain_problems] == [(patient.pk, 4)]


def test_a_head_moved_backwards_is_refused(patient, patient_user):
    events = log_reads(patient, patient_user, 4)
    checkpoints.create_checkpoint()
    raw_sql("DELETE FROM accesslog_accessevent WHERE id=%s", [events[3].pk])
    raw_sql(
        "UPDATE accesslog_accesschainhead SET sequence=3, hash=%s WHERE patient_id=%s",
        [events[2].hash, patient.pk],
    )
    run = checkpoints.create_checkpoint()
    assert "moved back from 4 to 3" in str(run.problems[0])
    assert not integrity.verify_patient_log(patient).intact


def test_an_edited_checkpoint_stops_all_signing(patient, patient_user, privacy_officer):
    log_reads(patient, patient_user, 2)
    first = checkpoints.create_checkpoint().checkpoint
    raw_sql(
        "UPDATE accesslog_accesslogcheckpoint SET note=replace(note, %s, %s) WHERE id=%s",
        ["\n1\n", "\n2\n", first.pk],
    )
    log_reads(patient, patient_user, 1)
    run = checkpoints.create_checkpoint()
    assert run.checkpoint is None and "checkpoint 1" in run.refused
    assert AccessLogCheckpoint.objects.count() == 1
    assert AccessLogAlarm.objects.get().patient is None
    assert alarms_sent().filter(recipient=privacy_officer).exists()
    assert not integrity.verify_patient_log(patient).intact


def test_a_leaf_removed_or_changed_stops_all_signing(patient, patient_user, other_patient):
    log_reads(patient, patient_user, 2)
    log_reads(other_patient, patient_user, 2)
    checkpoints.create_checkpoint()
    raw_sql("UPDATE accesslog_checkpointleaf SET sequence=1 WHERE patient_id=%s", [patient.pk])
    assert checkpoints.create_checkpoint().checkpoint is None
    assert integrity.verify_checkpoints() != []


def test_the_export_is_written_once_and_catches_a_restored_database(
    patient, patient_user, checkpoint_export, django_capture_on_commit_callbacks
):
    log_reads(patient, patient_user, 2)
    with django_capture_on_commit_callbacks(execute=True):
        first = checkpoints.create_checkpoint().checkpoint
    log_reads(patient, patient_user, 1)
    with django_capture_on_commit_callbacks(execute=True):
        second = checkpoints.create_checkpoint().checkpoint
    exported = sorted(path.name for path in checkpoint_export.iterdir())
    assert exported == ["000000000001.checkpoint", "000000000002.checkpoint"]
    assert (checkpoint_export / exported[0]).read_text() == first.note
    # The database goes back to how it was after the first checkpoint.
    raw_sql("DELETE FROM accesslog_checkpointleaf WHERE checkpoint_id=%s", [2])
    raw_sql("DELETE FROM accesslog_accesslogcheckpoint WHERE id=%s", [second.pk])
    assert "restored from an older copy" in integrity.verify_patient_log(patient).detail
    run = checkpoints.create_checkpoint()
    assert run.checkpoint is None and "restored from an older copy" in run.refused
    assert any("restored" in problem for problem in integrity.verify_checkpoints())


def test_truncating_every_checkpoint_is_caught_by_the_export(
    patient, patient_user, checkpoint_export, django_capture_on_commit_callbacks
):
    log_reads(patient, patient_user, 2)
    with django_capture_on_commit_callbacks(execute=True):
        checkpoints.create_checkpoint()
    raw_sql("DELETE FROM accesslog_checkpointleaf", [])
    raw_sql("DELETE FROM accesslog_accesslogcheckpoint", [])
    assert not integrity.verify_patient_log(patient).intact
    assert checkpoints.create_checkpoint().checkpoint is None


def test_checkpoints_leaves_are_append_only(patient, patient_user):
    log_reads(patient, patient_user, 1)
    checkpoint = checkpoints.create_checkpoint().checkpoint
    with pytest.raises(PermissionError):
        checkpoint.save()
    with pytest.raises(PermissionError):
        AccessLogCheckpoint.objects.all().delete()
    with pytest.raises(PermissionError):
        CheckpointLeaf.objects.all().update(sequence=9)


def test_a_signature_by_a_key_we_do_not_trust_is_refused(patient, patient_user, settings):
    log_reads(patient, patient_user, 1)
    checkpoint = checkpoints.create_checkpoint().checkpoint
    settings.ACCESS_LOG_SIGNING_KEY = "A" * 43 + "="  # a different key now signs
    with pytest.raises(note.NoteError):
        checkpoints.open_checkpoint(checkpoint)
    # Retired keys stay trusted: list the old public key and the old checkpoint verifies again.
    settings.ACCESS_LOG_RETIRED_PUBLIC_KEYS = [checkpoint.public_key]
    assert checkpoints.open_checkpoint(checkpoint).number == 1
    assert [key.current for key in trusted_keys()] == [True, False]


def test_beat_runs_the_checkpoint_every_few_minutes(settings, patient, patient_user):
    from accesslog.tasks import checkpoint_access_log

    assert settings.CELERY_BEAT_SCHEDULE["checkpoint-access-log"]["schedule"] <= 300
    log_reads(patient, patient_user, 1)
    assert checkpoint_access_log() == 1


def test_the_command_signs_and_says_what_it_refused(patient, patient_user, capsys):
    events = log_reads(patient, patient_user, 2)
    call_command("checkpoint_access_log")
    assert "Checkpoint 1: 1 leaves, 1 chain(s)" in capsys.readouterr().out
    log_reads(patient, patient_user, 1)
    raw_sql("UPDATE accesslog_accessevent SET purpose='x' WHERE id=%s", [events[0].pk])
    rewrite_chain(patient.pk, purpose="y", from_sequence=1)
    with pytest.raises(CommandError):
        call_command("checkpoint_access_log")
    assert "NOT SIGNED" in capsys.readouterr().err


def test_verify_access_log_reports_progress_resumes_and_names_the_link(
    patient, patient_user, other_patient, capsys
):
    log_reads(patient, patient_user, 3)
    events = log_reads(other_patient, patient_user, 3)
    checkpoints.create_checkpoint()
    call_command("verify_access_log")
    captured = capsys.readouterr()
    assert "intact (2 chains checked)" in captured.out
    assert "2/2 chains checked" in captured.err
    raw_sql("UPDATE accesslog_accessevent SET purpose='x' WHERE id=%s", [events[1].pk])
    with pytest.raises(CommandError):
        call_command("verify_access_log")
    assert f"patient {other_patient.pk}: link 2 is broken" in capsys.readouterr().err
    # Resuming after the other patient skips their chain; the incremental check starts from
    # the signed leaf (link 3), so an older edit is for the full check to find.
    first, second = sorted([patient.pk, other_patient.pk])
    call_command("verify_access_log", "--start-after", str(second), "--quiet")
    assert "intact (0 chains checked)" in capsys.readouterr().out
    call_command("verify_access_log", "--incremental", "--quiet")
    # The full run raised an alarm, which the patient's page shows.
    assert not integrity.verify_patient_log(other_patient).intact
    assert integrity.verify_patient_log(patient).intact


def test_a_problem_the_page_finds_first_alerts_at_once_and_once(
    client, patient, patient_user, privacy_officer
):
    log_reads(patient, patient_user, 2)
    checkpoints.create_checkpoint()
    events = log_reads(patient, patient_user, 1)
    raw_sql("UPDATE accesslog_accessevent SET purpose='x' WHERE id=%s", [events[0].pk])
    client.force_login(patient_user)
    for _ in range(2):
        page = client.get("/portal/access-log/").content.decode()
        assert "Our privacy officer has been alerted" in page
    assert alarms_sent().filter(recipient=privacy_officer).count() == 1
    assert AccessLogAlarm.objects.get().sequence == 3


def test_verify_access_log_reports_progress_inside_a_long_chain(
    patient, patient_user, other_patient, capsys, monkeypatch
):
    monkeypatch.setattr(integrity, "LINKS_PROGRESS_EVERY", 2)
    log_reads(patient, patient_user, 5)
    log_reads(other_patient, patient_user, 1)
    checkpoints.create_checkpoint()
    call_command("verify_access_log")
    err = capsys.readouterr().err.splitlines()
    second = max(patient.pk, other_patient.pk)
    chain = [line for line in err if line.startswith(f"patient {patient.pk}:")]
    assert chain == [
        f"patient {patient.pk}: 2 links verified",
        f"patient {patient.pk}: 4 links verified",
    ]
    assert err[-1] == f"2/2 chains checked (last: patient {second})"
    # The incremental run starts at each chain's newest signed leaf (link 5): nothing to report.
    log_reads(patient, patient_user, 2)
    call_command("verify_access_log", "--incremental")
    err = capsys.readouterr().err.splitlines()
    assert f"patient {patient.pk}: 6 links verified" in err
    assert f"patient {patient.pk}: 4 links verified" not in err
