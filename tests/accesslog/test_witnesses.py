"""Witnesses co-sign each checkpoint (C2SP tlog-witness); a refusal is an alarm; a witness that is
down never breaks a checkpoint; a co-signature is kept only if it verifies. Against a tiny witness
over real HTTP (tests/support/witness.py)."""

from __future__ import annotations

import base64
import hashlib
import socket
import threading
import time
from unittest import mock

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.utils import timezone

from accesslog import merkle, note, tasks, witnesses
from accesslog.checkpoints import create_checkpoint
from accesslog.keys import current_public_key, origin
from accesslog.models import AccessLogAlarm, AccessLogCheckpoint, WitnessOutcome, WitnessReply
from notifications.models import Notification, NotificationKind
from tests.support.access_log import log_reads
from tests.support.witness import TinyWitness


@pytest.fixture
def witness(db, settings):
    tiny = TinyWitness(origin=origin(), log_public_keys=[current_public_key()]).start()
    settings.ACCESS_LOG_WITNESS_URLS = [tiny.setting]
    yield tiny
    tiny.stop()


def checkpoint_now(capture) -> AccessLogCheckpoint:
    """What beat does: sign a checkpoint; once it commits, the witnesses are asked."""
    with capture(execute=True):
        number = tasks.checkpoint_access_log()
    return AccessLogCheckpoint.objects.get(number=number)


def alarms_sent():
    return Notification.objects.filter(kind=NotificationKind.ACCESS_LOG_ALARM)


def test_each_checkpoint_is_cosigned_and_the_cosignature_verifies_with_the_witness_key(
    witness, patient, patient_user, other_patient, django_capture_on_commit_callbacks
):
    log_reads(patient, patient_user, 2)
    first = checkpoint_now(django_capture_on_commit_callbacks)
    reply = WitnessReply.objects.get(checkpoint=first)
    assert (reply.witness, reply.outcome) == ("witness.test/w1", WitnessOutcome.COSIGNED)
    assert witness.received[0].startswith("old 0\n\n")  # first contact: no proof
    assert witness.state[origin()] == (1, bytes.fromhex(first.root_hash))

    # The stored line is a real cosignature/v1 over the checkpoint's body.
    name, encoded = reply.signature.removeprefix("\u2014 ").split(" ")
    raw = base64.b64decode(encoded)
    body = first.note.rpartition("\n\n")[0] + "\n"
    timestamp = int.from_bytes(raw[4:12], "big")
    witness.key.public_key().verify(raw[12:], f"cosignature/v1\ntime {timestamp}\n{body}".encode())
    assert reply.cosigned_at.timestamp() == timestamp

    # The next checkpoint proves it extends the one the witness holds.
    log_reads(other_patient, patient_user, 1)
    log_reads(patient, patient_user, 1)
    second = checkpoint_now(django_capture_on_commit_callbacks)
    request = witness.received[1]
    assert request.startswith("old 1\n")
    proof_lines = request.partition("\n\n")[0].split("\n")[1:]
    assert len(proof_lines) == 2 and second.tree_size == 3
    assert WitnessReply.objects.get(checkpoint=second).outcome == WitnessOutcome.COSIGNED
    assert witness.state[origin()][0] == 3


def test_the_transparency_page_shows_only_verified_cosignatures(
    witness, client, patient, patient_user, django_capture_on_commit_callbacks
):
    log_reads(patient, patient_user, 1)
    checkpoint_now(django_capture_on_commit_callbacks)
    witness.misbehave = "bad-signature"
    log_reads(patient, patient_user, 1)
    checkpoint_now(django_capture_on_commit_callbacks)
    page = client.get("/transparency/").content.decode()
    rows = page.split("<tbody>")[2].split("</tbody>")[0].split("<tr>")[1:]  # checkpoints table
    assert "witness.test/w1" not in rows[0] and "No witness yet" in rows[0]  # checkpoint 2
    assert "witness.test/w1" in rows[1]  # checkpoint 1
    assert witness.verifier_key in page  # the key to check the co-signatures with
    assert "tlog-witness" in page


def test_the_newest_note_is_published_with_its_cosignatures(
    witness, client, patient, patient_user, django_capture_on_commit_callbacks
):
    log_reads(patient, patient_user, 1)
    checkpoint = checkpoint_now(django_capture_on_commit_callbacks)
    reply = WitnessReply.objects.get()
    page = client.get("/transparency/").content.decode()
    assert reply.signature in page
    assert checkpoint.note.split("\n")[0] in page


