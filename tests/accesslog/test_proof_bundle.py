"""/portal/access-log/proof/ and the standalone verifier (verifier/rapport_verify.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from accesslog import checkpoints, proof
from accesslog.keys import trusted_keys
from tests.support.access_log import log_reads, raw_sql
from verifier import rapport_verify

VERIFIER = Path(__file__).resolve().parents[2] / "verifier" / "rapport_verify.py"


def fingerprint() -> str:
    return trusted_keys()[0].fingerprint


def download(client, user) -> tuple[object, dict]:
    client.force_login(user)
    response = client.get("/portal/access-log/proof/")
    body = b"".join(response.streaming_content) if response.status_code == 200 else b""
    return response, (json.loads(body) if body else {})


def test_the_patient_downloads_a_bundle_of_their_own_log(
    client, patient, patient_user, other_patient, physician
):
    log_reads(patient, physician, 3)
    log_reads(other_patient, physician, 5)
    checkpoints.create_checkpoint()
    log_reads(patient, physician, 1)
    response, bundle = download(client, patient_user)
    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"] == 'attachment; filename="access-log-proof.json"'
    assert "no-store" in response["Cache-Control"]
    assert [event["sequence"] for event in bundle["events"]] == [1, 2, 3, 4]
    assert {event["patient_id"] for event in bundle["events"]} == {patient.pk}
    assert bundle["leaf"]["sequence"] == 3
    assert len(bundle["inclusion_proof"]) == 1  # a tree of two leaves: one sibling
    text = json.dumps(bundle)
    assert other_patient.legal_name not in text and other_patient.mrn not in text
    assert patient.mrn not in text
    result = rapport_verify.verify_bundle(bundle, fingerprint_wanted=fingerprint())
    assert result.ok, result.problems
    assert any("1 newer link(s)" in line for line in result.notes)


def test_only_patients_get_a_bundle(client, physician, privacy_officer):
    client.force_login(physician)
    assert client.get("/portal/access-log/proof/").status_code == 403
    client.logout()
    assert client.get("/portal/access-log/proof/").status_code == 302
    client.force_login(privacy_officer)
    assert client.get("/portal/access-log/proof/").status_code == 403


def test_a_patient_not_yet_in_a_checkpoint_gets_a_bundle_that_says_so(
    client, patient, patient_user
):
    log_reads(patient, patient_user, 2)
    _response, bundle = download(client, patient_user)
    assert bundle["checkpoint"] is None and bundle["inclusion_proof"] == []
    result = rapport_verify.verify_bundle(bundle, fingerprint_wanted=fingerprint())
    assert result.ok and any("not in a signed checkpoint yet" in line for line in result.notes)


def test_the_bundle_is_streamed_in_batches_with_flat_queries(
    client, patient, patient_user, django_assert_max_num_queries, monkeypatch
):
    monkeypatch.setattr(proof, "BATCH", 10)
    log_reads(patient, patient_user, 35)
    checkpoints.create_checkpoint()
    client.force_login(patient_user)
    response = client.get("/portal/access-log/proof/")
    with django_assert_max_num_queries(9):  # key, checkpoint, leaf, tree, 4 batches, session
        chunks = list(response.streaming_content)
    assert len(chunks) > 35
    assert len(json.loads(b"".join(chunks))["events"]) == 35


def test_a_hostile_name_survives_as_data(client, patient, patient_user, physician):
    physician.staff_profile.display_name = '</script><script>alert(1)</script>"\\\n'
    physician.staff_profile.save()
    log_reads(patient, physician, 1)
    checkpoints.create_checkpoint()
    _response, bundle = download(client, patient_user)
    assert rapport_verify.verify_bundle(bundle, fingerprint_wanted=fingerprint()).ok


def test_the_wrong_fingerprint_is_refused(client, patient, patient_user):
    log_reads(patient, patient_user, 1)
    checkpoints.create_checkpoint()
    _response, bundle = download(client, patient_user)
    result = rapport_verify.verify_bundle(bundle, fingerprint_wanted="0000 1111 2222 3333")
    assert not result.ok and "not the key on your handout" in result.problems[0]


def test_the_verifier_runs_alone_and_remembers_what_it_saw(tmp_path, client, patient, patient_user):
    events = log_reads(patient, patient_user, 4)
    checkpoints.create_checkpoint()
    _response, bundle = download(client, patient_user)
    path, state = tmp_path / "bundle.json", tmp_path / "state.json"
    path.write_text(json.dumps(bundle))

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-I", str(VERIFIER), str(path), *args],
            capture_output=True,
            text=True,
            check=False,
            cwd=tmp_path,  # not the project: it needs nothing from it
        )

    done = run("--fingerprint", fingerprint(), "--state", str(state))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "VERIFIED" in done.stdout
    assert json.loads(state.read_text())["head"]["sequence"] == 4
    # The database goes back to an older copy: the verifier remembers the head it saw.
    raw_sql("DELETE FROM accesslog_accessevent WHERE id=%s", [events[3].pk])
    raw_sql("DELETE FROM accesslog_checkpointleaf", [])
    raw_sql("DELETE FROM accesslog_accesslogcheckpoint", [])
    raw_sql(
        "UPDATE accesslog_accesschainhead SET sequence=3, hash=%s WHERE patient_id=%s",
        [events[2].hash, patient.pk],
    )
    _response, older = download(client, patient_user)
    path.write_text(json.dumps(older))
    done = run("--fingerprint", fingerprint(), "--state", str(state))
    assert done.returncode == 1
    assert "BROKEN: link 4" in done.stdout and "rolled back" in done.stdout
    path.write_text("{not json")
    assert run().returncode == 2


@pytest.mark.parametrize("junk", [[], {"format": "other"}, {"format": proof.FORMAT}])
def test_the_verifier_refuses_what_is_not_a_bundle(junk):
    assert not rapport_verify.verify_bundle(junk).ok
