from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from notifications.models import Notification


def stuck_notification(user, minutes: int) -> Notification:
    return Notification.objects.create(
        recipient=user,
        kind="general",
        message="x",
        link="/portal/",
        email_due_at=timezone.now() - dt.timedelta(minutes=minutes),
    )


def test_backlog_check_passes_when_nothing_is_overdue(patient_user, capsys):
    stuck_notification(patient_user, minutes=2)
    call_command("check_notification_backlog", "--minutes", "5")
    assert "No notification email is overdue" in capsys.readouterr().out


def test_backlog_check_fails_when_emails_are_stuck(patient_user):
    stuck_notification(patient_user, minutes=10)
    with pytest.raises(CommandError, match="1 notification email"):
        call_command("check_notification_backlog", "--minutes", "5")
