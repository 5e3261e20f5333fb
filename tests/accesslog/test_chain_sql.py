"""PostgreSQL's pre-check of the chains (`accesslog.chain_sql`), pinned against Python's.

The database passes a chain only if it recomputes the same SHA-256 over the same canonical bytes;
everything it does not pass goes back to Python, which names the link. These tests pin the two
encodings to the same bytes for any event (hypothesis), that a checkpoint over intact chains hashes
nothing in Python, that a chain the database flags is re-checked in Python (which wins), and that
every tampering is still named at the same link with the same reason. PostgreSQL only: on SQLite
the Python path does everything (and mutmut, which runs on SQLite, never reaches this module)."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.db import OperationalError, connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accesslog import chain, chain_sql, checkpoints
from accesslog.chain import (
    CANONICAL_FIELDS,
    GENESIS_HASH,
    ROW_FIELDS,
    canonical_bytes,
    compute_hash,
    verify_chains,
)
from accesslog.models import AccessChainHead, AccessEvent, CheckpointLeaf
from tests.factories.patients import PatientFactory
from tests.support.access_log import log_reads, raw_sql, rewrite_chain
from tests.support.database import as_table_owner

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
]

EVENTS = AccessEvent._meta.db_table
HEADS = AccessChainHead._meta.db_table
EXAMPLES = int(os.environ.get("RAPPORT_HYPOTHESIS_EXAMPLES", "80"))


def _sql_canonical(values: dict) -> tuple[str | None, str | None]:
    """The canonical JSON and hash PostgreSQL computes for an event holding `values`, typed as
    the event table's columns."""
    fields = ("hash_version", *dict.fromkeys(f for v in CANONICAL_FIELDS.values() for f in v))
    columns = ", ".join(
        f"CAST(%s AS {AccessEvent._meta.get_field(name).db_type(connection)}) AS "
        f"{connection.ops.quote_name(AccessEvent._meta.get_field(name).column)}"
        for name in fields
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {chain_sql.canonical_json_sql(CANONICAL_FIELDS)}, "
            f"{chain_sql.hash_sql(CANONICAL_FIELDS)} FROM (SELECT {columns}) e",
            [values.get(name) for name in fields],
        )
        return cursor.fetchone()


# Any text PostgreSQL can hold (no NUL), weighted towards what JSON must escape.
_awkward = st.sampled_from(
    ['"', "\\", "\b", "\f", "\n", "\r", "\t", "\x01", "\x1f", "\x7f", "\u2028", "\u2029", "😀", "é"]
)


def _texts(field: str):
    """Any text that fits the field's column."""
    return st.lists(
        st.one_of(_awkward, st.characters(min_codepoint=1, exclude_categories=("Cs",))),
        max_size=min(AccessEvent._meta.get_field(field).max_length, 40),
    ).map("".join)


_ids = st.integers(min_value=1, max_value=2**31 - 1)
_optional_ids = st.none() | _ids
_times = st.datetimes(
    min_value=dt.datetime(1, 1, 1, 12),
    max_value=dt.datetime(9999, 12, 31, 12),
    timezones=st.sampled_from(
        [
            dt.UTC,
            dt.timezone(dt.timedelta(hours=-11)),
            dt.timezone(dt.timedelta(hours=5, minutes=30)),
        ]
    ),
)


@st.composite
def _events(draw) -> dict:
    return {
        "hash_version": draw(st.sampled_from(sorted(CANONICAL_FIELDS))),
        "patient_id": draw(_ids),
        "sequence": draw(st.integers(min_value=1, max_value=2**63 - 1)),
        "occurred_at": draw(_times),
        "actor_id": draw(_ids),
        "actor_role": draw(_texts("actor_role")),
        "actor_name": draw(_texts("actor_name")),
        "action": draw(_texts("action")),
        "target": draw(_texts("target")),
        "entry_id": draw(_optional_ids),
        "category": draw(_texts("category")),
        "purpose": draw(_texts("purpose")),
        "basis": draw(_texts("basis")),
        "grant_id": draw(_optional_ids),
        "emergency_id": draw(_optional_ids),
        "prev_hash": draw(st.one_of(st.just(GENESIS_HASH), _texts("prev_hash"))),
        "proxy_access_id": draw(_optional_ids),
        "actor_relationship": draw(_texts("actor_relationship")),
    }


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(event=_events())
def test_postgresql_hashes_the_same_bytes_as_python_for_any_event(db, event):
    text, digest = _sql_canonical(event)
    assert text.encode() == canonical_bytes(event)
    assert digest == compute_hash(event)


