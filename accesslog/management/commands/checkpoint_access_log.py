"""Verify the chains that moved since the last checkpoint and sign a new one, now."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accesslog.checkpoints import create_checkpoint


class Command(BaseCommand):
    help = "Verify the access-log chains that moved, then sign a checkpoint (beat does this)."

    def handle(self, *args, **options) -> None:
        run = create_checkpoint()
        for problem in run.problems:
            self.stderr.write(f"NOT SIGNED: {problem}")
        if run.checkpoint is None:
            raise CommandError(f"No checkpoint signed: {run.refused}")
        self.stdout.write(
            f"Checkpoint {run.checkpoint.number}: {run.checkpoint.tree_size} leaves, "
            f"{run.signed_chains} chain(s) verified and signed."
        )
        if run.problems:
            raise CommandError(f"{len(run.problems)} chain(s) failed and were not signed.")
