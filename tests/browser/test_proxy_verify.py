"""The verify page (static/js/verify-bundle.js) checks a bundle whose chain crosses the change
to hash version 2 (a carer's reads), and names the link when a version 2 field was edited."""

from __future__ import annotations

import json
from unittest import mock

import pytest
from playwright.sync_api import expect

from accesslog import checkpoints, proof
from accesslog.chain import append_event
from accesslog.keys import trusted_keys
from accesslog.models import AccessBasis
from tests.browser.axe import assert_accessible
from tests.browser.test_transparency_verify import verify
from tests.factories import PatientUserFactory, ProxyAccessFactory
from tests.support.access_log import log_reads

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_verify_page_checks_a_chain_across_hash_versions(page, live_server, tmp_path):
    user = PatientUserFactory(email="maria@example.org", patient__legal_name="Maria Santos")
    carer = PatientUserFactory(email="ana@example.org", patient__legal_name="Ana Santos")
    access = ProxyAccessFactory(patient=user.patient, proxy=carer.patient)
    with mock.patch("accesslog.chain.CURRENT_HASH_VERSION", 1):
        log_reads(user.patient, user, 2)
    for _ in range(2):
        append_event(
            patient=user.patient,
            actor=carer,
            action="view",
            target="record",
            basis=AccessBasis.PROXY,
            purpose="as your carer",
            proxy_access=access,
            actor_relationship="carer",
        )
    checkpoints.create_checkpoint()
    bundle = proof.build(user.patient.pk)
    assert [event["hash_version"] for event in bundle["events"]] == [1, 1, 2, 2]
    fingerprint = trusted_keys()[0].fingerprint
    good = tmp_path / "good.json"
    good.write_text(json.dumps(bundle, ensure_ascii=False))
    page.goto("/transparency/verify/")
    verify(page, good, fingerprint)
    expect(page.get_by_role("status")).to_contain_text("Verified: your access log is intact")
    assert_accessible(page)

    tampered = json.loads(json.dumps(bundle))
    tampered["events"][2]["actor_relationship"] = "physician"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(tampered))
    verify(page, bad, fingerprint)
    expect(page.get_by_role("alert")).to_contain_text("link 3: its fields were changed")