@pytest.mark.parametrize(
    "value",
    [
        'say "hi"',
        "back\\slash",
        "tab\there",
        "line\u2028break",
        "😀",
        "",
        "é",
        "\x7f",
        *(f"a{chr(code)}b" for code in range(1, 32)),
    ],
)
def test_the_awkward_strings_are_escaped_as_python_escapes_them(db, value):
    event = {
        **dict.fromkeys(ROW_FIELDS[2:]),
        "hash_version": 2,
        "purpose": value,
        "occurred_at": dt.datetime(2026, 12, 3, 9, 0, 0, 7, tzinfo=dt.UTC),
    }
    text, digest = _sql_canonical(event)
    assert text.encode() == canonical_bytes(event)
    assert digest == compute_hash(event)


def test_an_unknown_hash_version_has_no_canonical_form_in_sql(db):
    assert _sql_canonical({"hash_version": 99}) == (None, None)


# --- the pre-check in use ----------------------------------------------------------------------


@pytest.fixture
def hashed_in_python(monkeypatch):
    """The rows Python hashes (`chain.row_hash`), recorded."""
    rows: list[tuple] = []
    real = chain.row_hash
    monkeypatch.setattr(chain, "row_hash", lambda row: rows.append(row) or real(row))
    return rows


def _chains(patient_user, count: int, events: int = 3):
    patients = [PatientFactory() for _ in range(count)]
    for patient in patients:
        log_reads(patient, patient_user, events)
    return patients


def test_a_checkpoint_over_intact_chains_hashes_nothing_in_python(patient_user, hashed_in_python):
    patients = _chains(patient_user, 6)
    run = checkpoints.create_checkpoint()
    assert run.signed_chains == 6 and not run.problems
    for patient in patients[:3]:
        log_reads(patient, patient_user, 2)
    run = checkpoints.create_checkpoint()  # resumed at each chain's signed leaf
    assert run.signed_chains == 3 and not run.problems
    assert hashed_in_python == []


def test_a_chain_the_database_flags_is_re_checked_in_python_which_names_the_link(
    patient_user, hashed_in_python
):
    patients = _chains(patient_user, 4)
    checkpoints.create_checkpoint()
    for patient in patients:
        log_reads(patient, patient_user, 2)
    edited = patients[2]
    event = AccessEvent.objects.get(patient=edited, sequence=4)
    raw_sql(f"UPDATE {EVENTS} SET purpose = 'billing' WHERE id = %s", [event.pk])
    run = checkpoints.create_checkpoint()
    assert run.signed_chains == 3
    assert [(p.patient_id, p.sequence, p.reason) for p in run.problems] == [
        (edited.pk, 4, "its fields were changed after writing")
    ]
    # Only the flagged chain was read and hashed in Python, from its signed link on.
    assert {row[ROW_FIELDS.index("patient_id")] for row in hashed_in_python} == {edited.pk}
    assert CheckpointLeaf.objects.latest_for(edited.pk).sequence == 3


def test_python_wins_over_a_chain_the_database_did_not_pass(
    patient_user, hashed_in_python, monkeypatch
):
    patients = _chains(patient_user, 3)
    doubted = patients[1]
    real = chain_sql.intact_chains
    monkeypatch.setattr(chain_sql, "intact_chains", lambda *args: real(*args) - {doubted.pk})
    run = checkpoints.create_checkpoint()
    assert run.signed_chains == 3 and not run.problems
    assert [row[ROW_FIELDS.index("sequence")] for row in hashed_in_python] == [1, 2, 3]
    assert CheckpointLeaf.objects.latest_for(doubted.pk).sequence == 3


