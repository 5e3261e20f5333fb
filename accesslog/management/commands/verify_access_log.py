"""Verify the whole access log: every checkpoint (signature, chain, tree, export) and every chain.
Exits non-zero naming the first broken link of each damaged chain; problems become alarms."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accesslog.integrity import verify_log


class Command(BaseCommand):
    help = "Verify the access log's checkpoints and hash chains."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--incremental",
            action="store_true",
            help="recompute each chain only after its newest signed checkpoint leaf",
        )
        parser.add_argument(
            "--start-after",
            type=int,
            default=0,
            metavar="PATIENT_ID",
            help="resume a run that stopped: skip chains up to this patient id",
        )
        parser.add_argument("--quiet", action="store_true", help="no progress lines")

    def handle(self, *args, incremental: bool, start_after: int, quiet: bool, **options) -> None:
        def progress(line: str) -> None:
            self.stderr.write(line)

        report = verify_log(
            incremental=incremental,
            start_after=start_after,
            progress=None if quiet else progress,
        )
        if report.problems:
            for problem in report.problems:
                self.stderr.write(f"BROKEN: {problem}")
            raise CommandError(f"The access log is damaged ({len(report.problems)} problem(s)).")
        self.stdout.write(
            self.style.SUCCESS(f"The access log is intact ({report.chains} chains checked).")
        )
