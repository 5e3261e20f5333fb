"""PostgreSQL's two roles: the owner of the tables, who migrates, and the application's role,
which owns nothing and may do only what `grant_app_role` grants.

`DATABASE_URL` names the application's role (its user, or an `assume_role` option, which the
PostgreSQL backend turns into `SET ROLE`); `DATABASE_OWNER_URL` names the owner. A model may limit
what the application's role may do to its table with `app_role_privileges` (the access log's
events, checkpoints and readers: SELECT and INSERT only); every other table gets ordinary DML.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.apps import apps
from django.conf import settings
from django.db import connections

DEFAULT_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")
ALLOWED_PRIVILEGES = frozenset(DEFAULT_PRIVILEGES)
CONNECTION_KEYS = ("USER", "PASSWORD", "HOST", "PORT", "OPTIONS")


class AppRoleError(RuntimeError):
    """The application's role cannot be set up safely."""


def app_role(alias: str = "default") -> str:
    """The role the application's queries run as."""
    settings_dict = connections[alias].settings_dict
    return (settings_dict.get("OPTIONS") or {}).get("assume_role") or settings_dict["USER"]


@contextmanager
def as_owner(alias: str = "default") -> Iterator:
    """Connect with the owner's credentials for the block (`DATABASE_OWNER_URL`; same database
    name as the connection, so test databases work), without assuming the application's role.
    Not inside a transaction: the connection is closed on entry and on exit."""
    connection = connections[alias]
    saved = {key: connection.settings_dict.get(key) for key in CONNECTION_KEYS}
    owner = getattr(settings, "DATABASE_OWNER", None)
    connection.close()
    if owner:
        connection.settings_dict.update(
            {key: owner.get(key, "") for key in CONNECTION_KEYS if key != "OPTIONS"}
        )
        options = dict(owner.get("OPTIONS") or {})
    else:
        options = dict(saved["OPTIONS"] or {})
    options.pop("assume_role", None)
    connection.settings_dict["OPTIONS"] = options
    try:
        yield connection
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def _privileges_by_table() -> dict[str, tuple[str, ...]]:
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.managed or model._meta.proxy:
            continue
        privileges = tuple(getattr(model, "app_role_privileges", DEFAULT_PRIVILEGES))
        if not set(privileges) <= ALLOWED_PRIVILEGES:
            raise AppRoleError(f"{model.__name__}: unknown privileges {privileges}")
        tables[model._meta.db_table] = privileges
    return tables


def grant_app_role(connection, role: str, *, password: str = "") -> list[str]:
    """As the owner: create the application's role if it is missing (LOGIN, nothing else), then
    grant it exactly the privileges of each table. Safe to run again (after each migration).
    Returns the statements run, for the command's output."""
    quote = connection.ops.quote_name
    done: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
        if role == owner:
            raise AppRoleError(
                f"The application's role {role!r} is the owner: set DATABASE_URL to another role "
                "and DATABASE_OWNER_URL to the owner."
            )
        cursor.execute(
            "SELECT rolsuper, rolcreaterole, oid FROM pg_roles WHERE rolname = %s", [role]
        )
        row = cursor.fetchone()
        if row is None:
            statement = (
                f"CREATE ROLE {quote(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT"
            )
            cursor.execute(
                statement + (" PASSWORD %s" if password else ""), [password] if password else None
            )
            done.append(statement)
        elif row[0] or row[1]:
            raise AppRoleError(
                f"The application's role {role!r} must not be a superuser or create roles."
            )
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
            "WHERE r.rolname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'S')",
            [role],
        )
        owned = [name for (name,) in cursor.fetchall()]
        if owned:
            raise AppRoleError(
                f"The application's role {role!r} owns {', '.join(sorted(owned))}: an owner can "
                "TRUNCATE and disable triggers. Give them to the owner (ALTER TABLE ... OWNER TO)."
            )
        existing = set(connection.introspection.table_names(cursor))
        statements = [
            f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {quote(role)}",
            f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {quote(role)}",
            f"GRANT USAGE ON SCHEMA public TO {quote(role)}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quote(role)}",
        ]
        for table, privileges in sorted(_privileges_by_table().items()):
            if table in existing:
                statements.append(
                    f"GRANT {', '.join(privileges)} ON {quote(table)} TO {quote(role)}"
                )
        if "django_migrations" in existing:  # the app only checks which migrations ran
            statements.append(f"GRANT SELECT ON django_migrations TO {quote(role)}")
        for statement in statements:
            cursor.execute(statement)
        done.extend(statements)
    return done
