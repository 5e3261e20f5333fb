"""The hash chain: one linear chain per patient; a change or removal is found at its link."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accesslog.chain import GENESIS_HASH, compute_hash, verify_chain
from accesslog.models import AccessChainHead, AccessEvent
from tests.support.access_log import log_reads, raw_sql
from tests.support.database import as_table_owner


def test_events_form_one_linear_chain_per_patient(patient, other_patient, patient_user):
    mine = log_reads(patient, patient_user, 3)
    theirs = log_reads(other_patient, other_patient.user, 2)
    assert [e.sequence for e in mine] == [1, 2, 3]
    assert [e.sequence for e in theirs] == [1, 2]
    assert mine[0].prev_hash == GENESIS_HASH
    assert mine[1].prev_hash == mine[0].hash
    assert mine[2].prev_hash == mine[1].hash
    head = AccessChainHead.objects.get(patient=patient)
    assert (head.sequence, head.hash) == (3, mine[2].hash)
    assert verify_chain(patient.pk) is None
    assert verify_chain(other_patient.pk) is None


def test_hash_covers_every_field(patient, patient_user):
    event = log_reads(patient, patient_user, 1)[0]
    original = event.hash
    for field, value in [
        ("purpose", "marketing"),
        ("actor_name", "Someone Else"),
        ("action", "export"),
        ("basis", "grant"),
        ("category", "lab_result"),
    ]:
        tampered = AccessEvent.objects.get(pk=event.pk)
        setattr(tampered, field, value)
        assert compute_hash(tampered) != original, field


def test_orm_refuses_update_and_delete(patient, patient_user):
    event = log_reads(patient, patient_user, 1)[0]
    event.purpose = "changed"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AccessEvent.objects.filter(pk=event.pk).update(purpose="changed")
    with pytest.raises(PermissionError):
        AccessEvent.objects.filter(pk=event.pk).delete()


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("purpose", "just curious"),
        ("actor_name", "Nobody"),
        ("actor_role", "front_desk"),
        ("action", "export"),
        ("target", "document"),
        ("basis", "emergency"),
        ("category", "allergy"),
        ("occurred_at", "2020-01-01 00:00:00"),
    ],
)
def test_changed_field_is_found_at_its_sequence(patient, patient_user, column, value):
    events = log_reads(patient, patient_user, 5)
    raw_sql(f"UPDATE accesslog_accessevent SET {column} = %s WHERE id = %s", [value, events[2].pk])
    problem = verify_chain(patient.pk)
    assert problem is not None
    assert problem.sequence == 3
    assert "changed" in problem.reason


def test_deleted_event_is_found(patient, patient_user):
    events = log_reads(patient, patient_user, 5)
    raw_sql("DELETE FROM accesslog_accessevent WHERE id = %s", [events[3].pk])
    problem = verify_chain(patient.pk)
    assert problem is not None
    assert problem.sequence == 4
    assert "missing" in problem.reason


def test_dropping_the_newest_events_is_found_through_the_head(patient, patient_user):
    events = log_reads(patient, patient_user, 5)
    raw_sql("DELETE FROM accesslog_accessevent WHERE id IN (%s, %s)", [events[3].pk, events[4].pk])
    problem = verify_chain(patient.pk)
    assert problem is not None
    assert problem.sequence == 4
    assert "removed" in problem.reason


@pytest.mark.postgres
def test_postgresql_trigger_refuses_update_and_delete(patient, patient_user):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    from django.db import DatabaseError, transaction

    event = log_reads(patient, patient_user, 1)[0]
    for sql in [
        "UPDATE accesslog_accessevent SET purpose = 'x' WHERE id = %s",
        "DELETE FROM accesslog_accessevent WHERE id = %s",
    ]:
        # Even the owner (who, unlike the application's role, holds UPDATE and DELETE).
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            as_table_owner(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    assert verify_chain(patient.pk) is None


def test_verify_command_names_the_first_broken_link(patient, patient_user, capsys):
    events = log_reads(patient, patient_user, 4)
    call_command("verify_access_log")
    assert "intact" in capsys.readouterr().out
    raw_sql("UPDATE accesslog_accessevent SET purpose = 'x' WHERE id = %s", [events[1].pk])
    with pytest.raises(CommandError, match="damaged"):
        call_command("verify_access_log")
    err = capsys.readouterr().err
    assert f"patient {patient.pk}: link 2 is broken" in err