def test_the_database_passes_only_what_python_passes(patient_user):
    good, edited, truncated, gone, ahead, resumed_elsewhere, unknown_version = _chains(
        patient_user, 7
    )
    chains = {}
    for patient in (good, edited, truncated, gone, ahead, resumed_elsewhere, unknown_version):
        events = list(AccessEvent.objects.filter(patient=patient).order_by("sequence"))
        chains[patient.pk] = ((1, events[0].hash), (3, events[2].hash))
    raw_sql(
        f"UPDATE {EVENTS} SET actor_name = 'x' WHERE patient_id = %s AND sequence = 2", [edited.pk]
    )
    raw_sql(f"DELETE FROM {EVENTS} WHERE patient_id = %s AND sequence = 3", [truncated.pk])
    raw_sql(f"DELETE FROM {EVENTS} WHERE patient_id = %s", [gone.pk])
    chains[ahead.pk] = (chains[ahead.pk][0], (4, "a" * 64))  # a head past the last event
    chains[resumed_elsewhere.pk] = ((1, "b" * 64), chains[resumed_elsewhere.pk][1])
    raw_sql(
        f"UPDATE {EVENTS} SET hash_version = 99 WHERE patient_id = %s AND sequence = 3",
        [unknown_version.pk],
    )
    assert chain_sql.intact_chains(chains, CANONICAL_FIELDS) == {good.pk}
    flagged = {p.patient_id for p in verify_chains(chains)}
    assert flagged == set(chains) - {good.pk}


def test_a_sequence_written_twice_is_not_passed_even_without_the_unique_constraint(
    patient_user,
):
    """Someone with the owner's rights drops the (patient, sequence) constraint, writes link 2
    twice (the second pointing at the first) and drops link 3: the counts still add up, every
    hash is right, yet link 3 is missing, as Python says."""
    (patient,) = _chains(patient_user, 1, events=4)
    events = list(AccessEvent.objects.filter(patient=patient).order_by("sequence"))
    raw_sql(f"ALTER TABLE {EVENTS} DROP CONSTRAINT one_event_per_sequence", [])
    raw_sql(f"DELETE FROM {EVENTS} WHERE id = %s", [events[2].pk])
    twice = AccessEvent(
        **{f.attname: getattr(events[1], f.attname) for f in AccessEvent._meta.concrete_fields}
    )
    twice.pk, twice.prev_hash = None, events[1].hash
    twice.hash = compute_hash(twice)
    twice.save()
    fourth = events[3]
    fourth.prev_hash = twice.hash
    fourth.hash = compute_hash(fourth)
    raw_sql(
        f"UPDATE {EVENTS} SET prev_hash = %s, hash = %s WHERE id = %s",
        [fourth.prev_hash, fourth.hash, fourth.pk],
    )
    for after in ((0, GENESIS_HASH), (1, events[0].hash), (2, events[1].hash)):
        chains = {patient.pk: (after, (4, fourth.hash))}
        assert chain_sql.intact_chains(chains, CANONICAL_FIELDS) == set()
        assert verify_chains(chains)  # and Python names it


def test_a_version_1_chain_passes_in_the_database(patient_user):
    (patient,) = _chains(patient_user, 1, events=0)
    prev = GENESIS_HASH
    for sequence in (1, 2):
        event = log_reads(patient, patient_user, 1)[0]
        event.hash_version, event.prev_hash = 1, prev
        event.hash = compute_hash(event)
        raw_sql(
            f"UPDATE {EVENTS} SET hash_version = 1, prev_hash = %s, hash = %s WHERE id = %s",
            [prev, event.hash, event.pk],
        )
        prev = event.hash
        assert event.sequence == sequence
    raw_sql(f"UPDATE {HEADS} SET hash = %s WHERE patient_id = %s", [prev, patient.pk])
    assert chain_sql.intact_chains(
        {patient.pk: ((0, GENESIS_HASH), (2, prev))}, CANONICAL_FIELDS
    ) == {patient.pk}


