"""Onboarding emails. Tasks take outbox row ids only: never names, addresses or health data."""

from __future__ import annotations

from datetime import timedelta
from smtplib import SMTPException

from celery import shared_task
from django.utils import timezone

from .models import OnboardingEmail
from .services import deliver_onboarding_email

# Rows younger than this are still on their way through on_commit; older than the horizon, an
# email about a visit is no longer useful.
SWEEP_GRACE = timedelta(minutes=2)
SWEEP_HORIZON = timedelta(days=2)


@shared_task(
    acks_late=True,
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=30,
    max_retries=5,
)
def send_onboarding_email(email_id: int) -> str:
    return deliver_onboarding_email(email_id=email_id)


@shared_task(acks_late=True)
def send_pending_onboarding_emails() -> int:
    """Beat: publish again what was written but never sent (a lost publish, a dead worker).
    Delivery is idempotent, so a duplicate publish sends nothing twice."""
    now = timezone.now()
    pending = OnboardingEmail.objects.pending().filter(
        created_at__lt=now - SWEEP_GRACE, created_at__gte=now - SWEEP_HORIZON
    )
    ids = list(pending.values_list("pk", flat=True)[:500])
    for email_id in ids:
        send_onboarding_email.delay(email_id)
    return len(ids)
