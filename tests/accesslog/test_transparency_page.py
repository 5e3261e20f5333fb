"""/transparency/ (public), the latest checkpoint as text, the verifier download, and the key
fingerprint on the activation handout."""

from __future__ import annotations

import re

from accesslog import checkpoints, note
from accesslog.keys import trusted_keys
from tests.factories.onboarding import OnboardingVisitFactory, identity_verified
from tests.support.access_log import log_reads


def test_anyone_sees_the_keys_the_latest_checkpoints_and_the_spec(
    client, patient, patient_user, settings, django_assert_max_num_queries
):
    log_reads(patient, patient_user, 2)
    checkpoint = checkpoints.create_checkpoint().checkpoint
    settings.ACCESS_LOG_RETIRED_PUBLIC_KEYS = ["A" * 43 + "="]
    with django_assert_max_num_queries(2):
        response = client.get("/transparency/")
    assert response.status_code == 200
    page = response.content.decode()
    current, retired = trusted_keys()
    assert current.fingerprint in page and current.verifier_key in page
    assert retired.fingerprint in page and "Retired" in page
    assert checkpoint.root_hash in page
    assert "rapport-previous 0000" in page  # the newest signed note, verbatim
    assert "RFC 6962" in page and "c2sp.org/tlog-checkpoint" in page
    assert patient.legal_name not in page and patient.mrn not in page


def test_the_transparency_page_is_flat_in_the_number_of_checkpoints(
    client, patient, patient_user, django_assert_max_num_queries
):
    for _ in range(15):
        log_reads(patient, patient_user, 1)
        checkpoints.create_checkpoint()
    with django_assert_max_num_queries(2):
        page = client.get("/transparency/").content.decode()
    assert page.count("<tr>") == 1 + 1 + 1 + 10  # keys header + 1 key, checkpoints header + 10


def test_before_any_checkpoint_the_page_says_so(client, db):
    assert "No checkpoint has been signed yet." in client.get("/transparency/").content.decode()
    assert client.get("/transparency/checkpoint").status_code == 404


def test_the_latest_checkpoint_as_text_verifies(client, patient, patient_user):
    log_reads(patient, patient_user, 1)
    checkpoint = checkpoints.create_checkpoint().checkpoint
    response = client.get("/transparency/checkpoint")
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert text == checkpoint.note
    body, _key = note.open_note(text, checkpoints.origin(), [trusted_keys()[0].public_raw])
    assert note.parse_body(body).number == 1


def test_the_verifier_downloads_as_one_file(client, db):
    response = client.get("/transparency/rapport_verify.py")
    assert response.status_code == 200
    assert 'filename="rapport_verify.py"' in response["Content-Disposition"]
    source = b"".join(response.streaming_content).decode()
    assert "def verify_bundle" in source
    imports = set(re.findall(r"^(?:from|import) ([\w.]+)", source, re.MULTILINE))
    assert imports <= {
        "__future__",
        "argparse",
        "base64",
        "binascii",
        "hashlib",
        "json",
        "sys",
        "dataclasses",
        "cryptography.exceptions",
        "cryptography.hazmat.primitives.asymmetric.ed25519",
    }


def test_writes_are_refused(client, db):
    assert client.post("/transparency/").status_code == 405


def test_the_handout_prints_the_key_fingerprint_and_its_qr_code(client, front_desk):
    client.force_login(front_desk)
    visit = identity_verified(OnboardingVisitFactory())
    page = client.post(f"/staff/onboarding/visits/{visit.pk}/code/").content.decode()
    fingerprint = trusted_keys()[0].fingerprint
    assert "Checking your access log yourself" in page
    assert f"<strong>{fingerprint}</strong>" in page
    assert "<svg" in page and f"<title>{fingerprint}</title>" in page
    assert "/transparency/" in page