def test_a_shadowing_function_in_another_schema_is_not_used(patient_user):
    """A `sha256` planted where the search path looks first must not be the one that runs: if it
    were, this edited event would pass."""
    good, edited = _chains(patient_user, 2)
    chains = {
        patient.pk: ((0, GENESIS_HASH), (3, AccessChainHead.objects.get(patient=patient).hash))
        for patient in (good, edited)
    }
    event = AccessEvent.objects.get(patient=edited, sequence=2)
    raw_sql(f"UPDATE {EVENTS} SET purpose = 'billing' WHERE id = %s", [event.pk])
    with as_table_owner(), connection.cursor() as cursor:
        cursor.execute("CREATE SCHEMA shadow")
        cursor.execute(  # the hash is hex: nothing to quote
            "CREATE FUNCTION shadow.sha256(bytea) RETURNS bytea LANGUAGE sql AS "
            f"$$ SELECT pg_catalog.decode('{event.hash}', 'hex') $$"
        )
        cursor.execute("GRANT USAGE ON SCHEMA shadow TO PUBLIC")
        cursor.execute("SET LOCAL search_path = shadow, pg_catalog, public")
        cursor.execute("SELECT pg_catalog.encode(sha256('x'::bytea), 'hex')")
        assert cursor.fetchone() == (event.hash,)  # unqualified, the planted one wins
    assert chain_sql.intact_chains(chains, CANONICAL_FIELDS) == {good.pk}


# --- every tampering, named the same through the checkpoint -----------------------------------


def _edit(field: str, value):
    def tamper(patient, other):
        event = AccessEvent.objects.get(patient=patient, sequence=6)
        column = AccessEvent._meta.get_field(field).column
        raw_sql(f"UPDATE {EVENTS} SET {column} = %s WHERE id = %s", [value(other), event.pk])

    return tamper


def _delete_middle(patient, other):
    raw_sql(f"DELETE FROM {EVENTS} WHERE patient_id = %s AND sequence = 6", [patient.pk])


def _delete_tail(patient, other):
    raw_sql(f"DELETE FROM {EVENTS} WHERE patient_id = %s AND sequence >= 7", [patient.pk])


def _delete_the_signed_link(patient, other):
    raw_sql(f"DELETE FROM {EVENTS} WHERE patient_id = %s AND sequence = 4", [patient.pk])


def _insert_forged(patient, other):
    """A forged event slipped in at link 3, the later ones renumbered, every hash from 3 on and
    the head recomputed: the chain alone verifies, but no longer reaches the signed link 4."""
    events = list(AccessEvent.objects.filter(patient=patient, sequence__gte=3))
    for event in sorted(events, key=lambda event: -event.sequence):
        raw_sql(f"UPDATE {EVENTS} SET sequence = %s WHERE id = %s", [event.sequence + 1, event.pk])
    forged = AccessEvent(
        **{f.attname: getattr(events[0], f.attname) for f in AccessEvent._meta.concrete_fields}
    )
    forged.pk, forged.actor_name = None, "Dr Nobody"
    forged.save()
    raw_sql(f"UPDATE {HEADS} SET sequence = sequence + 1 WHERE patient_id = %s", [patient.pk])
    rewrite_chain(patient.pk, purpose="routine", from_sequence=3)


def _rewrite_from_signed(patient, other):
    rewrite_chain(patient.pk, purpose="nothing to see", from_sequence=3)


def _hash_version(patient, other):
    raw_sql(
        f"UPDATE {EVENTS} SET hash_version = 1 WHERE patient_id = %s AND sequence = 6", [patient.pk]
    )


