"""Known answers pin what each hash version covers: fixed input, fixed bytes, fixed hash. A change
to the canonical form (a field dropped, renamed, reordered, or `prev_hash` left out) fails here,
even if the same change is made to the code that writes and the code that verifies."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from accesslog.chain import (
    CANONICAL_FIELDS,
    GENESIS_HASH,
    canonical_bytes,
    compute_hash,
    verify_chain,
)
from accesslog.models import CURRENT_HASH_VERSION, HASH_VERSIONS, AccessEvent
from tests.support.access_log import log_reads, raw_sql

VECTORS = [
    (
        {
            "patient_id": 7,
            "sequence": 3,
            "occurred_at": dt.datetime(2026, 12, 2, 14, 5, 9, 123456, tzinfo=dt.UTC),
            "actor_id": 42,
            "actor_role": "physician",
            "actor_name": "Dr A. Rivera",
            "action": "view",
            "target": "entry",
            "entry_id": 99,
            "category": "lab_result",
            "purpose": "treatment",
            "basis": "grant",
            "grant_id": 5,
            "emergency_id": None,
            "hash_version": 1,
            "prev_hash": "ab" * 32,
        },
        b'{"action":"view","actor_id":42,"actor_name":"Dr A. Rivera","actor_role":"physician",'
        b'"basis":"grant","category":"lab_result","emergency_id":null,"entry_id":99,'
        b'"grant_id":5,"occurred_at":"2026-12-02T14:05:09.123456Z","patient_id":7,'
        b'"prev_hash":"abababababababababababababababababababababababababababababababab",'
        b'"purpose":"treatment","sequence":3,"target":"entry"}',
        "2bac3d0c42c0f305b4cc742edc3ebe0ef7e6d484d93cf09d495607214410bdbc",
    ),
    (
        {
            "patient_id": 1,
            "sequence": 1,
            "occurred_at": dt.datetime(2026, 1, 1, 0, 0, tzinfo=dt.UTC),
            "actor_id": 2,
            "actor_role": "patient",
            "actor_name": "Maria Santos — «ñ»",
            "action": "view",
            "target": "record",
            "entry_id": None,
            "category": "",
            "purpose": "your own access",
            "basis": "self",
            "grant_id": None,
            "emergency_id": None,
            "hash_version": 1,
            "prev_hash": GENESIS_HASH,
        },
        '{"action":"view","actor_id":2,"actor_name":"Maria Santos — «ñ»","actor_role":"patient",'
        '"basis":"self","category":"","emergency_id":null,"entry_id":null,"grant_id":null,'
        '"occurred_at":"2026-01-01T00:00:00.000000Z","patient_id":1,'
        '"prev_hash":"0000000000000000000000000000000000000000000000000000000000000000",'
        '"purpose":"your own access","sequence":1,"target":"record"}'.encode(),
        "678349da54e542733cab910b24db9970098aa21f0590797307006dd6135d250a",
    ),
]


@pytest.mark.parametrize(("fields", "expected_bytes", "expected_hash"), VECTORS)
def test_version_1_known_answers(fields, expected_bytes, expected_hash):
    event = AccessEvent(**fields)
    assert canonical_bytes(event) == expected_bytes
    assert compute_hash(event) == expected_hash
    # The pinned hash is SHA-256 of the pinned bytes: the vector is self-consistent.
    assert hashlib.sha256(expected_bytes).hexdigest() == expected_hash


def test_a_local_time_hashes_as_the_same_instant_in_utc():
    fields, _bytes, expected_hash = VECTORS[0]
    in_new_york = fields["occurred_at"].astimezone(dt.timezone(dt.timedelta(hours=-5)))
    assert compute_hash(AccessEvent(**{**fields, "occurred_at": in_new_york})) == expected_hash


@pytest.mark.parametrize("field", CANONICAL_FIELDS[1])
def test_every_version_1_field_changes_the_hash(field):
    fields, _bytes, expected_hash = VECTORS[0]
    changed = {
        **fields,
        field: fields["occurred_at"] + dt.timedelta(microseconds=1)
        if field == "occurred_at"
        else ("x" if isinstance(fields[field], str) else (fields[field] or 0) + 1),
    }
    assert compute_hash(AccessEvent(**changed)) != expected_hash


def test_each_version_chains_identifies_and_orders_its_events():
    for version in HASH_VERSIONS:
        assert {"patient_id", "sequence", "occurred_at", "prev_hash"} <= set(
            CANONICAL_FIELDS[version]
        )
    assert CURRENT_HASH_VERSION == max(HASH_VERSIONS) == max(CANONICAL_FIELDS)


def test_new_events_carry_the_current_version_and_verify(patient, patient_user):
    events = log_reads(patient, patient_user, 3)
    assert {AccessEvent.objects.get(pk=e.pk).hash_version for e in events} == {CURRENT_HASH_VERSION}
    assert verify_chain(patient.pk) is None


def test_an_event_claiming_an_unknown_version_is_a_broken_link(patient, patient_user):
    events = log_reads(patient, patient_user, 3)
    raw_sql(
        f"UPDATE {AccessEvent._meta.db_table} SET hash_version = 99 WHERE id = %s",
        [events[1].pk],
    )
    problem = verify_chain(patient.pk)
    assert problem is not None and problem.sequence == 2
