"""Each email once, with real workers SIGKILLed at random instants during a burst: no
notification is lost, and a message sent twice (a kill after the mail server accepted it and
before it was marked sent) carries the same Message-ID both times."""

from __future__ import annotations

import datetime as dt
import email
import os
import random
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import pytest

from notifications import delivery, services, tasks
from notifications.models import Notification, NotificationKind
from tests.support import celery as celery_support
from tests.support import processes
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

BURST = int(os.environ.get("RAPPORT_FAULT_BURST", "300"))
KILLS = int(os.environ.get("RAPPORT_FAULT_KILLS", "25"))
CLAIM_SECONDS = 2
SEPARATOR = b"\n" + b"-" * 79 + b"\n"  # what Django's file email backend writes after a message


def accepted_messages(email_dir: Path) -> list[email.message.Message]:
    """Every message the 'mail server' accepted completely (a kill mid-write is not acceptance)."""
    accepted = []
    for path in email_dir.glob("*.log"):
        chunks = path.read_bytes().split(SEPARATOR)
        for chunk in chunks[:-1]:  # the last chunk has no separator after it: unfinished
            accepted.append(email.message_from_bytes(chunk))
    return accepted


def sweep_now() -> None:
    """Beat's sweep without waiting a minute: publish again every unsent email that nobody is
    sending (no claim, or an expired one), each at most every 10 seconds."""
    ids = delivery.overdue_for_republishing(
        older_than=dt.timedelta(0), resend_every=dt.timedelta(seconds=10)
    )
    for notification_id in ids:
        tasks.publish(notification_id)
    delivery.mark_republished(ids)


def test_workers_killed_at_random_instants_lose_nothing_and_duplicate_only_with_one_message_id(
    redis, patient_user
):
    email_dir = Path(tempfile.mkdtemp(prefix="rapport-mail-"))
    rng = random.Random(16)

    def start() -> object:
        return processes.start_worker(
            redis_url=redis.url,
            email_dir=str(email_dir),
            email_delay=0.01,
            email_claim_seconds=CLAIM_SECONDS,
        )

    def sends_started() -> int:
        return len(list(email_dir.glob("started-*.marker")))

    with celery_support.broker(redis.url):
        notes = [
            services.notify(
                recipient=patient_user,
                kind=NotificationKind.GENERAL,
                message=f"Message {n}",
                link="/portal/",
            )
            for n in range(BURST)
        ]  # each published to Redis as it commits
        kills = 0
        worker = start()
        try:
            while kills < KILLS and Notification.objects.undelivered().exists():
                before = sends_started()
                if not wait_for(lambda b=before: sends_started() > b, timeout=30):
                    break
                time.sleep(rng.uniform(0, 0.2))  # a random instant in the middle of sending
                processes.kill(worker)  # its message is unacknowledged, its claim left to expire
                kills += 1
                worker = start()
            # The queue drains; then the sweep rescues what killed workers held (their messages
            # return only after the visibility timeout) once their claims expire.
            deadline = time.monotonic() + 240
            while Notification.objects.undelivered().exists() and time.monotonic() < deadline:
                if redis.client().llen("celery") == 0:
                    sweep_now()
                time.sleep(CLAIM_SECONDS)
            assert wait_for(lambda: redis.client().llen("celery") == 0, timeout=60)
            time.sleep(1)  # the last message taken is finished
        finally:
            processes.stop(worker)

    assert not Notification.objects.undelivered().exists(), "an email was lost"
    by_message_id: dict[str, list[email.message.Message]] = defaultdict(list)
    for message in accepted_messages(email_dir):
        by_message_id[message["Message-ID"]].append(message)
    expected = {delivery.message_id_for(note.pk) for note in notes}
    assert set(by_message_id) == expected  # every notification reached the mail server
    duplicates = sum(len(copies) - 1 for copies in by_message_id.values())
    for copies in by_message_id.values():
        assert len({(c["To"], c["Subject"]) for c in copies}) == 1
    # A duplicate needs a kill between the mail server's acceptance and the mark.
    assert duplicates <= kills
    print(f"\n{BURST} emails, {kills} kills, {duplicates} duplicates (same Message-ID)")
    assert kills >= min(KILLS, 5), "the burst ended before the worker could be killed"
