"""Exit non-zero when emails that should have gone out are stuck: a liveness probe for the
Celery worker (some Celery/kombu versions stop consuming after a Redis restart without exiting;
the outbox keeps every notification, but a supervisor should restart such a worker)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from notifications.delivery import count_overdue


class Command(BaseCommand):
    help = "Fail if immediate notification emails are undelivered for longer than --minutes."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--minutes", type=int, default=5)

    def handle(self, *args, minutes: int, **options) -> None:
        stuck = count_overdue(older_than=dt.timedelta(minutes=minutes))
        if stuck:
            raise CommandError(
                f"{stuck} notification email(s) undelivered for more than {minutes} minutes: "
                "is the Celery worker consuming?"
            )
        self.stdout.write(self.style.SUCCESS("No notification email is overdue."))
