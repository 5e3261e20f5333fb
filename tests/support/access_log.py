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
