"""The database refuses what the application must never do: on PostgreSQL the application's role
owns nothing, may only read and add to the access log, and the chain head only moves forward.

These run in `make test-postgres`, where every query runs as the application's role."""

from __future__ import annotations

import io

import psycopg
import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from accesslog.models import AccessChainHead, AccessEvent
from tests.support.access_log import log_reads
from tests.support.database import assumed_role

pytestmark = pytest.mark.postgres

EVENTS = "accesslog_accessevent"
CHECKPOINTS = "accesslog_accesslogcheckpoint"
LEAVES = "accesslog_checkpointleaf"
READERS = "accesslog_accessreader"
HEADS = "accesslog_accesschainhead"
WITNESS_REPLIES = "accesslog_witnessreply"


@pytest.fixture
def app_role(db):
    if connection.vendor != "postgresql" or assumed_role() is None:
        pytest.skip("PostgreSQL, running as the application's role (make test-postgres)")
    return assumed_role()


def _refused(sql: str, params=None, *, match: str) -> None:
    with (
        pytest.raises(DatabaseError, match=match),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # deferred checks fire here


def test_queries_run_as_the_application_role_which_owns_nothing(app_role):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == app_role
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
            "WHERE r.rolname = %s",
            [app_role],
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute(
            "SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = %s", [app_role]
        )
        assert cursor.fetchone() == (False, False)


@pytest.mark.parametrize("table", [EVENTS, CHECKPOINTS, LEAVES, READERS, WITNESS_REPLIES])
def test_the_log_cannot_be_updated_deleted_or_truncated(app_role, table, patient, physician):
    log_reads(patient, physician, 2)
    _refused(f"UPDATE {table} SET id = id", match="permission denied")
    _refused(f"DELETE FROM {table}", match="permission denied")
    _refused(f"TRUNCATE {table}", match="permission denied")
    _refused(f"TRUNCATE {table} CASCADE", match="permission denied")


@pytest.mark.parametrize("table", [EVENTS, CHECKPOINTS, HEADS])
def test_triggers_cannot_be_disabled_or_dropped(app_role, table):
    _refused(f"ALTER TABLE {table} DISABLE TRIGGER USER", match="must be owner")
    _refused(f"ALTER TABLE {table} DISABLE TRIGGER ALL", match="must be owner")
    _refused(f"ALTER TABLE {table} OWNER TO {app_role}", match="must be owner")
    _refused(f"DROP TABLE {table}", match="must be owner")


def test_append_only_triggers_cannot_be_dropped(app_role):
    _refused(f"DROP TRIGGER {EVENTS}_append_only ON {EVENTS}", match="must be owner")
    _refused(f"DROP TRIGGER accesslog_head_forward_only ON {HEADS}", match="must be owner")


def test_chain_heads_cannot_be_deleted_or_truncated(app_role, patient, physician):
    log_reads(patient, physician, 1)
    _refused(f"DELETE FROM {HEADS}", match="permission denied")
    _refused(f"TRUNCATE {HEADS}", match="permission denied")


def test_a_head_cannot_move_back(app_role, patient, physician):
    events = log_reads(patient, physician, 3)
    _refused(
        f"UPDATE {HEADS} SET sequence = 2, hash = %s WHERE patient_id = %s",
        [events[1].hash, patient.pk],
        match="may only move forward",
    )
    _refused(
        f"UPDATE {HEADS} SET hash = %s WHERE patient_id = %s",
        [events[1].hash, patient.pk],
        match="may only move forward",
    )
    head = AccessChainHead.objects.get(patient=patient)
    assert (head.sequence, head.hash) == (3, events[2].hash)


def test_a_head_cannot_move_past_its_events_or_onto_another_hash(app_role, patient, physician):
    events = log_reads(patient, physician, 3)
    _refused(
        f"UPDATE {HEADS} SET sequence = 9, hash = %s WHERE patient_id = %s",
        [events[2].hash, patient.pk],
        match="does not match its events",
    )
    _refused(
        f"UPDATE {HEADS} SET sequence = 4, hash = %s WHERE patient_id = %s",
        ["f" * 64, patient.pk],
        match="does not match its events",
    )


def test_a_head_cannot_start_ahead_of_its_chain(app_role, other_patient):
    _refused(
        f"INSERT INTO {HEADS} (patient_id, sequence, hash) VALUES (%s, 1, %s)",
        [other_patient.pk, "a" * 64],
        match="does not match its events",
    )
    _refused(
        f"INSERT INTO {HEADS} (patient_id, sequence, hash) VALUES (%s, 0, %s)",
        [other_patient.pk, "a" * 64],
        match="must start empty",
    )


def test_appending_as_the_application_role_still_works(app_role, patient, physician):
    with transaction.atomic():
        events = log_reads(patient, physician, 3)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the head checks pass
    assert AccessEvent.objects.filter(patient=patient).count() == 3
    assert AccessChainHead.objects.get(patient=patient).hash == events[-1].hash


def test_a_direct_login_as_the_application_role_is_refused_too(app_role):
    """Not only `SET ROLE`: a session that logs in as the role gets the same answers."""
    settings = connection.settings_dict
    with (
        psycopg.connect(
            host=settings["HOST"],
            port=settings["PORT"],
            dbname=settings["NAME"],
            user=app_role,
            autocommit=True,
        ) as direct,
        direct.cursor() as cursor,
    ):
        cursor.execute("SELECT count(*) FROM accesslog_accessevent")
        for sql in (
            f"UPDATE {EVENTS} SET purpose = 'x'",
            f"DELETE FROM {CHECKPOINTS}",
            f"TRUNCATE {EVENTS}",
            f"ALTER TABLE {EVENTS} DISABLE TRIGGER USER",
            "SET ROLE rapport",
        ):
            with pytest.raises(psycopg.Error):
                cursor.execute(sql)


def test_the_role_has_exactly_the_log_privileges(app_role):
    def privileges(table: str) -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT privilege_type FROM information_schema.role_table_grants "
                "WHERE grantee = %s AND table_name = %s ORDER BY privilege_type",
                [app_role, table],
            )
            return [row[0] for row in cursor.fetchall()]

    assert privileges(EVENTS) == ["INSERT", "SELECT"]
    assert privileges(CHECKPOINTS) == ["INSERT", "SELECT"]
    assert privileges(READERS) == ["INSERT", "SELECT"]
    assert privileges(WITNESS_REPLIES) == ["INSERT", "SELECT"]
    assert privileges(HEADS) == ["INSERT", "SELECT", "UPDATE"]
    assert privileges("patients_patient") == ["DELETE", "INSERT", "SELECT", "UPDATE"]


@pytest.mark.django_db(transaction=True)
def test_migrate_runs_as_the_owner_then_grants_the_role():
    role = assumed_role()
    if connection.vendor != "postgresql" or role is None:
        pytest.skip("PostgreSQL, running as the application's role (make test-postgres)")
    out = io.StringIO()
    call_command("migrate", stdout=out)
    assert f"Granted the application's role {role!r}." in out.getvalue()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == role  # back to the application's role afterwards
    _refused(f"TRUNCATE {EVENTS}", match="permission denied")
