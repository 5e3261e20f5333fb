"""`migrate` as the owner: on PostgreSQL with DATABASE_OWNER_URL set, the migrations run with the
owner's credentials and the application's role is granted its privileges afterwards."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections

from clinic.db import AppRoleError, app_role, as_owner, grant_app_role


class Command(DjangoMigrate):
    help = DjangoMigrate.help + (
        " On PostgreSQL with DATABASE_OWNER_URL set, connects as the owner, then grants the "
        "application's role (see grant_app_role)."
    )

    def handle(self, *args, **options):
        alias = options["database"]
        if connections[alias].vendor != "postgresql" or not settings.DATABASE_OWNER:
            return super().handle(*args, **options)
        role = app_role(alias)
        password = connections[alias].settings_dict.get("PASSWORD") or ""
        with as_owner(alias) as connection:
            super().handle(*args, **options)
            if role == connection.settings_dict["USER"]:
                self.stdout.write("DATABASE_URL connects as the owner: no role to grant.")
                return
            try:
                grant_app_role(connection, role, password=password)
            except AppRoleError as error:
                raise CommandError(str(error)) from error
        if options["verbosity"] > 0:
            self.stdout.write(f"Granted the application's role {role!r}.")
