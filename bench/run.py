"""Rapport's benchmarks (`make bench`): run against a throw-away PostgreSQL cluster.

Figures, compared with the targets in DESIGN.md:
1. audit appends per second: one writer; eight writer processes on one patient's chain (the worst
   case: they all wait for the same head); eight writers on eight patients;
2. 10,000 access events -> every notification email delivered by one real Celery worker, with
   Redis restarted half-way through the run (nothing may be lost);
3. with 10k patients, 100k record entries and 1M access events: the access-log page p50
   (in-process);
4. pages over HTTP (`bench/pages.py`): the portal and a bare one-file Django app that reads one
   row (`bench/bare.py`), each served by gunicorn with two workers, interleaved rounds in the same
   run: requests per second, p50, p99 and the ratio to the bare view for each case in
   `page_cases` (a list: add a case there);
5. faults under load (`bench/faults.py`): Redis killed, Redis hung, a worker SIGKILLed, each
   against a baseline without a fault: errors clients saw, latency during the fault,
   notifications lost and duplicated, time to drain;
6. one heavily read patient's access log (`bench/access_log.py`);
7. checkpoints (`bench/checkpoint.py`), run first, over the world as built (10k chains, 1M
   events): the first checkpoint, a routine one, and `verify_access_log` full and incremental.

Scale with BENCH_SCALE (default 1.0; e.g. 0.1 for a quick run, 0.01 for a smoke run); run some
parts only with e.g. BENCH_ONLY=appends,pages,http (parts: checkpoint, appends, delivery, pages,
http, faults, access_log). BENCH_COMPARE_ROOT=<a checkout of another commit> also serves that
commit's portal and measures its pages in the same rounds ("..., before" rows). Every part but the
HTTP and fault ones needs PostgreSQL (`make bench`); those also run on SQLite
(`DATABASE_URL=sqlite:///...`, as their smoke tests do). Results are printed and written to
bench/results/latest.md (BENCH_RESULTS to write elsewhere).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group, Permission  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from accesslog.chain import append_event, verify_chain  # noqa: E402
from accesslog.models import (  # noqa: E402
    AccessAction,
    AccessBasis,
    AccessEvent,
    AccessTarget,
)
from accesslog.notify import append_and_notify  # noqa: E402
from bench import access_log, checkpoint, faults, history, pages  # noqa: E402  (they set Django up)
from clinic.models import Role, Site, User  # noqa: E402
from clinic.services import create_staff_member  # noqa: E402
from consent.models import (  # noqa: E402
    ConsentGrant,
    GivenVia,
    Purpose,
    RecordEntryUserObjectPermission,
    Scope,
)
from notifications import delivery  # noqa: E402
from notifications.models import Notification  # noqa: E402
from notifications.tasks import publish  # noqa: E402
from patients.models import Patient, RecordCategory, RecordEntry  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCALE = float(os.environ.get("BENCH_SCALE", "1.0"))
PATIENTS = int(10_000 * SCALE)
ENTRIES_PER_PATIENT = 10
EVENTS_PER_PATIENT = 100
DELIVERY_EVENTS = int(10_000 * SCALE)

results: list[tuple[str, str, str]] = []


def report(name: str, value: str, target: str) -> None:
    results.append((name, value, target))
    print(f"  {name}: {value}   (target: {target})", flush=True)


def timed(label: str):
    class Timer:
        def __enter__(self):
            self.start = time.perf_counter()
            print(f"- {label} ...", flush=True)
            return self

        def __exit__(self, *exc):
            self.seconds = time.perf_counter() - self.start
            print(f"  done in {self.seconds:.1f} s", flush=True)

    return Timer()


# --- data ---------------------------------------------------------------------------------------


def build_world() -> dict:
    site = Site.objects.create(name="Bench Site", address="1 Bench Road")
    physician = create_staff_member(
        email="bench.physician@rapport.example",
        password=None,
        role=Role.PHYSICIAN,
        display_name="Dr B. Bench",
        site=site,
    )
    password_hash = User(email="x@example.org")
    password_hash.set_password("bench passphrase that is long")
    with timed(f"creating {PATIENTS:,} patients with accounts"):
        users = User.objects.bulk_create(
            [
                User(email=f"patient{i}@bench.example", password=password_hash.password)
                for i in range(PATIENTS)
            ],
            batch_size=5000,
        )
        patient_group = Group.objects.get(name=Role.PATIENT)
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=u.pk, group_id=patient_group.pk) for u in users],
            batch_size=5000,
        )
        patients = Patient.objects.bulk_create(
            [
                Patient(
                    legal_name=f"Bench Patient {i}",
                    date_of_birth=dt.date(1980, 1, 1),
                    email=u.email,
                    site=site,
                    user=u,
                )
                for i, u in enumerate(users)
            ],
            batch_size=5000,
        )
    categories = list(RecordCategory.values)
    today = timezone.localdate()
    with timed(f"creating {PATIENTS * ENTRIES_PER_PATIENT:,} record entries"):
        RecordEntry.objects.bulk_create(
            [
                RecordEntry(
                    patient=p,
                    author=physician,
                    category=categories[j % len(categories)],
                    title=f"Entry {j}",
                    body="Bench body text. " * 20,
                    recorded_on=today - dt.timedelta(days=j),
                )
                for p in patients
                for j in range(ENTRIES_PER_PATIENT)
            ],
            batch_size=10_000,
        )
    with timed("consent: a whole-record grant per patient and its guardian rows"):
        now = timezone.now()
        ConsentGrant.objects.bulk_create(
            [
                ConsentGrant(
                    patient=p,
                    grantee_user=physician,
                    scope=Scope.RECORD,
                    purpose=Purpose.TREATMENT,
                    given_via=GivenVia.IN_PERSON,
                    recorded_by=physician,
                    starts_at=now - dt.timedelta(days=1),
                )
                for p in patients
            ],
            batch_size=5000,
        )
        view = Permission.objects.get(
            content_type__app_label="patients", codename="view_recordentry"
        )
        RecordEntryUserObjectPermission.objects.bulk_create(
            [
                RecordEntryUserObjectPermission(
                    user=physician, permission=view, content_object_id=pk
                )
                for pk in RecordEntry.objects.values_list("pk", flat=True).iterator(10_000)
            ],
            batch_size=10_000,
        )
    return {"site": site, "physician": physician, "patients": patients}


def bulk_history(patients: list[Patient], physician: User) -> None:
    """1M chained events, written in bulk with real hashes (faster than the request path)."""
    start = timezone.now() - dt.timedelta(days=365)
    for index, patient in enumerate(patients):
        history.write_chain(
            patient.pk,
            EVENTS_PER_PATIENT,
            lambda seq, index=index: {
                "occurred_at": start + dt.timedelta(minutes=seq * 37 + index),
                "actor_id": physician.pk,
                "actor_name": "Dr B. Bench",
            },
            batch=50_000,
        )


# --- 1. appends ---------------------------------------------------------------------------------


def bench_appends(world: dict) -> None:
    physician, patients = world["physician"], world["patients"]
    count = 3000
    target = patients[-1]
    started = time.perf_counter()
    for _ in range(count):
        append_event(
            patient=target,
            actor=physician,
            action=AccessAction.VIEW,
            target=AccessTarget.RECORD,
            basis=AccessBasis.SELF,
            purpose="bench",
        )
    rate = count / (time.perf_counter() - started)
    report("audit appends, one writer", f"{rate:,.0f}/s", "≥ 1,000/s")

    for label, patient_ids in [
        ("eight writers, one chain", [patients[-2].pk] * 8),
        ("eight writers, eight chains", [p.pk for p in patients[-10:-2]]),
    ]:
        each = 400
        start_file = Path(tempfile.mkdtemp(prefix="rapport-bench-")) / "go"
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.settings", PYTHONPATH=str(ROOT))
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.support.append_events",
                    "--patient",
                    str(pid),
                    "--actor",
                    str(physician.pk),
                    "--count",
                    str(each),
                    "--start-file",
                    str(start_file),
                ],
                cwd=ROOT,
                env=env,
            )
            for pid in patient_ids
        ]
        time.sleep(3)  # let every process finish starting Django
        started = time.perf_counter()
        start_file.touch()
        for proc in procs:
            if proc.wait() != 0:
                raise SystemExit("an append writer failed")
        rate = each * len(procs) / (time.perf_counter() - started)
        intact = all(verify_chain(pid) is None for pid in set(patient_ids))
        report(
            f"audit appends, {label}",
            f"{rate:,.0f}/s, chains intact: {intact}",
            "chain intact with 8 concurrent writers",
        )


# --- 2. notification delivery -------------------------------------------------------------------


def _start_worker(redis_url: str) -> subprocess.Popen:
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="bench.settings",
        PYTHONPATH=str(ROOT),
        BENCH_REDIS_URL=redis_url,
    )
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "clinic",
            "worker",
            "--concurrency=4",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )


def bench_delivery(world: dict) -> None:
    """The access events happen first (each writes its event and notification and publishes the
    delivery on commit); then one worker delivers them all while Redis is restarted half-way."""
    from clinic.celery import app
    from tests.support.redis import RedisServer

    redis = RedisServer()
    redis.start()
    app.conf.update(broker_url=redis.url, task_always_eager=False)
    physician = world["physician"]
    patients = world["patients"][:DELIVERY_EVENTS]
    Notification.objects.all().delete()
    worker = None
    try:
        started = time.perf_counter()
        for patient in patients:
            with transaction.atomic():
                append_and_notify(
                    patient=patient,
                    actor=physician,
                    action=AccessAction.VIEW,
                    target=AccessTarget.RECORD,
                    basis=AccessBasis.GRANT,
                    purpose="treatment",
                )
        produced = time.perf_counter() - started
        report(
            "access event + notification + publish, one web process",
            f"{len(patients) / produced:,.0f}/s",
            "(no target)",
        )

        worker = _start_worker(redis.url)
        started = time.perf_counter()
        restarted = False
        worker_restarts = 0
        last_left, last_progress = None, time.monotonic()
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            left = Notification.objects.filter(email_sent_at__isnull=True).count()
            if left == 0:
                break
            if left != last_left:
                last_left, last_progress = left, time.monotonic()
            elif time.monotonic() - last_progress > 20:
                # What the supervisor does when `check_notification_backlog` fails: some
                # Celery/kombu versions stop consuming after a Redis restart without exiting.
                os.killpg(worker.pid, 9)
                worker.wait(timeout=60)
                worker = _start_worker(redis.url)
                worker_restarts += 1
                last_progress = time.monotonic()
            if not restarted and left <= len(patients) // 2:
                redis.stop()  # Redis restarts while the worker is delivering
                time.sleep(1)
                redis.start()
                restarted = True
            # Beat's sweep, on a compressed clock: publish again what is still unsent.
            for notification_id in delivery.take_overdue_for_republishing(
                older_than=dt.timedelta(seconds=5), resend_every=dt.timedelta(seconds=15)
            ):
                publish(notification_id)
            if os.environ.get("BENCH_PROFILE"):
                queued = redis.client().llen("celery") if redis.is_running() else "-"
                print(f"    undelivered {left}, queued in Redis {queued}", flush=True)
            time.sleep(1)
        elapsed = time.perf_counter() - started
        sent = Notification.objects.filter(email_sent_at__isnull=False).count()
        report(
            f"{len(patients):,} access notifications -> emails delivered by one worker "
            "(Redis restarted mid-run)",
            f"{sent:,}/{len(patients):,} delivered in {elapsed:.1f} s; "
            f"lost: {len(patients) - sent}; stalled worker restarted by the probe: "
            f"{worker_restarts} time(s)",
            "all within 60 s, none lost",
        )
    finally:
        if worker is not None:
            os.killpg(worker.pid, 15)
            worker.wait(timeout=60)
        redis.cleanup()
        app.conf.update(task_always_eager=True)


# --- 3. pages -----------------------------------------------------------------------------------


def p50(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def bench_pages(world: dict) -> None:
    patients = world["patients"]
    total = AccessEvent.objects.count()
    patient = patients[len(patients) // 3]
    client = Client()
    client.force_login(patient.user)
    samples = []
    for _ in range(60):
        started = time.perf_counter()
        response = client.get("/portal/access-log/")
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200
    report(
        f"access-log page p50 ({total:,} events in the table)",
        f"{p50(samples[10:]):.1f} ms",
        "≤ 50 ms",
    )


# --- 4. pages over HTTP -------------------------------------------------------------------------


def _session_cookie(user: User) -> str:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


LIBRARY_ARTICLES = 25  # more than one page of the library (20 a page)
ARTICLE_BODY = """\
## What is it?

