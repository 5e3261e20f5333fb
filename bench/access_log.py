"""Benchmark: the access-log page and CSV for one heavily read patient (`make bench`, or alone).

One patient whose own chain holds 1,000,000 events (times BENCH_SCALE), read by five physicians.
Measured on PostgreSQL, in process through Django's test client (the whole middleware stack, no
HTTP server): the beat job that verifies the new links (once, from nothing), then the access-log
page p50 (newest page, a page back in the history by keyset, a person filter) beside the same
pages of a patient with 100 events, requests interleaved, and the full CSV download, streamed,
with how much the process grew while reading it; then the first checkpoint over both chains and
the heavy patient's proof bundle (every event with its hash, the checkpoint, the inclusion proof),
streamed.

Alone: `scripts/with-postgres.sh .venv/bin/python -m bench.access_log` (BENCH_SCALE=0.01 runs
in seconds). From bench/run.py: `run(report)`.
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import statistics
import time
from collections.abc import Callable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from accesslog.checkpoints import create_checkpoint  # noqa: E402
from accesslog.verified import verify_new_events  # noqa: E402
from bench import history  # noqa: E402
from clinic.models import Role, Site, User  # noqa: E402
from clinic.services import create_staff_member  # noqa: E402
from patients.models import Patient  # noqa: E402

SCALE = float(os.environ.get("BENCH_SCALE", "1.0"))
EVENTS = max(int(1_000_000 * SCALE), 100)
LIGHT_EVENTS = 100
READERS = 5
BATCH = 10_000

Report = Callable[[str, str, str], None]


def _print_report(name: str, value: str, target: str) -> None:
    print(f"  {name}: {value}   (target: {target})", flush=True)


def analyze() -> None:
    """Fresh planner statistics. Only the tables' owner may ANALYZE: when the bench runs as the
    application's role (`assume_role`, see scripts/with-postgres.sh), step back for it."""
    role = (connection.settings_dict.get("OPTIONS") or {}).get("assume_role")
    with connection.cursor() as cursor:
        if role:
            cursor.execute("RESET ROLE")
        cursor.execute("ANALYZE")
        if role:
            cursor.execute(f"SET ROLE {connection.ops.quote_name(role)}")


def build_readers() -> tuple[Site, list[User]]:
    site = Site.objects.create(name="Heavy Bench Site", address="2 Bench Road")
    readers = [
        create_staff_member(
            email=f"heavy.reader{i}@bench.example",
            password=None,
            role=Role.PHYSICIAN,
            display_name=f"Dr H. Reader {i}",
            site=site,
        )
        for i in range(READERS)
    ]
    return site, readers


def build_patient(site: Site, readers: list[User], name: str, events: int) -> Patient:
    """A patient with `events` chained events of their own, written in bulk with real hashes."""
    user = User.objects.create_user(email=f"{name}.patient@bench.example", password=None)
    patient = Patient.objects.create(
        legal_name=f"{name.title()} Bench Patient",
        date_of_birth=dt.date(1970, 1, 1),
        email=user.email,
        site=site,
        user=user,
    )
    user.groups.add(*user.groups.model.objects.filter(name=Role.PATIENT))
    start = timezone.now() - dt.timedelta(days=3 * 365)
    step = dt.timedelta(days=3 * 365) / events
    with transaction.atomic():
        history.write_chain(
            patient.pk,
            events,
            lambda seq: {
                "occurred_at": start + step * seq,
                "actor_id": readers[seq % READERS].pk,
                "actor_name": readers[seq % READERS].display_name,
            },
            batch=BATCH,
        )
    return patient


def _p50s(clients: list[Client], url: str, runs: int = 60) -> list[float]:
    """p50 of each client's view of `url`, requests interleaved so that load on the machine
    weighs on each alike."""
    samples: list[list[float]] = [[] for _ in clients]
    for _ in range(runs):
        for client, times in zip(clients, samples, strict=True):
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
    return [statistics.median(times[10:]) * 1000 for times in samples]


def run(report: Report = _print_report) -> None:
    started = time.perf_counter()
    site, readers = build_readers()
    light = build_patient(site, readers, "light", LIGHT_EVENTS)
    heavy = build_patient(site, readers, "heavy", EVENTS)
    analyze()
    print(f"  built one patient with {EVENTS:,} events in {time.perf_counter() - started:.0f} s")

    started = time.perf_counter()
    problems = verify_new_events()
    assert not problems, problems
    report(
        f"verifying a chain of {EVENTS:,} new events (beat job, once)",
        f"{time.perf_counter() - started:.1f} s",
        "—",
    )

    clients = []
    for patient in (heavy, light):
        client = Client()
        client.force_login(patient.user)
        page = client.get("/portal/access-log/").content.decode()
        assert "every look up to the newest has been verified" in page, "log not verified"
        clients.append(client)
    for label, url in [
        ("newest page", "/portal/access-log/"),
        ("a page of the oldest looks (keyset)", f"/portal/access-log/?before={LIGHT_EVENTS // 2}"),
        ("filtered to one of five readers", f"/portal/access-log/?person={readers[2].pk}"),
    ]:
        heavy_ms, light_ms = _p50s(clients, url)
        report(
            f"access-log page p50, {label}: {EVENTS:,} events vs {LIGHT_EVENTS} (interleaved)",
            f"{heavy_ms:.1f} ms vs {light_ms:.1f} ms",
            "≤ 50 ms, flat",
        )
    client = clients[0]

    grown_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    response = client.get("/portal/access-log/?format=csv")
    assert response.streaming
    lines = size = 0
    for chunk in response.streaming_content:
        lines += chunk.count(b"\n")
        size += len(chunk)
    seconds = time.perf_counter() - started
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - grown_before
    assert lines == EVENTS + 1, (lines, EVENTS)
    report(
        f"access-log CSV, {EVENTS:,} rows streamed ({size / 1e6:,.0f} MB)",
        f"{seconds:.1f} s, process grew {grown / 1024:,.0f} MB",
        "no timeout, bounded memory",
    )

    # The proof bundle needs a signed checkpoint over the patient's head: the beat job's.
    started = time.perf_counter()
    run_ = create_checkpoint()
    assert run_.checkpoint is not None and not run_.problems, run_.refused or run_.problems
    report(
        f"checkpoint over the two chains ({EVENTS + LIGHT_EVENTS:,} events, first)",
        f"{time.perf_counter() - started:.1f} s",
        "—",
    )
    grown_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    response = client.get("/portal/access-log/proof/")
    assert response.streaming and response.status_code == 200, response.status_code
    # Read as a client would, chunk by chunk, counting the events (one "hash_version" key each;
    # the tail of a chunk is kept so that a key split across two chunks is counted once).
    key, tail, events, size = b'"hash_version":', b"", 0, 0
    for chunk in response.streaming_content:
        size += len(chunk)
        data = tail + chunk
        events += data.count(key)
        tail = data[-(len(key) - 1) :]
    seconds = time.perf_counter() - started
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - grown_before
    assert events == EVENTS, (events, EVENTS)
    report(
        f"proof bundle, {EVENTS:,} events streamed ({size / 1e6:,.0f} MB)",
        f"{seconds:.1f} s, process grew {grown / 1024:,.0f} MB",
        "no timeout, bounded memory",
    )


def main() -> None:
    if connection.vendor != "postgresql":
        raise SystemExit("Run the benchmarks on PostgreSQL: scripts/with-postgres.sh")
    print(f"Access-log benchmark at scale {SCALE} on PostgreSQL", flush=True)
    call_command("migrate", verbosity=0)
    run()


if __name__ == "__main__":
    main()
