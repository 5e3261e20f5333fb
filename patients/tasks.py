"""Onboarding emails. Tasks take outbox row ids only: never names, addresses or health data."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from clinic.emails import SENDS_EMAIL

from .models import OnboardingEmail
from .services import deliver_onboarding_email

# Rows younger than this are still on their way through on_commit; older than the horizon, an
# email about a visit is no longer useful.
SWEEP_GRACE = timedelta(minutes=2)
SWEEP_HORIZON = timedelta(days=2)
# A row still pending is published again at most this often, so a long mail outage (each task
# retrying with backoff meanwhile) is not flooded with duplicate publishes.
SWEEP_RESEND_EVERY = timedelta(minutes=30)


@shared_task(**SENDS_EMAIL)
def send_onboarding_email(email_id: int) -> str:
    return deliver_onboarding_email(email_id=email_id)


@shared_task(acks_late=True)
def send_pending_onboarding_emails() -> int:
    """Beat: publish again what was written but never sent (a lost publish, a dead worker).
    Delivery is idempotent, so a duplicate publish sends nothing twice."""
    now = timezone.now()
    pending = OnboardingEmail.objects.pending().filter(
        Q(republished_at__isnull=True) | Q(republished_at__lt=now - SWEEP_RESEND_EVERY),
        created_at__lt=now - SWEEP_GRACE,
        created_at__gte=now - SWEEP_HORIZON,
    )
    ids = list(pending.values_list("pk", flat=True)[:500])
    OnboardingEmail.objects.filter(pk__in=ids).update(republished_at=now)
    for email_id in ids:
        send_onboarding_email.delay(email_id)
    return len(ids)