@pytest.mark.parametrize("misbehave", ["bad-signature", "other-key"])
def test_a_cosignature_that_does_not_verify_is_rejected(
    witness, misbehave, patient, patient_user, django_capture_on_commit_callbacks
):
    witness.misbehave = misbehave
    log_reads(patient, patient_user, 1)
    checkpoint = checkpoint_now(django_capture_on_commit_callbacks)
    reply = WitnessReply.objects.get(checkpoint=checkpoint)
    assert reply.outcome == WitnessOutcome.INVALID
    assert reply.signature == "" and reply.cosigned_at is None


def test_a_cosignature_dated_in_the_future_is_rejected(witness):
    body = "log.example\n1\n" + base64.b64encode(b"\0" * 32).decode() + "\n"
    future = int(time.time()) + 3600
    configured = witnesses.parse_witness(witness.setting)
    signature = witness.key.sign(witnesses.cosigned_message(body, future))
    raw = configured.key_id + future.to_bytes(8, "big") + signature
    line = f"\u2014 {witness.name} {base64.b64encode(raw).decode()}\n"
    with pytest.raises(witnesses.CosignatureError, match="future"):
        witnesses.verified_cosignature(configured, body, line, now=timezone.now())
    # The same statement dated now verifies.
    now = int(time.time())
    signature = witness.key.sign(witnesses.cosigned_message(body, now))
    raw = configured.key_id + now.to_bytes(8, "big") + signature
    line = f"\u2014 {witness.name} {base64.b64encode(raw).decode()}\n"
    assert (
        witnesses.verified_cosignature(configured, body, line, now=timezone.now())[0]
        == line.strip()
    )


def test_a_witness_that_saw_a_larger_tree_refuses_and_officers_are_alerted(
    witness,
    patient,
    patient_user,
    privacy_officer,
    clinic_admin,
    client,
    django_capture_on_commit_callbacks,
):
    """A database restored from an older copy: the witness has co-signed more than we have."""
    log_reads(patient, patient_user, 1)
    checkpoint_now(django_capture_on_commit_callbacks)
    witness.state[origin()] = (7, b"\x42" * 32)  # what it co-signed before the restore
    log_reads(patient, patient_user, 1)
    second = checkpoint_now(django_capture_on_commit_callbacks)
    reply = WitnessReply.objects.get(checkpoint=second)
    assert reply.outcome == WitnessOutcome.REFUSED and "rolled back" in reply.detail
    alarm = AccessLogAlarm.objects.get()
    assert alarm.patient_id is None and "witness.test/w1 refused checkpoint 2" in alarm.reason
    assert {n.recipient_id for n in alarms_sent()} == {privacy_officer.pk, clinic_admin.pk}
    # The patient's page says the log could not be verified.
    client.force_login(patient_user)
    page = client.get("/portal/access-log/").content.decode()
    assert "failed its integrity check" in page


def test_a_witness_that_holds_a_forked_tree_refuses(
    witness,
    patient,
    patient_user,
    other_patient,
    privacy_officer,
    django_capture_on_commit_callbacks,
):
    """Someone showed the witness another history of the same size: our proof does not extend it."""
    log_reads(patient, patient_user, 1)
    checkpoint_now(django_capture_on_commit_callbacks)
    witness.state[origin()] = (1, b"\x17" * 32)
    log_reads(other_patient, patient_user, 1)
    second = checkpoint_now(django_capture_on_commit_callbacks)
    reply = WitnessReply.objects.get(checkpoint=second)
    assert reply.outcome == WitnessOutcome.REFUSED and "forked" in reply.detail
    assert AccessLogAlarm.objects.filter(patient=None, reason__contains="forked").exists()
    assert [n.recipient_id for n in alarms_sent()] == [privacy_officer.pk]


def test_a_fork_at_the_same_size_is_refused(
    witness, patient, patient_user, django_capture_on_commit_callbacks
):
    log_reads(patient, patient_user, 1)
    checkpoint_now(django_capture_on_commit_callbacks)
    witness.state[origin()] = (1, b"\x17" * 32)
    second = checkpoint_now(django_capture_on_commit_callbacks)  # no chain moved: same size
    reply = WitnessReply.objects.get(checkpoint=second)
    assert reply.outcome == WitnessOutcome.REFUSED and "different tree" in reply.detail
    assert AccessLogAlarm.objects.filter(patient=None).count() == 1


