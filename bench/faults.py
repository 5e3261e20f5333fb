"""Faults under load, measured the way users and patients meet them (part `faults` of `make bench`).

A portal served by gunicorn (2 gthread workers, Redis as cache and broker, as in production), two
Celery worker processes (solo pool) sending email to files through a slow mail server (20 ms a
message), one Redis, PostgreSQL. For each scenario, 8 connections of a physician read consented
entries of their own slice of patients (every read writes an access event and a notification,
coalesced per patient) for PHASE s, then the fault lasts FAULT s under the same load, then PHASE s
more:

- no fault (the baseline of the same run);
- Redis killed (the process ends; started again after the fault);
- Redis hung (SIGSTOP: the port accepts connections, nothing answers; SIGCONT after);
- a worker SIGKILLed as soon as it has started sending (started again 2 s later).

Reported per scenario: requests and the errors clients saw (any status but 200, or a failed
connection), p99 and the slowest request during the fault, notifications written, delivered,
lost (still unsent DRAIN_LIMIT s after the load ends), duplicate emails (one Message-ID sent
more than once: possible only when a kill lands between the mail server's acceptance and the
mark, and then with the same Message-ID) and the time to drain (load end until the last
notification is sent). Beat's sweep is run here every second, on a compressed clock (overdue
after 5 s, republished every 15 s); in production beat runs it every minute, so a real drain
after an outage takes up to a few minutes longer than measured here.
"""

from __future__ import annotations

import datetime as dt
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone

from bench import pages
from notifications import delivery
from notifications.models import Notification, NotificationKind
from notifications.tasks import publish
from patients.models import Patient, RecordEntry
from tests.support.slow_email import message_ids_sent

ROOT = Path(__file__).resolve().parents[1]
PHASE = float(os.environ.get("BENCH_FAULT_PHASE_SECONDS", "3"))
FAULT = float(os.environ.get("BENCH_FAULT_SECONDS", "5"))
CONNECTIONS = 8
DRAIN_LIMIT = 180.0
EMAIL_DELAY = 0.02
CLAIM_SECONDS = 5
SCENARIOS = ("no fault", "Redis killed", "Redis hung (SIGSTOP)", "a worker SIGKILLed mid-send")


@dataclass
class Sample:
    at: float  # seconds since the load began
    seconds: float
    ok: bool


@dataclass
class Outcome:
    scenario: str
    samples: list[Sample] = field(default_factory=list)
    fault_window: tuple[float, float] = (0.0, 0.0)
    written: int = 0
    delivered: int = 0
    duplicates: int = 0
    duplicate_ids_differ: int = 0
    drain_seconds: float | None = None

    @property
    def errors(self) -> int:
        return sum(1 for sample in self.samples if not sample.ok)

    def during_fault(self) -> list[float]:
        start, end = self.fault_window
        return [s.seconds for s in self.samples if start <= s.at < end]


def _hammer(
    port: int,
    targets: list[pages.Target],
    start: int,
    began: float,
    stop_at: float,
    out: list[Sample],
    lock: threading.Lock,
) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    index, mine = start, []
    while time.perf_counter() < stop_at:
        target = targets[index % len(targets)]
        index += 1
        sent = time.perf_counter()
        ok = False
        try:
            connection.request("GET", target.path, headers={"Cookie": target.cookie})
            response = connection.getresponse()
            response.read()
            ok = response.status == 200
            if response.will_close:
                connection.close()
        except (OSError, http.client.HTTPException):
            connection.close()
        mine.append(Sample(sent - began, time.perf_counter() - sent, ok))
    connection.close()
    with lock:
        out.extend(mine)


def _load(
    port: int, targets: list[pages.Target], seconds: float, out: list[Sample]
) -> tuple[float, list[threading.Thread]]:
    """Start the load in the background: its start time (perf_counter) and its threads."""
    began = time.perf_counter()
    lock = threading.Lock()
    threads = [
        threading.Thread(target=_hammer, args=(port, targets, n, began, began + seconds, out, lock))
        for n in range(CONNECTIONS)
    ]
    for thread in threads:
        thread.start()
    return began, threads


def _child_env(redis_url: str, **extra: str) -> dict[str, str]:
    return dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="bench.settings",
        PYTHONPATH=str(ROOT),
        REDIS_URL=redis_url,
        LOG_LEVEL="WARNING",
        **extra,
    )


def _start_worker(redis_url: str, email_dir: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "clinic",
            "worker",
            "--pool=solo",
            "--loglevel=ERROR",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=_child_env(
            redis_url,
            BENCH_EMAIL_DIR=str(email_dir),
            BENCH_EMAIL_CLAIM_SECONDS=str(CLAIM_SECONDS),
            RAPPORT_TEST_EMAIL_DELAY=str(EMAIL_DELAY),
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # it complains, as it should, while Redis is away
        start_new_session=True,
    )


def _kill(process: subprocess.Popen, signal_number: int = 9) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal_number)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        process.wait(timeout=30)


def _drain(redis, since: dt.datetime, began: float) -> float | None:
    """Beat's sweep on a compressed clock until every notification since `since` is sent."""
    deadline = time.monotonic() + DRAIN_LIMIT
    while time.monotonic() < deadline:
        left = Notification.objects.undelivered().filter(created_at__gte=since).count()
        if left == 0:
            return time.perf_counter() - began
        if redis.is_running():
            for notification_id in delivery.take_overdue_for_republishing(
                older_than=dt.timedelta(seconds=5), resend_every=dt.timedelta(seconds=15)
            ):
                publish(notification_id)
        time.sleep(1)
    return None


