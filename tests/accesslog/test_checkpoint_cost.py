"""A checkpoint costs what moved, not what the log holds: a few queries whatever the number of
chains, events read as tuples through the one canonical form, and only the leaves it builds on
re-hashed; yet a leaf changed under it is still refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accesslog import chain, checkpoints
from accesslog.chain import (
    GENESIS_HASH,
    ROW_FIELDS,
    canonical_bytes,
    canonical_values,
    compute_hash,
    row_hash,
    verify_chain,
    verify_chains,
)
from accesslog.models import AccessEvent, AccessLogCheckpoint, CheckpointLeaf
from tests.factories.patients import PatientFactory
from tests.support.access_log import log_reads, raw_sql

EVENTS = AccessEvent._meta.db_table
LEAVES = CheckpointLeaf._meta.db_table


def _patients(count: int):
    return [PatientFactory() for _ in range(count)]


def _queries(function) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        result = function()
    return len(captured), result


# --- the one canonical form, from a model, a mapping or a row --------------------------------


def test_a_row_a_mapping_and_a_model_hash_alike(patient, patient_user):
    events = log_reads(patient, patient_user, 2)
    rows = list(
        AccessEvent.objects.filter(patient=patient).order_by("sequence").values_list(*ROW_FIELDS)
    )
    for event, row in zip(events, rows, strict=True):
        stored = AccessEvent.objects.get(pk=event.pk)
        mapping = dict(zip(ROW_FIELDS, row, strict=True))
        assert canonical_values(row, ROW_FIELDS) == canonical_values(mapping)
        assert canonical_values(mapping) == canonical_values(stored)
        assert canonical_bytes(row, ROW_FIELDS) == canonical_bytes(stored)
        assert row_hash(row) == compute_hash(stored) == event.hash


def test_a_row_in_any_column_order_hashes_the_same(patient, patient_user):
    (event,) = log_reads(patient, patient_user, 1)
    columns = tuple(reversed(ROW_FIELDS))
    row = AccessEvent.objects.filter(pk=event.pk).values_list(*columns).get()
    assert compute_hash(row, columns) == event.hash


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2026, 12, 3, 9, 0, 0, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 3, 9, 0, 0, 7, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
        dt.datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.timezone(dt.timedelta(hours=14))),
    ],
)
def test_times_keep_the_format_they_were_hashed_in(moment):
    """Every event so far was hashed with strftime("%Y-%m-%dT%H:%M:%S.%fZ") in UTC."""
    values = canonical_values(AccessEvent(occurred_at=moment, hash_version=2))
    assert values["occurred_at"] == moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_a_time_that_is_not_set_is_hashed_as_null():
    assert canonical_values({**dict.fromkeys(ROW_FIELDS), "hash_version": 1})["occurred_at"] is None


# --- verifying many chains at once ---------------------------------------------------------


def test_many_chains_are_verified_in_one_query_whatever_their_number(patient_user):
    few, many = _patients(2), _patients(12)
    heads = {}
    for patient in few + many:
        events = log_reads(patient, patient_user, 3)
        heads[patient.pk] = ((0, GENESIS_HASH), (3, events[-1].hash))
    for group in (few, many):
        count, problems = _queries(
            lambda group=group: verify_chains({p.pk: heads[p.pk] for p in group})
        )
        assert (count, problems) == (1, [])


@pytest.fixture
def python_path(monkeypatch):
    """Every chain through the Python path, as on SQLite: on PostgreSQL the database would pass
    the intact ones first (`chain_sql`, tests/accesslog/test_chain_sql.py)."""
    monkeypatch.setattr(chain.chain_sql, "intact_chains", lambda *args: set())


def test_chains_resumed_at_their_signed_link_are_read_from_there(
    patient_user, monkeypatch, python_path
):
    patients = _patients(5)
    chains = {}
    for patient in patients:
        events = log_reads(patient, patient_user, 4)
        chains[patient.pk] = ((2, events[1].hash), (4, events[3].hash))
    hashed = []
    monkeypatch.setattr(chain, "row_hash", lambda row: hashed.append(row) or row[1])
    count, problems = _queries(lambda: verify_chains(chains))
    assert (count, problems) == (1, [])
    assert sorted(row[ROW_FIELDS.index("sequence")] for row in hashed) == [3] * 5 + [4] * 5


def test_a_batch_of_chains_per_query_once_there_are_many(patient_user, monkeypatch, python_path):
    monkeypatch.setattr(chain, "RESUMED_CHAINS_PER_QUERY", 2)
    monkeypatch.setattr(chain, "FRESH_CHAINS_PER_QUERY", 2)
    chains = {}
    for number, patient in enumerate(_patients(5)):
        events = log_reads(patient, patient_user, 2)
        after = (1, events[0].hash) if number % 2 else (0, GENESIS_HASH)
        chains[patient.pk] = (after, (2, events[1].hash))
    count, problems = _queries(lambda: verify_chains(chains))
    assert (count, problems) == (3, [])


def test_each_chain_is_judged_on_its_own_links(patient_user):
    good, edited, truncated, rewritten, emptied = _patients(5)
    chains = {}
    for patient in (good, edited, truncated, rewritten, emptied):
        events = log_reads(patient, patient_user, 4)
        chains[patient.pk] = ((1, events[0].hash), (4, events[3].hash))
        if patient is edited:
            raw_sql(f"UPDATE {EVENTS} SET purpose = 'x' WHERE id = %s", [events[2].pk])
        if patient is truncated:
            raw_sql(f"DELETE FROM {EVENTS} WHERE id = %s", [events[3].pk])
        if patient is rewritten:
            raw_sql(f"UPDATE {EVENTS} SET hash = %s WHERE id = %s", ["f" * 64, events[0].pk])
    raw_sql(f"DELETE FROM {EVENTS} WHERE patient_id = %s", [emptied.pk])
    problems = verify_chains(chains)
    assert [(p.patient_id, p.sequence, p.reason) for p in problems] == sorted(
        [
            (edited.pk, 3, "its fields were changed after writing"),
            (truncated.pk, 4, "the chain ends at 3 but its head says 4 (events were removed)"),
            (rewritten.pk, 1, "it differs from the signed checkpoint (log rewritten)"),
            (emptied.pk, 1, "it was in the signed checkpoint but is missing (log truncated)"),
        ]
    )
    # The same answers, chain by chain.
    for problem in problems:
        after, head = chains[problem.patient_id]
        assert verify_chain(problem.patient_id, after=after, head=head) == problem


def test_links_appended_after_the_head_was_read_are_left_for_the_next_check(patient, patient_user):
    events = log_reads(patient, patient_user, 2)
    log_reads(patient, patient_user, 1)  # a read while the checkpoint runs
    head = (2, events[1].hash)
    assert verify_chains({patient.pk: ((0, GENESIS_HASH), head)}) == []
    assert verify_chain(patient.pk, head=head) is None


# --- the checkpoint ----------------------------------------------------------------------------


def test_a_checkpoint_takes_as_many_queries_for_twelve_chains_as_for_two(patient_user):
    few, many = _patients(2), _patients(12)
    counts = []
    for group in (few, many):
        for patient in group:
            log_reads(patient, patient_user, 3)
        count, run = _queries(checkpoints.create_checkpoint)
        assert run.signed_chains == len(group) and not run.problems
        counts.append(count)
    assert counts[0] == counts[1]
    # Routine: every chain moved by one link, resumed at its signed leaf.
    for patient in few + many:
        log_reads(patient, patient_user, 1)
    count, run = _queries(checkpoints.create_checkpoint)
    assert run.signed_chains == 14 and not run.problems
    assert count == counts[0]


def test_a_checkpoint_stays_within_its_query_budget(patient_user, django_assert_max_num_queries):
    for patient in _patients(15):
        log_reads(patient, patient_user, 2)
    # lock, previous, leaves, heads, events, checkpoint, leaves, marks read and written, and
    # the savepoints around them
    with django_assert_max_num_queries(12):
        run = checkpoints.create_checkpoint()
    assert run.signed_chains == 15


def test_only_the_leaves_a_checkpoint_builds_on_are_re_hashed(patient_user, monkeypatch):
    patients = _patients(10)
    for patient in patients:
        log_reads(patient, patient_user, 2)
    checkpoints.create_checkpoint()
    log_reads(patients[0], patient_user, 1)
    checkpoints.create_checkpoint()
    hashed = []
    real = checkpoints.leaf_hash_hex
    monkeypatch.setattr(
        checkpoints, "leaf_hash_hex", lambda *fields: hashed.append(fields) or real(*fields)
    )
    log_reads(patients[1], patient_user, 1)
    run = checkpoints.create_checkpoint()
    assert run.signed_chains == 1 and run.checkpoint.tree_size == 12
    # The moved chain's leaf, the one leaf the last checkpoint added, and the new leaf: not 12.
    assert sorted(sequence for _name, sequence, _hash in hashed) == [2, 3, 3]


def _two_checkpoints_and_a_move(patient_user):
    first, second = _patients(2)
    log_reads(first, patient_user, 2)
    log_reads(second, patient_user, 2)
    checkpoints.create_checkpoint()
    log_reads(second, patient_user, 1)
    checkpoints.create_checkpoint()
    log_reads(first, patient_user, 1)  # `first` moves: the next checkpoint builds on its leaf 0
    return first, second


def test_an_older_leaf_edited_under_its_hash_is_refused(patient_user):
    first, _second = _two_checkpoints_and_a_move(patient_user)
    leaf = CheckpointLeaf.objects.get(index=0)
    assert leaf.patient_id == first.pk
    raw_sql(f"UPDATE {LEAVES} SET head_hash = %s WHERE id = %s", ["c" * 64, leaf.pk])
    run = checkpoints.create_checkpoint()
    assert run.checkpoint is None and run.refused == "leaf 0 of the checkpoint tree was changed"
    assert AccessLogCheckpoint.objects.count() == 2


def test_an_older_leaf_rewritten_with_its_hash_recomputed_is_refused(patient_user):
    first, _second = _two_checkpoints_and_a_move(patient_user)
    leaf = CheckpointLeaf.objects.get(index=0)
    forged = checkpoints.leaf_hash_hex(leaf.pseudonym, leaf.sequence, "c" * 64)
    raw_sql(
        f"UPDATE {LEAVES} SET head_hash = %s, leaf_hash = %s WHERE id = %s",
        ["c" * 64, forged, leaf.pk],
    )
    run = checkpoints.create_checkpoint()
    assert run.checkpoint is None
    assert run.refused == "the stored leaves no longer give the previous checkpoint's tree"


def test_a_leaf_moved_to_another_patient_is_refused(patient_user):
    first, second = _two_checkpoints_and_a_move(patient_user)
    # Leaf 0 (first's) now claims to be the second patient's newest: its pseudonym says not.
    raw_sql(f"UPDATE {LEAVES} SET patient_id = %s WHERE patient_id = %s", [first.pk, second.pk])
    raw_sql(f'UPDATE {LEAVES} SET patient_id = %s WHERE "index" = 0', [second.pk])
    log_reads(second, patient_user, 1)
    run = checkpoints.create_checkpoint()
    assert run.checkpoint is None and "of the checkpoint tree was changed" in run.refused


def test_a_chain_read_from_its_start_with_every_event_gone_is_named(patient, patient_user):
    events = log_reads(patient, patient_user, 2)
    raw_sql(f"DELETE FROM {EVENTS} WHERE patient_id = %s", [patient.pk])
    problems = verify_chains({patient.pk: ((0, GENESIS_HASH), (2, events[1].hash))})
    assert [(p.patient_id, p.sequence, p.reason) for p in problems] == [
        (patient.pk, 1, "the chain ends at 0 but its head says 2 (events were removed)")
    ]
