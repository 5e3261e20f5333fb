"""Scale-out on the engines we use: two gunicorn web processes and two Celery worker processes
on one PostgreSQL and one Redis, through a burst of consented reads with a worker SIGKILLed
mid-run: every chain intact, every notification emailed once (a duplicate only with the same
Message-ID, and only if the kill fell between the mail server's acceptance and the mark)."""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from accesslog.chain import verify_chain
from accesslog.models import AccessEvent
from clinic.models import Role
from consent.models import Scope
from notifications import delivery, tasks
from notifications.models import Notification, NotificationKind
from tests.factories import PatientUserFactory, RecordEntryFactory, StaffFactory, grant
from tests.support import celery as celery_support
from tests.support import processes
from tests.support.redis import free_port
from tests.support.slow_email import message_ids_sent
from tests.support.waiting import wait_for

pytestmark = [
    pytest.mark.integration,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

PHYSICIANS = 3
PATIENTS = 6
READS_PER_PAIR = 4
CLAIM_SECONDS = 3


def fetch(url: str, session_key: str) -> int:
    request = urllib.request.Request(url, headers={"Cookie": f"sessionid={session_key}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        return response.status


def wait_until_serving(base: str) -> None:
    def healthy() -> bool:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    assert wait_for(healthy, timeout=90), f"{base} did not start"


def test_two_web_processes_and_two_workers_share_postgresql_and_redis(redis, site):
    if connection.vendor != "postgresql":
        pytest.skip("the scale-out proof runs on PostgreSQL (make test-postgres)")
    physicians = [
        StaffFactory(role=Role.PHYSICIAN, display_name=f"Dr P. Reader{n}", site=site)
        for n in range(PHYSICIANS)
    ]
    patients = [PatientUserFactory(patient__site=site).patient for _ in range(PATIENTS)]
    for patient in patients:
        RecordEntryFactory(patient=patient, author=physicians[0], title="Private")
        for physician in physicians:
            grant(patient, physician, scope=Scope.RECORD)
    sessions = {}
    for physician in physicians:
        client = Client()
        client.force_login(physician)
        sessions[physician.pk] = client.cookies["sessionid"].value

    email_dir = Path(tempfile.mkdtemp(prefix="rapport-mail-"))
    ports = [free_port(), free_port()]
    webs = [processes.start_web(port=port, redis_url=redis.url) for port in ports]

    def start_worker():
        return processes.start_worker(
            redis_url=redis.url,
            email_dir=str(email_dir),
            email_delay=0.05,
            email_claim_seconds=CLAIM_SECONDS,
        )

    workers = [start_worker(), start_worker()]
    kills = 0
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base in bases:
            wait_until_serving(base)
        reads = [
            (physician, patient)
            for physician in physicians
            for patient in patients
            for _ in range(READS_PER_PAIR)
        ]
        random.Random(16).shuffle(reads)
        with ThreadPoolExecutor(max_workers=8) as pool:
            futures = [
                pool.submit(
                    fetch,
                    f"{bases[n % 2]}/staff/patients/{patient.pk}/",
                    sessions[physician.pk],
                )
                for n, (physician, patient) in enumerate(reads)
            ]
            # Mid-burst, as soon as a worker has started sending: kill one, start another.
            assert wait_for(lambda: any(email_dir.glob("started-*.marker")), timeout=60)
            processes.kill(workers[0])
            kills += 1
            workers[0] = start_worker()
            statuses = [future.result() for future in futures]
        assert statuses == [200] * len(reads)

        # Beat's sweep (run here without waiting a minute) rescues what the killed worker held.
        deadline = time.monotonic() + 180
        while Notification.objects.undelivered().exists() and time.monotonic() < deadline:
            if redis.client().llen("celery") == 0:
                with celery_support.broker(redis.url):
                    ids = delivery.overdue_for_republishing(
                        older_than=dt.timedelta(0), resend_every=dt.timedelta(seconds=10)
                    )
                    for notification_id in ids:
                        tasks.publish(notification_id)
                    delivery.mark_republished(ids)
            time.sleep(1)
        assert wait_for(lambda: redis.client().llen("celery") == 0, timeout=60)
        time.sleep(1)
    finally:
        for process in webs + workers:
            processes.stop(process)

    for patient in patients:
        assert verify_chain(patient.pk) is None
        assert AccessEvent.objects.filter(patient=patient).count() == PHYSICIANS * READS_PER_PAIR
    notifications = Notification.objects.filter(kind=NotificationKind.RECORD_ACCESS)
    assert notifications.count() == PHYSICIANS * PATIENTS  # reads by one person coalesce
    assert not Notification.objects.undelivered().exists()

    sent = message_ids_sent(email_dir)
    assert set(sent) == {delivery.message_id_for(n.pk) for n in notifications}
    assert sum(sent.values()) - len(sent) <= kills
