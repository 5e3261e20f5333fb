"""Hash version 2: a proxy's read names the proxy access and the relationship, under a new hash
version; events written under version 1 keep verifying, and a chain that crosses the change
verifies everywhere a patient or the clinic checks it (the chain, the daily check, the log page,
the proof bundle and the standalone verifier). The vectors here were computed by hand, outside
the application's code, so a change to the canonical form fails."""

from __future__ import annotations

import datetime as dt
import hashlib
from unittest import mock

import pytest

from accesslog import checkpoints, integrity, proof
from accesslog.chain import (
    CANONICAL_FIELDS,
    append_event,
    canonical_bytes,
    compute_hash,
    verify_chain,
)
from accesslog.keys import trusted_keys
from accesslog.models import CURRENT_HASH_VERSION, HASH_VERSIONS, AccessBasis, AccessEvent
from tests.factories import RecordEntryFactory
from tests.support.access_log import log_reads, raw_sql
from verifier import rapport_verify

V2_EVENT = {
    "patient_id": 12,
    "sequence": 41,
    "occurred_at": dt.datetime(2026, 12, 3, 9, 15, 0, 250000, tzinfo=dt.UTC),
    "actor_id": 58,
    "actor_role": "patient",
    "actor_name": "Ana Santos",
    "action": "view",
    "target": "entry",
    "entry_id": 314,
    "category": "medication",
    "purpose": "as your carer",
    "basis": "proxy",
    "grant_id": None,
    "emergency_id": None,
    "proxy_access_id": 4,
    "actor_relationship": "carer",
    "hash_version": 2,
    "prev_hash": "cd" * 32,
}
V2_BYTES = (
    b'{"action":"view","actor_id":58,"actor_name":"Ana Santos","actor_relationship":"carer",'
    b'"actor_role":"patient","basis":"proxy","category":"medication","emergency_id":null,'
    b'"entry_id":314,"grant_id":null,"occurred_at":"2026-12-03T09:15:00.250000Z","patient_id":12,'
    b'"prev_hash":"cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",'
    b'"proxy_access_id":4,"purpose":"as your carer","sequence":41,"target":"entry"}'
)
V2_HASH = "a497d1e3057d2c406929e5542440ff3a2bd3f431c8efd6346c0fde7f31e89ca4"


def test_version_2_known_answer():
    event = AccessEvent(**V2_EVENT)
    assert canonical_bytes(event) == V2_BYTES
    assert compute_hash(event) == V2_HASH
    assert hashlib.sha256(V2_BYTES).hexdigest() == V2_HASH


def test_the_standalone_verifier_hashes_version_2_the_same():
    as_bundled = {
        **{key: value for key, value in V2_EVENT.items() if key != "occurred_at"},
        "occurred_at": "2026-12-03T09:15:00.250000Z",
    }
    assert rapport_verify.event_hash(as_bundled) == V2_HASH
    del as_bundled["actor_relationship"]
    assert rapport_verify.event_hash(as_bundled) is None  # a v2 event missing a v2 field


def test_version_2_is_version_1_plus_who_acted_and_is_current():
    assert HASH_VERSIONS == (1, 2)
    assert CURRENT_HASH_VERSION == 2
    assert CANONICAL_FIELDS[2] == (*CANONICAL_FIELDS[1], "proxy_access_id", "actor_relationship")
    assert rapport_verify.CANONICAL_FIELDS[2] == CANONICAL_FIELDS[2]


@pytest.mark.parametrize("field", ["proxy_access_id", "actor_relationship"])
def test_each_new_field_changes_the_hash(field):
    changed = {**V2_EVENT, field: "parent" if field == "actor_relationship" else 5}
    assert compute_hash(AccessEvent(**changed)) != V2_HASH
    # Under version 1 the new fields are not hashed: old events are untouched by them.
    v1 = {**V2_EVENT, "hash_version": 1}
    assert compute_hash(AccessEvent(**{**v1, field: changed[field]})) == compute_hash(
        AccessEvent(**v1)
    )


def _crossing_chain(patient, patient_user, physician, access):
    """Three events written under version 1 (before the upgrade), then proxy reads under
    version 2."""
    with mock.patch("accesslog.chain.CURRENT_HASH_VERSION", 1):
        log_reads(patient, physician, 2)
        log_reads(patient, patient_user, 1)
    entry = RecordEntryFactory(patient=patient)
    for _ in range(2):
        append_event(
            patient=patient,
            actor=access.proxy.user,
            action="view",
            target="entry",
            entry=entry,
            category=entry.category,
            basis=AccessBasis.PROXY,
            purpose="as your carer",
            proxy_access=access,
            actor_relationship="carer",
        )
    events = list(AccessEvent.objects.filter(patient=patient).order_by("sequence"))
    assert [event.hash_version for event in events] == [1, 1, 1, 2, 2]
    return events


def test_a_chain_across_the_version_change_verifies_everywhere(
    client, patient, patient_user, physician, carer_access
):
    events = _crossing_chain(patient, patient_user, physician, carer_access)
    assert verify_chain(patient.pk) is None
    assert integrity.verify_log().problems == []
    checkpoints.create_checkpoint()
    bundle = proof.build(patient.pk)
    assert [event["hash_version"] for event in bundle["events"]] == [1, 1, 1, 2, 2]
    assert "proxy_access_id" not in bundle["events"][0]
    assert bundle["events"][4]["proxy_access_id"] == carer_access.pk
    assert bundle["events"][4]["actor_relationship"] == "carer"
    result = rapport_verify.verify_bundle(bundle, fingerprint_wanted=trusted_keys()[0].fingerprint)
    assert result.ok, result.problems
    client.force_login(patient_user)
    page = client.get("/portal/access-log/").content.decode()
    assert "Your log is intact" in page
    assert "Ana Santos, as your carer" in page
    assert events[-1].hash in {event["hash"] for event in bundle["events"]}


def test_tampering_a_version_2_field_is_caught_at_that_link(
    client, patient, patient_user, physician, carer_access
):
    events = _crossing_chain(patient, patient_user, physician, carer_access)
    raw_sql(
        f"UPDATE {AccessEvent._meta.db_table} SET actor_relationship = %s WHERE id = %s",
        ["physician", events[3].pk],
    )
    problem = verify_chain(patient.pk)
    assert problem is not None and problem.sequence == 4
    assert "changed" in problem.reason
    assert any(p.sequence == 4 for p in integrity.verify_log().chain_problems)
    bundle = proof.build(patient.pk)
    result = rapport_verify.verify_bundle(bundle, fingerprint_wanted=trusted_keys()[0].fingerprint)
    assert not result.ok
    assert any("link 4" in line for line in result.problems), result.problems
    client.force_login(patient_user)
    page = client.get("/portal/access-log/").content.decode()
    assert "failed its integrity check" in page


def test_a_bundle_with_a_version_2_field_edited_fails_the_verifier(
    patient, patient_user, physician, carer_access
):
    _crossing_chain(patient, patient_user, physician, carer_access)
    bundle = proof.build(patient.pk)
    bundle["events"][4]["proxy_access_id"] = carer_access.pk + 1
    result = rapport_verify.verify_bundle(bundle, fingerprint_wanted=trusted_keys()[0].fingerprint)
    assert not result.ok
    assert any("link 5" in line for line in result.problems), result.problems
