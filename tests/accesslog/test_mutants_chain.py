"""Tests written to kill mutants of the hash and verify functions of accesslog/chain.py and
accesslog/verified.py (make mutmut): each check names the link it fails at and why, through the
public functions (`compute_hash`, `verify_chain`, `verified.advance`)."""

from __future__ import annotations

import datetime as dt
import os
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accesslog import verified
from accesslog.chain import (
    GENESIS_HASH,
    RESUMED_CHAINS_PER_QUERY,
    ROW_FIELDS,
    UnknownHashVersion,
    canonical_values,
    event_rows,
    verify_chain,
)
from accesslog.models import AccessChainHead, AccessChainVerification, AccessEvent
from tests.support.access_log import log_reads, raw_sql

EVENTS = AccessEvent._meta.db_table
HEADS = AccessChainHead._meta.db_table


def test_an_unknown_hash_version_is_named():
    with pytest.raises(UnknownHashVersion, match="^unknown hash version 99$"):
        canonical_values(AccessEvent(hash_version=99))


def test_times_are_hashed_in_utc_to_the_microsecond_and_other_values_as_they_are():
    moment = dt.datetime(2026, 12, 3, 9, 0, 0, 7, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    values = canonical_values(
        AccessEvent(patient_id=1, sequence=2, occurred_at=moment, actor_name="A", hash_version=1)
    )
    assert values["occurred_at"] == "2026-12-03T07:00:00.000007Z"
    assert values["sequence"] == 2 and values["actor_name"] == "A"


def _chain(patient, actor, count):
    return log_reads(patient, actor, count)


def test_verifying_after_a_signed_link_recomputes_only_what_follows(patient, patient_user):
    events = _chain(patient, patient_user, 5)
    assert verify_chain(patient.pk, after=(3, events[2].hash)) is None
    assert verify_chain(patient.pk, after=(5, events[4].hash)) is None
    assert verify_chain(patient.pk, head=(5, events[4].hash)) is None
    problem = verify_chain(patient.pk, after=(3, "f" * 64))
    assert named(problem, patient) == (
        3,
        "it differs from the signed checkpoint (log rewritten)",
    )
    problem = verify_chain(patient.pk, after=(6, "f" * 64))
    assert named(problem, patient) == (
        6,
        "it was in the signed checkpoint but is missing (log truncated)",
    )


def test_a_head_that_says_more_or_other_than_the_chain_is_named(patient, patient_user):
    events = _chain(patient, patient_user, 3)
    problem = verify_chain(patient.pk, head=(4, "a" * 64))
    assert named(problem, patient) == (
        4,
        "the chain ends at 3 but its head says 4 (events were removed)",
    )
    problem = verify_chain(patient.pk, head=(3, "a" * 64))
    assert problem.sequence == 4
    assert str(problem) == (
        f"patient {patient.pk}: link 4 is broken (the chain ends at 3 but its head says 3 "
        "(events were removed))"
    )
    assert verify_chain(patient.pk, head=(3, events[2].hash)) is None


def test_without_a_head_row_the_chain_alone_is_checked(patient, patient_user):
    _chain(patient, patient_user, 2)
    raw_sql(f"DELETE FROM {HEADS} WHERE patient_id = %s", [patient.pk])
    assert verify_chain(patient.pk) is None


def test_each_broken_link_is_named_at_its_sequence(patient, patient_user):
    events = _chain(patient, patient_user, 6)
    raw_sql(f"UPDATE {EVENTS} SET prev_hash = %s WHERE id = %s", ["e" * 64, events[4].pk])
    problem = verify_chain(patient.pk)
    assert named(problem, patient) == (5, "prev_hash does not match the link before")
    raw_sql(f"UPDATE {EVENTS} SET purpose = 'x' WHERE id = %s", [events[1].pk])
    problem = verify_chain(patient.pk)
    assert named(problem, patient) == (2, "its fields were changed after writing")
    raw_sql(f"DELETE FROM {EVENTS} WHERE id = %s", [events[0].pk])
    problem = verify_chain(patient.pk)
    assert named(problem, patient) == (
        1,
        "expected sequence 1, found 2 (missing event)",
    )


def test_a_signed_hash_the_chain_no_longer_holds_is_named(patient, patient_user):
    events = _chain(patient, patient_user, 3)
    assert verify_chain(patient.pk, signed={2: events[1].hash}) is None
    problem = verify_chain(patient.pk, signed={2: "a" * 64})
    assert named(problem, patient) == (
        2,
        "it differs from the signed checkpoint (log rewritten)",
    )


def test_progress_is_reported_every_batch(patient, patient_user):
    _chain(patient, patient_user, 7)
    seen = []
    assert verify_chain(patient.pk, batch_size=3, progress=seen.append) is None
    assert seen == [3, 6]


# --- verified.advance: the page's bounded verification --------------------------------------


def named(problem, patient) -> tuple[int, str]:
    """The problem's link and reason, after checking it names the patient's chain."""
    assert problem.patient_id == patient.pk
    return problem.sequence, problem.reason


def mark_of(patient):
    return AccessChainVerification.objects.get(patient_id=patient.pk)


def test_advance_verifies_at_most_the_limit_and_moves_the_mark(patient, patient_user):
    events = _chain(patient, patient_user, 5)
    mark, problem = verified.advance(patient.pk, limit=2)
    assert problem is None and (mark.sequence, mark.hash) == (2, events[1].hash)
    assert (mark_of(patient).sequence, mark_of(patient).hash) == (2, events[1].hash)
    mark, problem = verified.advance(patient.pk)
    assert problem is None and mark_of(patient).sequence == 5
    assert mark_of(patient).broken_sequence is None


def test_advance_on_an_empty_chain_stores_a_mark_at_the_genesis(patient):
    mark, problem = verified.advance(patient.pk)
    assert problem is None and (mark.sequence, mark.hash) == (0, GENESIS_HASH)
    assert mark_of(patient).sequence == 0


def _problem_after(patient, sql, params, head=None):
    verified.advance(patient.pk, limit=2)
    raw_sql(sql, params)
    return verified.advance(patient.pk, head)


def test_advance_names_a_rewritten_verified_link(patient, patient_user):
    events = _chain(patient, patient_user, 4)
    mark, problem = _problem_after(
        patient, f"UPDATE {EVENTS} SET hash = %s WHERE id = %s", ["b" * 64, events[1].pk]
    )
    assert named(problem, patient) == (
        2,
        "it changed after it was verified (log rewritten)",
    )
    stored = mark_of(patient)
    assert (stored.broken_sequence, stored.broken_reason) == (2, problem.reason)
    assert (stored.sequence, stored.hash) == (2, events[1].hash)  # the mark did not move
    # Asked again, it says the same without re-hashing.
    _mark, again = verified.advance(patient.pk)
    assert (again.sequence, again.reason) == (2, problem.reason)


def test_advance_names_a_verified_link_that_is_gone(patient, patient_user):
    events = _chain(patient, patient_user, 4)
    _mark, problem = _problem_after(patient, f"DELETE FROM {EVENTS} WHERE id = %s", [events[1].pk])
    assert named(problem, patient) == (
        2,
        "it was verified before but is missing (log truncated)",
    )


def test_advance_names_a_verified_link_that_is_gone_with_everything_after(patient, patient_user):
    events = _chain(patient, patient_user, 3)
    verified.advance(patient.pk, limit=2)
    raw_sql(f"DELETE FROM {EVENTS} WHERE patient_id = %s AND sequence >= 2", [patient.pk])
    _mark, problem = verified.advance(patient.pk, (3, events[2].hash))
    assert named(problem, patient) == (
        2,
        "it was verified before but is missing (log truncated)",
    )


def test_advance_names_links_after_the_mark(patient, patient_user):
    events = _chain(patient, patient_user, 5)
    _mark, problem = _problem_after(
        patient, f"UPDATE {EVENTS} SET purpose = 'x' WHERE id = %s", [events[3].pk]
    )
    assert named(problem, patient) == (4, "its fields were changed after writing")
    assert mark_of(patient).sequence == 3


def test_advance_names_a_broken_prev_hash(patient, patient_user):
    events = _chain(patient, patient_user, 4)
    _mark, problem = _problem_after(
        patient, f"UPDATE {EVENTS} SET prev_hash = %s WHERE id = %s", ["c" * 64, events[2].pk]
    )
    assert named(problem, patient) == (3, "prev_hash does not match the link before")


def test_advance_names_a_missing_middle_event(patient, patient_user):
    events = _chain(patient, patient_user, 5)
    _mark, problem = _problem_after(patient, f"DELETE FROM {EVENTS} WHERE id = %s", [events[2].pk])
    assert named(problem, patient) == (
        3,
        "expected sequence 3, found 4 (missing event)",
    )


def test_advance_names_a_head_that_moved_back(patient, patient_user):
    events = _chain(patient, patient_user, 4)
    verified.advance(patient.pk, limit=3)
    _mark, problem = verified.advance(patient.pk, (1, events[0].hash))
    assert named(problem, patient) == (
        2,
        "the chain was verified up to 3 but its head now says 1 (events were removed)",
    )


def test_advance_names_a_head_beyond_the_chain(patient, patient_user):
    events = _chain(patient, patient_user, 3)
    _mark, problem = verified.advance(patient.pk, (5, events[2].hash))
    assert named(problem, patient) == (
        4,
        "the chain ends at 3 but its head says 5 (events were removed)",
    )


def test_advance_names_a_head_with_another_hash(patient, patient_user):
    _chain(patient, patient_user, 3)
    _mark, problem = verified.advance(patient.pk, (3, "d" * 64))
    assert named(problem, patient) == (
        3,
        "it differs from the chain's head (log rewritten)",
    )


def test_advance_walks_a_long_catch_up_with_a_cursor(patient, patient_user, monkeypatch):
    monkeypatch.setattr(verified, "BATCH", 2)
    events = _chain(patient, patient_user, 7)
    mark, problem = verified.advance(patient.pk)
    assert problem is None and (mark.sequence, mark.hash) == (7, events[6].hash)


def test_only_the_patients_own_events_are_verified(patient, patient_user, other_patient):
    _chain(other_patient, patient_user, 2)
    _chain(patient, patient_user, 2)
    _chain(other_patient, patient_user, 1)
    assert verify_chain(patient.pk) is None and verify_chain(other_patient.pk) is None


def test_the_first_link_signed_is_checked_too(patient, patient_user):
    events = _chain(patient, patient_user, 2)
    assert verify_chain(patient.pk, after=(1, events[0].hash)) is None
    problem = verify_chain(patient.pk, after=(1, "f" * 64))
    assert (problem.patient_id, problem.sequence) == (patient.pk, 1)


def test_problems_name_the_patient(patient, patient_user):
    events = _chain(patient, patient_user, 3)
    problems = [
        verify_chain(patient.pk, after=(3, "f" * 64)),
        verify_chain(patient.pk, after=(4, "f" * 64)),
        verify_chain(patient.pk, signed={2: "a" * 64}),
        verify_chain(patient.pk, head=(9, "a" * 64)),
    ]
    raw_sql(f"UPDATE {EVENTS} SET prev_hash = %s WHERE id = %s", ["e" * 64, events[2].pk])
    problems.append(verify_chain(patient.pk))
    raw_sql(f"UPDATE {EVENTS} SET purpose = 'x' WHERE id = %s", [events[1].pk])
    problems.append(verify_chain(patient.pk))
    raw_sql(f"DELETE FROM {EVENTS} WHERE id = %s", [events[0].pk])
    problems.append(verify_chain(patient.pk))
    assert [problem.patient_id for problem in problems] == [patient.pk] * 7


def test_by_default_the_chain_must_end_where_its_head_row_says(patient, patient_user):
    events = _chain(patient, patient_user, 3)
    raw_sql(f"DELETE FROM {EVENTS} WHERE id = %s", [events[2].pk])
    problem = verify_chain(patient.pk)
    assert (problem.patient_id, problem.sequence, problem.reason) == (
        patient.pk,
        3,
        "the chain ends at 2 but its head says 3 (events were removed)",
    )


def test_advance_reads_only_the_patients_own_events(patient, patient_user, other_patient):
    _chain(other_patient, patient_user, 2)
    events = _chain(patient, patient_user, 2)
    _chain(other_patient, patient_user, 2)
    mark, problem = verified.advance(patient.pk)
    assert problem is None and (mark.sequence, mark.hash) == (2, events[1].hash)


def test_advance_checks_a_mark_at_the_first_link(patient, patient_user):
    events = _chain(patient, patient_user, 2)
    verified.advance(patient.pk, limit=1)
    raw_sql(f"UPDATE {EVENTS} SET hash = %s WHERE id = %s", ["b" * 64, events[0].pk])
    _mark, problem = verified.advance(patient.pk)
    assert named(problem, patient) == (1, "it changed after it was verified (log rewritten)")


@pytest.fixture
def new_york_local_time():
    before = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    yield
    if before is None:
        os.environ.pop("TZ")
    else:
        os.environ["TZ"] = before
    time.tzset()


def test_the_hash_does_not_depend_on_the_machines_time_zone(new_york_local_time):
    moment = dt.datetime(2026, 12, 3, 9, 0, 0, 7, tzinfo=dt.UTC)
    values = canonical_values(AccessEvent(occurred_at=moment, hash_version=1))
    assert values["occurred_at"] == "2026-12-03T09:00:00.000007Z"


# --- links past the head, and how many queries a batch of chains costs -------------------------


def test_links_missing_before_a_link_past_the_head_are_named(patient, patient_user):
    """The head was read at 5, a sixth event was appended since, and events 4 and 5 were
    deleted: reaching the sixth ends the walk, and the chain still has to reach the head."""
    events = _chain(patient, patient_user, 6)
    raw_sql(
        f"DELETE FROM {EVENTS} WHERE id IN (%s, %s)",
        [events[3].pk, events[4].pk],
    )
    problem = verify_chain(patient.pk, head=(5, events[4].hash))
    assert named(problem, patient) == (
        4,
        "the chain ends at 3 but its head says 5 (events were removed)",
    )


def _queries_for(starts) -> int:
    """How many queries reading the events of these chains takes (the chains may be empty: each
    batch is still one query)."""
    with CaptureQueriesContext(connection) as queries:
        assert list(event_rows(starts)) == []
    return len(queries)


@pytest.mark.parametrize(
    ("chains", "first", "queries"),
    [
        # Resumed chains (from a signed link after the first): RESUMED_CHAINS_PER_QUERY a query.
        (RESUMED_CHAINS_PER_QUERY, 5, 1),
        (RESUMED_CHAINS_PER_QUERY + 1, 5, 2),
        (2 * RESUMED_CHAINS_PER_QUERY, 5, 2),
        (RESUMED_CHAINS_PER_QUERY + 1, 2, 2),
        # Chains read from their first link are one `IN (...)`: many to a query.
        (RESUMED_CHAINS_PER_QUERY + 1, 1, 1),
        (RESUMED_CHAINS_PER_QUERY + 1, 0, 1),
    ],
)
def test_chains_are_read_in_batches_of_a_fixed_size(db, chains, first, queries):
    assert _queries_for([(10_000 + n, first) for n in range(chains)]) == queries


def test_a_resumed_chain_is_read_from_its_signed_link(patient, patient_user):
    events = _chain(patient, patient_user, 4)
    rows = list(event_rows([(patient.pk, 3)]))
    assert [row[ROW_FIELDS.index("sequence")] for row in rows] == [3, 4]
    assert [row[ROW_FIELDS.index("hash")] for row in rows] == [events[2].hash, events[3].hash]
