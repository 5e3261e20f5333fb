from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from .sessions import SessionStore


@shared_task(acks_late=True)
def clear_expired_sessions() -> int:
    """Delete expired sessions (beat, hourly) so signed-out sessions do not pile up."""
    deleted, _ = (
        SessionStore.get_model_class().objects.filter(expire_date__lt=timezone.now()).delete()
    )
    return deleted
