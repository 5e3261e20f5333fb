"""Benchmark: signing checkpoints over the whole log, and verifying it (`make bench`, or alone).

With 10,000 chains and 1,000,000 events (times BENCH_SCALE; from bench/run.py, its world of
patients and their histories), on PostgreSQL:
1. the first checkpoint: every chain verified from its first event, one leaf per chain, the tree
   head signed (target ≤ 10 s at scale 1);
2. a routine checkpoint after one new read in a tenth of the chains (what beat does every few
   minutes: only the new links are verified);
3. `verify_access_log` over the whole log (every checkpoint, every chain from its first event),
   with its progress lines; then `--incremental`, which starts each chain at its newest signed
   leaf (where the last verified checkpoint left it).

Alone: `scripts/with-postgres.sh .venv/bin/python -m bench.checkpoint` (writes its own chains).
From bench/run.py: `run(report)`.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Sum  # noqa: E402
from django.utils import timezone  # noqa: E402

from accesslog.chain import append_event  # noqa: E402
from accesslog.checkpoints import create_checkpoint  # noqa: E402
from accesslog.integrity import verify_log  # noqa: E402
from accesslog.models import (  # noqa: E402
    AccessAction,
    AccessBasis,
    AccessChainHead,
    AccessTarget,
)
from bench import history  # noqa: E402
from bench.access_log import analyze  # noqa: E402
from clinic.models import Role, Site, User  # noqa: E402
from clinic.services import create_staff_member  # noqa: E402
from patients.models import Patient  # noqa: E402

SCALE = float(os.environ.get("BENCH_SCALE", "1.0"))
CHAINS = max(int(10_000 * SCALE), 10)
EVENTS_PER_CHAIN = 100
TARGET_SECONDS = 10.0

Report = Callable[[str, str, str], None]


def _print_report(name: str, value: str, target: str) -> None:
    print(f"  {name}: {value}   (target: {target})", flush=True)


def build_chains(chains: int = CHAINS, events: int = EVENTS_PER_CHAIN) -> User:
    """Standalone: `chains` patients with `events` chained events each (bench/run.py has its own
    world). Returns the physician who read them."""
    site = Site.objects.create(name="Checkpoint Bench Site", address="3 Bench Road")
    reader = create_staff_member(
        email="checkpoint.reader@bench.example",
        password=None,
        role=Role.PHYSICIAN,
        display_name="Dr C. Reader",
        site=site,
    )
    patients = Patient.objects.bulk_create(
        [
            Patient(legal_name=f"Chain {i}", date_of_birth=dt.date(1980, 1, 1), site=site)
            for i in range(chains)
        ],
        batch_size=5000,
    )
    start = timezone.now() - dt.timedelta(days=365)
    fields = {"actor_id": reader.pk, "actor_name": reader.display_name}
    with transaction.atomic():
        for patient in patients:
            history.write_chain(
                patient.pk,
                events,
                lambda seq: {**fields, "occurred_at": start + dt.timedelta(minutes=seq)},
            )
    return reader


def _log_size() -> tuple[int, int]:
    heads = AccessChainHead.objects.filter(sequence__gt=0)
    return heads.count(), heads.aggregate(total=Sum("sequence"))["total"] or 0


def run(report: Report = _print_report, reader: User | None = None) -> None:
    chains, events = _log_size()
    print(f"  the log holds {chains:,} chains and {events:,} events", flush=True)

    started, cpu = time.perf_counter(), time.process_time()
    first = create_checkpoint()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert first.checkpoint is not None and not first.problems, (first.refused, first.problems)
    assert first.signed_chains == chains, (first.signed_chains, chains)
    report(
        f"first checkpoint: {chains:,} chains and {events:,} events verified, "
        f"{first.checkpoint.tree_size:,} leaves signed",
        f"{seconds:.1f} s ({events / seconds:,.0f} events/s; this process's CPU {cpu:.1f} s, "
        f"load average {os.getloadavg()[0]:.1f})",
        f"≤ {TARGET_SECONDS:g} s for 10,000 chains and 1,000,000 events "
        f"(≤ {TARGET_SECONDS * SCALE:g} s at this scale)",
    )

    moved = max(chains // 10, 1)
    patient_ids = list(
        AccessChainHead.objects.filter(sequence__gt=0)
        .order_by("patient_id")
        .values_list("patient_id", flat=True)[:moved]
    )
    reader = reader or User.objects.filter(staff_profile__role=Role.PHYSICIAN).first()
    with transaction.atomic():
        for patient in Patient.objects.filter(pk__in=patient_ids):
            append_event(
                patient=patient,
                actor=reader,
                action=AccessAction.VIEW,
                target=AccessTarget.RECORD,
                basis=AccessBasis.GRANT,
                purpose="treatment",
            )
    started = time.perf_counter()
    routine = create_checkpoint()
    seconds = time.perf_counter() - started
    assert routine.signed_chains == moved and not routine.problems, routine.problems
    report(
        f"routine checkpoint: {moved:,} of {chains:,} chains moved by one event",
        f"{seconds:.2f} s (tree of {routine.checkpoint.tree_size:,} leaves)",
        "well inside the few minutes between checkpoints",
    )

    lines: list[str] = []
    started = time.perf_counter()
    full = verify_log(progress=lines.append)
    seconds = time.perf_counter() - started
    assert not full.problems, full.problems[:3]
    report(
        f"verify_access_log, whole log ({events + moved:,} events from their first link)",
        f"{seconds:.1f} s, {len(lines):,} progress lines",
        "reports progress",
    )
    lines = []
    started = time.perf_counter()
    incremental = verify_log(incremental=True, progress=lines.append)
    seconds = time.perf_counter() - started
    assert not incremental.problems, incremental.problems[:3]
    report(
        "verify_access_log --incremental (each chain from its newest signed leaf)",
        f"{seconds:.1f} s",
        "resumes from the last verified checkpoint",
    )


def main() -> None:
    if connection.vendor != "postgresql":
        raise SystemExit("Run the benchmarks on PostgreSQL: scripts/with-postgres.sh")
    print(f"Checkpoint benchmark at scale {SCALE} on PostgreSQL", flush=True)
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    reader = build_chains()
    print(f"  wrote {CHAINS:,} chains in {time.perf_counter() - started:.0f} s", flush=True)
    analyze()
    run(reader=reader)


if __name__ == "__main__":
    main()