# Links 1-4 signed by a checkpoint, 5-8 not yet: the next checkpoint verifies 4 (the signed link)
# to 8 and must name the same link, for the same reason, as the Python path does.
TAMPERINGS = {
    **{
        f"edit {field}": (_edit(field, lambda other, value=value: value), 6)
        for field, value in [
            ("actor_role", "physician"),
            ("actor_name", 'Dr "Nobody"\\'),
            ("action", "export"),
            ("target", "entry"),
            ("category", "lab_result"),
            ("purpose", "billing\n"),
            ("basis", "grant"),
            ("actor_relationship", "carer"),
            ("occurred_at", dt.datetime(2020, 1, 1, tzinfo=dt.UTC)),
            ("prev_hash", "0" * 64),
            ("hash", "f" * 64),
        ]
    },
    "edit actor_id": (_edit("actor_id", lambda other: other.pk), 6),
    "edit hash_version": (_hash_version, 6),
    "delete a middle event": (_delete_middle, 6),
    "delete the tail": (_delete_tail, 7),
    "delete the signed link": (_delete_the_signed_link, 4),
    "insert a forged event, hashes recomputed": (_insert_forged, 4),
    "rewrite from a signed link, hashes recomputed": (_rewrite_from_signed, 4),
}


@pytest.mark.parametrize("name", list(TAMPERINGS))
def test_every_tampering_is_named_alike_by_the_checkpoint(
    name, patient, patient_user, physician, monkeypatch
):
    tamper, link = TAMPERINGS[name]
    bystander = PatientFactory()
    log_reads(bystander, patient_user, 2)
    log_reads(patient, patient_user, 4)
    checkpoints.create_checkpoint()
    log_reads(patient, patient_user, 4)
    log_reads(bystander, patient_user, 1)
    tamper(patient, physician)
    signed = CheckpointLeaf.objects.latest_for(patient.pk)
    head = AccessChainHead.objects.get(patient=patient)
    chains = {patient.pk: ((signed.sequence, signed.head_hash), (head.sequence, head.hash))}
    with monkeypatch.context() as python_only:
        python_only.setattr(chain_sql, "intact_chains", lambda *args: set())
        expected = verify_chains(chains)
    assert [p.sequence for p in expected] == [link]

    run = checkpoints.create_checkpoint()
    assert run.problems == expected
    assert run.signed_chains == 1  # the bystander
    assert CheckpointLeaf.objects.latest_for(patient.pk).sequence == 4


@pytest.mark.django_db(transaction=True)
def test_a_large_check_runs_in_two_halves_on_two_connections(
    patient_user, hashed_in_python, monkeypatch
):
    """Past `PARALLEL_LINKS` the second half is checked on a connection of its own (committed
    data, as in the checkpoint job): it passes what is intact and flags what is not."""
    monkeypatch.setattr(chain_sql, "PARALLEL_LINKS", 0)
    patients = _chains(patient_user, 6)
    edited = patients[-1]  # in the second half
    event = AccessEvent.objects.get(patient=edited, sequence=2)
    raw_sql(f"UPDATE {EVENTS} SET purpose = 'billing' WHERE id = %s", [event.pk])
    threads = []
    real = chain_sql._run_on_own_connection
    monkeypatch.setattr(
        chain_sql,
        "_run_on_own_connection",
        lambda sql, batch: threads.append([patient for patient, _ in batch]) or real(sql, batch),
    )
    run = checkpoints.create_checkpoint()
    assert threads == [[patient.pk for patient in patients[3:]]]
    assert run.signed_chains == 5
    assert [(p.patient_id, p.sequence) for p in run.problems] == [(edited.pk, 2)]
    assert {row[ROW_FIELDS.index("patient_id")] for row in hashed_in_python} == {edited.pk}


@pytest.mark.django_db(transaction=True)
def test_when_the_second_connection_fails_python_checks_that_half(
    patient_user, hashed_in_python, monkeypatch
):
    monkeypatch.setattr(chain_sql, "PARALLEL_LINKS", 0)

    def refused(sql, batch):
        raise OperationalError("too many connections")

    monkeypatch.setattr(chain_sql, "_run_on_own_connection", refused)
    patients = _chains(patient_user, 4)
    run = checkpoints.create_checkpoint()
    assert run.signed_chains == 4 and not run.problems
    assert {row[ROW_FIELDS.index("patient_id")] for row in hashed_in_python} == {
        patient.pk for patient in patients[2:]
    }