def test_a_witness_that_lost_track_is_sent_a_proof_from_what_it_holds(
    witness, patient, patient_user, other_patient, django_capture_on_commit_callbacks
):
    """We think it holds nothing (our rows of its answers are new); it says 1: prove from 1."""
    log_reads(patient, patient_user, 1)
    with django_capture_on_commit_callbacks(execute=False):
        tasks.checkpoint_access_log()  # signed, never sent
    witness.state[origin()] = (
        1,
        bytes.fromhex(AccessLogCheckpoint.objects.get(number=1).root_hash),
    )
    log_reads(other_patient, patient_user, 1)
    second = checkpoint_now(django_capture_on_commit_callbacks)
    assert [r.split("\n")[0] for r in witness.received] == ["old 0", "old 1"]
    assert WitnessReply.objects.get(checkpoint=second).outcome == WitnessOutcome.COSIGNED
    assert not AccessLogAlarm.objects.exists()


def test_a_witness_that_does_not_trust_our_key_is_recorded_without_an_alarm(
    witness, patient, patient_user, django_capture_on_commit_callbacks
):
    witness.log_public_keys = [Ed25519PrivateKey.generate().public_key().public_bytes_raw()]
    log_reads(patient, patient_user, 1)
    checkpoint = checkpoint_now(django_capture_on_commit_callbacks)
    reply = WitnessReply.objects.get(checkpoint=checkpoint)
    assert reply.outcome == WitnessOutcome.REFUSED and "HTTP 403" in reply.detail
    assert not AccessLogAlarm.objects.exists()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_witness_that_is_down_does_not_break_checkpoints(
    witness, settings, patient, patient_user, django_capture_on_commit_callbacks
):
    down = witness.setting.replace(witness.url, f"http://127.0.0.1:{_closed_port()}/witness")
    settings.ACCESS_LOG_WITNESS_URLS = [down]
    log_reads(patient, patient_user, 2)
    checkpoint = checkpoint_now(django_capture_on_commit_callbacks)
    assert checkpoint.tree_size == 1
    assert not WitnessReply.objects.exists() and not AccessLogAlarm.objects.exists()
    # A witness answering 503 is "not now" as well: nothing stored, nothing alarmed.
    settings.ACCESS_LOG_WITNESS_URLS = [witness.setting]
    witness.misbehave = "unavailable"
    run = witnesses.witness_checkpoint(checkpoint.number)
    assert run.unreachable == ["witness.test/w1"] and not WitnessReply.objects.exists()
    # Back up: the same checkpoint is co-signed when asked again.
    witness.misbehave = ""
    assert witnesses.witness_checkpoint(checkpoint.number).cosigned == ["witness.test/w1"]


def test_a_hung_witness_costs_at_most_the_timeout(
    db, settings, patient, patient_user, django_capture_on_commit_callbacks
):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)  # accepts connections and never answers
    tiny = TinyWitness(origin=origin(), log_public_keys=[current_public_key()])
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/witness"
    settings.ACCESS_LOG_WITNESS_URLS = [f"{url} {tiny.verifier_key}"]
    settings.ACCESS_LOG_WITNESS_TIMEOUT_SECONDS = 0.5
    log_reads(patient, patient_user, 1)
    started = time.monotonic()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            call_command("checkpoint_access_log", stdout=open("/dev/null", "w"))  # noqa: SIM115
    finally:
        listener.close()
    assert time.monotonic() - started < 5
    assert AccessLogCheckpoint.objects.count() == 1 and not WitnessReply.objects.exists()


def test_the_task_retries_an_unreachable_witness_with_backoff(witness, patient, patient_user):
    log_reads(patient, patient_user, 1)
    number = create_checkpoint().checkpoint.number
    witness.misbehave = "unavailable"
    task = tasks.witness_checkpoint
    with (
        mock.patch.object(task, "retry", side_effect=RuntimeError("retry")) as retry,
        pytest.raises(RuntimeError, match="retry"),
    ):
        task.run(number)  # as a worker runs it (not eagerly)
    assert retry.call_args.kwargs["countdown"] == 30
    assert task.max_retries == tasks.WITNESS_RETRIES
    witness.misbehave = ""
    with mock.patch.object(task, "retry") as retry:
        assert task.run(number) == 1
    retry.assert_not_called()


