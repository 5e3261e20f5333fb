"""Create the application's PostgreSQL role if missing and grant it exactly what it may do."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from clinic.db import AppRoleError, app_role, as_owner, grant_app_role


class Command(BaseCommand):
    help = (
        "PostgreSQL: as the owner (DATABASE_OWNER_URL), create the application's role (the user "
        "of DATABASE_URL) if missing and grant it SELECT/INSERT on the access log's events, "
        "checkpoints and readers, no DELETE on chain heads, ordinary DML elsewhere; it owns "
        "nothing. `manage.py migrate` runs this after migrating."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default")

    def handle(self, *args, database: str, **options):
        if connections[database].vendor != "postgresql":
            raise CommandError("The application's role exists only on PostgreSQL.")
        role = app_role(database)
        password = connections[database].settings_dict.get("PASSWORD") or ""
        try:
            with as_owner(database) as connection:
                statements = grant_app_role(connection, role, password=password)
        except AppRoleError as error:
            raise CommandError(str(error)) from error
        if options["verbosity"] > 1:
            for statement in statements:
                self.stdout.write(statement)
        self.stdout.write(f"Granted the application's role {role!r}.")
