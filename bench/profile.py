"""Profile one page in process, through the whole middleware stack, with Django's test client.

Run after the HTTP bench has built its data (it leaves the database behind on SQLite), e.g.

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 BENCH_ONLY=http BENCH_SCALE=0.01 \
        .venv/bin/python -m bench.run
    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python -m bench.profile library

Pages: library, entry, home, healthz. Prints the query count and the mean time per request over
PROFILE_REQUESTS requests (default 200) after a warm-up, with the CPU time (which a busy machine
inflates less); with pyinstrument installed (`pip install pyinstrument`) and PROFILE not 0, also
the profile of those requests.
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from clinic.models import User  # noqa: E402
from patients.models import Patient, RecordEntry  # noqa: E402


def _client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def page(name: str) -> tuple[Client, list[str]]:
    if name == "library":
        return _client_for(None), ["/education/"]
    if name == "healthz":
        return _client_for(None), ["/healthz"]
    if name == "home":
        patient = Patient.objects.filter(user__isnull=False).order_by("pk").first()
        return _client_for(patient.user), ["/portal/"]
    if name == "entry":
        physician = User.objects.get(email="bench.physician@rapport.example")
        if not physician.authenticator_set.exists():  # staff pages need two-step set up
            from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

            TOTP.activate(physician, generate_totp_secret())
        entries = RecordEntry.objects.order_by("patient_id", "pk").values_list("patient_id", "pk")
        paths = [f"/staff/patients/{p}/entries/{e}/" for p, e in entries[:200]]
        return _client_for(physician), paths
    raise SystemExit(f"Unknown page {name!r}: library, entry, home or healthz.")


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "library"
    count = int(os.environ.get("PROFILE_REQUESTS", "200"))
    client, paths = page(name)
    for path in paths[:20]:  # warm-up: templates compiled, URL resolvers filled
        assert client.get(path).status_code == 200, path
    with CaptureQueriesContext(connection) as queries:
        response = client.get(paths[0])
    print(f"{paths[0]}: {response.status_code}, {len(queries)} queries", file=sys.stderr)
    try:
        from pyinstrument import Profiler
    except ImportError:
        Profiler = None
    if os.environ.get("PROFILE", "1") == "0":  # time only
        Profiler = None
    profiler = Profiler(interval=0.0005) if Profiler else None
    if profiler:
        profiler.start()
    began, began_cpu = time.perf_counter(), time.process_time()
    for n in range(count):
        response = client.get(paths[n % len(paths)])
        assert response.status_code == 200
    elapsed, cpu = time.perf_counter() - began, time.process_time() - began_cpu
    if profiler:
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    print(
        f"{name}: {elapsed / count * 1000:.2f} ms per request ({cpu / count * 1000:.2f} ms of CPU) "
        f"over {count} "
        f"(DEBUG={settings.DEBUG}, {connection.vendor})",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
