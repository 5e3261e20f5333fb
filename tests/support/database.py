"""Running the suite as the application's PostgreSQL role.

`make test-postgres` connects as the owner of the cluster with the `assume_role` option, so every
query runs as the application's role (`SET ROLE`): what the application may not do, the tests may
not either. Setting up and dropping the test database, flushing it between transactional tests,
and tampering the way an insider with owner rights would, step back to the owner.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connections


def assumed_role(alias: str = "default") -> str | None:
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return None
    return (connection.settings_dict.get("OPTIONS") or {}).get("assume_role")


@contextmanager
def as_table_owner(alias: str = "default") -> Iterator[None]:
    """On the same connection (and transaction), act as the owner for the block."""
    role = assumed_role(alias)
    if role is None:
        yield
        return
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"SET ROLE {connection.ops.quote_name(role)}")
        except DatabaseError:
            pass  # an aborted transaction: its rollback restores the role


def regrant() -> None:
    """After migrating a test database by hand (as the owner), grant the role again."""
    if assumed_role() is not None:
        from django.core.management import call_command

        call_command("grant_app_role", verbosity=0)
