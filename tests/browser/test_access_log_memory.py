"""The browser remembers the patient's log: the access-log page's script keeps the newest link it
saw verified (sequence, hash) and the checkpoint, under the log's pseudonym, and warns when a
later view does not extend them (a rollback or a forked history). axe-core on the warning."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from accesslog import checkpoints
from accesslog.keys import pseudonym
from accesslog.models import AccessChainHead
from tests.browser.axe import assert_accessible
from tests.factories import DEFAULT_PASSWORD, PatientUserFactory
from tests.support.access_log import log_reads

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, live_server, user) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(f"{live_server.url}/portal/")


def remembered(page, key: str):
    return json.loads(page.evaluate("key => localStorage.getItem(key)", key) or "null")


def remember(page, key: str, value: dict) -> None:
    page.evaluate("([key, value]) => localStorage.setItem(key, value)", [key, json.dumps(value)])


@pytest.fixture
def maria(db):
    return PatientUserFactory(email="maria@example.org", patient__legal_name="Maria Santos")


def test_the_page_remembers_what_it_verified_and_a_later_view_extends_it(page, live_server, maria):
    patient = maria.patient
    log_reads(patient, maria, 2)
    checkpoints.create_checkpoint()
    sign_in(page, live_server, maria)
    page.goto("/portal/access-log/")
    key = f"rapport.access-log.{pseudonym(patient.pk)}"
    # The page itself is a look (your own access): the head is link 3, verified on this view.
    head = AccessChainHead.objects.get(patient=patient)
    assert remembered(page, key) == {"sequence": head.sequence, "hash": head.hash, "checkpoint": 1}
    # Nothing about the patient but the pseudonym is stored.
    stored = page.evaluate("JSON.stringify(Object.assign({}, localStorage))")
    assert "Maria" not in stored and patient.mrn not in stored
    assert_accessible(page)

    log_reads(patient, maria, 2)
    checkpoints.create_checkpoint()
    page.reload()
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.locator("#log-memory-warning")).to_be_hidden()
    head = AccessChainHead.objects.get(patient=patient)
    assert remembered(page, key) == {"sequence": head.sequence, "hash": head.hash, "checkpoint": 2}


@pytest.mark.parametrize(
    ("earlier", "says"),
    [
        (
            lambda now: {**now, "sequence": now["sequence"] + 5, "hash": "ab" * 32},
            "this browser verified your log up to look {later} (fingerprint abababab). "
            "Now it ends at look {sequence}: looks have gone missing.",
        ),
        (
            lambda now: {**now, "hash": "cd" * 32},
            "Look {sequence} had the fingerprint cdcdcdcd when this browser verified it; now it "
            "has {short}.",
        ),
        (
            lambda now: {**now, "checkpoint": 7},
            "This browser saw your log in signed checkpoint 7; now the newest is checkpoint 1, "
            "an older one.",
        ),
    ],
    ids=["rolled-back", "forked", "older-checkpoint"],
)
def test_a_view_that_does_not_extend_the_memory_warns(page, live_server, maria, earlier, says):
    """What this browser saw on an earlier visit (put in its storage here) against what the
    server now shows: the page's own integrity check passes, only the browser can tell."""
    patient = maria.patient
    log_reads(patient, maria, 2)
    checkpoints.create_checkpoint()
    sign_in(page, live_server, maria)
    page.goto("/portal/access-log/")
    key = f"rapport.access-log.{pseudonym(patient.pk)}"
    now = remembered(page, key)
    before = earlier(now)
    remember(page, key, before)

    page.reload()
    head = AccessChainHead.objects.get(patient=patient)
    expected = says.format(later=before["sequence"], sequence=head.sequence, short=head.hash[:8])
    warning = page.get_by_role("alert")
    expect(warning).to_contain_text("your log does not continue the one this browser saw before")
    expect(warning).to_contain_text(expected)
    expect(page.get_by_role("status")).to_contain_text("Your log is intact")  # the server's view
    assert_accessible(page)
    # The evidence is kept: the memory is not overwritten by the view that contradicts it.
    assert remembered(page, key) == before
    expect(warning.get_by_role("link", name="tell us")).to_be_visible()


def test_each_patient_has_their_own_memory(page, live_server, maria):
    other = PatientUserFactory(email="thomas@example.org", patient__legal_name="Thomas Whitfield")
    log_reads(maria.patient, maria, 4)
    sign_in(page, live_server, maria)
    page.goto("/portal/access-log/")
    marias = remembered(page, f"rapport.access-log.{pseudonym(maria.patient.pk)}")
    assert marias["sequence"] >= 4
    page.goto("/accounts/logout/")
    page.locator("#main").get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, other)
    page.goto("/portal/access-log/")
    expect(page.locator("#log-memory-warning")).to_be_hidden()
    thomas = remembered(page, f"rapport.access-log.{pseudonym(other.patient.pk)}")
    assert thomas is not None and thomas["sequence"] < marias["sequence"]
    assert remembered(page, f"rapport.access-log.{pseudonym(maria.patient.pk)}") == marias
