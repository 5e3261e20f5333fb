"""An email backend for worker-process tests: leaves a marker when a send starts, waits
RAPPORT_TEST_EMAIL_DELAY seconds (a slow SMTP server), then writes the message as a file."""

from __future__ import annotations

import email
import os
import time
import uuid
from collections import Counter
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend


class SlowFileEmailBackend(EmailBackend):
    def send_messages(self, email_messages):
        directory = Path(self.file_path)
        (directory / f"started-{uuid.uuid4().hex}.marker").touch()
        time.sleep(float(os.environ.get("RAPPORT_TEST_EMAIL_DELAY", "0")))
        return super().send_messages(email_messages)


# What Django's file email backend writes after each message.
SEPARATOR = b"\n" + b"-" * 79 + b"\n"


def message_ids_sent(directory: Path) -> Counter:
    """How many times each Message-ID was written to the files in `directory`."""
    sent: Counter = Counter()
    for path in directory.glob("*.log"):
        for chunk in path.read_bytes().split(SEPARATOR)[:-1]:
            sent[email.message_from_bytes(chunk)["Message-ID"]] += 1
    return sent