def run_scenario(
    scenario: str, *, redis, portal_port: int, targets: list[pages.Target], workdir: Path
) -> Outcome:
    outcome = Outcome(scenario)
    email_dir = Path(tempfile.mkdtemp(prefix="mail-", dir=workdir))
    workers = [_start_worker(redis.url, email_dir) for _ in range(2)]
    time.sleep(3)  # the workers connect to Redis
    since = timezone.now()
    try:
        began, load = _load(portal_port, targets, PHASE + FAULT + PHASE, outcome.samples)
        time.sleep(PHASE)
        fault_start = time.perf_counter() - began
        if scenario == "Redis killed":
            redis.stop()
            time.sleep(FAULT)
            redis.start()
        elif scenario.startswith("Redis hung"):
            redis.pause()
            time.sleep(FAULT)
            redis.resume()
        elif scenario.startswith("a worker"):
            deadline = time.monotonic() + FAULT
            while not any(email_dir.glob("started-*.marker")) and time.monotonic() < deadline:
                time.sleep(0.01)
            _kill(workers[0])
            time.sleep(2)
            workers[0] = _start_worker(redis.url, email_dir)
            time.sleep(max(0.0, deadline - time.monotonic()))
        else:
            time.sleep(FAULT)
        outcome.fault_window = (fault_start, time.perf_counter() - began)
        for thread in load:
            thread.join()
        load_end = time.perf_counter()
        outcome.drain_seconds = _drain(redis, since, load_end)
        time.sleep(1)  # a late duplicate would have been sent by now
    finally:
        for worker in workers:
            _kill(worker, 15)
    mine = Notification.objects.filter(kind=NotificationKind.RECORD_ACCESS, created_at__gte=since)
    outcome.written = mine.count()
    outcome.delivered = mine.filter(email_sent_at__isnull=False).count()
    sent = message_ids_sent(email_dir)
    outcome.duplicates = sum(sent.values()) - len(sent)
    expected = {delivery.message_id_for(pk) for pk in mine.values_list("pk", flat=True)}
    outcome.duplicate_ids_differ = len(set(sent) - expected)
    return outcome


def consented_targets(physician_cookie: str, patients: list[Patient]) -> list[pages.Target]:
    entries = dict(
        RecordEntry.objects.filter(patient__in=patients)
        .order_by("patient_id", "id")
        .values_list("patient_id", "id")
        .distinct()
    )
    return [
        pages.Target(f"/staff/patients/{patient_id}/entries/{entry_id}/", physician_cookie)
        for patient_id, entry_id in entries.items()
    ]


def run(
    world: dict,
    env: dict[str, str],
    physician_cookie: str,
    report: Callable[[str, str, str], None],
) -> list[Outcome]:
    """Every scenario, each on its own slice of patients (so its notifications are its own)."""
    from clinic.celery import app
    from tests.support.redis import RedisServer

    redis = RedisServer()
    redis.start()
    app.conf.update(broker_url=redis.url, task_always_eager=False)
    slice_size = min(100, len(world["patients"]) // (len(SCENARIOS) + 2))
    outcomes = []
    workdir = Path(tempfile.mkdtemp(prefix="rapport-bench-faults-"))
    portal_env = dict(env, REDIS_URL=redis.url, LOG_LEVEL="WARNING")
    try:
        with pages.Gunicorn("clinic.wsgi:application", portal_env, "/healthz") as portal:
            for number, scenario in enumerate(SCENARIOS):
                patients = world["patients"][-(number + 1) * slice_size :][:slice_size]
                targets = consented_targets(physician_cookie, patients)
                print(f"  {scenario} ...", flush=True)
                outcome = run_scenario(
                    scenario,
                    redis=redis,
                    portal_port=portal.port,
                    targets=targets,
                    workdir=workdir,
                )
                outcomes.append(outcome)
                during = outcome.during_fault()
                p99 = pages.percentile(during, 0.99) * 1000 if during else float("nan")
                slowest = max(during) * 1000 if during else float("nan")
                lost = outcome.written - outcome.delivered
                drain = (
                    f"{outcome.drain_seconds:.1f} s"
                    if outcome.drain_seconds is not None
                    else f"not within {DRAIN_LIMIT:.0f} s"
                )
                report(
                    f"faults: {scenario}",
                    f"{outcome.errors} errors seen by clients in {len(outcome.samples):,} "
                    f"requests; during the fault p50 "
                    f"{statistics.median(during) * 1000 if during else float('nan'):.0f} ms, "
                    f"p99 {p99:.0f} ms, slowest {slowest:.0f} ms; {outcome.written} "
                    f"notifications, {outcome.delivered} delivered, {lost} lost, "
                    f"{outcome.duplicates} duplicate emails "
                    f"({outcome.duplicate_ids_differ} with an unknown Message-ID); drained "
                    f"{drain} after the load",
                    "pages answer within 1 s; none lost; duplicates only with the same Message-ID",
                )
    finally:
        redis.cleanup()
        app.conf.update(task_always_eager=True)
    return outcomes
