"""Benchmark of the patient's data export (standalone, not part of `make bench`'s run.py).

One patient with 5,000 record entries and 50,000 chained access events (scaled by BENCH_SCALE),
exported through the whole Django stack (middleware, session, the access event, the streamed
response) as the patient downloads it: the time to the last byte, the size, and the peak memory
of the Python heap while streaming (tracemalloc, in a second run) next to the process's peak
resident size. Then the printable summary of the same data. The bundle is parsed afterwards and
a sample of its resources validated with fhir.resources (R4B).

    scripts/with-postgres.sh .venv/bin/python -m bench.export        # PostgreSQL, as in the README
    BENCH_SCALE=0.1 scripts/with-postgres.sh .venv/bin/python -m bench.export
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import time
import tracemalloc

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from accesslog.models import (  # noqa: E402
    AccessTarget,
)
from bench import history  # noqa: E402
from clinic.models import Role, Site, User  # noqa: E402
from clinic.services import create_staff_member  # noqa: E402
from consent.models import ConsentGrant, GivenVia, Purpose, Scope  # noqa: E402
from patients.models import Patient, RecordCategory, RecordEntry  # noqa: E402

SCALE = float(os.environ.get("BENCH_SCALE", "1.0"))
ENTRIES = max(1, int(5_000 * SCALE))
EVENTS = max(1, int(50_000 * SCALE))


def build() -> User:
    site = Site.objects.create(name="Export Bench Site", address="1 Bench Road")
    physician = create_staff_member(
        email="export.physician@rapport.example",
        password=None,
        role=Role.PHYSICIAN,
        display_name="Dr B. Bench",
        site=site,
    )
    user = User.objects.create_user(email="export.patient@bench.example", password=None)
    user.groups.add(Group.objects.get(name=Role.PATIENT))
    patient = Patient.objects.create(
        legal_name="Export Bench Patient",
        date_of_birth=dt.date(1980, 1, 1),
        email=user.email,
        site=site,
        user=user,
    )
    categories = list(RecordCategory.values)
    today = timezone.localdate()
    RecordEntry.objects.bulk_create(
        [
            RecordEntry(
                patient=patient,
                author=physician,
                category=categories[j % len(categories)],
                title=f"Entry {j}",
                body="Bench body text. " * 20,
                recorded_on=today - dt.timedelta(days=j % 3650),
                sensitive=j % 10 == 0,
                sensitivity="mental_health" if j % 10 == 0 else "",
            )
            for j in range(ENTRIES)
        ],
        batch_size=5_000,
    )
    entry_ids = list(RecordEntry.objects.filter(patient=patient).values_list("pk", flat=True))
    grant = ConsentGrant.objects.create(
        patient=patient,
        grantee_user=physician,
        scope=Scope.RECORD,
        purpose=Purpose.TREATMENT,
        given_via=GivenVia.PORTAL,
        recorded_by=user,
        starts_at=timezone.now() - dt.timedelta(days=400),
    )
    start = timezone.now() - dt.timedelta(days=365)

    def fields(seq: int) -> dict:
        entry_id = entry_ids[seq % len(entry_ids)] if seq % 2 else None
        return {
            "occurred_at": start + dt.timedelta(seconds=seq * 600),
            "actor_id": physician.pk,
            "actor_name": "Dr B. Bench",
            "target": AccessTarget.ENTRY if entry_id else AccessTarget.RECORD,
            "entry_id": entry_id,
            "grant_id": grant.pk,
        }

    history.write_chain(patient.pk, EVENTS, fields)
    return user


def download(client: Client, url: str) -> tuple[float, int, float, int]:
    """(seconds to the last byte, bytes, CPU seconds of this process, chunks). The CPU time
    leaves out PostgreSQL's work and other processes' load on a shared machine."""
    started, cpu = time.perf_counter(), time.process_time()
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    size, chunks = 0, 0
    for chunk in response.streaming_content if response.streaming else [response.content]:
        size += len(chunk)
        chunks += 1
    return time.perf_counter() - started, size, time.process_time() - cpu, chunks


def main() -> None:
    print(
        f"Export bench on {connection.vendor}: {ENTRIES:,} entries, {EVENTS:,} access events "
        f"(scale {SCALE})",
        flush=True,
    )
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    user = build()
    print(f"  built in {time.perf_counter() - started:.1f} s", flush=True)
    client = Client()
    client.force_login(user)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    seconds, size, cpu, chunks = download(client, "/portal/export/fhir/")
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"FHIR export: {seconds:.1f} s to the last byte ({cpu:.1f} s CPU in the web process), "
        f"{size / 1e6:.1f} MB in {chunks:,} chunks; peak RSS {rss_before / 1024:.0f} MB before, "
        f"{rss_after / 1024:.0f} MB after; load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )

    tracemalloc.start()
    seconds_traced, _size, _body, _chunks = download(client, "/portal/export/fhir/")
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"FHIR export under tracemalloc: peak Python heap {peak / 1e6:.1f} MB while streaming "
        f"{size / 1e6:.1f} MB ({seconds_traced:.1f} s traced)",
        flush=True,
    )

    seconds, size, cpu, _chunks = download(client, "/portal/export/summary/")
    print(
        f"printable summary: {seconds:.1f} s ({cpu:.1f} s CPU), {size / 1e6:.1f} MB of HTML",
        flush=True,
    )

    # Check what was streamed: every entry and event is there, and a sample validates.
    response = client.get("/portal/export/fhir/")
    data = json.loads(b"".join(response.streaming_content))
    kinds: dict[str, int] = {}
    for entry in data["entry"]:
        kind = entry["resource"]["resourceType"]
        kinds[kind] = kinds.get(kind, 0) + 1
    from fhir.resources.R4B import get_fhir_model_class

    for entry in data["entry"][:: max(1, len(data["entry"]) // 500)]:
        get_fhir_model_class(entry["resource"]["resourceType"]).model_validate(entry["resource"])
    print(f"bundle contents: {dict(sorted(kinds.items()))}", flush=True)


if __name__ == "__main__":
    main()
