"""/transparency/verify/ in a real browser: the page's own script (WebCrypto, no network) checks
a good bundle, names the broken link of a tampered one, remembers the head it verified and warns
about a rolled-back log; axe-core on the page."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from accesslog import checkpoints, proof
from accesslog.keys import trusted_keys
from tests.browser.axe import assert_accessible
from tests.factories import PatientUserFactory
from tests.support.access_log import log_reads

pytestmark = pytest.mark.django_db(transaction=True)


def verify(page, path, fingerprint: str = "") -> None:
    page.get_by_label("Proof bundle (access-log-proof.json)").set_input_files(str(path))
    page.get_by_label("Key fingerprint from your handout (recommended)").fill(fingerprint)
    page.get_by_role("button", name="Verify").click()


def test_the_verify_page_checks_bundles_offline(page, live_server, tmp_path):
    user = PatientUserFactory(email="maria@example.org", patient__legal_name="Maria Santos")
    log_reads(user.patient, user, 4)
    checkpoints.create_checkpoint()
    log_reads(user.patient, user, 1)
    bundle = proof.build(user.patient.pk)
    fingerprint = trusted_keys()[0].fingerprint
    good = tmp_path / "good.json"
    good.write_text(json.dumps(bundle, ensure_ascii=False))

    requests: list[str] = []
    page.goto("/transparency/verify/")
    page.on("request", lambda request: requests.append(request.url))
    expect(page.get_by_role("heading", level=1)).to_have_text("Verify your proof bundle")
    assert_accessible(page)

    verify(page, good, fingerprint)
    expect(page.get_by_role("status")).to_contain_text("Verified: your access log is intact")
    expect(page.locator("#verify-result")).to_contain_text("links 1–4 are in signed checkpoint 1")
    assert_accessible(page)

    tampered = json.loads(json.dumps(bundle))
    tampered["events"][2]["actor_name"] = "Dr Nobody"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(tampered))
    verify(page, bad, fingerprint)
    expect(page.get_by_role("alert")).to_contain_text("link 3: its fields were changed")
    assert_accessible(page)

    wrong_key = tmp_path / "wrong.json"
    wrong_key.write_text(json.dumps(bundle))
    verify(page, wrong_key, "0000 1111 2222 3333 4444 5555 6666 7777")
    expect(page.get_by_role("alert")).to_contain_text("not the key on your handout")

    # A later bundle that does not continue what this browser verified: rolled back.
    rolled_back = json.loads(json.dumps(bundle))
    rolled_back["events"] = rolled_back["events"][:4]
    older = tmp_path / "older.json"
    older.write_text(json.dumps(rolled_back))
    verify(page, older, fingerprint)
    expect(page.get_by_role("alert")).to_contain_text("link 5: last time your log reached it")

    assert requests == []  # checking bundles made no network request at all