A cold is a mild illness. It makes your nose run and your throat sore.

## What can I do?

- Rest and drink water.
- Wash your hands often.
- Call us if you feel worse after a week.
"""


def publish_articles(world: dict) -> None:
    """A library to read: published articles written and reviewed as physicians do."""
    from education import services as education
    from education.models import Article, Topic

    if Article.objects.exists():
        return
    reviewer = create_staff_member(
        email="bench.reviewer@rapport.example",
        password=None,
        role=Role.PHYSICIAN,
        display_name="Dr R. Review",
        site=world["site"],
    )
    topic = Topic.objects.create(name="Everyday illness", slug="everyday-illness")
    for n in range(LIBRARY_ARTICLES):
        article = education.create_article(
            author=world["physician"],
            title=f"Looking after a cold, part {n + 1}",
            summary="How to look after yourself when you have a cold.",
            body=ARTICLE_BODY,
            language="en",
            topics=[topic],
        )
        version = education.submit_for_review(article=article, submitted_by=world["physician"])
        education.approve_version(
            version=version, reviewer=reviewer, override_reason="Benchmark article."
        )


def page_cases(world: dict, connections: int) -> list[pages.Case]:
    """The pages measured over HTTP, in the order each round runs them. The bare view comes first
    and is the baseline of every ratio. Signed-in pages spread over several patients (a clinic's
    traffic, not one chain's lock): one patient session per connection for the patient's home, and
    the physician reading entries of many patients."""
    physician, patients = world["physician"], world["patients"]
    spread = patients[: max(connections, min(len(patients), 200))]
    entries = dict(
        RecordEntry.objects.filter(patient__in=spread)
        .order_by("patient_id", "id")
        .values_list("patient_id", "id")
        .distinct()
    )
    some_entry = next(iter(entries.values()))
    doctor = _session_cookie(physician)
    return [
        pages.Case("bare one-row view", "bare", [pages.Target(f"/row/{some_entry}")]),
        pages.Case("/healthz", "portal", [pages.Target("/healthz")]),
        pages.Case(
            "public education library",
            "portal",
            [pages.Target("/education/")],
            "≤ 3x the bare view",
        ),
        pages.Case(
            "physician's consented entry view",
            "portal",
            [
                pages.Target(f"/staff/patients/{patient_id}/entries/{entry_id}/", doctor)
                for patient_id, entry_id in entries.items()
            ],
            "≤ 5x the bare view (aim 3x)",
        ),
        pages.Case(
            "patient's home",
            "portal",
            [pages.Target("/portal/", _session_cookie(p.user)) for p in patients[:connections]],
            "≤ 5x the bare view (aim 3x)",
        ),
    ]


def portal_env(world: dict) -> dict[str, str]:
    """The environment of a gunicorn serving the portal on the bench's database, its static files
    collected; the physician's staff pages need two-step verification set up."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    physician = world["physician"]
    if not physician.authenticator_set.exists():
        TOTP.activate(physician, generate_totp_secret())
    static_root = tempfile.mkdtemp(prefix="rapport-bench-static-")
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="bench.settings",
        PYTHONPATH=str(ROOT),
        BENCH_STATIC_ROOT=static_root,
        DATABASE_URL=os.environ.get("DATABASE_URL", ""),
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    return env


def bench_http(world: dict) -> None:
    rounds, seconds, connections = pages.settings_from_env(SCALE)
    publish_articles(world)
    env = portal_env(world)
    cases = page_cases(world, connections)
    print(
        f"  {rounds} interleaved rounds of {seconds:g} s per case, {connections} keep-alive "
        f"connections, gunicorn {pages.WORKERS} workers x {pages.THREADS} threads (gthread)",
        flush=True,
    )
    # BENCH_COMPARE_ROOT: a checkout of another commit (same migrations), served by a third
    # gunicorn on the same database; its pages run in the same interleaved rounds, so a change is
    # measured against what came before under the same load.
    compare_root = os.environ.get("BENCH_COMPARE_ROOT")
    if compare_root:
        cases += [
            pages.Case(f"{case.name}, before", "before", case.targets, case.target_ratio)
            for case in cases[2:]
        ]
    with contextlib.ExitStack() as stack:
        servers = {
            "bare": stack.enter_context(
                pages.Gunicorn("bench.bare:application", env, cases[0].targets[0].path)
            ),
            "portal": stack.enter_context(
                pages.Gunicorn("clinic.wsgi:application", env, "/healthz")
            ),
        }
        if compare_root:
            servers["before"] = stack.enter_context(
                pages.Gunicorn(
                    "clinic.wsgi:application",
                    {**env, "PYTHONPATH": compare_root},
                    "/healthz",
                    root=Path(compare_root),
                )
            )
        figures = pages.run_cases(
            cases, servers, rounds=rounds, seconds=seconds, connections=connections
        )
    baseline = figures[cases[0].name].rps
    for case in cases:
        found = figures[case.name]
        ratio = baseline / found.rps if found.rps else float("inf")
        report(
            f"HTTP: {case.name}",
            f"{found.rps:,.0f} req/s, p50 {found.p50_ms:.1f} ms, p99 {found.p99_ms:.1f} ms, "
            f"{ratio:.1f}x the bare view; {found.errors} errors in {found.requests:,} requests",
            case.target_ratio if case is not cases[0] else "(baseline)",
        )
    if any(figures[case.name].errors for case in cases):
        raise SystemExit("Some requests failed: see the statuses above.")


def bench_faults(world: dict) -> None:
    env = portal_env(world)
    faults.run(world, env, _session_cookie(world["physician"]), report)


def main() -> None:
    parts = "checkpoint,appends,delivery,pages,http,faults,access_log"
    only = os.environ.get("BENCH_ONLY", parts).split(",")
    postgres = connection.vendor == "postgresql"
    if not postgres and set(only) - {"http", "faults"}:
        raise SystemExit("Run the benchmarks on PostgreSQL (make bench), or BENCH_ONLY=http,faults")
    engine = f"PostgreSQL {connection.pg_version // 10000}" if postgres else "SQLite"
    print(f"Rapport benchmarks at scale {SCALE} on {engine}", flush=True)
    call_command("migrate", verbosity=0)
    world = build_world()
    with timed(f"writing {PATIENTS * EVENTS_PER_PATIENT:,} chained access events"):
        bulk_history(world["patients"], world["physician"])
    if postgres:
        access_log.analyze()
    if "checkpoint" in only:
        print("7. Checkpoints over the whole log (bench/checkpoint.py)", flush=True)
        checkpoint.run(report, world["physician"])
    if "appends" in only:
        print("1. Audit appends", flush=True)
        bench_appends(world)
    if "delivery" in only:
        print("2. Notification delivery", flush=True)
        bench_delivery(world)
    if "pages" in only:
        print("3. Access-log page", flush=True)
        bench_pages(world)
    if "http" in only:
        print("4. Pages over HTTP", flush=True)
        bench_http(world)
    if "faults" in only:
        print("5. Faults under load (bench/faults.py)", flush=True)
        bench_faults(world)
    if "access_log" in only:
        print("6. One heavily read patient's access log (bench/access_log.py)", flush=True)
        access_log.run(report)

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    lines = [
        f"# Rapport benchmark results ({timezone.now():%Y-%m-%d %H:%M} UTC, scale {SCALE})",
        "",
        f"Machine: {os.cpu_count()} CPU(s), {engine}"
        + (" (throw-away cluster, fsync off)" if postgres else "")
        + f", commit {commit or 'unknown'}.",
        "",
        "| benchmark | result | target |",
        "|---|---|---|",
        *[f"| {name} | {value} | {target} |" for name, value, target in results],
    ]
    out = Path(os.environ.get("BENCH_RESULTS", ROOT / "bench" / "results" / "latest.md"))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
