"""Verify the chains that moved since the last checkpoint and sign a new one, now."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accesslog.checkpoints import create_checkpoint
from accesslog.models import AccessLogCheckpoint
from accesslog.tasks import publish_witnessing


class Command(BaseCommand):
    help = (
        "Verify the access-log chains that moved, sign a checkpoint (beat does this) and send it "
        "to the witnesses."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--if-none-yet",
            action="store_true",
            help="sign only if the log has no checkpoint yet (seed_demo)",
        )

    def handle(self, *args, if_none_yet: bool = False, **options) -> None:
        if if_none_yet and AccessLogCheckpoint.objects.exists():
            return
        run = create_checkpoint()
        for problem in run.problems:
            self.stderr.write(f"NOT SIGNED: {problem}")
        if run.checkpoint is None:
            raise CommandError(f"No checkpoint signed: {run.refused}")
        number = run.checkpoint.number
        transaction.on_commit(lambda: publish_witnessing(number))
        self.stdout.write(
            f"Checkpoint {run.checkpoint.number}: {run.checkpoint.tree_size} leaves, "
            f"{run.signed_chains} chain(s) verified and signed."
        )
        if run.problems:
            raise CommandError(f"{len(run.problems)} chain(s) failed and were not signed.")
