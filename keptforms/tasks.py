from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from .models import KeptForm


@shared_task(acks_late=True)
def delete_expired_kept_forms() -> int:
    """Forms kept past their time are deleted (beat, every ten minutes); no one can get them
    back after `KEPT_FORM_MINUTES` anyway."""
    deleted, _ = KeptForm.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
