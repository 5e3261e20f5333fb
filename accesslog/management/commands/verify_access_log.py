"""Recompute every access-log chain and check it against the latest signed checkpoint.
Exits non-zero naming the first broken link of each damaged chain."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accesslog.integrity import verify_all


class Command(BaseCommand):
    help = "Verify the access log's hash chains and signed checkpoint."

    def handle(self, *args, **options) -> None:
        problems = verify_all()
        if problems:
            for problem in problems:
                self.stderr.write(f"BROKEN: {problem}")
            raise CommandError(f"The access log is damaged ({len(problems)} chain(s)).")
        self.stdout.write(self.style.SUCCESS("The access log is intact."))
