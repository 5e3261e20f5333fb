"""An email backend for worker-process tests: leaves a marker when a send starts, waits
RAPPORT_TEST_EMAIL_DELAY seconds (a slow SMTP server), then writes the message as a file."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend


class SlowFileEmailBackend(EmailBackend):
    def send_messages(self, email_messages):
        directory = Path(self.file_path)
        (directory / f"started-{uuid.uuid4().hex}.marker").touch()
        time.sleep(float(os.environ.get("RAPPORT_TEST_EMAIL_DELAY", "0")))
        return super().send_messages(email_messages)