def test_witnessing_is_not_published_while_the_broker_is_down(witness, patient, patient_user):
    app = tasks.witness_checkpoint.app
    app.conf.task_always_eager = False
    try:
        tasks.breaker_for(app.conf.broker_url).failed()
        with mock.patch.object(tasks.witness_checkpoint, "delay") as delay:
            assert tasks.publish_witnessing(1) is False
        delay.assert_not_called()
        tasks.breaker_for(app.conf.broker_url).succeeded()
        with mock.patch.object(tasks.witness_checkpoint, "delay", side_effect=OSError("down")):
            assert tasks.publish_witnessing(1) is False  # never raises into the checkpoint
    finally:
        app.conf.task_always_eager = True


def test_concurrent_runs_store_one_reply(witness, patient, patient_user):
    log_reads(patient, patient_user, 1)
    number = create_checkpoint().checkpoint.number
    witnesses.witness_checkpoint(number)
    again = witnesses.witness_checkpoint(number)  # a redelivered task
    assert again.cosigned == [] and WitnessReply.objects.count() == 1
    assert len(witness.received) == 1


def test_without_witnesses_nothing_is_sent(db, settings, patient, patient_user):
    settings.ACCESS_LOG_WITNESS_URLS = []
    assert tasks.publish_witnessing(1) is False


@pytest.mark.parametrize(
    "item",
    [
        "http://w.example/ ",
        "ftp://w.example/ name+00000000+" + base64.b64encode(b"\x04" + b"k" * 32).decode(),
        "http://w.example/ name+00000000+" + base64.b64encode(b"\x04" + b"k" * 32).decode(),
        "http://w.example/ name+00000000+" + base64.b64encode(b"\x01" + b"k" * 32).decode(),
        "http://w.example/ name+00000000+notbase64!",
    ],
)
def test_a_badly_configured_witness_fails_loudly(item):
    with pytest.raises(ImproperlyConfigured):
        witnesses.parse_witness(item)


def test_a_well_formed_witness_key_parses():
    tiny = TinyWitness(origin="log.example", log_public_keys=[])
    parsed = witnesses.parse_witness(f"https://w.example/prefix/ {tiny.verifier_key}")
    assert parsed.public_raw == tiny.public_raw and parsed.name == tiny.name
    assert parsed.add_checkpoint_url == "https://w.example/prefix/add-checkpoint"
    assert parsed.verifier_key == tiny.verifier_key


def test_the_add_checkpoint_request_is_as_the_spec_says():
    proof = [b"\x01" * 32, b"\x02" * 32]
    body = witnesses.add_checkpoint_request(5, proof, "o\n7\nroot\n\n\u2014 o sig\n")
    assert body.decode() == (
        "old 5\n"
        + base64.b64encode(b"\x01" * 32).decode()
        + "\n"
        + base64.b64encode(b"\x02" * 32).decode()
        + "\n\no\n7\nroot\n\n\u2014 o sig\n"
    )
    assert witnesses.cosigned_message("o\n7\nroot\n", 1679315147) == (
        b"cosignature/v1\ntime 1679315147\no\n7\nroot\n"
    )


def test_the_cosignature_key_id_matches_the_spec():
    key = bytes(range(32))
    expected = hashlib.sha256(b"w.example/w1\n\x04" + key).digest()[:4]
    assert witnesses.cosignature_key_id("w.example/w1", key) == expected


def test_a_witness_that_answers_in_parallel_keeps_one_state(witness):
    """The witness itself: two requests from the same old size cannot both win (the spec's race)."""
    leaves = [merkle.leaf_hash(bytes([i])) for i in range(4)]
    key = Ed25519PrivateKey.generate()
    witness.log_public_keys = [key.public_key().public_bytes_raw()]

    def signed(size: int) -> str:
        root = base64.b64encode(merkle.root(leaves[:size])).decode()
        return note.sign(f"{witness.origin}\n{size}\n{root}\n", witness.origin, key)

    results = []

    def submit(size):
        request = witnesses.add_checkpoint_request(0, [], signed(size))
        results.append(witness.add_checkpoint(request)[0])

    threads = [threading.Thread(target=submit, args=(size,)) for size in (2, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200, 409]
