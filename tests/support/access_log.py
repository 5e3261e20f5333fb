"""Writing to the access log in tests: plain reads, and tampering the way an insider would."""

from __future__ import annotations

from django.db import connection

from accesslog.chain import append_event
from accesslog.models import (
    AccessAction,
    AccessBasis,
    AccessChainHead,
    AccessEvent,
    AccessLogCheckpoint,
    AccessTarget,
    CheckpointLeaf,
)
from tests.support.database import as_table_owner


def log_reads(patient, actor, count: int) -> list[AccessEvent]:
    return [
        append_event(
            patient=patient,
            actor=actor,
            action=AccessAction.VIEW,
            target=AccessTarget.RECORD,
            basis=AccessBasis.SELF,
            purpose="your own access",
        )
        for _ in range(count)
    ]


def raw_sql(sql: str, params: list) -> None:
    """Tamper the way someone with owner rights on the database would: bypassing the ORM's guards
    and, on PostgreSQL, switching the log's triggers (append-only, head forward-only) off for the
    statement."""
    tables = [
        AccessEvent._meta.db_table,
        AccessLogCheckpoint._meta.db_table,
        CheckpointLeaf._meta.db_table,
        AccessChainHead._meta.db_table,
    ]
    with as_table_owner(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks block ALTER
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def rewrite_chain(patient_id: int, *, purpose: str, from_sequence: int = 1) -> None:
    """What an attacker with write access would do: change a field from `from_sequence` on and
    recompute every hash after it, and the head, so the chain on its own verifies again."""
    from accesslog.chain import GENESIS_HASH, compute_hash

    events = list(AccessEvent.objects.filter(patient_id=patient_id).order_by("sequence"))
    prev = GENESIS_HASH
    for event in events:
        if event.sequence >= from_sequence:
            event.purpose = purpose
            event.prev_hash = prev
            event.hash = compute_hash(event)
            raw_sql(
                "UPDATE accesslog_accessevent SET purpose=%s, prev_hash=%s, hash=%s WHERE id=%s",
                [event.purpose, event.prev_hash, event.hash, event.pk],
            )
        prev = event.hash
    raw_sql("UPDATE accesslog_accesschainhead SET hash=%s WHERE patient_id=%s", [prev, patient_id])
